"""Who may maintain which service items: a department admin their own department's, a
system admin all of them. Enforced here and used by the admin, never by templates."""

from django.db.models import QuerySet

from onetrip.accounts.models import Role, User
from onetrip.catalog.models import ItemImplementation, ServiceItem


def is_catalog_maintainer(user: User) -> bool:
    return user.is_active and (
        user.is_superuser
        or user.has_role(Role.SYSTEM_ADMIN)
        or user.has_role(Role.DEPARTMENT_ADMIN)
    )


def _all(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.SYSTEM_ADMIN)


def maintainable_items(user: User) -> QuerySet[ServiceItem]:
    if _all(user):
        return ServiceItem.objects.all()
    if not user.has_role(Role.DEPARTMENT_ADMIN) or user.department_id is None:
        return ServiceItem.objects.none()
    return ServiceItem.objects.filter(competent_department_id=user.department_id)


def maintainable_implementations(user: User) -> QuerySet[ItemImplementation]:
    if _all(user):
        return ItemImplementation.objects.all()
    if not user.has_role(Role.DEPARTMENT_ADMIN) or user.department_id is None:
        return ItemImplementation.objects.none()
    return ItemImplementation.objects.filter(department_id=user.department_id)


def can_edit_item(user: User, item: ServiceItem | None) -> bool:
    if not is_catalog_maintainer(user):
        return False
    return item is None or _all(user) or item.competent_department_id == user.department_id


def can_edit_implementation(user: User, implementation: ItemImplementation | None) -> bool:
    if not is_catalog_maintainer(user):
        return False
    return (
        implementation is None or _all(user) or implementation.department_id == user.department_id
    )
