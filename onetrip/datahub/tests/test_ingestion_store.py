"""Storing a checked load: upsert with history (a change keeps the old version), unchanged
records counted and not rewritten, full loads removing what the file no longer holds (kept in
history), problem records of earlier loads resolved, the stewards told, the load audited."""

import datetime as dt

import pytest

from onetrip.audit.models import AuditEntry
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    IngestionLoad,
    PopulationRecord,
    ProblemRecord,
    RecordVersion,
)
from onetrip.datahub.records import store_for
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    load_file,
    people,
    steward,
)
from onetrip.notify.models import OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def population() -> Dataset:
    return Dataset.objects.get(code="population")


def test_a_changed_record_keeps_its_old_version(world) -> None:  # type: ignore[no-untyped-def]
    # given three people loaded, one of them with a known old address
    actor = steward()
    rows = people(3)
    load_file(actor, csv_bytes(rows))
    changed_id = rows[0]["resident_id"]
    old = store_for(population()).get_many(population(), [changed_id])[changed_id]
    stamp = PopulationRecord.objects.get(resident_id=rows[1]["resident_id"]).updated_at

    # when a second file moves the first person, repeats the second and adds a fourth
    new_rows = [
        dict(rows[0], household_address="浙江省宁波市海曙区中山路1号", household_region="330203")
    ]
    new_rows += [rows[1]] + people(1, start=10)
    second = load_file(actor, csv_bytes(new_rows))

    # then one is updated, one unchanged (not rewritten), one inserted
    assert (second.rows_inserted, second.rows_updated, second.rows_unchanged) == (1, 1, 1)
    moved = PopulationRecord.objects.get(resident_id=changed_id)
    assert moved.household_address == "浙江省宁波市海曙区中山路1号"
    assert moved.household_region_id == "330203"
    assert PopulationRecord.objects.get(resident_id=rows[1]["resident_id"]).updated_at == stamp
    # and the old values are kept as a version in the record stores' JSON form
    version = RecordVersion.objects.get(key=changed_id)
    assert version.change == RecordVersion.Change.UPDATED
    assert version.load_id == second.pk
    assert version.dataset == population()
    assert version.data == old
    assert version.data["household_region"] == "330106"
    assert version.data["birth_date"] == rows[0]["birth_date"]
    # and the third person, not in the incremental file, is untouched
    assert PopulationRecord.objects.filter(resident_id=rows[2]["resident_id"]).exists()


def test_a_full_load_removes_missing_records_and_keeps_them_in_history(world) -> None:  # type: ignore[no-untyped-def]
    # given four people loaded (besides the world's two citizens)
    actor = steward()
    rows = people(4)
    load_file(actor, csv_bytes(rows))
    before = PopulationRecord.objects.count()

    # when a full load holds the first two, and the third only as a problem row
    problem = dict(rows[2], sex="?")
    full = load_file(actor, csv_bytes([rows[0], rows[1], problem]), mode="full")

    # then the fourth and the world's citizens are gone, kept as "deleted" versions
    gone = {rows[3]["resident_id"], world.citizen_a.id_number, world.citizen_b.id_number}
    assert full.rows_deleted == 3
    assert PopulationRecord.objects.count() == before - 3
    assert not PopulationRecord.objects.filter(resident_id__in=gone).exists()
    versions = RecordVersion.objects.filter(change=RecordVersion.Change.DELETED, load=full)
    assert {v.key for v in versions} == gone
    fourth = versions.get(key=rows[3]["resident_id"])
    assert fourth.data["name"] == rows[3]["name"]
    assert fourth.data["birth_date"] == rows[3]["birth_date"]
    # and the third, whose row had a problem, is kept as it was until corrected
    assert PopulationRecord.objects.get(resident_id=rows[2]["resident_id"]).sex == rows[2]["sex"]


def test_a_corrected_resubmission_resolves_the_earlier_problem_records(world) -> None:  # type: ignore[no-untyped-def]
    # given a load where one person had a bad birth date
    actor = steward()
    rows = people(3)
    first = load_file(actor, csv_bytes([rows[0], dict(rows[1], birth_date="1985-02-30")]))
    problem = ProblemRecord.objects.get(load=first)
    assert problem.status == ProblemRecord.Status.OPEN
    assert problem.key == rows[1]["resident_id"]

    # when the department corrects it and loads it again with another person
    second = load_file(actor, csv_bytes([rows[1], rows[2]]))

    # then the earlier problem record is resolved by the second load
    problem.refresh_from_db()
    assert problem.status == ProblemRecord.Status.RESOLVED
    assert problem.resolved_by_id == second.pk
    assert PopulationRecord.objects.filter(resident_id=rows[1]["resident_id"]).exists()


def test_problem_data_goes_back_to_the_owning_departments_stewards(world) -> None:  # type: ignore[no-untyped-def]
    # given two police stewards and a civil affairs steward
    actor, colleague = steward(), steward()
    outsider = steward(world.civil)
    rows = people(2)

    # when a load has a problem row
    load = load_file(actor, csv_bytes([rows[0], dict(rows[1], sex="?")]))

    # then both police stewards are notified of it, the civil one is not
    messages = OutboxMessage.objects.filter(event="ingestion.problem_data")
    assert {m.recipient_id for m in messages} == {actor.pk, colleague.pk}
    assert outsider.pk not in {m.recipient_id for m in messages}
    assert "1" in messages.first().body
    # and a clean load notifies nobody
    OutboxMessage.objects.all().delete()
    load_file(actor, csv_bytes(people(1, start=20)))
    assert not OutboxMessage.objects.filter(event="ingestion.problem_data").exists()
    assert load.status == IngestionLoad.Status.SUCCEEDED


def test_the_load_is_audited_with_its_counts(world) -> None:  # type: ignore[no-untyped-def]
    actor = steward()
    load = load_file(actor, csv_bytes(people(2)))
    queued = AuditEntry.objects.get(action="ingestion.queued", object_id=str(load.pk))
    loaded = AuditEntry.objects.get(action="ingestion.loaded", object_id=str(load.pk))
    assert queued.actor_id == loaded.actor_id == actor.pk
    assert loaded.detail["inserted"] == 2
    assert loaded.detail["dataset"] == "population"


def test_record_store_datasets_merge_fields_and_keep_history(world) -> None:  # type: ignore[no-untyped-def]
    # given a civil affairs dataset in the generic record store with one record
    dataset = Dataset.objects.create(
        code="elderly-cards",
        name="老年优待证发放",
        department=world.civil,
        key_field="card",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="holder",
    )
    T = DatasetField.Type
    for position, (name, type_) in enumerate(
        [("card", T.STRING), ("holder", T.RESIDENT_ID), ("issued_on", T.DATE), ("note", T.STRING)]
    ):
        DatasetField.objects.create(
            dataset=dataset, name=name, label=name, type=type_, position=position
        )
    actor = steward(world.civil)
    holder = world.citizen_a.id_number
    load_file(
        actor,
        f"card,holder,issued_on,note\r\nC1,{holder},2025/01/02,初次\r\nC2,{holder},2025-02-03,\r\n".encode(),
        dataset="elderly-cards",
    )

    # when a second load brings a new issue date for C1 without the note column
    second = load_file(
        actor,
        f"card,holder,issued_on\r\nC1,{holder},2026-01-02\r\nC2,{holder},20250203\r\n".encode(),
        dataset="elderly-cards",
    )

    # then C1 is updated, its note kept; C2 is unchanged
    assert (second.rows_updated, second.rows_unchanged) == (1, 1)
    record = DatasetRecord.objects.get(dataset=dataset, key="C1")
    assert record.data == {
        "card": "C1",
        "holder": holder,
        "issued_on": "2026-01-02",
        "note": "初次",
    }
    assert record.subject_key == holder
    version = RecordVersion.objects.get(dataset=dataset, key="C1")
    assert version.data["issued_on"] == "2025-01-02"
    assert version.load_id == second.pk
    # and the record store reads the record like any other
    assert store_for(dataset).for_subject(dataset, holder)[0]["card"] in {"C1", "C2"}
    assert DatasetRecord.objects.get(dataset=dataset, key="C2").data["note"] is None


def test_legal_entity_history_keeps_decimals_and_dates_as_text(world) -> None:  # type: ignore[no-untyped-def]
    from onetrip.accounts.models import Department
    from onetrip.testing import factories

    actor = steward(Department.objects.get(code="330000-SCJG"))
    code = factories.credit_code(seq=777)
    header = (
        "uscc,name,entity_type,legal_representative,registered_address,region,status,"
        "established_on,registered_capital\r\n"
    )
    line = (
        "{code},杭州丙公司,有限责任公司,王五,杭州市文三路3号,330106,{status},2015-03-01,"
        "{capital}\r\n"
    )
    load_file(
        actor,
        (header + line.format(code=code, status="active", capital="250")).encode(),
        dataset="legal_entity",
    )
    second = load_file(
        actor,
        (header + line.format(code=code, status="revoked", capital="250.00")).encode(),
        dataset="legal_entity",
    )
    assert second.rows_updated == 1  # the status changed; 250 and 250.00 are the same capital
    version = RecordVersion.objects.get(key=code)
    assert version.data["registered_capital"] == "250.00"
    assert version.data["established_on"] == dt.date(2015, 3, 1).isoformat()
    assert version.data["status"] == "active"
    assert version.data["region"] == "330106"


def test_a_first_load_into_an_empty_registry_keeps_every_index(world) -> None:  # type: ignore[no-untyped-def]
    # given an empty population registry and its indexes (PostgreSQL rebuilds the
    # non-unique ones after a first load instead of maintaining them row by row)
    from django.db import connection

    PopulationRecord.objects.all().delete()

    def indexes() -> dict[str, tuple]:
        with connection.cursor() as cursor:
            found = connection.introspection.get_constraints(
                cursor, PopulationRecord._meta.db_table
            )
        return {name: (c["columns"], c["unique"]) for name, c in found.items() if c["index"]}

    before = indexes()
    rows = people(5)

    # when a first load fills it
    load = load_file(steward(), csv_bytes(rows))

    # then every record is in and every index is back, by name
    assert load.rows_inserted == 5
    assert indexes() == before
    assert PopulationRecord.objects.filter(household_region_id="330106").count() == 5
