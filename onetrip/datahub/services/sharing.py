"""The sharing API (共享调用): API clients and their credentials, access grants, and
`share_read`, the one path by which shared data leaves the platform.

Every read, granted or refused, is a row of the hash-chained sharing log (SharingCall), plus
one SharingCallSubject row for each person a successful read touched, so each person's vault
finds it. A granted read and its log row commit in one transaction: if the row cannot be
written, the read fails and no value leaves. A refused read is logged after its transaction
rolled back, so the refusal stays on record although the request failed."""

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.identifiers import validate_uscc
from onetrip.accounts.models import Role, User
from onetrip.audit import chain
from onetrip.audit.services import audit_record
from onetrip.core.errors import (
    DomainError,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    ValidationFailed,
    WrongState,
)
from onetrip.core.services import service
from onetrip.core.workdays import today
from onetrip.datahub.masking import above_grade, mask_record
from onetrip.datahub.models import (
    GRADE_ORDER,
    AccessGrant,
    ApiClient,
    ClientCredential,
    Consent,
    Dataset,
    RateWindow,
    SharingCall,
    SharingCallSubject,
)
from onetrip.datahub.records import MAX_KEYS, store_for
from onetrip.datahub.selectors.catalog import data_stewards, is_platform_admin
from onetrip.datahub.selectors.sharing import (
    SharedDataset,
    access_client,
    access_grant,
    can_decide_grant,
    prefill_client,
    shared_dataset,
)
from onetrip.notify.services import notification_queue

logger = logging.getLogger("onetrip.datahub.sharing")

RATE_WINDOW = dt.timedelta(minutes=1)
MAX_KEY_LENGTH = 64
SUBJECT_KEY_LENGTH = 18


class SharingLogUnavailable(DomainError):
    """The sharing log cannot be written: the call is refused, nothing leaves unlogged."""

    status = 503
    type_slug = "sharing-log-unavailable"
    title = "Sharing log unavailable"


# ------------------------------------------------------------------------------ credentials


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_credential(client: ApiClient) -> tuple[ClientCredential, str]:
    """A new credential; the token `<key_id>.<secret>` is returned once and never stored."""
    key_id = "sc" + secrets.token_hex(7)
    secret = secrets.token_urlsafe(32)
    credential = ClientCredential.objects.create(
        client=client, key_id=key_id, digest=_digest(secret)
    )
    return credential, f"{key_id}.{secret}"


def _credential_live(credential: ClientCredential, now: dt.datetime) -> bool:
    # A rotation with a grace period revokes the old credential in the future.
    return credential.revoked_at is None or credential.revoked_at > now


@service
def client_create(
    *,
    actor: User,
    name: str,
    kind: str = ApiClient.Kind.DEPARTMENT_SYSTEM,
    department_id: int | None = None,
    organisation_name: str = "",
    organisation_uscc: str = "",
    rate_limit_per_minute: int = 6000,
) -> tuple[ApiClient, str]:
    """Register an API client with its first credential. A department's system is created by a
    data steward of that department (or the system admin); a third party by the system admin
    only. Returns the client and its token, shown this once (only its hash is kept)."""
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise ValidationFailed(_("A client needs a name of at most 128 characters."), field="name")
    if rate_limit_per_minute < 1:
        raise ValidationFailed(
            _("The rate limit is at least one call a minute."), field="rate_limit_per_minute"
        )
    if kind == ApiClient.Kind.DEPARTMENT_SYSTEM:
        if department_id is None:
            raise ValidationFailed(
                _("A department's system belongs to a department."), field="department"
            )
        allowed = is_platform_admin(actor) or (
            actor.has_role(Role.DATA_STEWARD) and actor.department_id == department_id
        )
        organisation_name = organisation_uscc = ""
    elif kind == ApiClient.Kind.THIRD_PARTY:
        if not (organisation_name or "").strip():
            raise ValidationFailed(
                _("Name the organisation behind a third party."), field="organisation_name"
            )
        if organisation_uscc:
            organisation_uscc = validate_uscc(organisation_uscc, field="organisation_uscc")
        allowed, department_id = is_platform_admin(actor), None
    else:
        raise ValidationFailed(_("Unknown kind of client."), field="kind")
    if not allowed:
        raise PermissionDenied(_("You may not register API clients for this department."))
    client = ApiClient.objects.create(
        name=name,
        kind=kind,
        department_id=department_id,
        organisation_name=organisation_name.strip(),
        organisation_uscc=organisation_uscc,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    credential, token = _new_credential(client)
    audit_record(
        actor=actor,
        action="sharing.client_create",
        target=client,
        detail={"name": name, "kind": kind, "key_id": credential.key_id},
    )
    return client, token


@service
def credential_rotate(
    *, actor: User, client_id: int, grace_seconds: int = 0
) -> tuple[ClientCredential, str]:
    """Give a client a new credential and revoke its live ones, at once or after
    `grace_seconds` (time to deploy the new secret). Returns the new credential and its token,
    shown this once."""
    client = access_client(user=actor, client_id=client_id)
    if grace_seconds < 0 or grace_seconds > 7 * 24 * 3600:
        raise ValidationFailed(
            _("The grace period is between 0 seconds and 7 days."), field="grace_seconds"
        )
    now = timezone.now()
    revoke_at = now + dt.timedelta(seconds=grace_seconds)
    old = [
        c.key_id
        for c in ClientCredential.objects.select_for_update().filter(client=client)
        if _credential_live(c, now)
    ]
    ClientCredential.objects.filter(client=client, key_id__in=old).update(revoked_at=revoke_at)
    credential, token = _new_credential(client)
    audit_record(
        actor=actor,
        action="sharing.credential_rotate",
        target=client,
        detail={"new": credential.key_id, "revoked": old, "grace_seconds": grace_seconds},
    )
    return credential, token


@service
def credential_revoke(*, actor: User, credential_id: int) -> ClientCredential:
    """Revoke one credential now: its next call is refused (401) and logged."""
    credential = ClientCredential.objects.select_related("client").filter(pk=credential_id).first()
    if credential is None:
        raise NotFound(_("No such credential."))
    access_client(user=actor, client_id=credential.client_id)
    now = timezone.now()
    if credential.revoked_at is None or credential.revoked_at > now:
        credential.revoked_at = now
        credential.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="sharing.credential_revoke",
        target=credential.client,
        detail={"key_id": credential.key_id},
    )
    return credential


@service
def client_disable(*, actor: User, client_id: int) -> ApiClient:
    """Disable a client: every later call is refused (403) and logged; grants stay on record."""
    client = access_client(user=actor, client_id=client_id)
    if client.disabled_at is None:
        client.disabled_at = timezone.now()
        client.save(update_fields=["disabled_at"])
        audit_record(actor=actor, action="sharing.client_disable", target=client)
    return client


def client_authenticate(*, token: str, dataset_code: str = "", purpose: str = "") -> ApiClient:
    """The client whose token this is (`<key_id>.<secret>`: looked up by key id, the secret's
    hash compared in constant time). A revoked credential is refused and the refusal logged;
    an unknown or wrong token is refused without a log row (there is no client to name)."""
    key_id, _sep, secret = (token or "").strip().partition(".")
    credential = (
        ClientCredential.objects.select_related("client").filter(key_id=key_id).first()
        if key_id and secret and len(key_id) <= 16
        else None
    )
    if credential is None or not hmac.compare_digest(credential.digest, _digest(secret)):
        raise InvalidCredentials(_("Unknown client credentials."))
    if not _credential_live(credential, timezone.now()):
        share_refusal_log(
            client=credential.client,
            dataset_code=dataset_code,
            purpose=purpose,
            outcome="credentials_revoked",
            status_code=401,
        )
        raise InvalidCredentials(_("These client credentials were revoked."))
    return credential.client


# ------------------------------------------------------------------------------ grants


def _notify_requester(grant: AccessGrant, event: str, title: str, body: str) -> None:
    """The requesting department's stewards, and whoever filed the request."""
    recipients = {u.pk: u for u in data_stewards(department_id=grant.client.department_id)}
    if grant.requested_by_id and grant.requested_by is not None:
        recipients[grant.requested_by_id] = grant.requested_by
    for user in recipients.values():
        notification_queue(recipient=user, event=event, title=title, body=body)


@service
def grant_request(
    *,
    client: ApiClient,
    dataset_code: str,
    fields: list[str],
    purpose: str,
    legal_basis: str,
    expires_on: dt.date,
    requested_by: User | None = None,
) -> AccessGrant:
    """A client asks for named fields of a dataset for a purpose, on a legal basis, until a
    date. Datasets shared unconditionally are granted at once (fields up to the default
    grade in clear); conditional ones wait for the owner's data steward; datasets not shared
    are refused. Staff asking for a client must manage it (`access_client`)."""
    if client.disabled_at is not None:
        raise WrongState(_("This client is disabled."))
    dataset = Dataset.objects.filter(code=dataset_code).first()
    if dataset is None:
        raise NotFound(_("No dataset has this code."), field="dataset")
    if dataset.sharing_class == Dataset.SharingClass.NOT_SHARED:
        raise PermissionDenied(_("This dataset is not shared."), field="dataset")
    names = list(dict.fromkeys(str(f) for f in fields or []))
    if not names:
        raise ValidationFailed(_("Ask for at least one field."), field="fields")
    known = list(dataset.fields.order_by("position", "id").values_list("name", flat=True))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed(
            _("The dataset has no fields %(names)s.") % {"names": ", ".join(unknown)},
            field="fields",
        )
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    if not purpose or len(purpose) > 200:
        raise ValidationFailed(_("Name the purpose (at most 200 characters)."), field="purpose")
    if not legal_basis or len(legal_basis) > 300:
        raise ValidationFailed(
            _("Name the legal basis (at most 300 characters)."), field="legal_basis"
        )
    if not isinstance(expires_on, dt.date) or expires_on <= today():
        raise ValidationFailed(_("Access must end on a future date."), field="expires_on")
    if AccessGrant.objects.filter(
        client=client, dataset=dataset, status=AccessGrant.Status.REQUESTED
    ).exists():
        raise WrongState(_("This client already has a request waiting for this dataset."))
    unconditional = dataset.sharing_class == Dataset.SharingClass.UNCONDITIONAL
    grant = AccessGrant.objects.create(
        client=client,
        dataset=dataset,
        fields=[n for n in known if n in names],
        purpose=purpose,
        legal_basis=legal_basis,
        expires_on=expires_on,
        status=AccessGrant.Status.GRANTED if unconditional else AccessGrant.Status.REQUESTED,
        requested_by=requested_by,
        decided_at=timezone.now() if unconditional else None,
    )
    audit_record(
        actor=requested_by,
        action="sharing.grant_granted" if unconditional else "sharing.grant_request",
        target=grant,
        detail={"client": client.name, "dataset": dataset.code, "fields": grant.fields},
    )
    if not unconditional:
        for steward in data_stewards(department_id=dataset.department_id):
            notification_queue(
                recipient=steward,
                event="grant.requested",
                title=_("Access request for %(dataset)s") % {"dataset": dataset.name},
                body=_("%(client)s asks for %(fields)s: %(purpose)s")
                % {"client": client.name, "fields": ", ".join(grant.fields), "purpose": purpose},
            )
    return grant


@service
def grant_decide(
    *,
    actor: User,
    grant_id: int,
    approve: bool,
    reason: str = "",
    max_grade: str | None = None,
) -> AccessGrant:
    """The owning department's data steward approves a request (optionally showing fields up
    to `max_grade` in clear) or refuses it with a reason; the requesting department hears."""
    grant = access_grant(user=actor, grant_id=grant_id)
    if not can_decide_grant(actor, grant):
        raise PermissionDenied(_("Only the dataset's owner decides access to it."))
    grant = (
        AccessGrant.objects.select_for_update().select_related("client", "dataset").get(pk=grant.pk)
    )
    if grant.status != AccessGrant.Status.REQUESTED:
        raise WrongState(_("This request was already decided."))
    reason = (reason or "").strip()
    if approve:
        if max_grade is not None:
            if max_grade not in GRADE_ORDER:
                raise ValidationFailed(_("Unknown grade."), field="max_grade")
            grant.max_grade = max_grade
        grant.status = AccessGrant.Status.GRANTED
    else:
        if not reason:
            raise ValidationFailed(_("Say why the request is refused."), field="reason")
        grant.status = AccessGrant.Status.REFUSED
    grant.reason = reason
    grant.decided_by = actor
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "max_grade", "reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="sharing.grant_approve" if approve else "sharing.grant_refuse",
        target=grant,
        detail={"client": grant.client.name, "dataset": grant.dataset.code, "reason": reason},
    )
    values = {"dataset": grant.dataset.name, "client": grant.client.name}
    if approve:
        title = _("Access to %(dataset)s granted to %(client)s") % values
    else:
        title = _("Access to %(dataset)s refused for %(client)s") % values
    _notify_requester(grant, "grant.decided", title, reason or title)
    return grant


@service
def grant_revoke(*, actor: User, grant_id: int, reason: str) -> AccessGrant:
    """End a granted access now (the owner's steward, or the client's own manager giving it
    up); the next read under it is refused. The requesting department hears."""
    grant = access_grant(user=actor, grant_id=grant_id)
    grant = (
        AccessGrant.objects.select_for_update().select_related("client", "dataset").get(pk=grant.pk)
    )
    if grant.status != AccessGrant.Status.GRANTED:
        raise WrongState(_("Only granted access can be revoked."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the access is revoked."), field="reason")
    grant.status = AccessGrant.Status.REVOKED
    grant.reason = reason
    grant.save(update_fields=["status", "reason"])
    audit_record(
        actor=actor,
        action="sharing.grant_revoke",
        target=grant,
        detail={"client": grant.client.name, "dataset": grant.dataset.code, "reason": reason},
    )
    title = _("Access to %(dataset)s revoked for %(client)s") % {
        "dataset": grant.dataset.name,
        "client": grant.client.name,
    }
    _notify_requester(grant, "grant.revoked", title, reason)
    return grant


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class ShareResult:
    """What one sharing call returns: records by key (by the record's key when read by
    subject), only the asked fields, masked where graded above the grant."""

    call_id: int
    dataset_code: str
    fields: list[str]
    records: dict[str, dict[str, Any]]
    missing: list[str] = field(default_factory=list)  # keys (or subjects) with no record
    masked: list[str] = field(default_factory=list)
    outcome: str = "ok"
    status_code: int = 200


@dataclass
class _Call:
    """One sharing call as it will be logged."""

    client: ApiClient
    dataset_code: str
    keys: list[str]
    fields: list[str] | None
    purpose: str
    case_number: str
    actor: User | None
    hidden: bool
    started: float


def _refuse(error: type[DomainError], outcome: str, detail: str, **extra: Any) -> DomainError:
    """A refusal whose `outcome` names the reason in the log and in the problem document."""
    return error(detail, outcome=outcome, **extra)


def _grants(client: ApiClient, shared: SharedDataset) -> list[AccessGrant]:
    prefill = prefill_client()
    if client.pk == prefill.client.pk:  # the platform's own client: cached
        return prefill.grants.get(shared.dataset.pk, [])
    return list(
        AccessGrant.objects.filter(
            client_id=client.pk, dataset_id=shared.dataset.pk, status=AccessGrant.Status.GRANTED
        ).only("fields", "max_grade", "expires_on", "status")
    )


def _covered(call: _Call, shared: SharedDataset) -> tuple[list[str], dict[str, str]]:
    """The fields to read and, for each, the highest grade shown in clear; refuses without a
    live grant or for fields beyond it."""
    grants = _grants(call.client, shared)
    if not grants:
        raise _refuse(PermissionDenied, "no_grant", _("This client has no grant on the dataset."))
    on = today()
    live = [g for g in grants if g.expires_on >= on]
    if not live:
        raise _refuse(PermissionDenied, "grant_expired", _("The client's grant has expired."))
    clear: dict[str, str] = {}
    for grant in live:
        for name in grant.fields:
            if name not in clear or above_grade(grant.max_grade, clear[name]):
                clear[name] = grant.max_grade
    if call.fields is None:
        asked = [n for n in shared.fields if n in clear]
    else:
        asked = list(dict.fromkeys(call.fields))
        unknown = [n for n in asked if n not in shared.fields]
        if unknown:
            raise _refuse(
                ValidationFailed,
                "unknown_fields",
                _("The dataset has no fields %(names)s.") % {"names": ", ".join(unknown)},
                field="fields",
            )
        beyond = [n for n in asked if n not in clear]
        if beyond:
            raise _refuse(
                PermissionDenied,
                "fields_not_granted",
                _("Fields beyond the grant: %(names)s.") % {"names": ", ".join(beyond)},
                fields=beyond,
            )
    call.fields = asked
    return asked, clear


def _consents(call: _Call, shared: SharedDataset, subjects: list[str]) -> int | None:
    """A third party reads a person's data only under that person's live consent covering
    every asked field; refuses otherwise. Returns the consent's id when one person is read."""
    covered: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for consent_id, subject_key, names in Consent.objects.filter(
        client_id=call.client.pk,
        dataset_id=shared.dataset.pk,
        subject_key__in=subjects,
        status=Consent.Status.ACTIVE,
        valid_until__gte=today(),
    ).values_list("id", "subject_key", "fields"):
        covered.setdefault(subject_key, set()).update(names)
        first.setdefault(subject_key, consent_id)
    asked = set(call.fields or [])
    lacking = [s for s in subjects if not asked <= covered.get(s, set())]
    if lacking:
        raise _refuse(
            PermissionDenied,
            "no_consent",
            _("No live consent of the person covers this read."),
        )
    return first.get(subjects[0]) if len(subjects) == 1 else None


def _subjects_and_rate(call_id: int, people: list[str], client: ApiClient | None) -> int:
    """Index the people a call touched and, for a rate-limited `client`, count the call in
    its current minute (an upsert shared by every app server). Returns the count (0 when not
    counted). One statement on PostgreSQL: it runs while the chain's head is locked, so
    every round trip there is paid by every concurrent call."""
    qn = connection.ops.quote_name
    parts: list[tuple[str, list[Any]]] = []
    if people:
        at = SharingCallSubject._meta.get_field("created_at").get_db_prep_value(
            timezone.now(), connection
        )
        rows = ", ".join(["(%s, %s, %s)"] * len(people))
        parts.append(
            (
                f"INSERT INTO {qn(SharingCallSubject._meta.db_table)}"
                f" (call_id, subject_key, created_at) VALUES {rows}",
                [v for s in people for v in (call_id, s, at)],
            )
        )
    start = timezone.now().replace(second=0, microsecond=0)
    if client is not None:
        table = qn(RateWindow._meta.db_table)
        parts.append(
            (
                f"INSERT INTO {table} (client_id, window_start, count) VALUES (%s, %s, 1)"
                " ON CONFLICT (client_id, window_start)"
                f" DO UPDATE SET count = {table}.count + 1 RETURNING count",
                [
                    client.pk,
                    RateWindow._meta.get_field("window_start").get_db_prep_value(start, connection),
                ],
            )
        )
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(parts) == 2:
            (subjects_sql, subjects_params), (rate_sql, rate_params) = parts
            cursor.execute(
                f"WITH subjects AS ({subjects_sql}), rate AS ({rate_sql}) SELECT count FROM rate",
                [*subjects_params, *rate_params],
            )
            count = cursor.fetchone()[0]
        else:
            for sql, params in parts:
                cursor.execute(sql, params)
                if "RETURNING count" in sql:
                    count = cursor.fetchone()[0]
    if client is not None and count == 1:  # a new minute: forget windows over an hour old
        RateWindow.objects.filter(
            client_id=client.pk, window_start__lt=start - dt.timedelta(hours=1)
        ).delete()
    return count


def _checked_call(call: _Call) -> SharedDataset:
    """The checks that need no grant: purpose, case, client state, dataset, keys."""
    call.purpose = (call.purpose or "").strip()
    call.case_number = (call.case_number or "").strip()
    if not call.purpose:
        raise _refuse(
            ValidationFailed, "no_purpose", _("A sharing call names its purpose."), field="purpose"
        )
    if len(call.purpose) > 200:
        raise _refuse(
            ValidationFailed,
            "bad_purpose",
            _("A purpose has at most 200 characters."),
            field="purpose",
        )
    if len(call.case_number) > 40:
        raise _refuse(
            ValidationFailed,
            "bad_case_number",
            _("A case number has at most 40 characters."),
            field="case_number",
        )
    if call.client.disabled_at is not None:
        raise _refuse(PermissionDenied, "client_disabled", _("This client is disabled."))
    if call.hidden:
        if call.client.kind == ApiClient.Kind.THIRD_PARTY:
            raise _refuse(
                PermissionDenied, "covert_not_allowed", _("Third parties never read covertly.")
            )
        if not call.case_number:
            raise _refuse(
                ValidationFailed,
                "covert_without_case",
                _("A covert read serves a case: give its number."),
                field="case_number",
            )
    shared = shared_dataset(code=call.dataset_code)
    if shared is None:
        raise _refuse(NotFound, "unknown_dataset", _("No dataset has this code."))
    if shared.dataset.sharing_class == Dataset.SharingClass.NOT_SHARED:
        raise _refuse(PermissionDenied, "not_shared", _("This dataset is not shared."))
    if not call.keys:
        raise _refuse(ValidationFailed, "no_keys", _("Ask for at least one key."), field="keys")
    if len(call.keys) > MAX_KEYS:
        raise _refuse(
            ValidationFailed,
            "too_many_keys",
            _("At most %(n)d keys a call.") % {"n": MAX_KEYS},
            field="keys",
        )
    if any(not k or len(k) > MAX_KEY_LENGTH for k in call.keys):
        raise _refuse(ValidationFailed, "bad_key", _("A key has 1 to 64 characters."), field="keys")
    return shared


@service
def _read_logged(*, call: _Call, by_subject: bool) -> ShareResult:
    """Check, read, mask and log in one transaction (see `share_read`)."""
    shared = _checked_call(call)
    asked, clear = _covered(call, shared)
    dataset = shared.dataset
    third_party = call.client.kind == ApiClient.Kind.THIRD_PARTY
    personal = bool(dataset.subject_field) and dataset.subject_kind != Dataset.SubjectKind.NONE
    subjects_known = by_subject or shared.subject_is_key
    consent_id = None
    if third_party and personal and subjects_known:  # before reading anything
        consent_id = _consents(call, shared, call.keys)

    # Read, with the subject field when the log needs it to name the people touched.
    read = list(asked)
    if personal and not subjects_known and dataset.subject_field not in read:
        read.append(dataset.subject_field)
    store = store_for(dataset)
    found: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    if by_subject:
        for subject_key in call.keys:
            rows = store.for_subject(dataset, subject_key, read)
            if not rows:
                missing.append(subject_key)
            for row in rows:
                found[str(row[dataset.key_field])] = row
    else:
        found = store.get_many(dataset, call.keys, read)
        missing = [k for k in call.keys if k not in found]
    if not personal:
        subjects: list[str] = []
    elif subjects_known:
        subjects = list(call.keys)
    else:
        subjects = list(
            dict.fromkeys(
                str(r[dataset.subject_field])
                for r in found.values()
                if r.get(dataset.subject_field)
            )
        )
        if third_party and subjects:
            consent_id = _consents(call, shared, subjects)

    records, masked = {}, set()
    for key, record in found.items():
        shown, hidden = mask_record({n: record.get(n) for n in asked}, shared.fields, clear)
        records[key] = shown
        masked.update(hidden)

    outcome = "ok" if not missing else ("partial" if found else "no_record")
    status = 404 if (not found and len(call.keys) == 1 and not by_subject) else 200
    limit = call.client.rate_limit_per_minute  # 0: the platform's own client, not limited
    call_id, count = _log(
        call,
        outcome=outcome,
        status_code=status,
        consent_id=consent_id,
        subjects=subjects,
        rate_limited=bool(limit),
    )
    if limit and count > limit:
        # Raising rolls back the log row and the read: the refusal is logged instead.
        window_end = timezone.now().replace(second=0, microsecond=0) + RATE_WINDOW
        raise _refuse(
            TooManyAttempts,
            "rate_limited",
            _("Rate limit of %(n)d calls a minute reached.") % {"n": limit},
            retry_after=max(1, int((window_end - timezone.now()).total_seconds()) + 1),
        )
    return ShareResult(
        call_id=call_id,
        dataset_code=dataset.code,
        fields=asked,
        records=records,
        missing=missing,
        masked=[n for n in asked if n in masked],
        outcome=outcome,
        status_code=status,
    )


def _log(
    call: _Call,
    *,
    outcome: str,
    status_code: int,
    consent_id: int | None = None,
    subjects: list[str] | tuple[()] = (),
    rate_limited: bool = False,
) -> tuple[int, int]:
    """Append the call to the hash-chained sharing log, index the people it touched and, when
    `rate_limited`, count it in the client's minute. Returns the row's id and that count."""
    values = {
        "client_id": call.client.pk,
        "consumer": call.client.name[:128],
        "actor_id": call.actor.pk if call.actor is not None else None,
        "dataset_code": call.dataset_code[:64],
        "keys": [k[:MAX_KEY_LENGTH] for k in call.keys[:MAX_KEYS]],
        "fields": [str(f)[:64] for f in (call.fields or [])][:200],
        "purpose": call.purpose[:200],
        "case_number": call.case_number[:40],
        "consent_id": consent_id,
        "hidden": call.hidden,
        "outcome": outcome[:32],
        "status_code": status_code,
        "latency_ms": int((time.perf_counter() - call.started) * 1000),
    }
    call_id, _seq, _hash = chain.append(SharingCall, values)
    people = [s for s in dict.fromkeys(subjects) if 0 < len(s) <= SUBJECT_KEY_LENGTH]
    count = _subjects_and_rate(call_id, people, call.client if rate_limited else None)
    return call_id, count


@service
def share_refusal_log(
    *,
    client: ApiClient,
    dataset_code: str,
    outcome: str,
    status_code: int,
    keys: list[str] | None = None,
    fields: list[str] | None = None,
    purpose: str = "",
    case_number: str = "",
    actor: User | None = None,
    hidden: bool = False,
    started: float | None = None,
) -> int:
    """Log a refused call (no grant, revoked credentials, rate limited, ...): no data left,
    but the attempt stays on the chained record. Returns the log row's id."""
    call = _Call(
        client=client,
        dataset_code=str(dataset_code or ""),
        keys=[str(k) for k in keys or []],
        fields=[str(f) for f in fields] if fields else [],
        purpose=str(purpose or ""),
        case_number=str(case_number or ""),
        actor=actor,
        hidden=bool(hidden),
        started=started if started is not None else time.perf_counter(),
    )
    return _log(call, outcome=outcome, status_code=status_code)[0]


def share_read(
    *,
    client: ApiClient,
    dataset_code: str,
    keys: list[str],
    fields: list[str] | None,
    purpose: str,
    case_number: str = "",
    actor: User | None = None,
    hidden: bool = False,
    by_subject: bool = False,
) -> ShareResult:
    """Read records of a dataset for a client: the one path by which shared data leaves.

    Guarantees: the client is active; a live grant (granted, not expired in Asia/Shanghai)
    covers every asked field (`fields=None`: every granted field); a third party also holds,
    for every person read, that person's live consent covering the fields; the call names
    its purpose; at most 100 keys; within the client's rate limit (per minute, counted in
    the database so every app server shares it). Fields graded above the grant come masked.
    The call is appended to the hash-chained sharing log with the people it touched, in the
    read's transaction: if the log cannot be written the call fails (503) and nothing
    leaves. A refused call raises (403, 404, 422, 429 with `retry_after`) after its refusal
    was logged in a transaction of its own.

    `by_subject=True` reads, for each key taken as a resident ID or USCC, the records whose
    subject field holds it; results are then keyed by the records' own keys.

    Not a `@service` itself: the read runs in one transaction (joining the caller's when
    called from a service) and a refusal is logged after that one rolled back."""
    call = _Call(
        client=client,
        dataset_code=str(dataset_code or ""),
        keys=list(dict.fromkeys(str(k).strip() for k in keys or [])),
        fields=None if fields is None else [str(f) for f in fields],
        purpose=str(purpose or ""),
        case_number=str(case_number or ""),
        actor=actor,
        hidden=bool(hidden),
        started=time.perf_counter(),
    )
    in_transaction = transaction.get_connection().in_atomic_block
    try:
        return _read_logged(call=call, by_subject=by_subject)
    except DomainError as exc:
        outcome = str(exc.extra.get("outcome") or exc.type_slug)
        share_refusal_log(
            client=client,
            dataset_code=call.dataset_code,
            outcome=outcome,
            status_code=exc.status,
            keys=call.keys,
            fields=call.fields,
            purpose=call.purpose,
            case_number=call.case_number,
            actor=actor,
            hidden=call.hidden,
            started=call.started,
        )
        raise
    except DatabaseError as exc:
        logger.exception("sharing call of %s on %s failed", client.name, call.dataset_code)
        if not in_transaction:  # our transaction rolled back: try to record the failure
            try:
                share_refusal_log(
                    client=client,
                    dataset_code=call.dataset_code,
                    outcome="log_unavailable",
                    status_code=503,
                    keys=call.keys,
                    fields=call.fields,
                    purpose=call.purpose,
                    case_number=call.case_number,
                    actor=actor,
                    started=call.started,
                )
            except DatabaseError:
                logger.exception("the sharing log is unavailable")
        raise SharingLogUnavailable(
            _("The sharing log cannot be written; no data was read. Try again later.")
        ) from exc
