"""Reads of the personal data vault (个人数据宝): a citizen's or enterprise's own records across
datasets, every access to them (like Estonia's data tracker), their consents with receipts and
their correction requests; and the correction queue of the owning department's stewards.

Nobody sees what is not theirs: every read here is keyed on the asking user's own resident ID
or USCC, and a consent or correction of someone else is NotFound (nobody learns it exists)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import Role, User
from onetrip.audit.models import AuditEntry
from onetrip.cases.selectors import case_numbers_closed, case_numbers_of_applicant
from onetrip.core.errors import NotFound, ValidationFailed
from onetrip.core.templatetags.onetrip_tags import localized
from onetrip.datahub.models import (
    ApiClient,
    Consent,
    CorrectionRequest,
    Dataset,
    DatasetField,
    SharingCall,
    SharingCallSubject,
)
from onetrip.datahub.records import store_for
from onetrip.datahub.selectors.catalog import can_maintain_dataset, is_platform_admin

MAX_USAGE_LIMIT = 100


def _own_key(user: User) -> str:
    """The resident ID or USCC the user's vault is about; empty for anyone else."""
    if user.is_authenticated and user.is_applicant and user.id_number:
        return user.id_number
    return ""


def _person_datasets() -> QuerySet[Dataset]:
    # Every dataset about persons: a subject field may hold either kind of number (the
    # e-licence store holds citizens' and enterprises' licences), and the store matches it
    # exactly, so nobody gets someone else's records.
    return (
        Dataset.objects.exclude(subject_kind=Dataset.SubjectKind.NONE)
        .exclude(subject_field="")
        .select_related("department")
        .prefetch_related(Prefetch("fields", queryset=DatasetField.objects.order_by("position")))
        .order_by("code")
    )


def vault_records(*, user: User) -> list[tuple[Dataset, list[dict[str, Any]]]]:
    """Every record about the user across datasets, as (dataset, records) for each dataset
    holding at least one; values in clear (it is their own data). Datasets come with their
    owner and fields."""
    key = _own_key(user)
    if not key:
        return []
    out = []
    for dataset in _person_datasets():
        records = store_for(dataset).for_subject(dataset, key)
        if records:
            out.append((dataset, records))
    return out


def consent_datasets(*, user: User) -> list[Dataset]:
    """The datasets a consent form offers: those holding records about the user."""
    return [dataset for dataset, _records in vault_records(user=user)]


@dataclass
class VaultAccess:
    """One access to the person's data as their vault shows it."""

    id: int
    created_at: dt.datetime
    who: str  # the client (system or third party) that read
    organisation: str  # its department, or the third party's organisation
    dataset_code: str
    dataset_name: str
    fields: list[str]
    field_labels: list[str]
    purpose: str
    case_number: str
    own_case: bool  # the person's own application (its prefill)
    outcome: str
    status_code: int
    hidden: bool  # a covert access, shown because its case is closed
    consent_receipt: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _bound(value: dt.date | dt.datetime | None, *, end: bool) -> dt.datetime | None:
    """A datetime as given; a date as its first moment in Asia/Shanghai, or for the end of a
    period the first moment of the next day (the date itself is included)."""
    if value is None or isinstance(value, dt.datetime):
        if value is not None and timezone.is_naive(value):
            return timezone.make_aware(value)
        return value
    day = value + dt.timedelta(days=1) if end else value
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def vault_accesses(
    *,
    user: User,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[VaultAccess]]:
    """Every sharing call that touched the user's records in [since, until) — a date `until`
    includes that day — newest first, as (total, one page). All outcomes are listed, refusals
    too (someone tried to read the data), each with its outcome. A covert call (hidden by its
    caller, as the law allows) is left out until its case is closed, then shown flagged;
    one without a case stays out. `limit` is 1 to 100."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_USAGE_LIMIT:
        raise ValidationFailed(
            _("limit must be between 1 and %(max)d.") % {"max": MAX_USAGE_LIMIT}, field="limit"
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationFailed(_("offset cannot be negative."), field="offset")
    start, end = _bound(since, end=False), _bound(until, end=True)
    if start and end and end <= start:
        raise ValidationFailed(_("The period ends before it starts."), field="until")
    key = _own_key(user)
    if not key:
        return 0, []
    # Through the subject index; IN also folds a call that touched two of the user's records.
    touched = SharingCallSubject.objects.filter(subject_key=key).values("call_id")
    calls = SharingCall.objects.filter(pk__in=touched)
    if start:
        calls = calls.filter(created_at__gte=start)
    if end:
        calls = calls.filter(created_at__lt=end)
    covert_cases = list(
        calls.filter(hidden=True)
        .exclude(case_number="")
        .order_by()
        .values_list("case_number", flat=True)
        .distinct()
    )
    closed = case_numbers_closed(numbers=covert_cases)
    calls = calls.filter(Q(hidden=False) | Q(case_number__in=closed))
    total = calls.count()
    page = list(
        calls.select_related("client__department", "consent").order_by("-created_at", "-id")[
            offset : offset + limit
        ]
    )
    datasets = {
        d.code: d
        for d in Dataset.objects.filter(code__in={c.dataset_code for c in page}).prefetch_related(
            "fields"
        )
    }
    own = case_numbers_of_applicant(
        user=user, numbers=[c.case_number for c in page if c.case_number]
    )
    return total, [_access_row(call, datasets.get(call.dataset_code), own) for call in page]


def _access_row(call: SharingCall, dataset: Dataset | None, own: set[str]) -> VaultAccess:
    client = call.client
    organisation = ""
    if client is not None:
        if client.department is not None:
            organisation = localized(client.department)
        else:
            organisation = client.organisation_name
    labels = {f.name: localized(f, "label") for f in dataset.fields.all()} if dataset else {}
    return VaultAccess(
        id=call.pk,
        created_at=call.created_at,
        who=client.name if client is not None else call.consumer,
        organisation=organisation,
        dataset_code=call.dataset_code,
        dataset_name=localized(dataset) if dataset else call.dataset_code,
        fields=list(call.fields),
        field_labels=[labels.get(name, name) for name in call.fields],
        purpose=call.purpose,
        case_number=call.case_number,
        own_case=call.case_number in own,
        outcome=call.outcome,
        status_code=call.status_code,
        hidden=call.hidden,
        consent_receipt=call.consent.receipt_number if call.consent_id else "",
    )


# --------------------------------------------------------------------------- consents


def third_party_clients() -> QuerySet[ApiClient]:
    """Active third parties a person may authorise (the consent form's choices)."""
    return ApiClient.objects.filter(
        kind=ApiClient.Kind.THIRD_PARTY, disabled_at__isnull=True
    ).order_by("organisation_name", "name")


def consents_of(*, user: User) -> QuerySet[Consent]:
    """The user's own consents, newest first, with client, dataset and owner."""
    key = _own_key(user)
    if not key:
        return Consent.objects.none()
    return (
        Consent.objects.filter(subject_id=user.pk, subject_key=key)
        .select_related("client", "dataset__department")
        .prefetch_related("dataset__fields")
        .order_by("-granted_at", "-id")
    )


def consent_receipt_entries(consent: Consent) -> dict[str, AuditEntry]:
    """The audit entries of a consent by action ("consent.grant", "consent.revoke")."""
    entries = AuditEntry.objects.filter(
        object_type=Consent._meta.label_lower,
        object_id=str(consent.pk),
        action__in=("consent.grant", "consent.revoke"),
    ).order_by("seq")
    return {entry.action: entry for entry in entries}


def access_consent(*, user: User, receipt_number: str) -> Consent:
    """The user's own consent by receipt number, as its receipt: with `grant_entry` and
    `revoke_entry` (the audit entries, whose hashes the receipt shows; None if absent) and
    `field_labels`. Anyone else's is NotFound."""
    key = _own_key(user)
    consent = (
        consents_of(user=user).filter(receipt_number=(receipt_number or "").strip()).first()
        if key
        else None
    )
    if consent is None:
        raise NotFound(_("You have no consent with this receipt number."))
    entries = consent_receipt_entries(consent)
    consent.grant_entry = entries.get("consent.grant")  # type: ignore[attr-defined]
    consent.revoke_entry = entries.get("consent.revoke")  # type: ignore[attr-defined]
    labels = {f.name: localized(f, "label") for f in consent.dataset.fields.all()}
    consent.field_labels = [labels.get(n, n) for n in consent.fields]  # type: ignore[attr-defined]
    return consent


# --------------------------------------------------------------------------- corrections


def is_correctable(dataset: Dataset, field_name: str) -> bool:
    """Whether a person may ask for a correction of this field: not a record's identifying
    numbers, nor a store only cases write (e-licences). `correction_request_file` refuses
    the same, each with its own reason."""
    if field_name in (dataset.key_field, dataset.subject_field):
        return False
    return not store_for(dataset).read_only


def can_decide_correction(user: User, correction: CorrectionRequest) -> bool:
    """A data steward of the department owning the dataset (or the system admin)."""
    return can_maintain_dataset(user, correction.dataset)


def _corrections() -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.select_related(
        "dataset__department", "requester", "decided_by"
    )


def corrections_of(*, user: User) -> QuerySet[CorrectionRequest]:
    """The user's own correction requests, newest first."""
    if not _own_key(user):
        return CorrectionRequest.objects.none()
    return _corrections().filter(requester_id=user.pk).order_by("-created_at", "-id")


def access_correction(*, user: User, number: str) -> CorrectionRequest:
    """A correction request by number, for its requester or a steward who may decide it;
    NotFound for anyone else."""
    correction = _corrections().filter(number=(number or "").strip()).first()
    if correction is not None and (
        correction.requester_id == user.pk or can_decide_correction(user, correction)
    ):
        return correction
    raise NotFound(_("No correction request with this number."))


def correction_queue(*, steward: User) -> QuerySet[CorrectionRequest]:
    """Open requests on the datasets the steward's department owns (all for the system
    admin), the earliest deadline first; empty for anyone else."""
    open_requests = _corrections().filter(status=CorrectionRequest.Status.OPEN)
    if is_platform_admin(steward):
        return open_requests.order_by("deadline", "created_at", "id")
    if not (steward.has_role(Role.DATA_STEWARD) and steward.department_id):
        return CorrectionRequest.objects.none()
    return open_requests.filter(dataset__department_id=steward.department_id).order_by(
        "deadline", "created_at", "id"
    )
