"""Whole files refused with one clear message, and nothing stored: wrong encoding, missing
and unknown columns, a 0-byte file, a header and nothing else, an oversized file, a truncated
or corrupt workbook, an unsupported format, the e-licence store. The records already in the
registry stay exactly as they were."""

import io
import zipfile

import pytest

from onetrip.audit.models import AuditEntry
from onetrip.core.errors import (
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
    WrongState,
)
from onetrip.datahub import services
from onetrip.datahub.models import IngestionLoad, PopulationRecord, ProblemRecord, RecordVersion
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    load_file,
    people,
    person,
    steward,
    upload,
    xlsx_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def loaded(world):  # type: ignore[no-untyped-def]
    """Five people already in the registry from an earlier load, and their snapshot."""
    actor = steward()
    load = load_file(actor, csv_bytes(people(5)))
    assert load.status == IngestionLoad.Status.SUCCEEDED

    def snapshot() -> list[tuple]:
        return list(PopulationRecord.objects.order_by("resident_id").values_list())

    return actor, snapshot, snapshot()


def start(actor, body: bytes, name: str = "people.csv", **kwargs):  # type: ignore[no-untyped-def]
    return services.ingestion_start(
        actor=actor, dataset_code="population", file=upload(body, name), file_name=name, **kwargs
    )


def assert_nothing_changed(snapshot, before) -> None:  # type: ignore[no-untyped-def]
    assert snapshot() == before
    assert IngestionLoad.objects.count() == 1  # only the earlier load
    assert not RecordVersion.objects.exists()
    assert not ProblemRecord.objects.exists()


def changed_people() -> list[dict[str, str]]:
    # The same five with other names, plus a new one: what a refused file would have done.
    return [dict(r, name="改名") for r in people(5)] + [person(99)]


@pytest.mark.parametrize(
    ("body", "encoding", "words"),
    [
        # a GBK file read as UTF-8
        (csv_bytes(changed_people(), encoding="gbk"), "utf-8", "not valid UTF-8"),
        # a UTF-8 file read as GB18030
        (csv_bytes(changed_people(), encoding="utf-8"), "gb18030", "UTF-8"),
        # UTF-16: NUL bytes, no text in either encoding
        (csv_bytes(changed_people(), encoding="utf-16"), "auto", "NUL"),
        # bytes that are neither UTF-8 nor GB18030
        (b"\xff\xfe\xfd\xfc" * 50, "auto", "neither UTF-8 nor GBK"),
    ],
    ids=["gbk-as-utf8", "utf8-as-gb18030", "utf16", "garbage"],
)
def test_wrong_encoding_is_refused(loaded, body: bytes, encoding: str, words: str) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # when a file in another encoding than chosen (or none at all) is loaded
    with pytest.raises(ValidationFailed) as refused:
        start(actor, body, encoding=encoding)
    # then one message says so, on the file, and nothing changed
    assert words in refused.value.detail
    assert refused.value.field == "file"
    assert_nothing_changed(snapshot, before)


def test_utf8_text_chosen_as_gb18030_is_refused_naming_utf8(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # given a UTF-8 file with Chinese text (which GB18030 would decode into gibberish)
    body = "名称,地址\n张三,杭州\n".encode()
    # when GB18030 is chosen for it
    with pytest.raises(ValidationFailed) as refused:
        start(actor, body, encoding="gb18030")
    # then the message names the encoding as a likely cause
    assert "UTF-8" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_a_gbk_file_whose_header_matches_no_field_mentions_the_encoding(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # given a CSV whose header names nothing of the dataset
    body = "foo,bar\n1,2\n".encode("gbk")
    # when it is loaded
    with pytest.raises(ValidationFailed) as refused:
        start(actor, body)
    # then it says the header matches no field and the file may be in another encoding
    assert "matches no field" in refused.value.detail
    assert "encoding" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_missing_required_columns_are_named(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    columns = ["resident_id", "name", "sex", "birth_date", "household_address"]
    with pytest.raises(ValidationFailed) as refused:
        start(actor, csv_bytes(changed_people(), columns=columns))
    assert "Missing required columns" in refused.value.detail
    assert "户籍地区划 (household_region)" in refused.value.detail
    assert "婚姻状况 (marital_status)" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_unknown_columns_are_named(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    columns = [
        "resident_id",
        "name",
        "sex",
        "birth_date",
        "household_address",
        "household_region",
        "marital_status",
        "shoe_size",
        "血型",
    ]
    with pytest.raises(ValidationFailed) as refused:
        start(actor, csv_bytes(changed_people(), columns=columns))
    assert "Unknown columns: shoe_size, 血型" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_a_zero_byte_file_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    with pytest.raises(ValidationFailed) as refused:
        start(actor, b"")
    assert "0 bytes" in refused.value.detail
    assert_nothing_changed(snapshot, before)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("people.csv", csv_bytes([])),
        ("people.xlsx", xlsx_bytes([])),
    ],
)
def test_a_header_and_no_records_is_refused(loaded, name: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    with pytest.raises(ValidationFailed) as refused:
        start(actor, body, name=name)
    assert "header but no records" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_an_oversized_file_is_refused(loaded, settings) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # given a limit smaller than the file
    body = csv_bytes(changed_people())
    settings.ONETRIP_INGEST_MAX_BYTES = len(body) - 1
    # when it is loaded
    with pytest.raises(PayloadTooLarge) as refused:
        start(actor, body)
    # then it is a 413 with the limit in words
    assert refused.value.status == 413
    assert "MiB" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_a_truncated_workbook_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # given an .xlsx cut in the middle (as by a broken upload)
    body = xlsx_bytes(changed_people())
    with pytest.raises(ValidationFailed) as refused:
        start(actor, body[: len(body) // 2], name="people.xlsx")
    assert "damaged or truncated" in refused.value.detail
    assert_nothing_changed(snapshot, before)


def test_a_workbook_with_a_corrupt_sheet_fails_the_load_and_stores_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    # given an .xlsx whose zip is whole but whose sheet XML is cut after many rows
    rows = [dict(r, name="改名") for r in people(5)] + [person(i) for i in range(100, 400)]
    original = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as broken:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]
            broken.writestr(item, data)
    # when it is loaded (the header reads fine, so it is queued and runs)
    load = start(actor, out.getvalue(), name="people.xlsx")
    load = services.ingestion_run(load_id=load.pk)
    # then the load failed with a clear error and nothing was stored
    assert load.status == IngestionLoad.Status.FAILED
    assert "damaged or truncated" in load.error
    assert snapshot() == before
    assert not RecordVersion.objects.exists()
    assert not ProblemRecord.objects.exists()
    assert AuditEntry.objects.filter(action="ingestion.failed", object_id=str(load.pk)).exists()


def test_a_file_that_is_no_workbook_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    with pytest.raises(ValidationFailed) as refused:
        start(actor, b"resident_id,name\n1,2\n", name="people.xlsx")
    assert "damaged" in refused.value.detail
    assert_nothing_changed(snapshot, before)


@pytest.mark.parametrize("name", ["people.pdf", "people.xls", "people"])
def test_an_unsupported_format_is_refused(loaded, name: str) -> None:  # type: ignore[no-untyped-def]
    actor, snapshot, before = loaded
    with pytest.raises(UnsupportedMediaType) as refused:
        start(actor, b"%PDF-1.4 whatever", name=name)
    assert refused.value.status == 415
    assert_nothing_changed(snapshot, before)


def test_the_e_licence_store_is_not_loaded_from_files(world) -> None:  # type: ignore[no-untyped-def]
    # given the big-data bureau's steward, owner of the e-licence store
    from onetrip.accounts.models import Department

    actor = steward(Department.objects.get(code="330000-SJ"))
    # when they try to load e-licences from a file
    with pytest.raises(WrongState) as refused:
        services.ingestion_start(
            actor=actor,
            dataset_code="elicence",
            file=upload(b"number\nX1\n"),
            file_name="licences.csv",
        )
    # then it says licences come from cases
    assert "issued by cases" in refused.value.detail
    assert not IngestionLoad.objects.exists()


def test_a_steward_of_another_department_cannot_load(world) -> None:  # type: ignore[no-untyped-def]
    # given the civil affairs department's data steward
    other = steward(world.civil)
    # when they load the police's population registry
    with pytest.raises(PermissionDenied):
        load_file(other, csv_bytes(people(2)))
    # and a citizen cannot either: for them the dataset does not exist
    with pytest.raises(NotFound):
        load_file(world.citizen_a, csv_bytes(people(2)))
    # then nothing was queued or stored
    assert not IngestionLoad.objects.exists()
    assert PopulationRecord.objects.count() == 2  # the world's two citizens


def test_an_unknown_encoding_or_mode_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    actor = steward()
    with pytest.raises(ValidationFailed) as refused:
        start(actor, csv_bytes(people(1)), encoding="latin-1")
    assert refused.value.field == "encoding"
    with pytest.raises(ValidationFailed) as refused:
        start(actor, csv_bytes(people(1)), mode="sometimes")
    assert refused.value.field == "mode"
