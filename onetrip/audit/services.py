"""The one way to write the audit log."""

from typing import Any

from django.db.models import Model

from onetrip.accounts.models import User
from onetrip.audit import chain
from onetrip.audit.models import AuditEntry
from onetrip.core.services import service


@service
def audit_record(
    *,
    actor: User | None,
    action: str,
    target: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    subject_key: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the hash-chained audit log in the caller's transaction: the entry
    exists exactly when the action it records committed. `target` names the object acted on
    (or pass `object_type` and `object_id`); `subject_key` is the resident ID or USCC of the
    person concerned, so their data vault lists it."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
    values = {
        "actor_id": actor.pk if actor else None,
        # The column holds 128 characters; a 150-character username must not break the append.
        "actor_label": str(actor)[:128] if actor else "system",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "subject_key": subject_key,
        "detail": detail or {},
    }
    entry_id, _, _ = chain.append(AuditEntry, values)
    return AuditEntry.objects.get(pk=entry_id)
