import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onetrip.accounts.models import User
from onetrip.core.services import service
from onetrip.notify.channels import channels
from onetrip.notify.models import Message, OutboxMessage

logger = logging.getLogger("onetrip.notify")
MAX_ATTEMPTS = 5


def notification_queue(
    *, recipient: User, event: str, title: str, body: str, link: str = ""
) -> list[OutboxMessage]:
    """Queue one outbox row per enabled channel. Call inside the transaction of the change
    being reported: the rows commit or roll back with it, so no change goes unannounced and
    no announcement outlives a rolled-back change."""
    enabled = [c for c in settings.ONETRIP_NOTIFY_CHANNELS if c in channels]
    return OutboxMessage.objects.bulk_create(
        OutboxMessage(
            recipient=recipient, channel=channel, event=event, title=title, body=body, link=link
        )
        for channel in enabled
    )


def outbox_deliver(*, limit: int = 100) -> int:
    """Deliver up to `limit` pending messages; each is marked sent in the same transaction as
    its delivery, failures are counted and retried up to MAX_ATTEMPTS. Returns how many were
    sent. Safe with several workers: rows are claimed with SKIP LOCKED where supported."""
    sent = 0
    with transaction.atomic():
        qs = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).order_by("id")
        if transaction.get_connection().features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch = list(qs.select_related("recipient")[:limit])
        for message in batch:
            try:
                with transaction.atomic():
                    channels.get(message.channel).deliver(message)
                    message.status = OutboxMessage.Status.SENT
                    message.sent_at = timezone.now()
                    message.save(update_fields=["status", "sent_at"])
                    sent += 1
            except Exception as exc:  # a broken gateway must not stop the others
                message.attempts += 1
                message.last_error = str(exc)[:2000]
                if message.attempts >= MAX_ATTEMPTS:
                    message.status = OutboxMessage.Status.FAILED
                message.save(update_fields=["attempts", "last_error", "status"])
                logger.warning("delivery of outbox %s failed: %s", message.id, exc)
    return sent


def outbox_worker_loop(*, interval: float = 1.0, stop: "callable | None" = None) -> None:  # noqa: UP037
    """Deliver forever (or until `stop()` is true), sleeping when the outbox is empty."""
    while stop is None or not stop():
        try:
            if outbox_deliver() == 0:
                time.sleep(interval)
        except Exception:  # keep the worker alive across a database restart
            logger.exception("outbox worker error")
            time.sleep(interval * 5)


@service
def message_mark_read(*, user: User, message_id: int) -> Message:
    """Mark one of the user's own messages read; someone else's is NotFound."""
    from onetrip.core.errors import NotFound

    message = Message.objects.filter(recipient=user, id=message_id).first()
    if message is None:
        raise NotFound("No such message.")
    if message.read_at is None:
        message.read_at = timezone.now()
        message.save(update_fields=["read_at"])
    return message
