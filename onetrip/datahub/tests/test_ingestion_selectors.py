"""Reads of ingestion: who sees a load, the problem rows as a CSV file Excel opens, the open
problem data of a department, and the problem-data ratio per month."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.datahub import selectors
from onetrip.datahub.models import IngestionLoad
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


@pytest.fixture
def report(world):  # type: ignore[no-untyped-def]
    """A police load of three people, two of them with problems."""
    actor = steward()
    rows = [person(1), person(2, sex="?", phone="12"), person(3, birth_date="1985-02-30")]
    return actor, load_file(actor, csv_bytes(rows)), rows


def test_a_load_is_seen_by_its_departments_stewards_and_the_admin_only(world, report) -> None:  # type: ignore[no-untyped-def]
    actor, load, _rows = report
    colleague = steward()
    admin = factories.staff(roles=["system_admin"], dept=world.civil)
    # the owner's stewards and the admin see it
    assert selectors.access_load(user=actor, load_id=load.pk) == load
    assert selectors.access_load(user=colleague, load_id=load.pk) == load
    assert selectors.access_load(user=admin, load_id=load.pk) == load
    # a steward of another department, an approver and a citizen do not
    for other in (steward(world.civil), world.approver, world.citizen_a):
        with pytest.raises(NotFound):
            selectors.access_load(user=other, load_id=load.pk)
    with pytest.raises(NotFound):
        selectors.access_load(user=actor, load_id=load.pk + 1000)


def test_loads_of_a_dataset_for_its_stewards_only(world, report) -> None:  # type: ignore[no-untyped-def]
    actor, load, _rows = report
    second = load_file(actor, csv_bytes(people(1, start=40)))
    assert list(selectors.loads_of_dataset(user=actor, dataset_code="population")) == [
        second,
        load,
    ]
    with pytest.raises(PermissionDenied):
        selectors.loads_of_dataset(user=steward(world.civil), dataset_code="population")


def test_problem_rows_csv_opens_in_excel_with_the_files_columns_and_reasons(report) -> None:  # type: ignore[no-untyped-def]
    _actor, load, rows = report
    # when the problem rows are downloaded
    body = selectors.problem_rows_csv(load=load)
    # then it is UTF-8 with a BOM, the file's own column names, the row number and reasons
    assert body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, lines = table[0], table[1:]
    assert header[:3] == ["公民身份号码", "姓名", "性别"]
    assert len(header) == 12  # ten columns, row number, reasons
    assert [line[0] for line in lines] == [rows[1]["resident_id"], rows[2]["resident_id"]]
    assert [line[-2] for line in lines] == ["3", "4"]
    assert "12" in lines[0][-1] and "?" in lines[0][-1]  # both reasons of row 3
    assert "1985-02-30" in lines[1][-1]
    assert lines[0][header.index("联系电话")] == "12"


def test_open_problem_data_is_the_departments_own(world, report) -> None:  # type: ignore[no-untyped-def]
    actor, load, rows = report
    open_rows = list(selectors.problem_records_open(user=actor))
    assert [p.row_number for p in open_rows] == [3, 4]
    assert list(selectors.problem_records_open(user=steward(world.civil))) == []
    assert list(selectors.problem_records_open(user=world.citizen_a)) == []
    # once corrected, a row leaves the list
    load_file(actor, csv_bytes([rows[1] | {"sex": "F", "phone": "13800000001"}]))
    assert [p.row_number for p in selectors.problem_records_open(user=actor)] == [4]


def test_problem_ratio_falls_month_by_month(world) -> None:  # type: ignore[no-untyped-def]
    # given two police loads in October (1 problem in 4) and one in November (1 in 10)
    actor = steward()
    october = [
        load_file(actor, csv_bytes(people(1, start=0) + [person(90, sex="?")])),
        load_file(actor, csv_bytes(people(2, start=10))),
    ]
    november = load_file(actor, csv_bytes(people(9, start=20) + [person(91, sex="?")]))
    failed = IngestionLoad.objects.create(
        dataset=october[0].dataset,
        file_name="x.csv",
        file_format="csv",
        status="failed",
        rows_checked=100,
        rows_problem=100,
    )
    tz = timezone.get_current_timezone()
    IngestionLoad.objects.filter(pk__in=[o.pk for o in october]).update(
        finished_at=dt.datetime(2026, 10, 31, 23, 30, tzinfo=tz)  # late evening, Shanghai
    )
    IngestionLoad.objects.filter(pk=november.pk).update(
        finished_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=tz)
    )
    IngestionLoad.objects.filter(pk=failed.pk).update(
        finished_at=dt.datetime(2026, 11, 3, tzinfo=tz)
    )

    # when the series is read by dataset and by department
    by_dataset = selectors.problem_ratio_series(user=actor, dataset_code="population")
    by_department = selectors.problem_ratio_series(user=actor, department_id=actor.department_id)

    # then October and November show the falling ratio; the failed load does not count
    assert [(p["period"], p["checked"], p["problem"]) for p in by_dataset] == [
        ("2026-10", 4, 1),
        ("2026-11", 10, 1),
    ]
    assert by_dataset[0]["ratio"] == pytest.approx(0.25)
    assert by_dataset[1]["percent"] == "10.00"
    assert by_department == by_dataset
    # and a supervisor watches it too, while another department's steward may not
    supervisor = world.supervisor
    assert (
        selectors.problem_ratio_series(user=supervisor, department_id=actor.department_id)
        == by_dataset
    )
    other = steward(world.civil)
    with pytest.raises(PermissionDenied):
        selectors.problem_ratio_series(user=other, department_id=actor.department_id)
    with pytest.raises(PermissionDenied):
        selectors.problem_ratio_series(user=other, dataset_code="population")
    assert selectors.problem_ratio_series(user=other) == []
