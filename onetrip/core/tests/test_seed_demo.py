"""`onetrip seed --scale demo`: the demo province, made through the real services, valid,
spread over every case state, and idempotent."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from onetrip.accounts.identifiers import validate_resident_id, validate_uscc
from onetrip.accounts.models import Department, Region, Role, User
from onetrip.cases import deadlines
from onetrip.cases import services as case_services
from onetrip.cases.models import Case, CaseEvent, CaseState
from onetrip.catalog.models import InstantApprovalRule, ItemImplementation, Material, ServiceItem
from onetrip.core.seeding import demo
from onetrip.datahub.models import ELicence, LegalEntityRecord, PopulationRecord

CASES = 45  # enough for every state; the default 300 only takes longer

COUNTED = (
    Region,
    Department,
    ServiceItem,
    ItemImplementation,
    Material,
    InstantApprovalRule,
    User,
    PopulationRecord,
    LegalEntityRecord,
    ELicence,
    Case,
    CaseEvent,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # uploaded demo materials stay out of var/
    settings.VAR_DIR = tmp_path  # and so does the demo clients' token file
    out = io.StringIO()
    call_command("seed", scale="demo", cases=CASES, stdout=out)
    return out.getvalue()


def test_seed_builds_registries_staff_and_logins(seeded):
    # given the demo province seeded by the command (fixture)
    # then 300 citizens and 80 enterprises are in the registries, each with an account
    assert PopulationRecord.objects.count() == demo.DEFAULT_CITIZENS
    assert LegalEntityRecord.objects.count() == demo.DEFAULT_ENTERPRISES
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == demo.DEFAULT_CITIZENS
    assert User.objects.filter(kind=User.Kind.ENTERPRISE).count() == demo.DEFAULT_ENTERPRISES
    # every resident ID and credit code passes the platform's own validation
    for number in PopulationRecord.objects.values_list("resident_id", flat=True):
        assert validate_resident_id(number) == number
    for number in LegalEntityRecord.objects.values_list("uscc", flat=True):
        assert validate_uscc(number) == number
    # ages run from 18 to 95, households mostly in 西湖区 and 余杭区 but not only
    today = dt.date.today()
    ages = [
        today.year - b.year for b in PopulationRecord.objects.values_list("birth_date", flat=True)
    ]
    assert 18 <= min(ages) and max(ages) <= 96 and sum(a >= 80 for a in ages) >= 10
    regions = Counter(PopulationRecord.objects.values_list("household_region_id", flat=True))
    assert regions["330106"] + regions["330110"] >= 200
    assert len(regions) > 10
    # and applicants already hold e-licences (the featured enterprise its business licence)
    assert ELicence.objects.filter(licence_type__code="SBK").count() > 100
    assert ELicence.objects.filter(
        licence_type__code="YYZZ", holder_id_number=demo.FEATURED_ENTERPRISE_USCC
    ).exists()

    # and every demo department has a member of every role but system admin
    for dept in Department.objects.filter(region_id__in=["330000", "330100", "330106", "330110"]):
        roles = {r for user in dept.staff.all() for r in user.roles}
        assert roles >= set(demo.ROLE_SLUGS), dept.code
    # and the system admin is a superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.has_role(Role.SYSTEM_ADMIN)
    approver = User.objects.get(username="xh-scjg-approver")
    assert approver.department.name == "杭州市西湖区市场监督管理局"
    assert approver.roles == [Role.APPROVER]
    assert User.objects.get(username="xh-scjg-admin").is_staff

    # and the output names the URL and every featured login
    assert demo.SITE_URL in seeded
    assert demo.DEMO_PASSWORD in seeded
    for login in demo.demo_logins():
        assert login.username in seeded
        # and each one logs in with the demo password
        assert authenticate(username=login.username, password=login.password) is not None


def test_seed_spreads_cases_over_every_state_with_history(seeded):
    # given the cases the seed made through the case service
    cases = list(Case.objects.select_related("implementation"))

    # then every state is present, made with an idempotency key of the seed
    assert {c.state for c in cases} == set(CaseState.values)
    assert len(cases) == CASES + 6  # the featured cases come on top
    assert all(c.idempotency_key.startswith("demo-") for c in cases)
    # some cases were approved instantly, recording the rule
    assert any(c.instant_rule_name for c in cases)
    # accepted cases are on time and overdue (red)
    sla = Counter(deadlines.sla_state(c).value for c in cases if c.state == CaseState.ACCEPTED)
    assert sla["red"] >= 1 and sla["green"] >= 1
    # the history goes back in time and forward in order
    assert min(c.created_at for c in cases) < dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    for case in cases:
        stamps = list(case.events.order_by("id").values_list("at", flat=True))
        assert stamps and stamps == sorted(stamps), case.number
        if case.accepted_at:
            assert case.submitted_at <= case.accepted_at
            assert case.deadline is not None and case.statutory_deadline >= case.deadline
        if case.decided_at:
            assert case.accepted_at <= case.decided_at

    # given the featured citizen 张三, 66, household in 西湖区
    zhang = User.objects.get(username=demo.demo_logins()[0].username)
    impl = ItemImplementation.objects.get(region_id="330106", item__name="老年人优待证办理")

    # when he applies for the senior citizen card with nothing but his ID
    case = case_services.case_apply(actor=zhang, implementation=impl)

    # then it is approved and delivered by the rule, with an e-licence
    assert case.state == CaseState.DELIVERED
    assert case.instant_rule_name
    assert case.licence.licence_type.code == "LNRYDZ"


def test_seed_twice_adds_nothing(seeded, settings):
    # given a seeded database
    before = _counts()

    # when the seed runs again
    call_command("seed", scale="demo", cases=CASES, stdout=io.StringIO())

    # then nothing was duplicated
    assert _counts() == before


def test_featured_identifiers_are_valid_and_consistent():
    for person in demo.FEATURED_CITIZENS.values():
        # the written-out resident ID is valid, and carries the birth date and sex
        assert validate_resident_id(person.resident_id) == person.resident_id
        assert person.resident_id[6:14] == f"{person.birth:%Y%m%d}"
        assert int(person.resident_id[16]) % 2 == (1 if person.sex == "M" else 0)
    assert validate_uscc(demo.FEATURED_ENTERPRISE_USCC)
    assert demo.FEATURED_ENTERPRISE_USCC[2:8] == "330106"


@pytest.mark.parametrize(
    ("region", "year"),
    [
        ("330106", 1960),
        ("330106", 1990),
        ("330110", 1950),
        ("330110", 1998),
        ("330113", 1980),
        ("330114", 2005),
        ("330383", 1975),
        ("331127", 1999),
        ("330402", 1940),
    ],
)
def test_area_codes_are_valid_in_the_birth_year(region, year):
    # when an area code is chosen for someone of `region` born in `year`
    area = demo.area_code_for(region, year)

    # then a resident ID with it passes validation
    number = demo.resident_id(area, dt.date(year, 3, 9), 17)
    assert validate_resident_id(number) == number
    # and it is the county's own code, or a former code of the same place, when there was one
    expected = {
        ("330106", 1990): "330106",
        ("330110", 1950): "330125",  # 余杭县
        ("330110", 1998): "330184",  # 余杭市
        ("330106", 1960): "330100",  # before 西湖区's code: 杭州市
    }
    if (region, year) in expected:
        assert area == expected[(region, year)]
