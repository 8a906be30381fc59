"""The shipped demo catalog and regions: complete, valid against the models' own checks, and
loaded idempotently."""

import copy

import pytest

from onetrip.accounts.models import Department, Region
from onetrip.catalog.models import InstantApprovalRule, ItemImplementation, Material, ServiceItem
from onetrip.catalog.rules import (
    FACTS,
    OPERATORS,
    check_item_code,
    check_registry_field,
    parse_conditions,
)
from onetrip.core.seeding import catalog_loader
from onetrip.datahub.models import LicenceType


@pytest.fixture
def data():  # type: ignore[no-untyped-def]
    return catalog_loader.read_catalog()


def test_regions_are_the_zhejiang_hierarchy():
    # given the shipped regions
    rows = catalog_loader.read_regions()
    by_code = {r["code"]: r for r in rows}

    # then there is one province, 11 cities and 90 counties, each under a parent of its prefix
    levels = [r["level"] for r in rows]
    assert levels.count("province") == 1 and by_code["330000"]["name"] == "浙江省"
    assert levels.count("city") == 11
    assert levels.count("county") == 90
    assert len(by_code) == 102
    for row in rows:
        if row["level"] == "city":
            assert row["parent"] == "330000" and row["code"].endswith("00")
        if row["level"] == "county":
            assert row["parent"] == row["code"][:4] + "00"
            assert row["name"][-1] in "区县市", row
            assert row["name_en"]
    # and the 2021 Hangzhou reorganisation is in
    assert by_code["330113"]["name"] == "临平区" and by_code["330114"]["name"] == "钱塘区"
    assert "330103" not in by_code and "330104" not in by_code  # 下城区, 江干区 abolished
    assert by_code["330106"]["name"] == "西湖区"
    assert by_code["331127"]["name"] == "景宁畲族自治县"
    assert len([r for r in rows if r["parent"] == "330100"]) == 13


def test_catalog_has_no_problems(data):
    # when the catalog is checked with the models' own rules
    problems = catalog_loader.catalog_problems(data)

    # then nothing is wrong
    assert problems == []


def test_catalog_checker_finds_broken_items(data):
    # given a copy of the catalog with four mistakes in one item
    broken = copy.deepcopy(data)
    item = broken["items"][0]
    item["code"] = "XK" + item["code"][2:] if item["type"] != "XK" else "GG" + item["code"][2:]
    impl = item["implementation"]
    impl["promised_limit_days"] = impl["statutory_limit_days"] + 1
    impl["materials"][0].update(source="registry", registry_field="population.shoe_size")
    impl["instant_rules"] = [
        {"name": "bad", "conditions": {"all": [{"fact": "age", "op": "~", "value": 1}]}}
    ]

    # when it is checked
    problems = catalog_loader.catalog_problems(broken)

    # then each mistake is reported
    text = "\n".join(problems)
    assert "but the type is" in text
    assert "promised limit exceeds" in text
    assert "population.shoe_size" in text
    assert "unknown operator" in text


def test_catalog_counts_and_mix(data):
    items = data["items"]
    impls = [i["implementation"] for i in items]

    # at least 40 items across at least 8 departments
    assert len(items) >= 40
    kinds = {i["department_kind"] for i in items}
    assert len(kinds) >= 8
    assert {
        "public_security",
        "civil_affairs",
        "market_regulation",
        "hrss",
        "housing",
        "transport",
        "health",
        "education",
        "natural_resources",
    } <= kinds
    # at least 6 with instant approval, at least 15 ID-only
    assert sum(1 for i in impls if i["instant_rules"]) >= 6
    assert sum(1 for i in items if catalog_loader.is_id_only(i)) >= 15
    # citizens and enterprises, zero-trip and one-visit, some not suitable online
    assert {i["applicant_kind"] for i in impls} >= {"citizen", "enterprise"}
    assert {i["visits_required"] for i in impls} >= {0, 1}
    assert any(not i["online_suitable"] for i in impls)
    assert all(i["online_suitable"] for i in impls if i["visits_required"] == 0)
    # licences, confirmations, payments and public services are all represented
    assert {i["type"] for i in items} >= {"XK", "QR", "JF", "GG"}


def test_every_item_is_well_formed(data):
    registry_fields = set()
    for item in data["items"]:
        impl = item["implementation"]
        # the code has the GB/T 39554 shape and matches the type
        check_item_code(item["code"], item["type"])
        assert len(item["code"]) == 10
        # six elements present; the legal basis cites a document and an article or number
        assert item["name"] and item["name_en"] and item["implementing_body"]
        assert item["legal_basis"].startswith("《") and "》" in item["legal_basis"]
        # promised within statutory; steps a subset of review, approval in that order
        assert 0 <= impl["promised_limit_days"] <= impl["statutory_limit_days"]
        assert impl["processing_steps"] in (["approval"], ["review", "approval"], ["review"], [])
        assert impl["max_extension_days"] >= 0
        for material in impl["materials"]:
            if material["source"] == "registry":
                check_registry_field(material["registry_field"])
                registry_fields.add(material["registry_field"])
            else:
                assert material["registry_field"] == ""
            if material["source"] == "licence":
                assert material["licence_type"] in {lt["code"] for lt in data["licence_types"]}
        # rules use only known facts and operators, and parse
        for rule in impl["instant_rules"]:
            parsed = parse_conditions(rule["conditions"])
            assert all(c.fact in FACTS and c.op in OPERATORS for c in parsed.items)
    # both registries are used
    assert any(f.startswith("population.") for f in registry_fields)
    assert any(f.startswith("legal_entity.") for f in registry_fields)


def test_instant_rules_decide_as_intended(data):
    # given the rule of 老年人优待证办理
    item = next(i for i in data["items"] if i["name"] == "老年人优待证办理")
    rule = parse_conditions(item["implementation"]["instant_rules"][0]["conditions"])
    facts = {
        "age": 66,
        "household_in_region": True,
        "has_open_case_same_item": False,
        "has_valid_licence_same_type": False,
    }

    # then a local 66-year-old qualifies, a 59-year-old or an outsider does not
    assert rule.holds(facts)
    assert not rule.holds({**facts, "age": 59})
    assert not rule.holds({**facts, "household_in_region": False})


@pytest.mark.django_db
def test_loading_creates_the_catalog_and_is_idempotent(data):
    # when the regions and the catalog are loaded twice
    written = catalog_loader.load_regions()
    first = catalog_loader.load_catalog()
    again = catalog_loader.load_regions()
    second = catalog_loader.load_catalog()
    counts = (
        Region.objects.count(),
        Department.objects.count(),
        ServiceItem.objects.count(),
        ItemImplementation.objects.count(),
        Material.objects.count(),
        InstantApprovalRule.objects.count(),
        LicenceType.objects.count(),
    )
    catalog_loader.load_catalog()

    # then the second load wrote nothing new
    assert written == 102 and again == 0
    assert second["implementations_created"] == 0
    assert first["implementations"] == second["implementations"]
    assert counts[0] == 102
    assert counts == (
        Region.objects.count(),
        Department.objects.count(),
        ServiceItem.objects.count(),
        ItemImplementation.objects.count(),
        Material.objects.count(),
        InstantApprovalRule.objects.count(),
        LicenceType.objects.count(),
    )
    # and departments follow the real naming pattern in each demo region
    assert Department.objects.get(code="330106-SCJG").name == "杭州市西湖区市场监督管理局"
    assert Department.objects.get(code="330100-SCJG").name == "杭州市市场监督管理局"
    assert Department.objects.get(code="330000-SCJG").name == "浙江省市场监督管理局"
    assert Department.objects.get(code="330110-GA").name == "杭州市公安局余杭区分局"
    assert Department.objects.get(code="330106-ZRZY").name == "杭州市规划和自然资源局西湖分局"
    # county items are implemented in 西湖区 and 余杭区 by the county department of their kind
    item = ServiceItem.objects.get(name="老年人优待证办理")
    assert item.competent_department.code == "330000-MZ"
    impls = {i.region_id: i for i in item.implementations.all()}
    assert set(impls) == {"330106", "330110"}
    assert impls["330106"].department.code == "330106-MZ"
    assert impls["330106"].code == "4330106" + item.code
    assert impls["330106"].licence_type.code == "LNRYDZ"
    assert impls["330106"].instant_rules.count() == 1
    spec = next(i for i in data["items"] if i["code"] == item.code)["implementation"]
    assert impls["330106"].materials.count() == len(spec["materials"])
    # province items are implemented at the province only
    province_item = next(i for i in data["items"] if i["level"] == "province")
    assert set(
        ItemImplementation.objects.filter(item__code=province_item["code"]).values_list(
            "region_id", flat=True
        )
    ) == {"330000"}
    # and every stored row passes the models' own validation
    for impl in ItemImplementation.objects.all()[:20]:
        impl.clean()
    for material in Material.objects.select_related("licence_type")[:200]:
        material.clean()
