"""Reads of the sharing API: API clients and their grants for the staff pages, who may manage
or decide what, and the per-process caches of what every sharing call needs (a dataset's
schema, the platform's case-prefill client with its grants).

A data steward manages the clients of their own department and decides the grant requests on
their own department's datasets; the system admin does everything, including third parties."""

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from onetrip.accounts.models import Role, User
from onetrip.core.errors import NotFound
from onetrip.core.workdays import today
from onetrip.datahub import base_registries
from onetrip.datahub.models import AccessGrant, ApiClient, Dataset, DatasetField
from onetrip.datahub.selectors.catalog import is_platform_admin

# ------------------------------------------------------------------------------ permissions


def _is_steward_of(user: User, department_id: int | None) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.has_role(Role.DATA_STEWARD)
        and department_id is not None
        and user.department_id == department_id
    )


def can_manage_client(user: User, client: ApiClient) -> bool:
    """Create credentials for, rotate, revoke, disable and ask grants for a client: a data
    steward of the client's department, or the system admin (the only one for third parties)."""
    if is_platform_admin(user):
        return True
    return client.kind == ApiClient.Kind.DEPARTMENT_SYSTEM and _is_steward_of(
        user, client.department_id
    )


def can_decide_grant(user: User, grant: AccessGrant) -> bool:
    """Approve, refuse or revoke access to a dataset: a data steward of its owner department,
    or the system admin."""
    return is_platform_admin(user) or _is_steward_of(user, grant.dataset.department_id)


def access_client(*, user: User, client_id: int) -> ApiClient:
    """The client, if `user` may manage it; NotFound otherwise (nobody learns it exists)."""
    client = (
        ApiClient.objects.select_related("department").filter(pk=client_id).first()
        if str(client_id).isdigit()
        else None
    )
    if client is None or not can_manage_client(user, client):
        raise NotFound("No such API client.")
    return client


def access_grant(*, user: User, grant_id: int) -> AccessGrant:
    """A grant, for its dataset's owner (stewards, system admin) or its client's managers."""
    grant = (
        AccessGrant.objects.select_related("client", "dataset", "dataset__department")
        .filter(pk=grant_id)
        .first()
        if str(grant_id).isdigit()
        else None
    )
    if grant is None or not (
        can_decide_grant(user, grant) or can_manage_client(user, grant.client)
    ):
        raise NotFound("No such grant.")
    return grant


# ------------------------------------------------------------------------------ staff lists


def clients_of_department(*, user: User) -> QuerySet[ApiClient]:
    """The clients `user` manages: those of the steward's department; every client for the
    system admin; none for anyone else."""
    qs = ApiClient.objects.select_related("department").order_by("name", "id")
    if is_platform_admin(user):
        return qs
    if not (user.is_authenticated and user.has_role(Role.DATA_STEWARD) and user.department_id):
        return qs.none()
    return qs.filter(department_id=user.department_id, kind=ApiClient.Kind.DEPARTMENT_SYSTEM)


def grant_requests_pending(*, user: User) -> QuerySet[AccessGrant]:
    """Requests waiting for a decision on the datasets of the steward's department (all of
    them for the system admin), oldest first."""
    qs = (
        AccessGrant.objects.filter(status=AccessGrant.Status.REQUESTED)
        .select_related("client", "client__department", "dataset", "requested_by")
        .order_by("requested_at", "id")
    )
    if is_platform_admin(user):
        return qs
    if not (user.is_authenticated and user.has_role(Role.DATA_STEWARD) and user.department_id):
        return qs.none()
    return qs.filter(dataset__department_id=user.department_id)


def grants_of_client(*, user: User, client_id: int) -> QuerySet[AccessGrant]:
    """Every grant of a client `user` manages, newest first."""
    client = access_client(user=user, client_id=client_id)
    return grants_of_api_client(client=client)


def grants_of_api_client(*, client: ApiClient) -> QuerySet[AccessGrant]:
    """A client's own grants, newest first (the client itself, through the sharing API)."""
    return AccessGrant.objects.filter(client=client).select_related("dataset")


def is_live(grant: AccessGrant) -> bool:
    """Granted and not past its expiry date (in Asia/Shanghai)."""
    return grant.status == AccessGrant.Status.GRANTED and grant.expires_on >= today()


# ------------------------------------------------------------------------------ caches
# Per-process, like `catalog.selectors.implementation_for_apply`: each app server keeps its own
# copy for ONETRIP_CATALOG_CACHE_SECONDS (0 turns it off). Dataset schemas and the platform's
# own prefill client change a few times a year; every sharing call needs them.


@dataclass(frozen=True)
class SharedDataset:
    """A dataset as a sharing call needs it: the row, and its fields by name in schema order."""

    dataset: Dataset
    fields: dict[str, DatasetField] = field(default_factory=dict)

    @property
    def subject_is_key(self) -> bool:
        """Whether a record's key is the resident ID or USCC of the person it is about."""
        return bool(self.dataset.subject_field) and (
            self.dataset.subject_field == self.dataset.key_field
        )


_datasets: dict[str, tuple[float, SharedDataset | None]] = {}
_prefill: dict[str, tuple[float, Any]] = {}


def _ttl() -> int:
    return int(getattr(settings, "ONETRIP_CATALOG_CACHE_SECONDS", 0))


def shared_dataset(*, code: str) -> SharedDataset | None:
    """The dataset with this code and its fields, or None; from the per-process cache."""
    ttl, now = _ttl(), time.monotonic()
    hit = _datasets.get(code)
    if ttl > 0 and hit is not None and now - hit[0] < ttl:
        return hit[1]
    dataset = Dataset.objects.filter(code=code).first()
    found = (
        SharedDataset(dataset, {f.name: f for f in dataset.fields.order_by("position", "id")})
        if dataset is not None
        else None
    )
    if ttl > 0:
        _datasets[code] = (now, found)
    return found


@dataclass(frozen=True)
class PrefillClient:
    """The platform's case-prefill client and its granted grants, by dataset id."""

    client: ApiClient
    grants: dict[int, list[AccessGrant]]


def prefill_client() -> PrefillClient:
    """The case-prefill client (made by `base_registries_ensure`) with its grants; from the
    per-process cache."""
    ttl, now = _ttl(), time.monotonic()
    hit = _prefill.get("client")
    if ttl > 0 and hit is not None and now - hit[0] < ttl:
        return hit[1]
    client = (
        ApiClient.objects.filter(
            name=base_registries.PREFILL_CLIENT, kind=ApiClient.Kind.DEPARTMENT_SYSTEM
        )
        .order_by("id")
        .first()
    )
    if client is None:
        raise NotFound("The case-prefill client is missing: run base_registries_ensure.")
    grants: dict[int, list[AccessGrant]] = {}
    for grant in AccessGrant.objects.filter(client=client, status=AccessGrant.Status.GRANTED):
        grants.setdefault(grant.dataset_id, []).append(grant)
    found = PrefillClient(client, grants)
    if ttl > 0:
        _prefill["client"] = (now, found)
    return found
