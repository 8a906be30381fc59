"""Record checks: each kind of bad value becomes a problem record with every reason, never
silently dropped; the good records of the same file are stored. The fast resident ID and USCC
checks agree with python-stdnum."""

import datetime as dt
import random

import pytest
from stdnum.cn import ric, uscc

from onetrip.accounts.identifiers import validate_resident_id
from onetrip.core.errors import ValidationFailed
from onetrip.datahub.ingestion.checks import Bad, resident_id_fast, uscc_fast
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    IngestionLoad,
    LegalEntityRecord,
    PopulationRecord,
)
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    load_file,
    people,
    person,
    steward,
)
from onetrip.testing import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def reasons_of(load: IngestionLoad) -> dict[int, list[dict[str, str]]]:
    return {p.row_number: p.reasons for p in load.problems.order_by("row_number")}


def rules(reasons: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(r["rule"], r["field"]) for r in reasons}


def test_duplicate_keys_every_later_occurrence_names_the_first_row(world) -> None:  # type: ignore[no-untyped-def]
    # given a file where the person of row 2 appears again in rows 4 and 5
    rows = people(3)
    rows += [dict(rows[0], name="重复甲"), dict(rows[0], name="重复乙")]

    # when it is loaded
    load = load_file(steward(), csv_bytes(rows))

    # then the first occurrence is stored and both later ones are problems naming row 2
    assert (load.rows_checked, load.rows_good, load.rows_problem) == (5, 3, 2)
    problems = reasons_of(load)
    assert set(problems) == {5, 6}  # file rows (the header is row 1)
    for reasons in problems.values():
        assert rules(reasons) == {("duplicate_key", "resident_id")}
        assert "first at row 2" in reasons[0]["message"]
    assert PopulationRecord.objects.get(resident_id=rows[0]["resident_id"]).name == rows[0]["name"]
    assert load.reasons == {"duplicate_key": 2}


def test_invalid_resident_ids_are_problems_with_the_validators_words(world) -> None:  # type: ignore[no-untyped-def]
    # given a good person and four bad resident IDs of different kinds
    good = person(1)
    body = good["resident_id"][:17]
    bad_check = body + ("0" if good["resident_id"][17] != "0" else "1")
    bad_date = factories.resident_id(area="330100", birth=dt.date(1985, 3, 16))
    bad_date = bad_date[:10] + "0230" + bad_date[14:17]
    bad_date += ric.calc_check_digit(bad_date + "0")
    bad_area = factories.resident_id(area="330106", birth=dt.date(1960, 5, 1))  # 西湖区 from 1984
    rows = [
        good,
        person(2, resident_id=bad_check),
        person(3, resident_id=bad_date),
        person(4, resident_id=bad_area),
        person(5, resident_id="33010619850316"),
    ]

    # when they are loaded
    load = load_file(steward(), csv_bytes(rows))

    # then only the good one is stored; each bad one has the validator's own message
    assert (load.rows_good, load.rows_problem) == (1, 4)
    problems = reasons_of(load)
    for row_number, number in ((3, bad_check), (4, bad_date), (5, bad_area), (6, "33010619850316")):
        reasons = problems[row_number]
        assert rules(reasons) == {("resident_id", "resident_id")}
        with pytest.raises(ValidationFailed) as expected:
            validate_resident_id(number)
        assert expected.value.detail in reasons[0]["message"]
        assert problems[row_number] and load.problems.get(row_number=row_number).key == number
    assert PopulationRecord.objects.filter(resident_id=good["resident_id"]).exists()
    assert not PopulationRecord.objects.filter(resident_id__in=[bad_check, bad_date]).exists()


def test_enum_date_region_phone_and_required_checks_keep_every_reason(world) -> None:  # type: ignore[no-untyped-def]
    # given rows with one or several bad values, and dates in the three accepted forms
    rows = [
        person(1, birth_date="1985/03/16"),
        person(2, birth_date="19850316"),
        person(3, sex="X"),
        person(4, birth_date="1985-02-30"),
        person(5, household_region="339999"),
        person(6, sex="?", birth_date="16.03.1985", phone="12345", name=""),
        person(7, marital_status="single", name="名" * 65),
    ]

    # when they are loaded
    load = load_file(steward(), csv_bytes(rows))

    # then the slash and compact dates are stored as dates
    assert load.rows_good == 2
    stored = PopulationRecord.objects.get(resident_id=rows[0]["resident_id"])
    assert stored.birth_date == dt.date(1985, 3, 16)
    # and each problem row carries every reason it has
    problems = reasons_of(load)
    assert rules(problems[4]) == {("enum", "sex")}
    assert rules(problems[5]) == {("date", "birth_date")}
    assert rules(problems[6]) == {("region_code", "household_region")}
    assert "339999" in problems[6][0]["message"]
    assert rules(problems[7]) == {
        ("enum", "sex"),
        ("date", "birth_date"),
        ("phone", "phone"),
        ("required", "name"),
    }
    assert rules(problems[8]) == {("enum", "marital_status"), ("max_length", "name")}
    # and the report counts problem records by rule
    assert load.reasons == {
        "enum": 3,
        "date": 2,
        "region_code": 1,
        "phone": 1,
        "required": 1,
        "max_length": 1,
    }
    # and the problem rows keep the row as read, every column as text
    assert load.problems.get(row_number=7).data["出生日期"] == "16.03.1985"


def test_a_row_with_too_many_or_too_few_values_is_a_problem(world) -> None:  # type: ignore[no-untyped-def]
    # given a CSV where one line lost a comma and another got an extra value
    rows = people(3)
    text = csv_bytes(rows).decode()
    lines = text.split("\r\n")
    lines[2] = lines[2].rsplit(",", 1)[0]
    lines[3] = lines[3] + ",多余"
    body = "\r\n".join(lines).encode()

    # when it is loaded
    load = load_file(steward(), body)

    # then both are problems saying how many values they have
    problems = reasons_of(load)
    assert rules(problems[3]) == {("row_shape", "")}
    assert "9 values" in problems[3][0]["message"]
    assert rules(problems[4]) == {("row_shape", "")}
    assert load.rows_good == 1


def test_invalid_uscc_in_the_legal_entity_registry(world) -> None:  # type: ignore[no-untyped-def]
    # given the market regulator's steward and a file of two enterprises, one with a bad code
    from onetrip.accounts.models import Department

    actor = steward(Department.objects.get(code="330000-SCJG"))
    good = factories.credit_code(seq=424242)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    header = "统一社会信用代码,名称,类型,法定代表人,住所,登记地区划,登记状态,注册资本（万元）\r\n"
    body = (
        header
        + f"{good},杭州甲公司,有限责任公司,张三,杭州市文三路1号,330106,active,100.5\r\n"
        + f"{bad},杭州乙公司,有限责任公司,李四,杭州市文三路2号,330106,active,abc\r\n"
    ).encode()

    # when it is loaded
    load = load_file(actor, body, dataset="legal_entity")

    # then the good one is stored with its capital and the bad one has both reasons
    assert (load.rows_good, load.rows_problem) == (1, 1)
    stored = LegalEntityRecord.objects.get(uscc=good)
    assert str(stored.registered_capital) == "100.50"
    assert rules(reasons_of(load)[3]) == {("uscc", "uscc"), ("decimal", "registered_capital")}


def test_a_reference_to_another_dataset_must_be_a_stored_key(world) -> None:  # type: ignore[no-untyped-def]
    # given a civil affairs dataset whose "person" field refers to the population registry
    dataset = Dataset.objects.create(
        code="subsidies",
        name="救助发放",
        department=world.civil,
        key_field="number",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="person",
    )
    T = DatasetField.Type
    for position, (name, type_, reference) in enumerate(
        [
            ("number", T.STRING, ""),
            ("person", T.RESIDENT_ID, "population"),
            ("amount", T.DECIMAL, ""),
            ("paid", T.BOOLEAN, ""),
            ("count", T.INTEGER, ""),
            ("paid_at", T.DATETIME, ""),
        ]
    ):
        DatasetField.objects.create(
            dataset=dataset,
            name=name,
            label=name,
            type=type_,
            reference=reference,
            required=name != "paid_at",
            position=position,
        )
    citizen = world.citizen_a.id_number  # in the registry
    stranger = person(50)["resident_id"]  # a valid ID nobody loaded
    body = (
        "number,person,amount,paid,count,paid_at\r\n"
        f"A1,{citizen},300.00,是,2,2026-01-05 10:30:00\r\n"
        f"A2,{stranger},300.00,no,1,\r\n"
        f"A3,{citizen},3e5,maybe,1.5,2026-13-01 10:00\r\n"
    ).encode()

    # when the civil steward loads it
    load = load_file(steward(world.civil), body, dataset="subsidies")

    # then the row about a person not in the registry is a reference problem
    problems = reasons_of(load)
    assert rules(problems[3]) == {("reference", "person")}
    assert rules(problems[4]) == {
        ("decimal", "amount"),
        ("boolean", "paid"),
        ("integer", "count"),
        ("datetime", "paid_at"),
    }
    # and the good one is in the record store, typed, with its subject
    record = DatasetRecord.objects.get(dataset=dataset, key="A1")
    assert record.subject_key == citizen
    assert record.data == {
        "number": "A1",
        "person": citizen,
        "amount": "300.00",
        "paid": True,
        "count": 2,
        "paid_at": "2026-01-05T10:30:00",
    }


def test_fast_resident_id_check_agrees_with_stdnum() -> None:
    # given valid IDs from many areas and years and random mutations of them
    rng = random.Random(11)
    areas = ["330100", "330106", "330110", "110101", "440305", "650102", "330203", "999999"]
    numbers = []
    for _ in range(3000):
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(46000))
        body = f"{rng.choice(areas)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if rng.random() < 0.5:
            i = rng.randrange(18)
            number = number[:i] + rng.choice("0123456789X") + number[i + 1 :]
        numbers.append(number)
    numbers += ["", "X" * 18, "11010119900307001x", "110101199003070019", "1101011990030700"]

    # then the fast check says valid exactly when python-stdnum does
    for number in numbers:
        try:
            fast = resident_id_fast(number) == number.upper()
        except Bad:
            fast = False
        assert fast == ric.is_valid(number), number


def test_fast_uscc_check_agrees_with_stdnum() -> None:
    rng = random.Random(7)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    codes = []
    for _ in range(3000):
        body = "91" + "".join(rng.choice("0123456789") for _ in range(6))
        body += "".join(rng.choice(alphabet) for _ in range(9))
        code = body + uscc.calc_check_digit(body)
        if rng.random() < 0.5:
            i = rng.randrange(18)
            code = code[:i] + rng.choice(alphabet + "IOZS") + code[i + 1 :]
        codes.append(code)
    for code in codes:
        try:
            fast = uscc_fast(code) == code
        except Bad:
            fast = False
        assert fast == uscc.is_valid(code), code


def test_an_area_python_stdnum_lists_without_county_data_is_a_problem_not_a_crash(world) -> None:  # type: ignore[no-untyped-def]
    # given an ID of Hangzhou's 临平区 (330113, since 2021), for which python-stdnum's numdb
    # has no county entry (its validator raises KeyError there)
    body = "33011320220101001"
    number = body + ric.calc_check_digit(body + "0")
    rows = [person(1), person(2, resident_id=number)]

    # when it is loaded
    load = load_file(steward(), csv_bytes(rows))

    # then the load succeeds and the ID is a problem row about its area code
    assert load.status == IngestionLoad.Status.SUCCEEDED
    problem = load.problems.get()
    assert rules(problem.reasons) == {("resident_id", "resident_id")}
    assert "330113" in problem.reasons[0]["message"]
