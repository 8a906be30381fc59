"""Loads the reference data shipped in the repository: the Zhejiang regions
(accounts/data/regions.json) and the demo catalog (catalog/data/demo_catalog.json) with its
departments, licence types, service items, implementations, materials and instant rules.

Every loader is idempotent (run it twice, get the same rows) and works in bulk. Rows that exist
are updated in place; materials and rules of an implementation that already exists are left
alone, because cases may point at them."""

import json
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import transaction

PACKAGE_DIR = Path(__file__).resolve().parents[2]
REGIONS_FILE = PACKAGE_DIR / "accounts" / "data" / "regions.json"
CATALOG_FILE = PACKAGE_DIR / "catalog" / "data" / "demo_catalog.json"

LEVELS = ("province", "city", "county")
CHANNELS = ("online", "mobile", "window")


@lru_cache(maxsize=1)
def read_regions() -> tuple[dict[str, Any], ...]:
    """The 102 regions (province, 11 cities, 90 counties) as plain dicts, parents first."""
    rows = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    return tuple(sorted(rows, key=lambda r: (LEVELS.index(r["level"]), r["code"])))


@lru_cache(maxsize=1)
def read_catalog() -> dict[str, Any]:
    """The demo catalog as shipped (not validated: see `catalog_problems`)."""
    return json.loads(CATALOG_FILE.read_text(encoding="utf-8"))


def _upsert(model: Any, wanted: dict[str, dict[str, Any]], *, key: str = "code") -> int:
    """Create the rows of `wanted` ({key value: field values}) that are missing and update the
    ones whose values differ, in bulk; returns how many rows were written."""
    existing = model.objects.in_bulk(list(wanted), field_name=key)
    new, changed = [], []
    for key_value, values in wanted.items():
        current = existing.get(key_value)
        if current is None:
            new.append(model(**{key: key_value}, **values))
        elif any(getattr(current, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(current, f, v)
            changed.append(current)
    model.objects.bulk_create(new)
    if changed and wanted:
        model.objects.bulk_update(changed, list(next(iter(wanted.values()))))
    return len(new) + len(changed)


# ---------------------------------------------------------------------------------------------
# Regions


def load_regions(*, region_model: Any = None) -> int:
    """Create or update every region from regions.json; returns how many rows were written.

    `region_model` lets a data migration pass its historical model
    (`apps.get_model("accounts", "Region")`); by default the current model is used."""
    if region_model is None:
        from onetrip.accounts.models import Region as region_model
    written = 0
    with transaction.atomic():
        for level in LEVELS:  # parents before children, so foreign keys always resolve
            wanted = {
                row["code"]: {
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "level": row["level"],
                    "parent_id": row["parent"],
                }
                for row in read_regions()
                if row["level"] == level
            }
            written += _upsert(region_model, wanted)
    return written


# ---------------------------------------------------------------------------------------------
# Departments


def _strip_suffix(text: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)]
    return text


def department_names(kind: dict[str, Any], region: Any) -> tuple[str, str]:
    """The Chinese and English name of the department of `kind` in `region`, following the
    real pattern (浙江省市场监督管理局, 杭州市市场监督管理局, 杭州市西湖区市场监督管理局)."""
    level = region.level
    if level == "county":
        city = region.parent
        county, county_en = region.name, region.name_en
    elif level == "city":
        city, county, county_en = region, "", ""
    else:
        city, county, county_en = None, "", ""
    names = {
        "city": city.name if city else "",
        "city_en": _strip_suffix(city.name_en, [" City"]) if city else "",
        "county": county,
        "county_short": _strip_suffix(county, ["区", "县", "市"]),
        "county_en": county_en,
        "county_short_en": _strip_suffix(county_en, [" District", " County", " City"]),
    }
    return kind["names"][level].format(**names), kind["names_en"][level].format(**names)


def department_code(region_code: str, kind: dict[str, Any]) -> str:
    """Department codes are the region code and the sector abbreviation: 330106-SCJG."""
    return f"{region_code}-{kind['abbr']}"


def demo_region_codes() -> list[str]:
    return [r["code"] for r in read_catalog()["demo_regions"]]


def load_departments(*, region_codes: Iterable[str] | None = None) -> dict[str, Any]:
    """Create or update one department of every kind in each region (by default the demo
    regions: the province, 杭州市, 西湖区, 余杭区). Returns {department code: Department}."""
    from onetrip.accounts.models import Department, Region

    codes = list(region_codes) if region_codes is not None else demo_region_codes()
    regions = Region.objects.select_related("parent").in_bulk(codes)
    missing = [c for c in codes if c not in regions]
    if missing:
        raise ValueError(f"Regions not loaded: {missing}; run load_regions() first.")
    kinds = read_catalog()["department_kinds"]
    wanted: dict[str, dict[str, Any]] = {}
    for code in codes:
        for kind in kinds:
            name, name_en = department_names(kind, regions[code])
            wanted[department_code(code, kind)] = {
                "name": name,
                "name_en": name_en,
                "kind": kind["kind"],
                "region_id": code,
            }
    with transaction.atomic():
        _upsert(Department, wanted)
    return Department.objects.in_bulk(list(wanted), field_name="code")


# ---------------------------------------------------------------------------------------------
# Licence types


def load_licence_types() -> dict[str, Any]:
    """Create or update every licence type of the demo catalog; returns {code: LicenceType}."""
    from onetrip.datahub.models import LicenceType

    fields = ["name", "name_en", "holder_kind", "validity_years"]
    rows = {row["code"]: row for row in read_catalog()["licence_types"]}
    with transaction.atomic():
        _upsert(LicenceType, {code: {f: row[f] for f in fields} for code, row in rows.items()})
    return LicenceType.objects.in_bulk(list(rows), field_name="code")


# ---------------------------------------------------------------------------------------------
# Catalog checks (shared by the loader and the tests)


def is_id_only(item: dict[str, Any]) -> bool:
    """一证通办 / 一照通办: every material is fetched from a registry or the licence store."""
    materials = item["implementation"]["materials"]
    return bool(materials) and all(m["source"] in ("registry", "licence") for m in materials)


def catalog_problems(data: dict[str, Any] | None = None) -> list[str]:
    """Everything wrong with the catalog data, one line each; empty when it can be loaded.
    Uses the same checks as the models (code shape, steps, registry fields, rules)."""
    from django.core.exceptions import ValidationError

    from onetrip.catalog.models import ApplicantKind, ItemType, LifeTheme, Material
    from onetrip.catalog.rules import (
        check_item_code,
        check_processing_steps,
        check_registry_field,
        parse_conditions,
    )

    data = data if data is not None else read_catalog()
    problems: list[str] = []
    kinds = {k["kind"] for k in data["department_kinds"]}
    licence_codes = {lt["code"] for lt in data["licence_types"]}
    seen: set[str] = set()
    for item in data["items"]:
        where = item.get("code", "?")
        impl = item["implementation"]
        if item["code"] in seen:
            problems.append(f"{where}: duplicate code")
        seen.add(item["code"])
        try:
            check_item_code(item["code"], item["type"])
        except ValidationError as exc:
            problems.append(f"{where}: {exc.messages}")
        if item["type"] not in ItemType.values:
            problems.append(f"{where}: unknown type {item['type']}")
        if item["department_kind"] not in kinds:
            problems.append(f"{where}: unknown department kind {item['department_kind']}")
        if item["theme"] not in LifeTheme.values:
            problems.append(f"{where}: unknown theme {item['theme']}")
        if item["level"] not in LEVELS:
            problems.append(f"{where}: unknown level {item['level']}")
        if not item["legal_basis"].startswith("《"):
            problems.append(f"{where}: legal basis should cite a document")
        if impl["applicant_kind"] not in ApplicantKind.values:
            problems.append(f"{where}: unknown applicant kind {impl['applicant_kind']}")
        if impl["promised_limit_days"] > impl["statutory_limit_days"]:
            problems.append(f"{where}: promised limit exceeds the statutory limit")
        try:
            check_processing_steps(impl["processing_steps"])
        except ValidationError as exc:
            problems.append(f"{where}: {exc.messages}")
        if impl["processing_steps"] != [
            s for s in ("review", "approval") if s in impl["processing_steps"]
        ]:
            problems.append(f"{where}: processing steps out of order")
        if impl["allows_extension"] != (impl["max_extension_days"] > 0):
            problems.append(f"{where}: extension flag and days disagree")
        if impl["licence_type"] and impl["licence_type"] not in licence_codes:
            problems.append(f"{where}: unknown licence type {impl['licence_type']}")
        if set(impl["channels"]) - set(CHANNELS) or not impl["channels"]:
            problems.append(f"{where}: channels must be a non-empty subset of {CHANNELS}")
        if not impl["materials"]:
            problems.append(f"{where}: no materials")
        for mat in impl["materials"]:
            if mat["source"] not in Material.Source.values:
                problems.append(f"{where}: material {mat['name']}: unknown source")
            if mat["source"] == "registry":
                try:
                    check_registry_field(mat["registry_field"])
                except ValidationError as exc:
                    problems.append(f"{where}: material {mat['name']}: {exc.messages}")
            if mat["source"] == "licence" and mat["licence_type"] not in licence_codes:
                problems.append(f"{where}: material {mat['name']}: unknown licence type")
            if mat["deferrable"] and mat["source"] != "upload":
                problems.append(f"{where}: material {mat['name']}: only uploads are deferrable")
        for rule in impl["instant_rules"]:
            try:
                parse_conditions(rule["conditions"])
            except ValueError as exc:
                problems.append(f"{where}: rule {rule['name']}: {exc}")
    return problems


# ---------------------------------------------------------------------------------------------
# Service items and implementations


def implementation_code(item_code: str, region_code: str, level: str) -> str:
    """Level digit (2 province, 3 city, 4 county), region code and basic item code:
    4330106XK00303001. Unique because an item has one implementation per region."""
    digit = read_catalog()["implementation_level_digits"][level]
    return f"{digit}{region_code}{item_code}"


def _implementation_values(impl: dict[str, Any], licence_types: dict[str, Any]) -> dict[str, Any]:
    channels = set(impl["channels"])
    licence = licence_types[impl["licence_type"]] if impl["licence_type"] else None
    return {
        "applicant_kind": impl["applicant_kind"],
        "conditions": impl["conditions"],
        "fee": Decimal(impl["fee"]),
        "fee_note": impl["fee_note"],
        "statutory_limit_days": impl["statutory_limit_days"],
        "promised_limit_days": impl["promised_limit_days"],
        "visits_required": impl["visits_required"],
        "online": "online" in channels,
        "mobile": "mobile" in channels,
        "window": "window" in channels,
        "online_suitable": impl["online_suitable"],
        "special_steps": impl["special_steps"],
        "processing_steps": impl["processing_steps"],
        "allows_extension": impl["allows_extension"],
        "max_extension_days": impl["max_extension_days"],
        "licence_type_id": licence.pk if licence else None,
    }


def load_catalog(*, region_codes: Iterable[str] | None = None) -> dict[str, int]:
    """Create or update the demo catalog: departments, licence types, service items (with the
    province department of their kind as competent department) and one implementation per
    item in every demo region of the item's level, each with its materials and instant rules.
    Refuses to load data that fails `catalog_problems`. Returns counts of what exists."""
    from onetrip.accounts.models import Region
    from onetrip.catalog.models import (
        InstantApprovalRule,
        ItemImplementation,
        Material,
        ServiceItem,
    )

    problems = catalog_problems()
    if problems:
        raise ValueError("The demo catalog is invalid:\n" + "\n".join(problems))
    data = read_catalog()
    codes = list(region_codes) if region_codes is not None else demo_region_codes()
    with transaction.atomic():
        departments = load_departments(region_codes=codes)
        licence_types = load_licence_types()
        regions = Region.objects.in_bulk(codes)
        province = next(c for c in codes if regions[c].level == "province")
        abbr = {k["kind"]: k["abbr"] for k in data["department_kinds"]}

        # Service items: the six uniform elements.
        _upsert(
            ServiceItem,
            {
                row["code"]: {
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "item_type": row["type"],
                    "competent_department_id": departments[
                        f"{province}-{abbr[row['department_kind']]}"
                    ].pk,
                    "implementing_body": row["implementing_body"],
                    "legal_basis": row["legal_basis"],
                    "theme": row["theme"],
                }
                for row in data["items"]
            },
        )
        items = ServiceItem.objects.in_bulk([r["code"] for r in data["items"]], field_name="code")

        # Implementations (实施清单), one per item and region of the item's level.
        before = set(ItemImplementation.objects.values_list("code", flat=True))
        wanted, rows_by_code = {}, {}
        for row in data["items"]:
            for region_code in codes:
                if regions[region_code].level != row["level"]:
                    continue
                code = implementation_code(row["code"], region_code, row["level"])
                rows_by_code[code] = row
                values = _implementation_values(row["implementation"], licence_types)
                values["department_id"] = departments[
                    f"{region_code}-{abbr[row['department_kind']]}"
                ].pk
                values["item_id"] = items[row["code"]].pk
                values["region_id"] = region_code
                wanted[code] = values
        _upsert(ItemImplementation, wanted)

        # Materials and rules only for implementations created now (cases may use the others).
        created = ItemImplementation.objects.filter(code__in=set(wanted) - before)
        materials, rules = [], []
        for impl in created:
            spec = rows_by_code[impl.code]["implementation"]
            for position, mat in enumerate(spec["materials"], start=1):
                materials.append(
                    Material(
                        implementation=impl,
                        name=mat["name"],
                        name_en=mat["name_en"],
                        source=mat["source"],
                        registry_field=mat["registry_field"],
                        licence_type=licence_types[mat["licence_type"]]
                        if mat["licence_type"]
                        else None,
                        required=mat["required"],
                        deferrable=mat["deferrable"],
                        position=position,
                    )
                )
            # Conditions were checked by catalog_problems(), as InstantApprovalRule.save would.
            for rule in spec["instant_rules"]:
                rules.append(
                    InstantApprovalRule(
                        implementation=impl, name=rule["name"], conditions=rule["conditions"]
                    )
                )
        Material.objects.bulk_create(materials)
        InstantApprovalRule.objects.bulk_create(rules)

    return {
        "departments": len(departments),
        "licence_types": len(licence_types),
        "items": len(items),
        "implementations": ItemImplementation.objects.filter(code__in=list(rows_by_code)).count(),
        "implementations_created": len(set(wanted) - before),
    }
