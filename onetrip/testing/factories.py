"""Builders of test data that go through the real models (and services where a rule applies).
Used by the test suites of every app; never by production code."""

import datetime as dt
import itertools
from typing import Any

from stdnum.cn import ric, uscc

from onetrip.accounts import services as accounts
from onetrip.accounts.models import Department, Region, User
from onetrip.catalog.models import InstantApprovalRule, ItemImplementation, Material, ServiceItem
from onetrip.datahub.models import LegalEntityRecord, LicenceType, PopulationRecord

_seq = itertools.count(1)
PASSWORD = "test-pass-123"

REGIONS = [
    ("330000", "浙江省", "province", None),
    ("330100", "杭州市", "city", "330000"),
    ("330106", "西湖区", "county", "330100"),
    ("330110", "余杭区", "county", "330100"),
    ("330200", "宁波市", "city", "330000"),
    ("330203", "海曙区", "county", "330200"),
]


def regions() -> dict[str, Region]:
    out = {}
    for code, name, level, parent in REGIONS:
        out[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent_id": parent}
        )
    return out


def resident_id(
    *, area: str = "330106", birth: dt.date = dt.date(1960, 5, 1), seq: int | None = None
) -> str:
    """A valid 18-digit resident ID (the area must have existed in the birth year)."""
    body = f"{area}{birth:%Y%m%d}{(seq or next(_seq)) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(seq: int | None = None) -> str:
    body = f"9133010{(seq or next(_seq)):010d}"[:17]
    return body + uscc.calc_check_digit(body)


def department(
    *, kind: str = "civil_affairs", region: str = "330106", name: str = ""
) -> Department:
    regions()
    code = f"{region}-{kind}"
    dept, _ = Department.objects.get_or_create(
        code=code, defaults={"name": name or f"{region} {kind}", "kind": kind, "region_id": region}
    )
    return dept


def citizen(
    *,
    name: str = "张三",
    birth: dt.date = dt.date(1960, 5, 1),
    household_region: str = "330106",
    id_area: str = "330100",
    marital_status: str = "married",
    password: str = PASSWORD,
) -> User:
    """A citizen in the population registry with an account."""
    regions()
    number = resident_id(area=id_area, birth=birth)
    PopulationRecord.objects.create(
        resident_id=number,
        name=name,
        sex="M",
        birth_date=birth,
        household_address=f"浙江省杭州市{name}路{next(_seq)}号",
        household_region_id=household_region,
        marital_status=marital_status,
        phone="13800000000",
    )
    return accounts.citizen_register(resident_id=number, name=name, password=password)


def enterprise(
    *, name: str = "杭州示例科技有限公司", region: str = "330106", status: str = "active"
) -> User:
    regions()
    number = credit_code()
    LegalEntityRecord.objects.create(
        uscc=number,
        name=name,
        entity_type="有限责任公司",
        legal_representative="李四",
        registered_address="浙江省杭州市西湖区文三路1号",
        region_id=region,
        status=status,
        established_on=dt.date(2015, 3, 1),
    )
    return accounts.enterprise_register(uscc=number, name=name, password=PASSWORD)


def staff(*, roles: list[str], dept: Department | None = None, username: str = "") -> User:
    dept = dept or department()
    return accounts.staff_create(
        username=username or f"staff{next(_seq)}",
        name="工作人员",
        department=dept,
        roles=roles,
        password=PASSWORD,
    )


def licence_type(
    *, code: str = "LNYHZ", name: str = "老年人优待证", years: int | None = 5
) -> LicenceType:
    lt, _ = LicenceType.objects.get_or_create(
        code=code, defaults={"name": name, "validity_years": years}
    )
    return lt


def implementation(
    *,
    dept: Department | None = None,
    code: str | None = None,
    name: str = "老年人优待证办理",
    applicant_kind: str = "citizen",
    promised: int = 5,
    statutory: int = 20,
    steps: list[str] | None = None,
    materials: list[dict[str, Any]] | None = None,
    rules: list[dict[str, Any]] | None = None,
    issues_licence: bool = True,
    allows_extension: bool = False,
    max_extension_days: int = 0,
) -> ItemImplementation:
    """A service item with one implementation in the department's region. `materials` are
    dicts of Material fields; `rules` are conditions of instant-approval rules."""
    dept = dept or department()
    code = code or f"GG{next(_seq):05d}001"
    item = ServiceItem.objects.create(
        code=code,
        name=name,
        name_en="Test item",
        item_type=code[:2],
        competent_department=dept,
        implementing_body=dept.name,
        legal_basis="《浙江省老年人权益保障条例》第二十条",
        theme="retirement",
    )
    impl = ItemImplementation.objects.create(
        item=item,
        region=dept.region,
        department=dept,
        code=f"{dept.region_id}{code}",
        applicant_kind=applicant_kind,
        statutory_limit_days=statutory,
        promised_limit_days=promised,
        processing_steps=steps if steps is not None else ["review", "approval"],
        licence_type=licence_type() if issues_licence else None,
        allows_extension=allows_extension,
        max_extension_days=max_extension_days,
    )
    default_materials = [
        {"name": "身份证明", "source": "registry", "registry_field": "population.resident_id"},
        {
            "name": "户籍地址",
            "source": "registry",
            "registry_field": "population.household_address",
        },
    ]
    for position, fields in enumerate(materials if materials is not None else default_materials):
        Material.objects.create(implementation=impl, position=position, **fields)
    for conditions in rules or []:
        InstantApprovalRule.objects.create(implementation=impl, name="规则", conditions=conditions)
    return impl


SENIOR_RULE = {
    "all": [
        {"fact": "age", "op": ">=", "value": 60},
        {"fact": "household_in_region", "op": "==", "value": True},
        {"fact": "has_open_case_same_item", "op": "==", "value": False},
    ]
}


def pdf_upload(name: str = "material.pdf", size: int = 2048):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = b"%PDF-1.4\n" + b"0" * max(size - 9, 0)
    return SimpleUploadedFile(name, body, content_type="application/pdf")
