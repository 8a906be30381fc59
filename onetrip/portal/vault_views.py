"""Pages of the personal data vault (个人数据宝): a citizen's or enterprise's own records across
datasets, every access to them, their consents to third parties with receipts, and their
correction requests (数据纠错).

Views are thin: parse, call one vault service or selector, render. What is whose is decided by
the selectors (someone else's consent or correction answers 404); refusals of the services are
shown next to the field they name."""

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onetrip.accounts.identifiers import mask_resident_id
from onetrip.accounts.models import User
from onetrip.core.errors import DomainError, NotFound
from onetrip.core.templatetags.onetrip_tags import localized
from onetrip.datahub import selectors as datahub_selectors
from onetrip.datahub import services as datahub_services
from onetrip.portal.forms import attach_error
from onetrip.portal.vault_forms import (
    CONSENT_FIELD_MAP,
    CORRECTION_FIELD_MAP,
    AccessPeriodForm,
    ConsentForm,
    CorrectionForm,
)
from onetrip.portal.views import _applicant_required

ACCESS_PAGE_SIZE = 20


@dataclass
class Window:
    """One page of a list the selector pages itself (offset/limit): what includes/pager.html
    needs, without a Paginator over a queryset."""

    object_list: list[Any]
    number: int
    total: int
    size: int

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def paginator(self) -> "Window":
        return self

    def has_previous(self) -> bool:
        return self.number > 1

    def has_next(self) -> bool:
        return self.number < self.num_pages

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def _page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _not_found(exc: NotFound) -> Http404:
    return Http404(exc.detail)


def _field_rows(dataset: Any, record: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "field": field,
            "path": f"{dataset.code}.{field.name}",
            "value": record.get(field.name),
            "correctable": datahub_selectors.is_correctable(dataset, field.name),
        }
        for field in dataset.fields.all()
    ]


def _my_records(user: Any) -> list[dict[str, Any]]:
    """Every record about the user, by dataset, each field with its label and value."""
    return [
        {
            "dataset": dataset,
            "records": [
                {
                    "key": str(record.get(dataset.key_field, "")),
                    "rows": _field_rows(dataset, record),
                }
                for record in records
            ],
        }
        for dataset, records in datahub_selectors.vault_records(user=user)
    ]


# --------------------------------------------------------------------------- my data


@_applicant_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Every record about me across datasets, shown in clear: it is my own data."""
    return render(
        request,
        "portal/vault/my_data.html",
        {"groups": _my_records(request.user), "nav": "vault", "tab": "data"},
    )


# --------------------------------------------------------------------------- accesses


@_applicant_required
def my_accesses(request: HttpRequest) -> HttpResponse:
    """Every access to my data, newest first, paged, within a period of Shanghai dates."""
    form = AccessPeriodForm(request.GET or None)
    period: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # a bad date drops only its own bound (shown on its field)
        period = form.cleaned_data
    # Dates: the selector reads them in Asia/Shanghai, the "to" day included.
    since, until = period.get("since"), period.get("until")
    number = _page_number(request.GET.get("page"))
    total, rows = datahub_selectors.vault_accesses(
        user=request.user,
        since=since,
        until=until,
        offset=(number - 1) * ACCESS_PAGE_SIZE,
        limit=ACCESS_PAGE_SIZE,
    )
    last = max(1, math.ceil(total / ACCESS_PAGE_SIZE))
    if number > last:  # a page past the end shows the last one
        number = last
        total, rows = datahub_selectors.vault_accesses(
            user=request.user,
            since=since,
            until=until,
            offset=(number - 1) * ACCESS_PAGE_SIZE,
            limit=ACCESS_PAGE_SIZE,
        )
    query = {k: v for k, v in request.GET.items() if k in ("since", "until") and v}
    return render(
        request,
        "portal/vault/accesses.html",
        {
            "form": form,
            "page": Window(list(rows), number, total, ACCESS_PAGE_SIZE),
            "query_string": urlencode(query),
            "nav": "vault",
            "tab": "accesses",
        },
        status=400 if form.errors else 200,
    )


# --------------------------------------------------------------------------- consents


def _consent_form(request: HttpRequest, data: Any = None) -> ConsentForm:
    datasets = datahub_selectors.consent_datasets(user=request.user)
    initial = {"dataset": request.GET.get("dataset", "")}
    return ConsentForm(
        data,
        clients=datahub_selectors.third_party_clients(),
        datasets=datasets,
        initial=initial,
    )


def _consents_page(request: HttpRequest, form: ConsentForm, status: int = 200) -> HttpResponse:
    consents = list(datahub_selectors.consents_of(user=request.user))
    for consent in consents:
        # Labels from the prefetched fields: no query per consent.
        labels = {f.name: localized(f, "label") for f in consent.dataset.fields.all()}
        consent.field_labels = [labels.get(name, name) for name in consent.fields]
    return render(
        request,
        "portal/vault/consents.html",
        {
            "consents": consents,
            "form": form,
            "has_clients": len(form.fields["client"].choices) > 1,
            "nav": "vault",
            "tab": "consents",
        },
        status=status,
    )


@_applicant_required
@require_http_methods(["GET", "POST"])
def my_consents(request: HttpRequest) -> HttpResponse:
    """My consents with a revoke button each, and the form to grant a new one. An HTMX
    request after choosing a dataset gets back only that dataset's field checkboxes."""
    if request.method == "GET":
        form = _consent_form(request)
        if request.headers.get("HX-Request") and request.GET.get("dataset"):
            return render(request, "portal/vault/_consent_fields.html", {"form": form})
        return _consents_page(request, form)
    form = _consent_form(request, request.POST)
    if not form.is_valid():
        return _consents_page(request, form, status=400)
    data = form.cleaned_data
    try:
        consent = datahub_services.consent_grant(
            subject=request.user,
            client_id=data["client"],
            dataset_code=data["dataset"],
            fields=data["field_names"],
            purpose=data["purpose"],
            valid_until=data["valid_until"],
        )
    except DomainError as exc:
        attach_error(form, exc, CONSENT_FIELD_MAP)
        return _consents_page(request, form, status=exc.status)
    messages.success(
        request,
        _("Consent granted. Receipt number: %(number)s") % {"number": consent.receipt_number},
    )
    return redirect("portal:vault_consent", receipt_number=consent.receipt_number)


def _own_consent(request: HttpRequest, receipt_number: str) -> Any:
    try:
        return datahub_selectors.access_consent(user=request.user, receipt_number=receipt_number)
    except NotFound as exc:
        raise _not_found(exc) from None


@_applicant_required
def consent_receipt(request: HttpRequest, receipt_number: str) -> HttpResponse:
    """The printable receipt of a consent and, once revoked, of its revocation."""
    consent = _own_consent(request, receipt_number)
    subject_key = consent.subject_key
    if request.user.kind == User.Kind.CITIZEN:  # a printed receipt may lie around
        subject_key = mask_resident_id(subject_key)
    return render(
        request,
        "portal/vault/consent_receipt.html",
        {"consent": consent, "subject_key": subject_key, "nav": "vault", "tab": "consents"},
    )


@_applicant_required
@require_http_methods(["GET", "POST"])
def consent_revoke(request: HttpRequest, receipt_number: str) -> HttpResponse:
    """GET asks to confirm; POST revokes, effective on the third party's next read."""
    consent = _own_consent(request, receipt_number)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            consent = datahub_services.consent_revoke(subject=request.user, consent_id=consent.pk)
        except NotFound as exc:
            raise _not_found(exc) from None
        except DomainError as exc:
            error, status = exc.detail, exc.status
        else:
            messages.success(request, _("Consent revoked. The third party can no longer read."))
            return redirect("portal:vault_consent", receipt_number=consent.receipt_number)
    return render(
        request,
        "portal/vault/consent_revoke.html",
        {"consent": consent, "error": error, "nav": "vault", "tab": "consents"},
        status=status,
    )


# --------------------------------------------------------------------------- corrections


def _with_field_label(correction: Any) -> Any:
    labels = {f.name: localized(f, "label") for f in correction.dataset.fields.all()}
    correction.field_label = labels.get(correction.field_name, correction.field_name)
    return correction


@_applicant_required
def my_corrections(request: HttpRequest) -> HttpResponse:
    """My correction requests with their status and deadline, newest first."""
    corrections = datahub_selectors.corrections_of(user=request.user).prefetch_related(
        "dataset__fields"
    )
    return render(
        request,
        "portal/vault/corrections.html",
        {
            "corrections": [_with_field_label(c) for c in corrections],
            "nav": "vault",
            "tab": "corrections",
        },
    )


def _my_field(request: HttpRequest, dataset_code: str, key: str, field_name: str) -> dict:
    """The dataset, record key, field and current value of one of my own fields; 404 for
    anything that is not mine (nobody learns whether it exists)."""
    for group in _my_records(request.user):
        if group["dataset"].code != dataset_code:
            continue
        for record in group["records"]:
            if str(record["key"]) != key:
                continue
            for row in record["rows"]:
                if row["field"].name == field_name:
                    return {"dataset": group["dataset"], "key": key, **row}
    raise Http404(_("No such field in your data."))


@_applicant_required
@require_http_methods(["GET", "POST"])
def correction_new(request: HttpRequest) -> HttpResponse:
    """Ask for one field to be corrected: shows the current value; the owning department's
    data steward answers within the deadline."""
    source = request.POST if request.method == "POST" else request.GET
    target = _my_field(
        request, source.get("dataset", ""), source.get("key", ""), source.get("field", "")
    )
    initial = {
        "dataset": target["dataset"].code,
        "key": target["key"],
        "field": target["field"].name,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                correction = datahub_services.correction_request_file(
                    requester=request.user,
                    dataset_code=data["dataset"],
                    record_key=data["key"],
                    field_name=data["field"],
                    proposed_value=data["proposed_value"],
                    reason=data["reason"],
                )
            except DomainError as exc:
                attach_error(form, exc, CORRECTION_FIELD_MAP)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Your correction request %(number)s has been sent to %(department)s.")
                    % {"number": correction.number, "department": target["dataset"].department},
                )
                return redirect("portal:vault_correction", number=correction.number)
    return render(
        request,
        "portal/vault/correction_new.html",
        {"form": form, "target": target, "nav": "vault", "tab": "corrections"},
        status=status,
    )


@_applicant_required
def correction_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Follow one correction request: status, deadline, the department's decision and why."""
    try:
        correction = datahub_selectors.access_correction(user=request.user, number=number)
    except NotFound as exc:
        raise _not_found(exc) from None
    return render(
        request,
        "portal/vault/correction_detail.html",
        {"correction": _with_field_label(correction), "nav": "vault", "tab": "corrections"},
    )
