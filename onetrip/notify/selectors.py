from django.db.models import QuerySet

from onetrip.accounts.models import User
from onetrip.notify.models import Message


def messages_for(*, user: User) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user)


def unread_count(*, user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).count()
