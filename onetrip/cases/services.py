"""Every change of a case happens here, one function per business action.

Each function checks the actor's role and the case's state, changes the case, writes one
history line per transition (actor, time, from, to, note) and queues the notifications in the
outbox, all in one transaction: either all of it happens or none of it does."""

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import User
from onetrip.accounts.services import applicant_for_id_number
from onetrip.cases import deadlines
from onetrip.cases.credit import current_checker
from onetrip.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseMaterial,
    CaseState,
    Channel,
    CreditOutcome,
    DeliveryMethod,
)
from onetrip.cases.permissions import ACTIONS
from onetrip.cases.prefill import Prefill, compute_facts, fetch_prefill
from onetrip.catalog.models import ApplicantKind, InstantApprovalRule, ItemImplementation, Material
from onetrip.catalog.rules import first_rule_that_holds
from onetrip.core.errors import (
    MaterialsMissing,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
    WrongState,
)
from onetrip.core.services import service
from onetrip.core.workdays import SHANGHAI
from onetrip.datahub.services import licence_issue
from onetrip.notify.services import notification_queue

# --------------------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    return timezone.now()


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def _check(action: str, actor: User, case: Case) -> None:
    """Refuse an action the case's state or the actor's role does not allow."""
    states, allowed = ACTIONS[action]
    if not allowed(actor, case):  # type: ignore[operator]
        raise PermissionDenied(
            _("You may not %(action)s this case.") % {"action": action.replace("_", " ")}
        )
    if case.state not in states:
        raise WrongState(
            _("A case in state “%(state)s” cannot be %(action)s.")
            % {"state": CaseState(case.state).label, "action": action.replace("_", " ")},
        )


def _event(
    case: Case, actor: User | None, action: str, from_state: str, note: str = ""
) -> CaseEvent:
    return CaseEvent(
        case=case, actor=actor, action=action, from_state=from_state, to_state=case.state, note=note
    )


def _notify(case: Case, event: str, title: str, body: str = "") -> None:
    notification_queue(
        recipient=case.applicant,
        event=event,
        title=title,
        body=body or title,
        link=f"/my/cases/{case.number}/",
    )


def _save(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "state", "updated_at"])


def _new_case_number(region_code: str, on: dt.date) -> str:
    # Random suffix, not a counter: no shared sequence to contend on across app servers.
    return f"{region_code}{on:%Y%m%d}{secrets.token_hex(4).upper()}"


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock so two clerks cannot act on it at once."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related(
            "implementation__item",
            "implementation__licence_type",
            "department",
            "region",
            "applicant",
        )
        .get(pk=case.pk)
    )


def _check_applicant_kind(implementation: ItemImplementation, applicant: User) -> None:
    kind = implementation.applicant_kind
    if not applicant.is_applicant:
        raise ValidationFailed(_("Only citizens and enterprises can apply."), field="applicant")
    if kind != ApplicantKind.BOTH and kind != applicant.kind:
        raise ValidationFailed(
            _("This service is for %(kind)s applicants.") % {"kind": ApplicantKind(kind).label},
            field="implementation",
        )


def _validate_upload(upload: UploadedFile, material: Material) -> str:
    """The sniffed content type of an acceptable upload; refuses oversized and foreign files."""
    if upload.size is not None and upload.size > settings.ONETRIP_MAX_UPLOAD_BYTES:
        raise PayloadTooLarge(
            _("“%(name)s” is %(size)d bytes; the limit is %(limit)d bytes.")
            % {
                "name": upload.name,
                "size": upload.size,
                "limit": settings.ONETRIP_MAX_UPLOAD_BYTES,
            },
            field=f"material_{material.id}",
        )
    if upload.size == 0:
        raise ValidationFailed(
            _("“%(name)s” is empty.") % {"name": upload.name}, field=f"material_{material.id}"
        )
    head = upload.read(8)
    upload.seek(0)
    for content_type, magic in settings.ONETRIP_ALLOWED_UPLOAD_TYPES.items():
        if head.startswith(magic):
            return content_type
    raise UnsupportedMediaType(
        _("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": upload.name},
        field=f"material_{material.id}",
    )


def _store_upload(
    case: Case, material: Material, upload: UploadedFile, content_type: str, *, replace: bool = True
) -> CaseMaterial:
    """Store a checked upload (see `_validate_upload`), replacing an earlier one."""
    if replace:
        CaseMaterial.objects.filter(case=case, material=material).delete()
    supplied = CaseMaterial(
        case=case,
        material=material,
        source=Material.Source.UPLOAD,
        file_name=upload.name[:200],
        content_type=content_type,
        size=upload.size or 0,
    )
    supplied.file.save(upload.name, upload, save=False)
    supplied.save()
    return supplied


def _materials_of(implementation: ItemImplementation) -> list[Material]:
    cached = getattr(implementation, "_prefetched_objects_cache", {}).get("materials")
    if cached is not None:  # the caller's selector already fetched them
        return list(cached)
    return list(implementation.materials.select_related("licence_type"))


def _fetched_materials(
    case: Case, materials: list[Material], prefill: Prefill
) -> list[CaseMaterial]:
    """Case materials satisfied from the registries and the e-licence store."""
    rows = []
    for material in materials:
        if material.source == Material.Source.REGISTRY:
            value = prefill.value(material.registry_field)
            if value not in (None, ""):
                rows.append(
                    CaseMaterial(case=case, material=material, source=material.source, value=value)
                )
        elif material.source == Material.Source.LICENCE:
            licence = prefill.licences.get(material.licence_type.code)
            if licence is not None:
                rows.append(
                    CaseMaterial(
                        case=case,
                        material=material,
                        source=material.source,
                        licence=licence,
                        value=licence.number,
                    )
                )
    return rows


def _missing(materials: list[Material], supplied_ids: set[int]) -> list[str]:
    """Names of required, non-deferrable materials not supplied (the one-time notice)."""
    return [
        m.name for m in materials if m.required and not m.deferrable and m.id not in supplied_ids
    ]


# --------------------------------------------------------------------------- applying


@dataclass
class _Application:
    """A case built in memory, with what the registries said, before anything is written."""

    case: Case
    materials: list[Material]
    rules: list[InstantApprovalRule]
    prefill: Prefill
    fetched: list[CaseMaterial]  # materials satisfied by the registries, unsaved


def _earlier_case(applicant: User, idempotency_key: str) -> Case | None:
    """The case this applicant already made with this idempotency key, if any."""
    if not idempotency_key:
        return None
    if len(idempotency_key) > 64:
        raise ValidationFailed(
            _("An idempotency key has at most 64 characters."), field="idempotency_key"
        )
    earlier = (
        Case.objects.filter(applicant=applicant, idempotency_key=idempotency_key).order_by().first()
    )
    if earlier is not None:
        earlier.created = False
    return earlier


def _prepare(
    *,
    actor: User,
    implementation: ItemImplementation,
    applicant: User,
    channel: str,
    form_data: Mapping[str, Any] | None,
    idempotency_key: str,
) -> _Application:
    """Check who applies for what on which channel, and build the case with everything the
    registries hold fetched (each fetch an audited sharing call for this case)."""
    if applicant != actor:
        if not actor.has_role("window_clerk"):
            raise PermissionDenied(_("Only a window clerk can apply on someone's behalf."))
        if channel not in (Channel.WINDOW, Channel.KIOSK):
            raise ValidationFailed(
                _("An application taken in for someone is made at a window or kiosk."),
                field="channel",
            )
    elif channel not in (Channel.WEB, Channel.MOBILE, Channel.KIOSK):
        raise ValidationFailed(
            _("Applicants apply on the web, mobile or a kiosk."), field="channel"
        )
    if not implementation.is_active:
        raise NotFound(_("This service is not offered."), field="implementation")
    _check_applicant_kind(implementation, applicant)
    if not isinstance(form_data or {}, Mapping):
        raise ValidationFailed(_("The form data must be an object."), field="form_data")

    case = Case(
        number=_new_case_number(implementation.region_id, _local_date(_now())),
        implementation=implementation,
        department=implementation.department,
        region_id=implementation.region_id,
        applicant=applicant,
        applicant_name=applicant.display_name or applicant.username,
        applicant_id_number=applicant.id_number,
        submitted_by=actor if actor != applicant else None,
        channel=channel,
        idempotency_key=idempotency_key,
        form_data=dict(form_data or {}),
    )
    materials = _materials_of(implementation)
    rules = list(implementation.instant_rules.all())  # prefetched by the selector, if it did
    prefill = fetch_prefill(
        actor=actor,
        applicant=applicant,
        implementation=implementation,
        materials=materials,
        rules=rules,
        case_number=case.number,
    )
    case.prefilled = prefill.values
    own = prefill.values.get("population") or prefill.values.get("legal_entity") or {}
    if own.get("name"):
        case.applicant_name = own["name"]
    return _Application(
        case, materials, rules, prefill, _fetched_materials(case, materials, prefill)
    )


def _insert(case: Case) -> Case | None:
    """Insert the case. When a concurrent request with the same idempotency key committed
    first, return that request's case instead and roll back everything this one wrote."""
    if not case.idempotency_key:
        case.save(force_insert=True)
        return None
    try:
        with transaction.atomic():  # a savepoint, so the lost race can be answered
            case.save(force_insert=True)
    except IntegrityError:
        earlier = Case.objects.get(applicant=case.applicant, idempotency_key=case.idempotency_key)
        earlier.created = False
        transaction.set_rollback(True)
        return earlier
    return None


@service
def case_create_draft(
    *,
    actor: User,
    implementation: ItemImplementation,
    applicant: User | None = None,
    channel: str = Channel.WEB,
    form_data: Mapping[str, Any] | None = None,
    idempotency_key: str = "",
) -> Case:
    """A draft case with everything the registries hold already fetched (each fetch an audited
    sharing call for this case). `actor` is the applicant, or a window clerk applying for the
    applicant present (channel window or kiosk). With an idempotency key already used by this
    applicant, the earlier case is returned and nothing is written (`case.created` is False)."""
    applicant = applicant or actor
    earlier = _earlier_case(applicant, idempotency_key)
    if earlier is not None:
        return earlier
    application = _prepare(
        actor=actor,
        implementation=implementation,
        applicant=applicant,
        channel=channel,
        form_data=form_data,
        idempotency_key=idempotency_key,
    )
    case = application.case
    earlier = _insert(case)
    if earlier is not None:
        return earlier
    CaseMaterial.objects.bulk_create(application.fetched)
    _event(case, actor, "create", "").save()
    case.created = True
    return case


@service
def case_attach_material(
    *, actor: User, case: Case, material: Material, upload: UploadedFile
) -> CaseMaterial:
    """Attach an uploaded file to a draft (or a case awaiting supplement) after checking its
    size and its real type (by content, not by name). Replaces an earlier upload."""
    if not (case.applicant_id == actor.id or case.submitted_by_id == actor.id):
        raise NotFound(_("No case with this number."))
    if case.state not in (CaseState.DRAFT, CaseState.SUPPLEMENT_REQUESTED):
        raise WrongState(_("Materials can be added to a draft or when a supplement is requested."))
    if material.implementation_id != case.implementation_id:
        raise NotFound(_("This material does not belong to the service."), field="material")
    if material.source != Material.Source.UPLOAD:
        raise ValidationFailed(
            _("This material is fetched for you; nothing to upload."),
            field=f"material_{material.id}",
        )
    return _store_upload(case, material, upload, _validate_upload(upload, material))


# Every field `_decide` may set, saved together when a draft is submitted.
SUBMIT_FIELDS = (
    "credit_outcome",
    "credit_note",
    "submitted_at",
    "not_accepted_reason",
    "facts",
    "instant_rule",
    "instant_rule_name",
    "acceptance_number",
    "accepted_at",
    "current_step",
    *deadlines.CLOCK_FIELDS,
    "decision_reason",
    "decision_basis",
    "decided_by",
    "decided_at",
    "licence",
    "delivery_method",
    "delivered_at",
)


def _decide(
    *,
    actor: User,
    case: Case,
    materials: list[Material],
    rules: list[InstantApprovalRule],
    prefill: Prefill | None,
    supplied: set[int],
    events: list[CaseEvent],
) -> None:
    """Submission, in memory except for the licence and the outbox: the one-time notice, the
    credit check, then instant approval or the wait for acceptance. Appends the history."""
    missing = _missing(materials, supplied)
    if missing:
        raise MaterialsMissing(missing)
    implementation = case.implementation
    now = _now()
    verdict = current_checker().check(
        id_number=case.applicant_id_number,
        applicant_kind=case.applicant.kind,
        item_code=implementation.item.code,
    )
    case.credit_outcome, case.credit_note = verdict.outcome, verdict.note
    case.submitted_at = now
    from_state, case.state = case.state, CaseState.SUBMITTED
    events.append(_event(case, actor, "submit", from_state, case.credit_note))

    if verdict.outcome == CreditOutcome.REFUSE:
        case.state = CaseState.NOT_ACCEPTED
        case.not_accepted_reason = _("Refused on credit grounds: %(note)s") % {"note": verdict.note}
        events.append(
            _event(case, None, "credit_refuse", CaseState.SUBMITTED, case.not_accepted_reason)
        )
        _notify(
            case,
            "case.not_accepted",
            _("Case %(n)s not accepted") % {"n": case.number},
            case.not_accepted_reason,
        )
        return

    rule = None
    needs_upload = any(m.source == Material.Source.UPLOAD and m.required for m in materials)
    if (
        rules
        and not needs_upload
        and verdict.outcome in (CreditOutcome.NORMAL, CreditOutcome.PRIORITY)
    ):
        open_same = Case.objects.filter(
            implementation=implementation,
            applicant_id=case.applicant_id,
            state__in=OPEN_STATES[1:],
        )
        if case.pk is not None:
            open_same = open_same.exclude(pk=case.pk)
        # Submitted in a later request than the draft: ask the registries again, so the
        # decision rests on today's facts (another audited call for this case).
        prefill = prefill or fetch_prefill(
            actor=actor,
            applicant=case.applicant,
            implementation=implementation,
            materials=materials,
            rules=rules,
            case_number=case.number,
        )
        case.facts = compute_facts(
            prefill=prefill,
            implementation=implementation,
            on=_local_date(now),
            has_open_case=open_same.exists(),
        )
        rule = first_rule_that_holds(rules, case.facts)

    if rule is None:
        _notify(
            case,
            "case.submitted",
            _("Case %(n)s submitted") % {"n": case.number},
            _("Your application for %(item)s was submitted and awaits acceptance.")
            % {"item": implementation.item.name},
        )
        return

    # 智能秒办: accepted, approved, licensed and delivered with no human step.
    note = _("Instant approval by rule “%(rule)s”") % {"rule": rule.name}
    case.instant_rule, case.instant_rule_name = rule, rule.name
    _accept(case, now)
    events.append(_event(case, None, "accept", CaseState.SUBMITTED, note))
    _approve(case, None, now, reason=note, basis=implementation.item.legal_basis)
    events.append(_event(case, None, "approve", CaseState.ACCEPTED, note))
    case.state, case.delivery_method, case.delivered_at = (
        CaseState.DELIVERED,
        DeliveryMethod.ELECTRONIC,
        now,
    )
    events.append(_event(case, None, "deliver", CaseState.APPROVED, note))
    _notify(
        case,
        "case.approved",
        _("Case %(n)s approved") % {"n": case.number},
        _("%(item)s was approved at once; your e-licence is in your licence wallet.")
        % {"item": implementation.item.name},
    )


@service
def case_submit(*, actor: User, case: Case) -> Case:
    """Submit a draft. Refuses with one notice listing every missing material (一次告知).
    Checks credit (信用+审批) and stores the outcome; a refusing outcome ends the case as not
    accepted. When an instant-approval rule holds on the prefilled facts and no upload is
    needed, the case is accepted, approved, its e-licence issued and delivered electronically
    in this same transaction with no human step, recording the rule; otherwise it waits for a
    window clerk's acceptance."""
    if not (case.applicant_id == actor.id or case.submitted_by_id == actor.id):
        raise NotFound(_("No case with this number."))
    case = _lock(case)
    if case.state != CaseState.DRAFT:
        raise WrongState(_("Only a draft can be submitted."))
    events: list[CaseEvent] = []
    _decide(
        actor=actor,
        case=case,
        materials=_materials_of(case.implementation),
        rules=list(case.implementation.instant_rules.all()),
        prefill=None,
        supplied=set(case.materials.values_list("material_id", flat=True)),
        events=events,
    )
    _save(case, *SUBMIT_FIELDS)
    CaseEvent.objects.bulk_create(events)
    return case


@service
def case_apply(
    *,
    actor: User,
    implementation: ItemImplementation,
    applicant: User | None = None,
    channel: str = Channel.WEB,
    form_data: Mapping[str, Any] | None = None,
    files: Mapping[int, UploadedFile] | None = None,
    idempotency_key: str = "",
) -> Case:
    """Create and submit in one go (what `case_create_draft`, `case_attach_material` and
    `case_submit` do, with the same rules): either a submitted, not accepted or instantly
    approved case exists afterwards, or nothing was written. The case is decided in memory
    and inserted once. The same idempotency key again returns the first case
    (`case.created` False) and changes nothing."""
    applicant = applicant or actor
    earlier = _earlier_case(applicant, idempotency_key)
    if earlier is not None:
        return earlier
    application = _prepare(
        actor=actor,
        implementation=implementation,
        applicant=applicant,
        channel=channel,
        form_data=form_data,
        idempotency_key=idempotency_key,
    )
    case = application.case
    by_id = {m.id: m for m in application.materials}
    uploads = []
    for material_id, upload in (files or {}).items():
        material = by_id.get(int(material_id))
        if material is None or material.source != Material.Source.UPLOAD:
            raise NotFound(_("This material does not belong to the service."), field="files")
        uploads.append((material, upload, _validate_upload(upload, material)))
    events = [_event(case, actor, "create", "")]
    _decide(
        actor=actor,
        case=case,
        materials=application.materials,
        rules=application.rules,
        prefill=application.prefill,
        supplied={m.material_id for m in application.fetched} | {m.id for m, _, _ in uploads},
        events=events,
    )
    earlier = _insert(case)
    if earlier is not None:
        return earlier
    CaseMaterial.objects.bulk_create(application.fetched)
    for material, upload, content_type in uploads:
        _store_upload(case, material, upload, content_type, replace=False)
    CaseEvent.objects.bulk_create(events)
    case.created = True
    return case


@service
def case_intake(
    *,
    actor: User,
    applicant_id_number: str,
    implementation: ItemImplementation,
    channel: str = Channel.WINDOW,
    form_data: Mapping[str, Any] | None = None,
    files: Mapping[int, UploadedFile] | None = None,
    idempotency_key: str = "",
) -> Case:
    """一窗受理: a window clerk applies for the applicant present, identified by resident ID or
    USCC. An account is opened for a first-time applicant found in the registries, and kept
    only if the application succeeds."""
    if not actor.has_role("window_clerk"):
        raise PermissionDenied(_("Only a window clerk takes in applications."))
    return case_apply(
        actor=actor,
        applicant=applicant_for_id_number(id_number=applicant_id_number),
        implementation=implementation,
        channel=channel,
        form_data=form_data,
        files=files,
        idempotency_key=idempotency_key,
    )


# --------------------------------------------------------------------------- intake


def _accept(case: Case, now: dt.datetime) -> None:
    case.state = CaseState.ACCEPTED
    case.accepted_at = now
    case.acceptance_number = "SL" + case.number
    case.current_step = 0
    deadlines.clock_start(case, on=_local_date(now))


@service
def case_accept(*, actor: User, case: Case, note: str = "") -> Case:
    """受理: a window clerk of the case's region accepts a submitted case. Gives it an
    acceptance number (on the receipt) and starts the working-day clock."""
    case = _lock(case)
    _check("accept", actor, case)
    from_state = case.state
    _accept(case, _now())
    _save(
        case,
        "accepted_at",
        "acceptance_number",
        "current_step",
        *deadlines.CLOCK_FIELDS,
    )
    _event(case, actor, "accept", from_state, note).save()
    _notify(
        case,
        "case.accepted",
        _("Case %(n)s accepted") % {"n": case.number},
        _("Acceptance number %(a)s. Promised completion by %(d)s.")
        % {"a": case.acceptance_number, "d": case.deadline},
    )
    return case


@service
def case_not_accept(*, actor: User, case: Case, reason: str) -> Case:
    """不予受理: a window clerk refuses a submitted case, with the reason the applicant sees."""
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the case is not accepted."), field="reason")
    case = _lock(case)
    _check("not_accept", actor, case)
    from_state = case.state
    case.state = CaseState.NOT_ACCEPTED
    case.not_accepted_reason = reason.strip()
    _save(case, "not_accepted_reason")
    _event(case, actor, "not_accept", from_state, case.not_accepted_reason).save()
    _notify(
        case,
        "case.not_accepted",
        _("Case %(n)s not accepted") % {"n": case.number},
        case.not_accepted_reason,
    )
    return case


# --------------------------------------------------------------------------- processing


@service
def case_request_supplement(*, actor: User, case: Case, items: list[str], note: str = "") -> Case:
    """补正: the approver lists, all at once, what the applicant must add or fix. The clock
    pauses until the applicant resubmits."""
    items = [i.strip() for i in (items or []) if i and i.strip()]
    if not items:
        raise ValidationFailed(_("List at least one thing to supplement."), field="items")
    case = _lock(case)
    _check("request_supplement", actor, case)
    from_state = case.state
    deadlines.clock_pause(case, on=_local_date(_now()))
    case.state = CaseState.SUPPLEMENT_REQUESTED
    case.supplement_notice = items
    _save(case, "supplement_notice", "days_used", "clock_started_on", "yellow_from")
    _event(
        case,
        actor,
        "request_supplement",
        from_state,
        "; ".join(items) + (f" — {note}" if note else ""),
    ).save()
    _notify(
        case,
        "case.supplement_requested",
        _("Case %(n)s: please supplement materials") % {"n": case.number},
        _("Please provide: %(items)s") % {"items": "; ".join(items)},
    )
    return case


@service
def case_resubmit(
    *, actor: User, case: Case, files: Mapping[int, UploadedFile] | None = None, note: str = ""
) -> Case:
    """The applicant (or a clerk for them) answers a supplement request; the clock resumes
    with the working days that were left."""
    case = _lock(case)
    _check("resubmit", actor, case)
    materials = {m.id: m for m in _materials_of(case.implementation)}
    for material_id, upload in (files or {}).items():
        material = materials.get(int(material_id))
        if material is None or material.source != Material.Source.UPLOAD:
            raise NotFound(_("This material does not belong to the service."), field="files")
        _store_upload(case, material, upload, _validate_upload(upload, material))
    from_state = case.state
    case.state = CaseState.ACCEPTED
    deadlines.clock_resume(case, on=_local_date(_now()))
    _save(case, "clock_started_on", "deadline", "statutory_deadline", "yellow_from")
    _event(case, actor, "resubmit", from_state, note).save()
    return case


@service
def case_extend(*, actor: User, case: Case, days: int, reason: str) -> Case:
    """Extend the time limit where the item allows it, up to its maximum in total."""
    case = _lock(case)
    _check("extend", actor, case)
    implementation = case.implementation
    if not implementation.allows_extension:
        raise WrongState(_("This service does not allow extensions."))
    if not isinstance(days, int) or days < 1:
        raise ValidationFailed(_("Extend by at least one working day."), field="days")
    if case.extension_days + days > implementation.max_extension_days:
        raise ValidationFailed(
            _("At most %(max)d working days of extension in total.")
            % {"max": implementation.max_extension_days},
            field="days",
        )
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the time limit is extended."), field="reason")
    deadlines.clock_extend(case, days=days)
    _save(case, "extension_days", "deadline", "statutory_deadline", "yellow_from")
    _event(case, actor, "extend", case.state, f"+{days}: {reason.strip()}").save()
    _notify(
        case,
        "case.extended",
        _("Case %(n)s: time limit extended") % {"n": case.number},
        _("New promised date: %(d)s. Reason: %(r)s") % {"d": case.deadline, "r": reason.strip()},
    )
    return case


def _is_last_step(case: Case) -> bool:
    return case.current_step >= len(case.implementation.steps) - 1


@service
def case_complete_step(*, actor: User, case: Case, note: str = "") -> Case:
    """Finish the current processing step (e.g. review) and pass to the next one. The last
    step ends with a decision instead (approve or reject)."""
    case = _lock(case)
    _check("complete_step", actor, case)
    if _is_last_step(case):
        raise WrongState(_("This is the last step: approve or reject."))
    step = case.implementation.steps[case.current_step]
    case.current_step += 1
    _save(case, "current_step")
    _event(case, actor, f"complete_{step}", case.state, note).save()
    return case


def _lock_for_decision(actor: User, case: Case, action: str) -> Case:
    """Lock the case and check a decision is allowed: right role and state, last step."""
    case = _lock(case)
    _check(action, actor, case)
    if not _is_last_step(case):
        raise WrongState(
            _("Finish the %(step)s step first.")
            % {"step": case.implementation.steps[case.current_step]}
        )
    return case


def _approve(case: Case, actor: User | None, now: dt.datetime, *, reason: str, basis: str) -> None:
    case.state = CaseState.APPROVED
    case.decided_by, case.decided_at = actor, now
    case.decision_reason, case.decision_basis = reason, basis
    implementation = case.implementation
    if implementation.licence_type_id:
        case.licence = licence_issue(
            licence_type=implementation.licence_type,
            holder_id_number=case.applicant_id_number,
            holder_name=case.applicant_name,
            issuer=case.department,
            issued_on=_local_date(now),
            case_number=case.number,
            data={"item": implementation.item.name, "item_code": implementation.item.code},
        )


@service
def case_approve(*, actor: User, case: Case, reason: str = "", basis: str = "") -> Case:
    """Approve at the last step: the decision records reason and legal basis (the item's when
    none is given) and the e-licence, if the item issues one, goes into the store."""
    case = _lock_for_decision(actor, case, "approve")
    from_state = case.state
    _approve(
        case,
        actor,
        _now(),
        reason=(reason or "").strip() or _("Approved"),
        basis=(basis or "").strip() or case.implementation.item.legal_basis,
    )
    _save(case, "decided_by", "decided_at", "decision_reason", "decision_basis", "licence")
    _event(case, actor, "approve", from_state, case.decision_reason).save()
    _notify(
        case, "case.approved", _("Case %(n)s approved") % {"n": case.number}, case.decision_reason
    )
    return case


@service
def case_reject(*, actor: User, case: Case, reason: str, basis: str) -> Case:
    """Reject at the last step; a rejection must say why and on what legal basis."""
    errors = []
    if not (reason or "").strip():
        errors.append({"field": "reason", "message": _("Say why the application is rejected.")})
    if not (basis or "").strip():
        errors.append({"field": "basis", "message": _("Cite the legal basis of the rejection.")})
    if errors:
        raise ValidationFailed(errors[0]["message"], field=errors[0]["field"], errors=errors)
    case = _lock_for_decision(actor, case, "reject")
    from_state = case.state
    case.state = CaseState.REJECTED
    case.decided_by, case.decided_at = actor, _now()
    case.decision_reason, case.decision_basis = reason.strip(), basis.strip()
    _save(case, "decided_by", "decided_at", "decision_reason", "decision_basis")
    _event(case, actor, "reject", from_state, case.decision_reason).save()
    _notify(
        case, "case.rejected", _("Case %(n)s rejected") % {"n": case.number}, case.decision_reason
    )
    return case


# --------------------------------------------------------------------------- result


@service
def case_deliver(*, actor: User, case: Case, method: str, tracking_number: str = "") -> Case:
    """Deliver the result: electronically, by express post (tracking number required) or for
    pickup at a window."""
    if method not in DeliveryMethod.values:
        raise ValidationFailed(_("Choose electronic, express or pickup."), field="method")
    if method == DeliveryMethod.EXPRESS and not (tracking_number or "").strip():
        raise ValidationFailed(
            _("Express delivery needs the tracking number."), field="tracking_number"
        )
    case = _lock(case)
    _check("deliver", actor, case)
    from_state = case.state
    case.state = CaseState.DELIVERED
    case.delivery_method, case.tracking_number = method, (tracking_number or "").strip()
    case.delivered_at = _now()
    _save(case, "delivery_method", "tracking_number", "delivered_at")
    _event(case, actor, "deliver", from_state, f"{method} {case.tracking_number}".strip()).save()
    _notify(
        case,
        "case.delivered",
        _("Case %(n)s: result delivered") % {"n": case.number},
        DeliveryMethod(method).label + (f" {case.tracking_number}" if case.tracking_number else ""),
    )
    return case


@service
def case_archive(*, actor: User, case: Case) -> Case:
    """Close the case into the electronic archive; it can no longer change."""
    case = _lock(case)
    _check("archive", actor, case)
    from_state = case.state
    case.state = CaseState.ARCHIVED
    case.archived_at = _now()
    _save(case, "archived_at")
    _event(case, actor, "archive", from_state).save()
    return case
