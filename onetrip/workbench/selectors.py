"""Reads the workbench needs that no domain selector offers."""

from django.db.models import QuerySet

from onetrip.accounts.models import User
from onetrip.catalog.models import ItemImplementation


def implementations_for_intake(*, user: User) -> QuerySet[ItemImplementation]:
    """Services a window clerk can take in: active, offered at a window, in the clerk's region."""
    if user.department_id is None:
        return ItemImplementation.objects.none()
    return (
        ItemImplementation.objects.filter(
            is_active=True, window=True, region_id=user.department.region_id
        )
        .select_related("item")
        .order_by("item__code")
    )
