"""A load killed half-way (SIGKILL of a real `onetrip ingest` process, while it checks or
while it stores) leaves the dataset exactly as it was; the dead load is failed once its
heartbeat is stale, and running the file again loads it fully.

The command runs in a subprocess against this test's database (committed data: a
transactional test; the same SQLite file or PostgreSQL database through DATABASE_URL)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from onetrip.datahub import services
from onetrip.datahub.models import IngestionLoad, PopulationRecord, ProblemRecord, RecordVersion
from onetrip.datahub.tests.ingestion_files import (  # noqa: F401 - english is a fixture
    csv_bytes,
    english,
    load_file,
    people,
    person,
    steward,
)

EXISTING = 2000
NEW = 14000


def _command() -> list[str]:
    script = Path(sys.executable).with_name("onetrip")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from onetrip.cli import main; main()"]


def _database_url() -> str:
    cfg = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{cfg['NAME']}"
    auth = quote(cfg["USER"] or "postgres")
    if cfg.get("PASSWORD"):
        auth += ":" + quote(cfg["PASSWORD"])
    return f"postgres://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def _ingest(path: Path, var: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "ONETRIP_VAR_DIR": str(var),
        # Small batches: many progress writes, so the test sees the load checking.
        "ONETRIP_INGEST_BATCH_ROWS": "200",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [*_command(), "ingest", "population", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _snapshot() -> list[tuple]:
    return list(PopulationRecord.objects.order_by("resident_id").values_list())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("phase", [IngestionLoad.Status.CHECKING, IngestionLoad.Status.STORING])
def test_a_load_killed_midway_leaves_the_dataset_unchanged_and_can_be_rerun(
    world, tmp_path, phase: str
) -> None:  # type: ignore[no-untyped-def]
    # given people already in the registry
    existing = people(EXISTING)
    assert load_file(steward(), csv_bytes(existing)).status == IngestionLoad.Status.SUCCEEDED
    before = _snapshot()
    first_load = IngestionLoad.objects.get()
    # and a file that renames all of them, adds many more, and has a few problem rows
    rows = [dict(r, name=r["name"] + "新") for r in existing]
    rows += people(NEW, start=EXISTING)
    rows += [person(EXISTING + NEW + i, sex="?") for i in range(5)]
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(rows))

    # when `onetrip ingest` runs in its own process and is killed with SIGKILL mid-phase
    process = _ingest(path, tmp_path / "var")
    deadline = time.monotonic() + 120
    killed_in = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            load = IngestionLoad.objects.exclude(pk=first_load.pk).first()
            if (
                load is not None
                and load.status == phase
                and (phase == IngestionLoad.Status.STORING or load.rows_checked > 0)
            ):
                os.killpg(process.pid, signal.SIGKILL)
                killed_in = load.status
                break
            time.sleep(0.005)
    finally:
        if process.poll() is None and killed_in is None:
            os.killpg(process.pid, signal.SIGKILL)
        _out, err = process.communicate(timeout=60)
    assert killed_in == phase, f"the load was not seen {phase}: {err.decode()[-2000:]}"
    assert process.returncode == -signal.SIGKILL

    # then the dataset is exactly as before, with no history and no problem records
    time.sleep(0.5)  # PostgreSQL: the dead client's backend rolls back once it notices
    dead = IngestionLoad.objects.exclude(pk=first_load.pk).get()
    assert dead.status == phase
    assert _snapshot() == before
    assert not RecordVersion.objects.exists()
    assert not ProblemRecord.objects.exists()

    # when its stale heartbeat is noticed
    assert services.ingestion_fail_stale(stale_seconds=0) == 1
    dead.refresh_from_db()
    assert dead.status == IngestionLoad.Status.FAILED

    # and the file is loaded again by the command
    rerun = _ingest(path, tmp_path / "var")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()[-2000:]

    # then it is fully loaded: renamed, added, history kept, problem rows kept
    load = IngestionLoad.objects.order_by("-id").first()
    assert load.status == IngestionLoad.Status.SUCCEEDED
    assert (load.rows_updated, load.rows_inserted, load.rows_problem) == (EXISTING, NEW, 5)
    assert PopulationRecord.objects.count() == len(before) + NEW
    assert PopulationRecord.objects.get(resident_id=existing[0]["resident_id"]).name.endswith("新")
    assert RecordVersion.objects.filter(load=load).count() == EXISTING
    assert ProblemRecord.objects.filter(load=load).count() == 5
    assert "good" in out.decode()
