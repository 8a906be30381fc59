"""The outbox commits with the change it reports and the worker delivers it per channel."""

import pytest
from django.db import transaction

from onetrip.notify import services
from onetrip.notify.channels import Channel, channels
from onetrip.notify.models import Message, OutboxMessage
from onetrip.notify.selectors import unread_count
from onetrip.plugins.registry import Registry
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


def test_rolled_back_change_leaves_no_notification(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notification_queue(recipient=world.citizen_a, event="x", title="t", body="b")
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_worker_delivers_in_app_message_once(world, settings):
    settings.ONETRIP_NOTIFY_CHANNELS = ["in_app", "sms"]
    services.notification_queue(
        recipient=world.citizen_a, event="case.accepted", title="受理", body="b"
    )
    assert OutboxMessage.objects.filter(status="pending").count() == 2
    assert services.outbox_deliver() == 2
    assert services.outbox_deliver() == 0
    assert Message.objects.get(recipient=world.citizen_a).title == "受理"
    assert unread_count(user=world.citizen_a) == 1
    services.message_mark_read(user=world.citizen_a, message_id=Message.objects.get().id)
    assert unread_count(user=world.citizen_a) == 0


def test_other_user_cannot_mark_message_read(world):
    from onetrip.core.errors import NotFound

    message = Message.objects.create(recipient=world.citizen_a, event="e", title="t", body="b")
    with pytest.raises(NotFound):
        services.message_mark_read(user=world.citizen_b, message_id=message.id)


def test_failing_channel_is_retried_then_marked_failed(world, settings):
    # given a channel plug-in that always fails, registered for this test only
    @channels.register("broken_test")
    class Broken(Channel):
        def deliver(self, message):  # type: ignore[no-untyped-def]
            raise ConnectionError("gateway down")

    try:
        settings.ONETRIP_NOTIFY_CHANNELS = ["broken_test", "in_app"]
        services.notification_queue(recipient=world.citizen_a, event="e", title="t", body="b")
        for _ in range(services.MAX_ATTEMPTS):
            services.outbox_deliver()
        broken = OutboxMessage.objects.get(channel="broken_test")
        assert broken.status == "failed" and broken.attempts == services.MAX_ATTEMPTS
        assert "gateway down" in broken.last_error
        assert OutboxMessage.objects.get(channel="in_app").status == "sent"
    finally:
        channels._classes.pop("broken_test")


def test_registry_refuses_duplicate_keys():
    registry: Registry[object] = Registry("test")
    registry.register("a")(type("A", (), {}))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("a")(type("B", (), {}))
    with pytest.raises(KeyError, match="registered: a"):
        registry.get("missing")


def test_case_transitions_queue_notifications(world):
    from onetrip.cases import services as cases

    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    case = cases.case_apply(actor=world.citizen_a, implementation=impl)
    services.outbox_deliver()
    message = Message.objects.get(recipient=world.citizen_a, event="case.approved")
    assert case.number in message.title and message.link.endswith(f"{case.number}/")
