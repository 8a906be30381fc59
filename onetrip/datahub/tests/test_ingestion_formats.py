"""Good loads in every accepted format and encoding: UTF-8 with and without BOM, GBK detected,
GB18030 chosen (and "gbk" as its alias), JSON Lines, Excel .xlsx; headers by label or name."""

import datetime as dt

import pytest

from onetrip.datahub.models import IngestionLoad, PopulationRecord
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    jsonl_bytes,
    load_file,
    people,
    steward,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def assert_loaded(load: IngestionLoad, rows: list[dict[str, str]]) -> None:
    assert load.status == IngestionLoad.Status.SUCCEEDED, load.error
    assert load.rows_checked == len(rows)
    assert load.rows_good == len(rows)
    assert load.rows_problem == 0
    assert load.rows_inserted == len(rows)
    for row in rows:
        record = PopulationRecord.objects.get(resident_id=row["resident_id"])
        assert record.name == row["name"]  # Chinese text read in the right encoding
        assert record.household_address == row["household_address"]
        assert record.birth_date == dt.date.fromisoformat(row["birth_date"])
        assert record.household_region_id == row["household_region"]


@pytest.mark.parametrize(
    ("encoding", "chosen", "detected"),
    [
        ("utf-8", "auto", "utf-8"),
        ("utf-8-sig", "auto", "utf-8-bom"),
        ("utf-8-sig", "utf-8", "utf-8-bom"),
        ("gbk", "auto", "gb18030"),
        ("gb18030", "gb18030", "gb18030"),
        ("gbk", "gbk", "gb18030"),
    ],
)
def test_csv_in_each_encoding_loads_with_chinese_text_intact(
    world, encoding: str, chosen: str, detected: str
) -> None:  # type: ignore[no-untyped-def]
    # given a CSV of three people with Chinese labels as header, in this encoding
    rows = people(3)
    body = csv_bytes(rows, encoding=encoding)

    # when the police steward loads it with the encoding chosen (or detected)
    load = load_file(steward(), body, encoding=chosen)

    # then every person is stored with their Chinese name and address read right
    assert_loaded(load, rows)
    assert load.encoding_detected == detected
    assert load.file_format == "csv"


def test_gb18030_only_characters_survive(world) -> None:  # type: ignore[no-untyped-def]
    # given a name with a character outside GBK (GB18030 four-byte: 𠀀) in a GB18030 file
    rows = people(2)
    rows[0]["name"] = "王𠀀"
    body = csv_bytes(rows, encoding="gb18030")

    # when it is loaded with automatic detection
    load = load_file(steward(), body)

    # then the rare character is stored as it is
    assert_loaded(load, rows)


def test_header_by_field_names_and_columns_in_any_order(world) -> None:  # type: ignore[no-untyped-def]
    # given a header of field names, in another order, without the optional columns
    rows = people(2)
    columns = [
        "name",
        "resident_id",
        "marital_status",
        "sex",
        "household_region",
        "birth_date",
        "household_address",
    ]
    body = csv_bytes(rows, labels=False, columns=columns)

    # when it is loaded
    load = load_file(steward(), body)

    # then the people are stored, the optional fields empty (or their default)
    assert_loaded(load, rows)
    record = PopulationRecord.objects.get(resident_id=rows[0]["resident_id"])
    assert record.phone == ""
    assert record.ethnicity == "汉族"


def test_json_lines_load(world) -> None:  # type: ignore[no-untyped-def]
    # given a JSON Lines file keyed by field names, numbers as JSON numbers
    rows = people(3)
    records = [dict(r, phone=int(r["phone"])) for r in rows]

    # when it is loaded
    load = load_file(steward(), jsonl_bytes(records), name="people.jsonl")

    # then everyone is stored
    assert_loaded(load, rows)
    assert load.file_format == "jsonl"
    assert (
        PopulationRecord.objects.get(resident_id=rows[0]["resident_id"]).phone == rows[0]["phone"]
    )


def test_a_json_lines_line_that_is_no_object_is_a_problem_row(world) -> None:  # type: ignore[no-untyped-def]
    # given a JSON Lines file with a broken second line
    rows = people(2)
    body = jsonl_bytes(rows[:1]) + b'{"resident_id": "broken\n' + jsonl_bytes(rows[1:])

    # when it is loaded
    load = load_file(steward(), body, name="people.jsonl")

    # then the good lines are stored and the broken one is a problem row with its reason
    assert load.status == IngestionLoad.Status.SUCCEEDED
    assert (load.rows_checked, load.rows_good, load.rows_problem) == (3, 2, 1)
    problem = load.problems.get()
    assert problem.row_number == 2
    assert problem.reasons[0]["rule"] == "format"


def test_excel_workbook_load(world) -> None:  # type: ignore[no-untyped-def]
    # given an .xlsx made with openpyxl: labels as header, birth dates as date cells
    rows = people(4)

    # when it is loaded
    load = load_file(steward(), xlsx_bytes(rows), name="people.xlsx")

    # then everyone is stored, dates read from the date cells
    assert_loaded(load, rows)
    assert load.file_format == "xlsx"
    assert load.encoding_detected == ""
