"""Reads of the resource catalog (数据资源目录) and who may maintain what in it.

Any staff member browses the whole catalog (to know what exists and ask for access); only a
data steward of the owning department, or the system admin, maintains a dataset."""

from django.db.models import Count, Q, QuerySet

from onetrip.accounts.models import Role, User
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.datahub.models import Dataset


def is_platform_admin(user: User) -> bool:
    """The system admin may do everything on the data platform."""
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.SYSTEM_ADMIN)))


def can_browse_catalog(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.kind == User.Kind.STAFF)


def can_create_dataset(user: User) -> bool:
    """A data steward registers datasets for their own department."""
    if is_platform_admin(user):
        return True
    return bool(
        can_browse_catalog(user) and user.has_role(Role.DATA_STEWARD) and user.department_id
    )


def can_maintain_dataset(user: User, dataset: Dataset) -> bool:
    """A data steward of the owning department, or the system admin."""
    if is_platform_admin(user):
        return True
    return bool(
        can_browse_catalog(user)
        and user.has_role(Role.DATA_STEWARD)
        and user.department_id is not None
        and user.department_id == dataset.department_id
    )


def maintainable_datasets(user: User) -> QuerySet[Dataset]:
    """The datasets `user` maintains (all for the system admin)."""
    if is_platform_admin(user):
        return Dataset.objects.all()
    if not can_create_dataset(user):
        return Dataset.objects.none()
    return Dataset.objects.filter(department_id=user.department_id)


def access_dataset(*, user: User, code: str, maintain: bool = False) -> Dataset:
    """The dataset `code` as `user` may see it. Browsing needs a staff account (others learn
    nothing: 404); `maintain=True` also needs `can_maintain_dataset` (403: the catalog itself
    is no secret among staff)."""
    if not can_browse_catalog(user):
        raise NotFound("No dataset with this code.", field="dataset")
    dataset = Dataset.objects.select_related("department").filter(code=code).first()
    if dataset is None:
        raise NotFound("No dataset with this code.", field="dataset")
    if maintain and not can_maintain_dataset(user, dataset):
        raise PermissionDenied(
            "Only a data steward of the owning department maintains this dataset.",
            field="dataset",
        )
    return dataset


def dataset_list(*, user: User, query: str = "") -> QuerySet[Dataset]:
    """The whole catalog for any staff member, with each dataset's owner and field count,
    filtered by `query` over code, names, description and the owner's name."""
    if not can_browse_catalog(user):
        return Dataset.objects.none()
    datasets = Dataset.objects.select_related("department", "department__region").annotate(
        field_count=Count("fields")
    )
    query = (query or "").strip()
    if query:
        datasets = datasets.filter(
            Q(code__icontains=query)
            | Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(description__icontains=query)
            | Q(department__name__icontains=query)
        )
    return datasets.order_by("department__region_id", "department__code", "code")


def data_stewards(*, department_id: int | None) -> list[User]:
    """The active data stewards of a department, who are told of its loads' problem data,
    of access requests on its datasets and of correction requests."""
    if department_id is None:
        return []
    staff = User.objects.filter(
        kind=User.Kind.STAFF, is_active=True, department_id=department_id
    ).order_by("id")
    return [user for user in staff if user.has_role(Role.DATA_STEWARD)]
