"""The one way to write the audit log, and the sealer of the chains sealed after commit."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Model

from onetrip.accounts.models import User
from onetrip.audit import chain
from onetrip.audit.models import AuditEntry
from onetrip.core.services import service

logger = logging.getLogger("onetrip.audit")


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


def chains_seal() -> int:
    """Seal every committed entry waiting in the seal-later chains (the sharing log); returns
    how many. Each batch is its own transaction, holding the chain's head lock."""
    from onetrip.audit.selectors import chained_models

    return sum(
        chain.seal_all(model) for model in chained_models() if getattr(model, "SEAL_LATER", False)
    )


def seal_worker_loop(*, interval: float = 1.0, stop: Callable[[], bool] | None = None) -> None:
    """Seal the chains every `interval` seconds until `stop()` is true. Any number of these
    may run (in `onetrip run`, or as `onetrip audit seal --loop` on worker hosts)."""
    from django.db import close_old_connections

    while not (stop and stop()):
        try:
            chains_seal()
        except Exception:  # a database hiccup must not end the loop
            logger.exception("sealing the hash chains failed; retrying")
        finally:
            close_old_connections()
        time.sleep(interval)
