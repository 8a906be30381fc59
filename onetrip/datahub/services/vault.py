"""The personal data vault's state changes (个人数据宝): consents for third parties (授权) and
correction requests (数据纠错).

A consent lets one third-party client read named fields of one dataset about the person, for
a purpose, until a date; `share_read` checks it on every read, so a revocation takes effect on
the next read. A correction request goes to the owning department's data stewards with a
deadline in working days; accepting it changes the record through its store, which keeps the
old values as a RecordVersion. Every grant, revocation, request and decision is audited in the
same transaction and can be shown as a receipt."""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import Region, User
from onetrip.audit.services import audit_record
from onetrip.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from onetrip.core.services import service
from onetrip.core.workdays import add_working_days, today
from onetrip.datahub.ingestion.checks import Bad, CheckContext, checkers
from onetrip.datahub.models import ApiClient, Consent, CorrectionRequest, Dataset, DatasetField
from onetrip.datahub.records import store_for
from onetrip.datahub.selectors.catalog import data_stewards
from onetrip.datahub.selectors.vault import can_decide_correction
from onetrip.notify.services import notification_queue

F = DatasetField.Type


def consent_max_days() -> int:
    """How far ahead a consent may run (setting ONETRIP_CONSENT_MAX_DAYS, default a year)."""
    return settings.ONETRIP_CONSENT_MAX_DAYS


def correction_days() -> int:
    """Working days a department has to answer a correction request.
    [check] The rules name no number; 5 working days is our assumption
    (setting ONETRIP_CORRECTION_DAYS)."""
    return settings.ONETRIP_CORRECTION_DAYS


def correction_deadline(filed_on: dt.date) -> dt.date:
    """The day a correction request filed on `filed_on` must be answered by: that many
    working days later on the Chinese calendar (holidays skipped, swapped days counted)."""
    return add_working_days(filed_on, correction_days())


def _number(prefix: str) -> str:
    """A receipt or request number: prefix, the Shanghai date, 8 random hex digits. Random,
    so no shared counter is contended across app servers."""
    return f"{prefix}{today():%Y%m%d}{secrets.token_hex(4).upper()}"


def _applicant(user: User, what: str) -> str:
    """The resident ID or USCC of a logged-in citizen or enterprise, else refused."""
    if not (user.is_authenticated and user.is_applicant and user.id_number):
        raise PermissionDenied(
            _("Only citizens and enterprises %(what)s, about their own data.") % {"what": what}
        )
    return user.id_number


# --------------------------------------------------------------------------- consents


@service
def consent_grant(
    *,
    subject: User,
    client_id: int,
    dataset_code: str,
    fields: list[str],
    purpose: str,
    valid_until: dt.date,
) -> Consent:
    """Authorise an active third-party client to read `fields` of the dataset about `subject`
    (a citizen's resident ID, an enterprise's USCC) for `purpose` until `valid_until`
    (today at the earliest, ONETRIP_CONSENT_MAX_DAYS ahead at the latest). Every field must
    exist in the dataset. The consent gets a receipt number and a `consent.grant` audit entry
    whose hash the receipt shows."""
    subject_key = _applicant(subject, _("give consents"))
    client = ApiClient.objects.filter(
        pk=client_id, kind=ApiClient.Kind.THIRD_PARTY, disabled_at__isnull=True
    ).first()
    if client is None:
        raise ValidationFailed(_("Choose one of the listed third parties."), field="client_id")
    dataset = (
        Dataset.objects.select_related("department")
        .filter(code=dataset_code)
        .exclude(subject_kind=Dataset.SubjectKind.NONE)
        .first()
    )
    if dataset is None:
        raise ValidationFailed(
            _("Choose a dataset that holds data about you."), field="dataset_code"
        )
    names = list(dict.fromkeys(f.strip() for f in fields or [] if f and f.strip()))
    if not names:
        raise ValidationFailed(_("Choose at least one field."), field="fields")
    known = set(dataset.fields.values_list("name", flat=True))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed(
            _("%(dataset)s has no fields %(fields)s.")
            % {"dataset": dataset.name, "fields": ", ".join(unknown)},
            field="fields",
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationFailed(_("Say what the data may be used for."), field="purpose")
    if len(purpose) > Consent._meta.get_field("purpose").max_length:
        raise ValidationFailed(
            _("The purpose is too long (200 characters at most)."), field="purpose"
        )
    if not isinstance(valid_until, dt.date) or isinstance(valid_until, dt.datetime):
        raise ValidationFailed(_("Give the last day as a date."), field="valid_until")
    first, last = today(), today() + dt.timedelta(days=consent_max_days())
    if valid_until < first:
        raise ValidationFailed(
            _("The last day of a consent cannot be in the past."), field="valid_until"
        )
    if valid_until > last:
        raise ValidationFailed(
            _("A consent may run until %(last)s at the latest.") % {"last": last.isoformat()},
            field="valid_until",
        )
    consent = Consent.objects.create(
        receipt_number=_number("SQ"),
        subject=subject,
        subject_key=subject_key,
        client=client,
        dataset=dataset,
        fields=names,
        purpose=purpose,
        valid_until=valid_until,
        granted_at=timezone.now(),
    )
    audit_record(
        actor=subject,
        action="consent.grant",
        target=consent,
        subject_key=subject_key,
        detail={
            "receipt_number": consent.receipt_number,
            "client": client.pk,
            "client_name": client.name,
            "dataset": dataset.code,
            "fields": names,
            "purpose": purpose,
            "valid_until": valid_until.isoformat(),
        },
    )
    return consent


@service
def consent_revoke(*, subject: User, consent_id: int) -> Consent:
    """Revoke the subject's own consent, effective at once: the third party's next read is
    refused. Another person's consent is NotFound; revoking twice is WrongState. Audited as
    `consent.revoke`, shown on the receipt."""
    consent = (
        Consent.objects.select_for_update()
        .filter(pk=consent_id, subject_id=subject.pk, subject_key=subject.id_number or "-")
        .first()
    )
    if consent is None:
        raise NotFound(_("You have no consent with this number."))
    if consent.status == Consent.Status.REVOKED:
        raise WrongState(_("This consent was already revoked."))
    consent.status = Consent.Status.REVOKED
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["status", "revoked_at"])
    audit_record(
        actor=subject,
        action="consent.revoke",
        target=consent,
        subject_key=consent.subject_key,
        detail={"receipt_number": consent.receipt_number, "client": consent.client_id},
    )
    return consent


# --------------------------------------------------------------------------- corrections


def _proposed_value(field: DatasetField, text: str) -> Any:
    """The proposed value as the record store keeps it (dates ISO, decimals as strings, a
    region as its code), or ValidationFailed on `proposed_value` saying what is wrong. The
    same per-type checks and words as ingestion (`ingestion.checks`), so a value a load
    would refuse cannot come in through a correction."""
    text = (text or "").strip()
    label = field.label or field.name
    if not text:
        if field.required:
            raise ValidationFailed(
                _("%(field)s cannot be empty.") % {"field": label}, field="proposed_value"
            )
        return "" if field.type == F.STRING else None
    if field.max_length and len(text) > field.max_length:
        raise ValidationFailed(
            _("%(field)s takes at most %(n)d characters.")
            % {"field": label, "n": field.max_length},
            field="proposed_value",
        )
    checker = checkers.get(field.type)
    context = CheckContext(
        # One value: look up just its region, not the whole table.
        region_codes=lambda: frozenset(
            Region.objects.filter(code=text).values_list("code", flat=True)
        ),
        reference_keys=lambda code: frozenset(),
    )
    try:
        value = checker.fast(field, context)(text)
    except Bad:
        words = checker.reasons(field, text, context) or [_("Invalid value.")]
        raise ValidationFailed(f"{label}: {' '.join(words)}", field="proposed_value") from None
    if field.reference:
        target = Dataset.objects.filter(code=field.reference).first()
        if target is None or not store_for(target).get_many(target, [str(value)], []):
            raise ValidationFailed(
                _("%(field)s: %(value)s is not a key of the dataset %(dataset)s.")
                % {"field": label, "value": text, "dataset": field.reference},
                field="proposed_value",
            )
    return value


@service
def correction_request_file(
    *,
    requester: User,
    dataset_code: str,
    record_key: str,
    field_name: str,
    proposed_value: str,
    reason: str,
) -> CorrectionRequest:
    """Ask the owning department to correct one field of a record about the requester. The
    record must be theirs (its subject field holds their resident ID or USCC; anything else is
    NotFound), the field must exist and be correctable, and the proposed value must fit the
    field's type and differ from the current one. The deadline is ONETRIP_CORRECTION_DAYS
    working days from today; the department's data stewards are notified; audited as
    `correction.file`."""
    subject_key = _applicant(requester, _("ask for corrections"))
    dataset = (
        Dataset.objects.select_related("department")
        .filter(code=dataset_code)
        .exclude(subject_kind=Dataset.SubjectKind.NONE)
        .first()
    )
    record = None
    if dataset is not None:
        record = store_for(dataset).get_many(dataset, [str(record_key)]).get(str(record_key))
    if dataset is None or record is None or record.get(dataset.subject_field) != subject_key:
        raise NotFound(_("None of your records has this key."), field="record_key")
    if store_for(dataset).read_only:
        raise WrongState(
            _("%(dataset)s is corrected by the department that issued it, through a case.")
            % {"dataset": dataset.name},
            field="field_name",
        )
    field = dataset.fields.filter(name=field_name).first()
    if field is None:
        raise ValidationFailed(_("This dataset has no such field."), field="field_name")
    if field.name in (dataset.key_field, dataset.subject_field):
        raise ValidationFailed(
            _("The identifying number of a record cannot be corrected this way."),
            field="field_name",
        )
    value = _proposed_value(field, proposed_value)
    current = record.get(field.name)
    if value == current or (value in (None, "") and current in (None, "")):
        raise ValidationFailed(_("The record already holds this value."), field="proposed_value")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the value is wrong."), field="reason")
    if CorrectionRequest.objects.filter(
        requester=requester,
        dataset=dataset,
        record_key=str(record_key),
        field_name=field.name,
        status=CorrectionRequest.Status.OPEN,
    ).exists():
        raise WrongState(
            _("You already asked for this field to be corrected; wait for the answer."),
            field="field_name",
        )
    correction = CorrectionRequest.objects.create(
        number=_number("JC"),
        requester=requester,
        subject_key=subject_key,
        dataset=dataset,
        record_key=str(record_key),
        field_name=field.name,
        current_value="" if current is None else str(current),
        proposed_value=str(proposed_value).strip(),
        reason=reason,
        deadline=correction_deadline(today()),
    )
    for steward in data_stewards(department_id=dataset.department_id):
        notification_queue(
            recipient=steward,
            event="correction.filed",
            title=_("Correction request %(number)s") % {"number": correction.number},
            body=_("A correction of %(dataset)s · %(field)s is asked for; answer by %(deadline)s.")
            % {
                "dataset": dataset.name,
                "field": field.label,
                "deadline": correction.deadline.isoformat(),
            },
            link="/workbench/data/corrections/",
        )
    audit_record(
        actor=requester,
        action="correction.file",
        target=correction,
        subject_key=subject_key,
        detail={
            "number": correction.number,
            "dataset": dataset.code,
            "record_key": correction.record_key,
            "field": field.name,
            "deadline": correction.deadline.isoformat(),
        },
    )
    return correction


def _open_for_decision(steward: User, correction_id: int) -> CorrectionRequest:
    correction = (
        CorrectionRequest.objects.select_for_update(of=("self",))
        .select_related("dataset__department", "requester")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None:
        raise NotFound(_("No correction request with this number."))
    if not can_decide_correction(steward, correction):
        raise PermissionDenied(
            _("Only a data steward of %(department)s answers this request.")
            % {"department": correction.dataset.department.name}
        )
    if correction.status != CorrectionRequest.Status.OPEN:
        raise WrongState(_("This request was already answered."))
    return correction


def _decided(
    correction: CorrectionRequest, steward: User, status: str, reason: str, action: str
) -> None:
    correction.status = status
    correction.decided_by = steward
    correction.decided_at = timezone.now()
    correction.decision_reason = reason
    correction.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    accepted = status == CorrectionRequest.Status.ACCEPTED
    notification_queue(
        recipient=correction.requester,
        event=action,
        title=(
            _("Your correction request %(number)s was accepted")
            if accepted
            else _("Your correction request %(number)s was rejected")
        )
        % {"number": correction.number},
        body=(reason or _("The record has been corrected.")),
        link=f"/my/data/corrections/{correction.number}/",
    )
    audit_record(
        actor=steward,
        action=action,
        target=correction,
        subject_key=correction.subject_key,
        detail={"number": correction.number, "reason": reason},
    )


@service
def correction_accept(*, steward: User, correction_id: int, reason: str = "") -> CorrectionRequest:
    """Accept an open request: the record changes through its store, which keeps the old
    values as a RecordVersion pointing at this request. Only a data steward of the owning
    department (or the system admin); answering twice is WrongState. The requester is notified;
    audited as `correction.accept`."""
    correction = _open_for_decision(steward, correction_id)
    dataset = correction.dataset
    field = dataset.fields.filter(name=correction.field_name).first()
    if field is None:  # the schema changed since the request was filed
        raise WrongState(_("The field no longer exists; reject the request with a reason."))
    value = _proposed_value(field, correction.proposed_value)
    store_for(dataset).update(
        dataset, correction.record_key, {field.name: value}, correction=correction
    )
    _decided(
        correction,
        steward,
        CorrectionRequest.Status.ACCEPTED,
        (reason or "").strip(),
        "correction.accept",
    )
    return correction


@service
def correction_reject(*, steward: User, correction_id: int, reason: str) -> CorrectionRequest:
    """Reject an open request, saying why (required). Same rules as accepting; the record is
    not touched. The requester is notified; audited as `correction.reject`."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the request is rejected."), field="reason")
    correction = _open_for_decision(steward, correction_id)
    _decided(correction, steward, CorrectionRequest.Status.REJECTED, reason, "correction.reject")
    return correction
