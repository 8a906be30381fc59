"""The staff workbench: the department's queue by deadline, the case page with a form for
every action the user's role allows now, and the window intake.

Views are thin: parse, call one service or selector, render. A case outside the user's scope
answers 404; a refusal of a service is shown next to the field it names."""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onetrip.accounts.models import Role, User
from onetrip.cases import selectors as case_selectors
from onetrip.cases import services as case_services
from onetrip.cases.deadlines import working_days_left
from onetrip.cases.models import Case, CaseState, Channel
from onetrip.cases.permissions import access_case
from onetrip.catalog import selectors as catalog_selectors
from onetrip.catalog.models import Material
from onetrip.core.errors import DomainError, MaterialsMissing, NotFound
from onetrip.portal.forms import MaterialUploadForm, attach_error
from onetrip.portal.views import case_material_response
from onetrip.workbench.forms import (
    ACTION_FORMS,
    ACTION_LABELS,
    IntakeForm,
    QueueFilterForm,
)

PAGE_SIZE = 25
PRIMARY_ORDER = ["accept", "complete_step", "approve", "deliver", "resubmit", "archive"]


def _staff_required(view):  # type: ignore[no-untyped-def]
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.kind != User.Kind.STAFF:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _case_or_404(user: User, number: str) -> Case:
    try:
        return access_case(user, number)
    except NotFound:
        raise Http404(_("No case with this number.")) from None


# --------------------------------------------------------------------------- queue


@_staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """The work queue, most urgent first. Paged by slicing the selector's queryset with one
    extra row to know whether a next page exists: no COUNT(*) over millions of cases."""
    form = QueueFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # a bad value drops only its own filter; the valid ones stay
        filters = form.cleaned_data
    page = filters.get("page") or 1
    offset = (page - 1) * PAGE_SIZE
    cases = list(
        case_selectors.case_queue(
            user=request.user,
            sla=filters.get("sla") or None,
            state=filters.get("state") or None,
            query=filters.get("q") or "",
        )[offset : offset + PAGE_SIZE + 1]
    )
    has_next = len(cases) > PAGE_SIZE
    # Labels and links made once per page, not once per row: the queue is the busiest page.
    state_labels = {value: str(label) for value, label in CaseState.choices}
    case_url = reverse("workbench:case", args=["0"])[:-2]
    rows = [
        {
            "case": c,
            "url": f"{case_url}{c.number}/",
            "state_label": state_labels[c.state],
            "sla": case_selectors.sla_state(c),
            "days_left": working_days_left(c),
        }
        for c in cases[:PAGE_SIZE]
    ]
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "has_previous": page > 1,
        "query_string": params.urlencode(),
        "nav": "queue",
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-results":
        return render(request, "workbench/_queue_results.html", context)
    return render(request, "workbench/queue.html", context)


# --------------------------------------------------------------------------- case page


def _case_context(
    request: HttpRequest, case: Case, *, bound_action: str = "", bound_form: Any = None
) -> dict[str, Any]:
    implementation = case.implementation
    materials = list(implementation.materials.all())
    supplied = {cm.material_id: cm for cm in case.materials.select_related("licence")}
    actions = case_selectors.available_actions(user=request.user, case=case)
    forms = []
    for action in actions:
        if action == bound_action and bound_form is not None:
            form = bound_form
        else:
            form = _action_form(action, materials=materials)
        forms.append({"action": action, "label": ACTION_LABELS.get(action, action), "form": form})
    # The action that moves the case forward comes first and open; refusals and detours follow.
    forms.sort(
        key=lambda entry: (
            PRIMARY_ORDER.index(entry["action"])
            if entry["action"] in PRIMARY_ORDER
            else len(PRIMARY_ORDER)
        )
    )
    steps = implementation.steps
    return {
        "case": case,
        "item": implementation.item,
        "implementation": implementation,
        "rows": [
            {"material": m, "supplied": supplied.get(m.id), "fetched": m.is_fetched}
            for m in materials
        ],
        "prefilled": [
            (f"{source}.{name}", value)
            for source, values in (case.prefilled or {}).items()
            for name, value in (values or {}).items()
        ],
        "sla": case_selectors.sla_state(case),
        "days_left": working_days_left(case),
        "history": case_selectors.case_history(case=case),
        "action_forms": forms,
        "open_action": bound_action or (forms[0]["action"] if forms else ""),
        "steps": steps,
        "current_step_name": steps[case.current_step] if case.current_step < len(steps) else "",
        "nav": "queue",
    }


def _action_form(action: str, *, materials: list[Material], data=None, files=None):  # type: ignore[no-untyped-def]
    form_class = ACTION_FORMS[action]
    if issubclass(form_class, MaterialUploadForm):
        return form_class(data, files, prefix=action, materials=materials)
    return form_class(data, files, prefix=action)


@_staff_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request.user, number)
    return render(request, "workbench/case_detail.html", _case_context(request, case))


def _perform(action: str, actor: User, case: Case, form: Any) -> Case:
    """Call the one service of `action` with the form's values."""
    data = form.cleaned_data
    if action == "accept":
        return case_services.case_accept(actor=actor, case=case, note=data["note"])
    if action == "not_accept":
        return case_services.case_not_accept(actor=actor, case=case, reason=data["reason"])
    if action == "request_supplement":
        return case_services.case_request_supplement(
            actor=actor, case=case, items=data["items"], note=data["note"]
        )
    if action == "extend":
        return case_services.case_extend(
            actor=actor, case=case, days=data["days"] or 0, reason=data["reason"]
        )
    if action == "complete_step":
        return case_services.case_complete_step(actor=actor, case=case, note=data["note"])
    if action == "approve":
        return case_services.case_approve(
            actor=actor, case=case, reason=data["reason"], basis=data["basis"]
        )
    if action == "reject":
        return case_services.case_reject(
            actor=actor, case=case, reason=data["reason"], basis=data["basis"]
        )
    if action == "deliver":
        return case_services.case_deliver(
            actor=actor, case=case, method=data["method"], tracking_number=data["tracking_number"]
        )
    if action == "archive":
        return case_services.case_archive(actor=actor, case=case)
    if action == "resubmit":
        return case_services.case_resubmit(
            actor=actor, case=case, files=form.uploads(), note=data["note"]
        )
    raise Http404


@_staff_required
@require_POST
def case_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one action on a case; a refusal re-renders the case page with the error on the
    action form's field."""
    if action not in ACTION_FORMS:
        raise Http404
    case = _case_or_404(request.user, number)
    materials = list(case.implementation.materials.all())
    form = _action_form(action, materials=materials, data=request.POST, files=request.FILES)
    status = 400
    if form.is_valid():
        try:
            case = _perform(action, request.user, case, form)
        except DomainError as exc:
            attach_error(form, exc, {"files": None})
            status = exc.status
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(action, action)}
            )
            return redirect("workbench:case", number=case.number)
    case.refresh_from_db()
    context = _case_context(request, case, bound_action=action, bound_form=form)
    return render(request, "workbench/case_detail.html", context, status=status)


@_staff_required
def material_file(request: HttpRequest, number: str, material_id: int) -> FileResponse:
    """An uploaded material of a case in the user's scope, shown inline (its type was checked
    by content on upload: PDF, JPEG or PNG only)."""
    case = _case_or_404(request.user, number)
    return case_material_response(case, material_id)


# --------------------------------------------------------------------------- window intake


@_staff_required
def intake(request: HttpRequest) -> HttpResponse:
    """一窗受理: the clerk enters the applicant's ID, picks the service, uploads the papers the
    registries do not hold, and submits on the applicant's behalf (channel: window)."""
    if not request.user.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied
    implementations = list(catalog_selectors.implementations_for_intake(user=request.user))
    by_id = {impl.id: impl for impl in implementations}
    if request.method == "POST":
        form = IntakeForm(request.POST, implementations=implementations)
        implementation = by_id.get(_int(request.POST.get("implementation")))
    else:  # choosing the service shows its materials; nothing is validated yet
        form = IntakeForm(
            initial={k: request.GET.get(k, "") for k in ("applicant_id", "implementation")},
            implementations=implementations,
        )
        implementation = by_id.get(_int(request.GET.get("implementation")))
    materials = list(implementation.materials.all()) if implementation else []
    upload_form = MaterialUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        materials=materials,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and upload_form.is_valid() and implementation is not None:
            try:
                case = case_services.case_intake(
                    actor=request.user,
                    applicant_id_number=form.cleaned_data["applicant_id"],
                    implementation=implementation,
                    channel=Channel.WINDOW,
                    files=upload_form.uploads(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DomainError as exc:
                _attach_intake_error(form, upload_form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Taken in: case %(n)s for %(name)s.")
                    % {"n": case.number, "name": case.applicant_name},
                )
                return redirect("workbench:case", number=case.number)
    return render(
        request,
        "workbench/intake.html",
        {
            "form": form,
            "upload_form": upload_form,
            "implementation": implementation,
            "materials": materials,
            "intake_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            "nav": "intake",
        },
        status=status,
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _attach_intake_error(
    form: IntakeForm, upload_form: MaterialUploadForm, exc: DomainError
) -> None:
    field = exc.field or ""
    if field in ("id_number", "applicant"):
        form.add_error("applicant_id", exc.detail)
    elif field == "implementation":
        form.add_error("implementation", exc.detail)
    elif field.startswith("material_") or isinstance(exc, MaterialsMissing):
        attach_error(upload_form, exc)
    else:
        form.add_error(None, exc.detail)
