"""Reads of the public service guide."""

import time

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from onetrip.accounts.models import Region, User
from onetrip.catalog.models import ItemImplementation, Material, ServiceItem
from onetrip.core.errors import NotFound


def item_list(
    *,
    department_kind: str | None = None,
    theme: str | None = None,
    region: str | None = None,
    applicant_kind: str | None = None,
    query: str = "",
    with_implementations: bool = False,
) -> QuerySet[ServiceItem]:
    """Items offered somewhere (or in `region` and the regions above it), filtered; with
    `with_implementations`, their active implementations, materials and rules prefetched."""
    qs = ServiceItem.objects.select_related("competent_department").filter(
        implementations__is_active=True
    )
    if department_kind:
        qs = qs.filter(competent_department__kind=department_kind)
    if theme:
        qs = qs.filter(theme=theme)
    if region:
        qs = qs.filter(implementations__region_id__in=_region_and_ancestors(region))
    if applicant_kind:
        qs = qs.filter(implementations__applicant_kind__in=[applicant_kind, "both"])
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_en__icontains=query) | Q(code=query))
    qs = qs.distinct().order_by("code")
    if with_implementations:
        qs = qs.prefetch_related(
            Prefetch(
                "implementations",
                queryset=ItemImplementation.objects.filter(is_active=True).prefetch_related(
                    "materials", "instant_rules"
                ),
            )
        )
    return qs


def region_list() -> list[Region]:
    """The province, its cities and counties (a small table), for region filters."""
    return list(Region.objects.order_by("code"))


def _region_and_ancestors(code: str) -> list[str]:
    codes = []
    region = Region.objects.filter(code=code).first()
    while region is not None:
        codes.append(region.code)
        region = region.parent
    return codes


def item_detail(*, code: str) -> ServiceItem:
    item = (
        ServiceItem.objects.select_related("competent_department")
        .prefetch_related(
            Prefetch(
                "implementations",
                queryset=ItemImplementation.objects.filter(is_active=True).select_related(
                    "region", "department", "licence_type"
                ),
            )
        )
        .filter(code=code)
        .first()
    )
    if item is None:
        raise NotFound("No service item with this code.")
    return item


def implementation_detail(*, implementation_id: int) -> ItemImplementation:
    """An active implementation with its materials and rules, for the guide and the form."""
    implementation = (
        ItemImplementation.objects.select_related(
            "item__competent_department", "region", "department", "licence_type"
        )
        .prefetch_related(
            Prefetch("materials", queryset=Material.objects.select_related("licence_type")),
            "instant_rules",
        )
        .filter(id=implementation_id, is_active=True)
        .first()
    )
    if implementation is None:
        raise NotFound("No such service implementation.", field="implementation")
    return implementation


# Per-process read cache of what applying needs (implementation, materials, rules). Not shared
# state: each app server keeps its own copy, and a catalog edit reaches every server within
# ONETRIP_CATALOG_CACHE_SECONDS. Applying reads the catalog on every request; it changes
# a few times a day.
_for_apply: dict[int, tuple[float, ItemImplementation]] = {}


def implementation_for_apply(*, implementation_id: int) -> ItemImplementation:
    """An active implementation with its materials and rules, as `implementation_detail`, but
    served from a short per-process cache (ONETRIP_CATALOG_CACHE_SECONDS, 0 turns it off)."""
    ttl = settings.ONETRIP_CATALOG_CACHE_SECONDS
    now = time.monotonic()
    hit = _for_apply.get(implementation_id)
    if ttl > 0 and hit is not None and now - hit[0] < ttl:
        return hit[1]
    implementation = implementation_detail(implementation_id=implementation_id)
    if ttl > 0:
        _for_apply[implementation_id] = (now, implementation)
    return implementation


def is_id_only(implementation: ItemImplementation) -> bool:
    """一证通办 / 一照通办: every material can be fetched, none has to be uploaded."""
    materials = list(implementation.materials.all())
    return bool(materials) and all(m.source != Material.Source.UPLOAD for m in materials)


def has_instant_approval(implementation: ItemImplementation) -> bool:
    return any(rule.is_active for rule in implementation.instant_rules.all())


def implementations_for_intake(*, user: User) -> QuerySet[ItemImplementation]:
    """Services a window clerk can take in: active, offered at a window, in the clerk's region."""
    if user.department_id is None:
        return ItemImplementation.objects.none()
    return (
        ItemImplementation.objects.filter(
            is_active=True, window=True, region_id=user.department.region_id
        )
        .select_related("item")
        .prefetch_related("materials")
        .order_by("item__code")
    )
