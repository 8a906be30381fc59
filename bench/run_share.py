"""`onetrip bench share`: the sharing API over HTTP against PostgreSQL with a million people.

Runs inside a Django process whose DATABASE_URL is the bench database (the management command
`bench` sees to that). Steps: create, migrate and seed the database if needed (1 M population
records through the province seed's COPY path, no cases); register a department's system with
a grant on the population registry; start the real server (granian, as `bench core`); then, in
that one server run, drive with `wrk` and `bench/share.lua`:

  ceiling  GET /api/v1/bench/population/{id}            one row by primary key, no auth
  share    GET /api/v1/share/population/records/{key}   one person by resident ID: client
           credential check, grant, masking, rate-limit count, the hash-chained log row and
           its subject row, in one transaction

and print one JSON document: the rate of each, their ratio, the share lookups' latency, and
the check that every 200 the load generator received has exactly one sharing-log row.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

BENCH_DIR = Path(__file__).resolve().parent
LUA = BENCH_DIR / "share.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/onetrip_bench_share"
TARGETS = {"min_ratio_to_ceiling": 0.7, "max_p99_ms": 50}
FIELDS = "resident_id,name,sex,birth_date,household_region,phone"
PURPOSE = "bench: social assistance eligibility"


def _core() -> Any:
    """bench/run_core.py, for its database, server, summary and probe helpers."""
    name = "onetrip_bench_run_core"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / "run_core.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def ensure_database(url: str, out: TextIO) -> None:
    _core().ensure_database(url, out)


@dataclass
class Options:
    duration: int = 15
    warmup: int = 3
    connections: int = 16
    threads: int = 2
    port: int = 8766
    workers: int = 2
    blocking_threads: int = 8
    citizens: int = 1_000_000
    keys: int = 20_000
    keep_files: bool = False
    # What run_core.Server reads from its options.
    enterprises: int = 0
    cases: int = 0


# ------------------------------------------------------------------------------ setup


def prepare_database(opts: Options, out: TextIO) -> dict[str, Any]:
    """Migrate; seed the population (bulk COPY, no cases) when it is smaller than asked."""
    from django.core.management import call_command

    from onetrip.datahub.models import PopulationRecord
    from onetrip.datahub.services import base_registries_ensure

    call_command("migrate", verbosity=0, interactive=False)
    seeded: dict[str, Any] = {"seeded_now": False}
    if not PopulationRecord.objects.exists():
        from onetrip.core.seeding.province import seed_province

        t0 = time.monotonic()
        seed_province(stdout=out, citizens=opts.citizens, enterprises=0, cases=0)
        seeded = {"seeded_now": True, "seed_seconds": round(time.monotonic() - t0, 1)}
    base_registries_ensure()
    return seeded


def bench_client(out: TextIO) -> tuple[Any, str]:
    """A civil affairs system with an approved grant on part of the population registry
    (level 2 in clear: the ID and phone come masked), and a fresh token for it."""
    from onetrip.accounts.models import Department, Role, User
    from onetrip.accounts.services import staff_create
    from onetrip.core.workdays import today
    from onetrip.datahub.models import AccessGrant, ApiClient
    from onetrip.datahub.services import (
        client_create,
        credential_rotate,
        grant_decide,
        grant_request,
    )

    admin = User.objects.filter(username="bench-share-admin").first()
    if admin is None:
        department = Department.objects.order_by("id").first()
        admin = staff_create(
            username="bench-share-admin",
            name="共享基准管理员",
            department=department,
            roles=[Role.SYSTEM_ADMIN],
        )
    client = ApiClient.objects.filter(name="bench: civil affairs system").first()
    if client is None:
        department = (
            Department.objects.filter(kind="civil_affairs").order_by("id").first()
            or admin.department
        )
        client, _ = client_create(
            actor=admin,
            name="bench: civil affairs system",
            department_id=department.pk,
            rate_limit_per_minute=10_000_000,
        )
    if not AccessGrant.objects.filter(
        client=client, dataset__code="population", status=AccessGrant.Status.GRANTED
    ).exists():
        grant = grant_request(
            client=client,
            dataset_code="population",
            fields=FIELDS.split(","),
            purpose=PURPOSE,
            legal_basis="《社会救助暂行办法》",
            expires_on=today() + dt.timedelta(days=3650),
            requested_by=admin,
        )
        grant_decide(actor=admin, grant_id=grant.pk, approve=True, max_grade="L2")
    _, token = credential_rotate(actor=admin, client_id=client.pk)
    out.write(f"  client {client.name} (id {client.pk}) granted {FIELDS}\n")
    return client, token


def sample_keys(n: int) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id FROM datahub_populationrecord ORDER BY random() LIMIT %s", [n]
        )
        return [row[0] for row in cursor.fetchall()]


def profile(method: str, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """One warm request through Django in this process: every SQL statement and its time."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    for _ in range(3):  # the last one is reported (warm caches)
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.generic(method, path, headers=headers)
            elapsed = time.perf_counter() - started
    queries = [
        {"ms": round(float(q["time"]) * 1000, 2), "sql": q["sql"][:140]}
        for q in ctx.captured_queries
    ]
    return {
        "status": response.status_code,
        "total_ms": round(elapsed * 1000, 2),
        "queries": len(queries),
        "db_ms": round(sum(q["ms"] for q in queries), 2),
        "statements": queries,
    }


# ------------------------------------------------------------------------------ load


def run_wrk(url: str, args: list[str], *, duration: int, connections: int, threads: int) -> dict:
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    cmd += ["-s", str(LUA), url, "--", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def _read_ids(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line] if path.exists() else []


def log_check(client_id: int, id_before: int, ids: list[str], in_flight: int) -> dict:
    """Every 200 received names its log row: the rows exist, have status 200, belong to the
    client, and no two responses share one. The only rows without a received response are
    those of requests still in flight when wrk stopped (sent, answer dropped): at most
    `in_flight` (sent minus answered, summed over the share runs)."""
    from onetrip.datahub.models import SharingCall

    rows = SharingCall.objects.filter(client_id=client_id, id__gt=id_before)
    new_200 = rows.filter(status_code=200).count()
    numeric = [int(i) for i in ids if i.isdigit()]
    matched = 0
    for start in range(0, len(numeric), 5000):
        chunk = numeric[start : start + 5000]
        matched += rows.filter(pk__in=chunk, status_code=200).count()
    return {
        "responses_200": len(ids),
        "new_log_rows_200": new_200,
        "responses_with_their_log_row": matched,
        "distinct_call_ids": len(set(numeric)),
        "requests_in_flight_when_wrk_stopped": in_flight,
        "rows_beyond_responses": new_200 - len(ids),
        "every_200_logged_once": matched == len(ids) == len(set(numeric)),
        "no_unexplained_rows": 0 <= new_200 - len(ids) <= in_flight,
        "non_200_rows": rows.exclude(status_code=200).count(),
    }


class _Sealer:
    """`onetrip audit seal --loop` beside the server, as a production worker host runs it:
    the hash chain is built while the load runs, not after."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log

    def __enter__(self) -> _Sealer:
        self.logfile = open(self.log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH_DIR.parent / "manage.py"), "audit", "seal", "--loop"],
            env=self.env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            cwd=str(BENCH_DIR.parent),
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=15)
        self.logfile.close()


# ------------------------------------------------------------------------------ main


def run(database_url: str, opts: Options, out: TextIO) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Max, Min

    from onetrip.audit import chain
    from onetrip.datahub.models import PopulationRecord, SharingCall

    core = _core()
    if connection.vendor != "postgresql":
        raise RuntimeError("The sharing benchmark runs on PostgreSQL (give --database-url).")
    started = time.monotonic()
    seeded = prepare_database(opts, out)
    out.write("preparing the client, its grant and the keys\n")
    client, token = bench_client(out)
    work = Path(tempfile.mkdtemp(prefix="onetrip-bench-share-"))
    keys_file = work / "keys.txt"
    keys = sample_keys(opts.keys)
    keys_file.write_text("\n".join(keys) + "\n")
    bounds = PopulationRecord.objects.aggregate(lo=Min("id"), hi=Max("id"))
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": PURPOSE}
    share_path = f"/api/v1/share/population/records/{keys[0]}?fields={FIELDS}"
    profiles = {
        "ceiling": profile("GET", f"/api/v1/bench/population/{bounds['lo']}", {}),
        "share": profile("GET", share_path, headers),
    }
    id_before = SharingCall.objects.aggregate(m=Max("id"))["m"] or 0
    connection.close()

    ids_files: list[Path] = []
    in_flight = 0

    def args_for(name: str, part: str) -> list[str]:
        if name == "ceiling":
            return ["pk", str(bounds["lo"]), str(bounds["hi"])]
        ids_files.append(work / f"ids-{part}.txt")
        return ["share", token, str(keys_file), PURPOSE, FIELDS, str(ids_files[-1])]

    results: dict[str, Any] = {}
    single_duration = max(3, opts.duration // 3)
    with (
        core.Server(opts, database_url, work / "server.log") as server,
        _Sealer(server.env, work / "sealer.log"),
    ):
        out.write(f"server up: {' '.join(server.cmd)}, with a sealer worker\n")
        for name in ("ceiling", "share"):
            load = {"connections": opts.connections, "threads": opts.threads}
            if opts.warmup:
                warm = run_wrk(server.url, args_for(name, "warm"), duration=opts.warmup, **load)
                in_flight += warm["sent"] - warm["requests"] if name == "share" else 0
            out.write(f"running {name} for {opts.duration}s with {opts.connections} connections\n")
            raw = run_wrk(server.url, args_for(name, "main"), duration=opts.duration, **load)
            results[name] = core.summarise(raw, results.get("ceiling"))
            in_flight += raw["sent"] - raw["requests"] if name == "share" else 0
            alone = run_wrk(
                server.url,
                args_for(name, "single"),
                duration=single_duration,
                connections=1,
                threads=1,
            )
            in_flight += alone["sent"] - alone["requests"] if name == "share" else 0
            results[name]["single_user"] = {
                "rps": core.summarise(alone, None)["rps"],
                "p50_ms": round(alone["latency_us"]["p50"] / 1000, 2),
                "p99_ms": round(alone["latency_us"]["p99"] / 1000, 2),
            }
            results[name]["per_request_in_process"] = profiles[name]
            out.write(f"  {name}: {json.dumps(results[name], ensure_ascii=False)[:400]}\n")

    ids = [i for path in ids_files for i in _read_ids(path)]
    check = log_check(client.pk, id_before, ids, in_flight)
    # What the sealer had not reached when the load stopped, then the rest sealed and checked.
    check["unsealed_when_load_stopped"] = SharingCall.objects.filter(seq__isnull=True).count()
    out.write("sealing what is left and verifying the sharing chain\n")
    chain.seal_all(SharingCall)
    report = chain.verify(SharingCall)
    share, ceiling = results["share"], results["ceiling"]
    ratio = round(share["rps"] / ceiling["rps"], 3) if ceiling["rps"] else 0.0
    document = {
        "benchmark": "share",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count()},
        "server": {
            "granian_workers": opts.workers,
            "blocking_threads": opts.blocking_threads,
            "conn_max_age": int(os.environ.get("ONETRIP_CONN_MAX_AGE", "600")),
        },
        "load": {
            "tool": "wrk",
            "threads": opts.threads,
            "connections": opts.connections,
            "duration_s": opts.duration,
            "distinct_keys": len(keys),
        },
        "database": {
            "population_records": core.database_size()["population_records"],
            **seeded,
        },
        "ceiling_rps": ceiling["rps"],
        "share_rps": share["rps"],
        "ratio": ratio,
        "share_p50_ms": share["p50_ms"],
        "share_p99_ms": share["p99_ms"],
        "ceiling": ceiling,
        "share": share,
        "log_check": check,
        "chain": {"entries": report.entries, "ok": report.ok, "reason": report.reason},
        "targets_met": {
            "ratio>=0.7": ratio >= TARGETS["min_ratio_to_ceiling"],
            "share_p99<=50ms": share["p99_ms"] <= TARGETS["max_p99_ms"],
            "every_200_logged_once": check["every_200_logged_once"]
            and check["no_unexplained_rows"],
            "chain_verifies": report.ok,
        },
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    if not opts.keep_files:
        shutil.rmtree(work, ignore_errors=True)
    else:
        document["files"] = str(work)
    return document
