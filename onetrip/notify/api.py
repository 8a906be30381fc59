"""API: the caller's message centre."""

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from onetrip.core.auth import any_user_auth
from onetrip.notify.models import Message
from onetrip.notify.selectors import messages_for
from onetrip.notify.services import message_mark_read

router = Router(auth=any_user_auth)


class MessageOut(Schema):
    id: int
    event: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


@router.get("", response=list[MessageOut], summary="My messages, newest first")
@paginate(PageNumberPagination, page_size=50)
def my_messages(request: HttpRequest) -> QuerySet[Message]:
    return messages_for(user=request.auth)


@router.post("/{message_id}/read", response=MessageOut, summary="Mark one of my messages read")
def message_read(request: HttpRequest, message_id: int) -> Message:
    return message_mark_read(user=request.auth, message_id=message_id)
