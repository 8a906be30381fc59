"""Pages of the citizen / enterprise portal: log in, apply with the prefilled form, own cases,
supplements, e-licences, public verification and the message centre.

Views are thin: parse the request, call one service or selector, render. Refusals
(DomainError) are shown next to the field they name; someone else's case answers 404."""

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onetrip.cases import selectors as case_selectors
from onetrip.cases import services as case_services
from onetrip.cases.deadlines import working_days_left
from onetrip.cases.models import Case, CaseState, Channel
from onetrip.cases.permissions import access_case
from onetrip.catalog import selectors as catalog_selectors
from onetrip.catalog.models import ItemImplementation, LifeTheme
from onetrip.core.errors import DomainError, NotFound
from onetrip.datahub import selectors as datahub_selectors
from onetrip.notify import selectors as notify_selectors
from onetrip.notify import services as notify_services
from onetrip.portal.forms import (
    LoginForm,
    MaterialUploadForm,
    ResubmitForm,
    StartApplicationForm,
    VerifyForm,
    attach_error,
)

PAGE_SIZE = 20
_MOBILE_UA = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS", re.I)


def _applicant_required(view):  # type: ignore[no-untyped-def]
    """Logged-in citizens and enterprises only; staff are sent to their workbench."""

    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_applicant:
            return redirect("workbench:queue")
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _channel(request: HttpRequest) -> str:
    """The mobile channel is a headline indicator: a phone's browser counts as mobile."""
    return (
        Channel.MOBILE if _MOBILE_UA.search(request.headers.get("User-Agent", "")) else Channel.WEB
    )


def _own_case(request: HttpRequest, number: str) -> Case:
    try:
        return access_case(request.user, number)
    except NotFound:
        raise Http404(_("No case with this number.")) from None


def _implementation(implementation_id: int) -> ItemImplementation:
    try:
        return catalog_selectors.implementation_detail(implementation_id=implementation_id)
    except NotFound:
        raise Http404(_("No such service.")) from None


# --------------------------------------------------------------------------- home and login


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {"nav": "home", "themes": LifeTheme.choices},
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        if next_url:
            return redirect(next_url)
        return redirect("portal:my_cases" if form.user.is_applicant else "workbench:queue")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "portal/login.html",
        {"form": form, "next": next_url, "nav": "login"},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:home")


# --------------------------------------------------------------------------- applying


@_applicant_required
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest, implementation_id: int) -> HttpResponse:
    """The start of an application: shows what will be fetched for the applicant and what to
    upload; on POST opens a draft with the registry data fetched (audited, for this case)."""
    implementation = _implementation(implementation_id)
    form = StartApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            case = case_services.case_create_draft(
                actor=request.user,
                implementation=implementation,
                channel=_channel(request),
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except DomainError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            return redirect("portal:case", number=case.number)
    materials = list(implementation.materials.all())
    return render(
        request,
        "portal/apply_start.html",
        {
            "implementation": implementation,
            "item": implementation.item,
            "materials": materials,
            "fetched": [m for m in materials if m.is_fetched],
            "uploads": [m for m in materials if not m.is_fetched],
            "instant": catalog_selectors.has_instant_approval(implementation),
            "form": form,
            "nav": "guide",
        },
        status=status,
    )


def _case_context(request: HttpRequest, case: Case, **forms: Any) -> dict[str, Any]:
    implementation = case.implementation
    materials = list(implementation.materials.all())
    supplied = {cm.material_id: cm for cm in case.materials.select_related("licence")}
    rows = [
        {"material": m, "supplied": supplied.get(m.id), "fetched": m.is_fetched} for m in materials
    ]
    prefilled = [
        (f"{source}.{name}", value)
        for source, values in (case.prefilled or {}).items()
        for name, value in (values or {}).items()
    ]
    if case.state == CaseState.DRAFT and "upload_form" not in forms:
        forms["upload_form"] = MaterialUploadForm(materials=materials)
    if case.state == CaseState.SUPPLEMENT_REQUESTED and "resubmit_form" not in forms:
        forms["resubmit_form"] = ResubmitForm(materials=materials)
    return {
        "case": case,
        "item": implementation.item,
        "implementation": implementation,
        "rows": rows,
        "prefilled": prefilled,
        "sla": case_selectors.sla_state(case),
        "days_left": working_days_left(case),
        "history": case_selectors.case_history(case=case),
        "nav": "cases",
        **forms,
    }


@_applicant_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One of the applicant's cases: the prefilled form of a draft, the status and deadline,
    the supplement request, the decision and the e-licence."""
    case = _own_case(request, number)
    return render(request, "portal/case_detail.html", _case_context(request, case))


@_applicant_required
@require_POST
def case_submit(request: HttpRequest, number: str) -> HttpResponse:
    """Attach the uploads to the draft and submit it: the instant decision or the case page."""
    case = _own_case(request, number)
    form = MaterialUploadForm(
        request.POST, request.FILES, materials=case.implementation.materials.all()
    )
    if form.is_valid():
        try:
            for material_id, upload in form.uploads().items():
                case_services.case_attach_material(
                    actor=request.user,
                    case=case,
                    material=form.material_by_field[f"material_{material_id}"],
                    upload=upload,
                )
            case = case_services.case_submit(actor=request.user, case=case)
        except DomainError as exc:
            attach_error(form, exc)
            case.refresh_from_db()
            context = _case_context(request, case, upload_form=form)
            return render(request, "portal/case_detail.html", context, status=exc.status)
        if case.instant_rule_name:
            messages.success(request, _("Approved at once. Your e-licence has been issued."))
        else:
            messages.success(request, _("Submitted. The department will accept it shortly."))
        return redirect("portal:case", number=case.number)
    context = _case_context(request, case, upload_form=form)
    return render(request, "portal/case_detail.html", context, status=400)


@_applicant_required
@require_POST
def case_resubmit(request: HttpRequest, number: str) -> HttpResponse:
    """Answer a supplement request (补正): upload what was asked for; the clock resumes."""
    case = _own_case(request, number)
    form = ResubmitForm(request.POST, request.FILES, materials=case.implementation.materials.all())
    if form.is_valid():
        try:
            case = case_services.case_resubmit(
                actor=request.user,
                case=case,
                files=form.uploads(),
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as exc:
            attach_error(form, exc, {"files": None})
            case.refresh_from_db()
            context = _case_context(request, case, resubmit_form=form)
            return render(request, "portal/case_detail.html", context, status=exc.status)
        messages.success(request, _("Resubmitted. The time limit runs again."))
        return redirect("portal:case", number=case.number)
    context = _case_context(request, case, resubmit_form=form)
    return render(request, "portal/case_detail.html", context, status=400)


@_applicant_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(case_selectors.case_list_for_applicant(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {"case": c, "sla": case_selectors.sla_state(c), "days_left": working_days_left(c)}
        for c in page.object_list
    ]
    return render(request, "portal/my_cases.html", {"page": page, "rows": rows, "nav": "cases"})


@_applicant_required
def material_file(request: HttpRequest, number: str, material_id: int) -> HttpResponse:
    """A file the applicant uploaded to one of their own cases."""
    return case_material_response(_own_case(request, number), material_id)


def case_material_response(case: Case, material_id: int) -> FileResponse:
    """The uploaded file of one material of a case the caller may already see."""
    supplied = case.materials.filter(material_id=material_id).exclude(file="").first()
    if supplied is None:
        raise Http404
    return FileResponse(
        supplied.file.open("rb"),
        content_type=supplied.content_type or "application/octet-stream",
        filename=supplied.file_name,
    )


# --------------------------------------------------------------------------- e-licences


@_applicant_required
def my_licences(request: HttpRequest) -> HttpResponse:
    licences = datahub_selectors.licences_of_holder(user=request.user)
    return render(request, "portal/my_licences.html", {"licences": licences, "nav": "licences"})


def verify(request: HttpRequest) -> HttpResponse:
    """Public: anyone holding a verification code checks that an e-licence is genuine."""
    form = VerifyForm(request.GET or None)
    licence = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        licence = datahub_selectors.licence_verification(code=form.cleaned_data["code"])
        if licence is None:
            form.add_error("code", _("No e-licence has this verification code."))
    return render(
        request,
        "portal/verify.html",
        {"form": form, "licence": licence, "searched": searched, "nav": "verify"},
        status=404 if searched and licence is None else 200,
    )


# --------------------------------------------------------------------------- messages


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notify_selectors.messages_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "portal/messages.html", {"page": page, "nav": "messages"})


@login_required
@require_POST
def message_read(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = notify_services.message_mark_read(user=request.user, message_id=message_id)
    except NotFound:
        raise Http404(_("No such message.")) from None
    if request.headers.get("HX-Request"):
        unread = notify_selectors.unread_count(user=request.user)
        return render(
            request, "portal/_message.html", {"message": message, "oob": True, "unread": unread}
        )
    return redirect(reverse("portal:messages"))
