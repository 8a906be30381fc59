"""Delivery channels behind one registry. In-app writes to the message centre; SMS and e-mail
are plug-ins whose default implementation logs (a province plugs in its gateway here)."""

import logging
from typing import ClassVar

from onetrip.notify.models import Message, OutboxMessage
from onetrip.plugins.registry import Registry

logger = logging.getLogger("onetrip.notify")


class Channel:
    key: ClassVar[str]

    def deliver(self, message: OutboxMessage) -> None:
        """Deliver or raise; the worker records the failure and retries."""
        raise NotImplementedError


channels: Registry[Channel] = Registry("notification channels")


@channels.register("in_app")
class InAppChannel(Channel):
    def deliver(self, message: OutboxMessage) -> None:
        Message.objects.create(
            recipient_id=message.recipient_id,
            event=message.event,
            title=message.title,
            body=message.body,
            link=message.link,
        )


@channels.register("sms")
class LoggingSmsChannel(Channel):
    def deliver(self, message: OutboxMessage) -> None:
        phone = message.recipient.phone
        if not phone:
            return  # nobody to text; not an error worth retrying
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], message.title)


@channels.register("email")
class LoggingEmailChannel(Channel):
    def deliver(self, message: OutboxMessage) -> None:
        if message.recipient.email:
            logger.info("E-mail to user %s: %s", message.recipient_id, message.title)
