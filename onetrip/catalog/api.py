"""API: the public service guide (items, their implementations, materials, fees, limits)."""

from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from onetrip.catalog.models import (
    ApplicantKind,
    ItemImplementation,
    LifeTheme,
    Material,
    ServiceItem,
)
from onetrip.catalog.selectors import (
    has_instant_approval,
    implementation_detail,
    is_id_only,
    item_detail,
    item_list,
)

router = Router(auth=None)


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class RegionOut(Schema):
    code: str
    name: str


class ItemOut(Schema):
    code: str
    name: str
    name_en: str
    item_type: str
    theme: str
    competent_department: DepartmentOut


class ImplementationSummaryOut(Schema):
    id: int
    code: str
    region: RegionOut
    department: DepartmentOut
    applicant_kind: str
    promised_limit_days: int
    statutory_limit_days: int
    visits_required: int
    online: bool
    mobile: bool
    window: bool


class ItemDetailOut(ItemOut):
    implementing_body: str
    legal_basis: str
    implementations: list[ImplementationSummaryOut]

    @staticmethod
    def resolve_implementations(obj: ServiceItem) -> list[ItemImplementation]:
        return list(obj.implementations.all())


class MaterialOut(Schema):
    id: int
    name: str
    name_en: str
    source: str = Field(..., description="upload, registry or licence")
    satisfied_by: str = Field(
        ..., description="'fetched' (from a registry or the e-licence store) or 'upload'"
    )
    registry_field: str
    licence_type: str | None
    required: bool
    deferrable: bool

    @staticmethod
    def resolve_satisfied_by(obj: Material) -> str:
        return "fetched" if obj.is_fetched else "upload"

    @staticmethod
    def resolve_licence_type(obj: Material) -> str | None:
        return obj.licence_type.code if obj.licence_type_id else None


class ChannelsOut(Schema):
    online: bool
    mobile: bool
    window: bool
    online_suitable: bool
    visits_required: int


class LimitsOut(Schema):
    statutory_days: int
    promised_days: int
    allows_extension: bool
    max_extension_days: int


class FeeOut(Schema):
    amount: Decimal
    note: str


class ImplementationDetailOut(Schema):
    id: int
    code: str
    item: ItemOut
    region: RegionOut
    department: DepartmentOut
    applicant_kind: str
    conditions: str
    fee: FeeOut
    limits: LimitsOut
    channels: ChannelsOut
    processing_steps: list[str]
    special_steps: list[dict]
    licence_type: str | None
    instant_approval: bool = Field(..., description="智能秒办: rules may approve at once")
    id_only: bool = Field(..., description="一证通办 / 一照通办: every material is fetched")
    materials: list[MaterialOut]

    @staticmethod
    def resolve_fee(obj: ItemImplementation) -> dict:
        return {"amount": obj.fee, "note": obj.fee_note}

    @staticmethod
    def resolve_limits(obj: ItemImplementation) -> dict:
        return {
            "statutory_days": obj.statutory_limit_days,
            "promised_days": obj.promised_limit_days,
            "allows_extension": obj.allows_extension,
            "max_extension_days": obj.max_extension_days,
        }

    @staticmethod
    def resolve_channels(obj: ItemImplementation) -> ItemImplementation:
        return obj

    @staticmethod
    def resolve_processing_steps(obj: ItemImplementation) -> list[str]:
        return obj.steps

    @staticmethod
    def resolve_licence_type(obj: ItemImplementation) -> str | None:
        return obj.licence_type.code if obj.licence_type_id else None

    @staticmethod
    def resolve_instant_approval(obj: ItemImplementation) -> bool:
        return has_instant_approval(obj)

    @staticmethod
    def resolve_id_only(obj: ItemImplementation) -> bool:
        return is_id_only(obj)

    @staticmethod
    def resolve_materials(obj: ItemImplementation) -> list[Material]:
        return list(obj.materials.all())


class ItemFilters(Schema):
    department: str | None = Field(
        None, description="Department sector, e.g. public_security, civil_affairs"
    )
    theme: LifeTheme | None = None
    region: str | None = Field(None, description="GB/T 2260 region code; items offered there")
    applicant_kind: ApplicantKind | None = None
    q: str = Field("", max_length=100, description="Words of the name, or an item code")


@router.get("/items", response=list[ItemOut], summary="Browse the service guide")
@paginate(PageNumberPagination, page_size=50)
def items(request: HttpRequest, filters: Query[ItemFilters]) -> QuerySet[ServiceItem]:
    return item_list(
        department_kind=filters.department,
        theme=filters.theme,
        region=filters.region,
        applicant_kind=filters.applicant_kind,
        query=filters.q.strip(),
    )


@router.get("/items/{code}", response=ItemDetailOut, summary="One service item")
def item(request: HttpRequest, code: str) -> ServiceItem:
    return item_detail(code=code)


@router.get(
    "/implementations/{implementation_id}",
    response=ImplementationDetailOut,
    summary="One implementation: materials (fetched or upload), fees, limits, channels",
)
def implementation(request: HttpRequest, implementation_id: int) -> ItemImplementation:
    return implementation_detail(implementation_id=implementation_id)
