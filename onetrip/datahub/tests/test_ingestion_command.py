"""`onetrip ingest DATASET FILE`: progress on stderr, the quality report on stdout, one
readable line and a non-zero exit for a refused file; `--background` only queues."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onetrip.datahub.models import IngestionLoad, PopulationRecord
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    people,
    person,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    import sys

    real = sys.stderr
    sys.stderr = err  # the progress line goes to the process's stderr
    try:
        call_command("ingest", *args, stdout=out)
    finally:
        sys.stderr = real
    return out.getvalue(), err.getvalue()


def test_ingest_prints_progress_and_the_quality_report(world, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    # given a GBK file of 30 people, one with a bad sex, checked in batches of 10
    settings.ONETRIP_INGEST_BATCH_ROWS = 10
    rows = people(29) + [person(99, sex="?")]
    path = tmp_path / "人口.csv"
    path.write_bytes(csv_bytes(rows, encoding="gbk"))
    problems = tmp_path / "problems.csv"

    # when the command loads it
    out, err = run("population", str(path), "--problems-csv", str(problems))

    # then progress was shown while checking, and the report at the end
    assert "10 records checked" in err and "30 records checked" in err
    assert "/s" in err
    assert "good                       29" in out
    assert "problem                     1" in out
    assert "inserted 29, updated 0, unchanged 0, deleted 0" in out
    assert "reason enum" in out
    assert "encoding gb18030" in out
    assert PopulationRecord.objects.filter(resident_id=rows[0]["resident_id"]).exists()
    assert person(99)["resident_id"] in problems.read_bytes().decode("utf-8-sig")


def test_a_refused_file_exits_with_one_line(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(people(2), columns=["resident_id", "name"]))
    with pytest.raises(CommandError) as refused:
        run("population", str(path))
    message = str(refused.value)
    assert message.startswith("people.csv: Missing required columns")
    assert "\n" not in message
    assert not IngestionLoad.objects.exists()
    with pytest.raises(CommandError, match="no such file"):
        run("population", str(tmp_path / "nothing.csv"))
    with pytest.raises(CommandError, match="No dataset"):
        run("nosuchdataset", str(path))


def test_background_only_queues(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(people(2)))
    out, _err = run("population", str(path), "--background", "--mode", "full")
    load = IngestionLoad.objects.get()
    assert f"Load {load.pk}" in out
    assert load.status == IngestionLoad.Status.QUEUED
    assert load.mode == "full"
    call_command("ingest_worker", "--once", stdout=io.StringIO())
    load.refresh_from_db()
    assert load.status == IngestionLoad.Status.SUCCEEDED
