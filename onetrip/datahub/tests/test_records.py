"""Record stores: one query for a batch of keys, JSON-able values, reads by subject, and
updates that keep the old version first."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.core.errors import NotFound, ValidationFailed, WrongState
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    PopulationRecord,
    RecordVersion,
)
from onetrip.datahub.records import store_for
from onetrip.testing import factories


def _dataset(code: str) -> Dataset:
    return Dataset.objects.get(code=code)


@pytest.mark.django_db
def test_get_many_reads_a_hundred_keys_in_one_query(world) -> None:  # type: ignore[no-untyped-def]
    # given 100 keys, two of them real
    population = _dataset("population")
    a, b = world.citizen_a.id_number, world.citizen_b.id_number
    keys = [a, b] + [factories.resident_id(seq=i) for i in range(98)]
    # when read
    with CaptureQueriesContext(connection) as ctx:
        records = store_for(population).get_many(population, keys, ["name", "household_region"])
    # then one query, the found records only, region as its code
    assert len(ctx.captured_queries) == 1
    assert set(records) == {a, b}
    assert records[a] == {"name": "张三", "household_region": "330106"}
    # and more than 100 keys is refused
    with pytest.raises(ValidationFailed):
        store_for(population).get_many(population, keys + ["x"])


@pytest.mark.django_db
def test_values_are_json_able(world) -> None:  # type: ignore[no-untyped-def]
    # given an enterprise with a registered capital
    from onetrip.datahub.models import LegalEntityRecord

    entity = LegalEntityRecord.objects.get(uscc=world.enterprise.id_number)
    entity.registered_capital = "1234.50"
    entity.save()
    legal = _dataset("legal_entity")
    # when read without naming fields
    record = store_for(legal).get_many(legal, [entity.uscc])[entity.uscc]
    # then dates are ISO strings, decimals strings, the region its code, every field present
    assert record["established_on"] == "2015-03-01"
    assert record["registered_capital"] == "1234.50"
    assert record["region"] == "330106"
    assert set(record) == set(legal.fields.values_list("name", flat=True))


@pytest.mark.django_db
def test_update_keeps_the_old_version_then_writes_the_new_values(world) -> None:  # type: ignore[no-untyped-def]
    # given A's record
    population = _dataset("population")
    key = world.citizen_a.id_number
    # when the marital status and region are changed
    new = store_for(population).update(
        population, key, {"marital_status": "divorced", "household_region": "330110"}
    )
    # then a version holds the old values and the record the new ones
    version = RecordVersion.objects.get(dataset=population, key=key)
    assert version.change == "updated"
    assert version.data["marital_status"] == "married"
    assert version.data["household_region"] == "330106"
    row = PopulationRecord.objects.get(resident_id=key)
    assert (row.marital_status, row.household_region_id) == ("divorced", "330110")
    assert new["marital_status"] == "divorced" and new["name"] == "张三"
    # and a date field accepts its ISO text
    store_for(population).update(population, key, {"birth_date": "1960-05-02"})
    assert PopulationRecord.objects.get(resident_id=key).birth_date == dt.date(1960, 5, 2)
    assert RecordVersion.objects.filter(dataset=population, key=key).count() == 2


@pytest.mark.django_db
def test_update_refuses_unknown_fields_keys_and_records(world) -> None:  # type: ignore[no-untyped-def]
    population = _dataset("population")
    store = store_for(population)
    key = world.citizen_a.id_number
    with pytest.raises(ValidationFailed):
        store.update(population, key, {"shoe_size": 42})
    with pytest.raises(ValidationFailed):
        store.update(population, key, {"resident_id": world.citizen_b.id_number})
    with pytest.raises(NotFound):
        store.update(population, factories.resident_id(seq=997), {"name": "王五"})
    assert not RecordVersion.objects.exists()


@pytest.mark.django_db
def test_e_licences_are_read_by_holder_and_never_updated(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given A's licence from an instant case
    from onetrip.cases import services as cases

    licence = cases.case_apply(actor=world.citizen_a, implementation=instant).licence
    store = store_for(_dataset("elicence"))
    # when read by holder
    rows = store.for_subject(_dataset("elicence"), world.citizen_a.id_number, ["licence_type"])
    # then the licence comes with its key and type code
    assert rows == [{"licence_type": licence.licence_type.code, "number": licence.number}]
    assert store.for_subject(_dataset("elicence"), world.citizen_b.id_number) == []
    # and the store refuses changes
    with pytest.raises(WrongState):
        store.update(_dataset("elicence"), licence.number, {"status": "revoked"})


@pytest.mark.django_db
def test_the_generic_store_reads_by_key_and_subject_and_versions_changes(world) -> None:  # type: ignore[no-untyped-def]
    # given a dataset in the record store with one record about A
    dataset = Dataset.objects.create(
        code="subsidy",
        name="补贴",
        department=world.civil,
        key_field="number",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="holder",
    )
    for position, name in enumerate(["number", "holder", "amount"]):
        DatasetField.objects.create(dataset=dataset, name=name, label=name, position=position)
    a, b = world.citizen_a.id_number, world.citizen_b.id_number
    DatasetRecord.objects.create(
        dataset=dataset,
        key="S1",
        subject_key=a,
        data={"number": "S1", "holder": a, "amount": "300.00"},
        updated_at=dt.datetime.now(dt.UTC),
    )
    store = store_for(dataset)
    assert store.get_many(dataset, ["S1", "S2"], ["amount"]) == {"S1": {"amount": "300.00"}}
    assert store.for_subject(dataset, a, ["amount"]) == [{"amount": "300.00", "number": "S1"}]
    # when the holder is corrected to B
    store.update(dataset, "S1", {"holder": b})
    # then the old data is a version, and the record is now found under B
    assert RecordVersion.objects.get(dataset=dataset, key="S1").data["holder"] == a
    assert store.for_subject(dataset, a) == []
    assert store.for_subject(dataset, b)[0]["holder"] == b
