"""Loads in the background: the queued IngestionLoad is the job, a worker claims and runs it;
a load whose process died (stale heartbeat) is failed with a clear error, the dataset
untouched, and its file can be run again."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.core.errors import WrongState
from onetrip.datahub import services
from onetrip.datahub.models import IngestionLoad, PopulationRecord
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    people,
    steward,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def queue(actor, body: bytes) -> IngestionLoad:  # type: ignore[no-untyped-def]
    return services.ingestion_start(
        actor=actor, dataset_code="population", file=upload(body), file_name="people.csv"
    )


def test_a_queued_load_is_run_by_the_worker(world) -> None:  # type: ignore[no-untyped-def]
    # given two queued loads
    actor = steward()
    first = queue(actor, csv_bytes(people(2)))
    second = queue(actor, csv_bytes(people(2, start=10)))
    assert first.status == IngestionLoad.Status.QUEUED
    assert not PopulationRecord.objects.filter(resident_id=people(1)[0]["resident_id"]).exists()

    # when the worker looks for work three times
    ran = [services.ingestion_work_once() for _ in range(3)]

    # then it ran the oldest first, then the other, then found nothing
    assert ran == [first.pk, second.pk, None]
    for load in (first, second):
        load.refresh_from_db()
        assert load.status == IngestionLoad.Status.SUCCEEDED
        assert load.rows_inserted == 2
        assert load.started_at and load.finished_at and load.heartbeat_at


def test_a_load_runs_only_once(world) -> None:  # type: ignore[no-untyped-def]
    load = queue(steward(), csv_bytes(people(1)))
    services.ingestion_run(load_id=load.pk)
    with pytest.raises(WrongState):
        services.ingestion_run(load_id=load.pk)
    assert services.ingestion_work_once() is None


def test_a_load_whose_process_died_is_failed_and_can_be_run_again(world) -> None:  # type: ignore[no-untyped-def]
    # given a load that was checking when its process was killed ten minutes ago
    actor = steward()
    rows = people(3)
    dead = queue(actor, csv_bytes(rows))
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    IngestionLoad.objects.filter(pk=dead.pk).update(
        status=IngestionLoad.Status.STORING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        rows_checked=3,
    )
    # and another that is alive
    alive = queue(actor, csv_bytes(people(1, start=20)))
    IngestionLoad.objects.filter(pk=alive.pk).update(
        status=IngestionLoad.Status.CHECKING, heartbeat_at=timezone.now()
    )

    # when the stale loads are swept (the worker does it before each job)
    failed = services.ingestion_fail_stale()

    # then the dead one is failed with a clear error, the live one is left alone
    assert failed == 1
    dead.refresh_from_db()
    assert dead.status == IngestionLoad.Status.FAILED
    assert "stopped" in dead.error and "Nothing was stored" in dead.error
    assert IngestionLoad.objects.get(pk=alive.pk).status == IngestionLoad.Status.CHECKING
    assert not PopulationRecord.objects.filter(resident_id=rows[0]["resident_id"]).exists()

    # when its file is queued again and run
    again = services.ingestion_rerun(actor=actor, load_id=dead.pk)
    again = services.ingestion_run(load_id=again.pk)

    # then everything is loaded
    assert again.status == IngestionLoad.Status.SUCCEEDED
    assert again.rows_inserted == 3
    assert (
        PopulationRecord.objects.filter(resident_id__in=[r["resident_id"] for r in rows]).count()
        == 3
    )
    # and only a failed load can be rerun, by its department
    with pytest.raises(WrongState):
        services.ingestion_rerun(actor=actor, load_id=again.pk)


def test_the_worker_loop_stops_when_told(world) -> None:  # type: ignore[no-untyped-def]
    load = queue(steward(), csv_bytes(people(1)))
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2

    services.ingestion_worker_loop(stop=stop, interval=0)
    load.refresh_from_db()
    assert load.status == IngestionLoad.Status.SUCCEEDED
