"""`onetrip bench core`: the core flows over HTTP against a province-scale PostgreSQL.

Runs inside a Django process whose DATABASE_URL is the bench database (the management command
`bench` sees to that). Steps: create, migrate and seed the database if needed; prepare bearer
tokens and a staff session; start the real server (granian, WSGI, persistent connections);
drive each scenario with `wrk` and `bench/core.lua`; print one JSON document.

Scenarios (see bench/README.md):
  ceiling  GET  /api/v1/bench/pk/{id}          one row by primary key, no auth
  apply    POST /api/v1/applications           apply for an instant item, new citizen each time
  queue    GET  <workbench queue>?sla=...      staff queue page filtered by SLA state, 16 users
  detail   GET  /api/v1/applications/{number}  a case read by its applicant (bearer token)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

BENCH_DIR = Path(__file__).resolve().parent
LUA = BENCH_DIR / "core.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/onetrip_bench"
TARGETS = {
    "apply": {"min_rps": 150, "max_p99_ms": 300},
    "queue": {"max_p50_ms": 50},
    "detail": {"min_ratio_to_ceiling": 0.6},
}


@dataclass
class Options:
    duration: int = 15
    warmup: int = 3
    connections: int = 16
    threads: int = 2
    port: int = 8765
    workers: int = 2
    blocking_threads: int = 8
    citizens: int = 1_000_000
    enterprises: int = 100_000
    cases: int = 1_000_000
    scenarios: list[str] = field(default_factory=lambda: ["ceiling", "apply", "queue", "detail"])
    keep_files: bool = False


# ------------------------------------------------------------------------------ database


def ensure_database(url: str, out: TextIO) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    conninfo = {
        "host": cfg.get("HOST") or "127.0.0.1",
        "port": cfg.get("PORT") or 5432,
        "user": cfg.get("USER") or "postgres",
        "dbname": "postgres",
    }
    if cfg.get("PASSWORD"):
        conninfo["password"] = cfg["PASSWORD"]
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
            out.write(f"created database {cfg['NAME']}\n")


def prepare_database(opts: Options, out: TextIO) -> dict[str, Any]:
    """Migrate, and seed at province scale when the database has no cases yet."""
    from django.core.management import call_command

    from onetrip.cases.models import Case

    call_command("migrate", verbosity=0, interactive=False)
    seeded: dict[str, Any] = {"seeded_now": False}
    if not Case.objects.exists():
        from onetrip.core.seeding.province import seed_province

        t0 = time.monotonic()
        seed_province(
            stdout=out, citizens=opts.citizens, enterprises=opts.enterprises, cases=opts.cases
        )
        seeded = {"seeded_now": True, "seed_seconds": round(time.monotonic() - t0, 1)}
    return seeded


def database_size() -> dict[str, int]:
    from django.db import connection

    from onetrip.accounts.models import User
    from onetrip.cases.models import Case
    from onetrip.datahub.models import LegalEntityRecord, PopulationRecord

    out = {}
    with connection.cursor() as cursor:
        for key, model in (
            ("cases", Case),
            ("users", User),
            ("population_records", PopulationRecord),
            ("legal_entity_records", LegalEntityRecord),
        ):
            # The planner's estimate: exact counts over millions of rows take seconds.
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
            out[key] = int(row[0]) if row else -1
    return out


# ------------------------------------------------------------------------------ fixtures


def _bearer_tokens(users: list[Any], name: str) -> list[str]:
    """One fresh bearer token per user, written in bulk (the same rows `api_token_create`
    writes: only the digest of the secret is stored)."""
    from onetrip.accounts.models import ApiToken

    secrets_ = [ApiToken.new_secret() for _ in users]
    ApiToken.objects.bulk_create(
        [
            ApiToken(user=user, name=name, prefix=secret[3:11], digest=ApiToken.digest_of(secret))
            for user, secret in zip(users, secrets_, strict=True)
        ],
        batch_size=2000,
    )
    return secrets_


def _instant_target(count: int, out: TextIO) -> tuple[Any, list[Any]]:
    """An instant-approval implementation for citizens that needs no upload and whose rules
    hold on registry facts alone, and `count` citizens for whom a rule holds today."""
    from onetrip.accounts.models import User
    from onetrip.cases.models import OPEN_STATES, Case
    from onetrip.catalog.models import ItemImplementation, Material
    from onetrip.catalog.rules import first_rule_that_holds, parse_conditions
    from onetrip.core.workdays import today
    from onetrip.datahub.models import PopulationRecord

    usable_facts = {
        "age",
        "sex",
        "marital_status",
        "household_region",
        "household_in_region",
        "has_open_case_same_item",
    }
    candidates = []
    for impl in (
        ItemImplementation.objects.filter(
            is_active=True, applicant_kind__in=["citizen", "both"], instant_rules__is_active=True
        )
        .select_related("item", "region")
        .distinct()
        .order_by("id")
    ):
        if impl.materials.filter(source=Material.Source.UPLOAD, required=True).exists():
            continue
        rules = list(impl.instant_rules.filter(is_active=True))
        facts = {c.fact for r in rules for c in parse_conditions(r.conditions).items}
        if facts <= usable_facts:
            candidates.append((impl, rules))
    if not candidates:
        raise RuntimeError("No instant-approval item for citizens that rests on registry facts.")
    on = today()
    best: tuple[Any, list[Any]] | None = None
    for impl, rules in candidates:
        prefix = impl.region.code_prefix
        records = PopulationRecord.objects.filter(
            household_region__code__startswith=prefix
        ).order_by("id")
        chosen = []
        open_applicants = set(
            Case.objects.filter(implementation=impl, state__in=OPEN_STATES[1:]).values_list(
                "applicant_id", flat=True
            )
        )
        id_to_user = {}
        for record in records.iterator(chunk_size=5000):
            facts = {
                "age": on.year
                - record.birth_date.year
                - ((on.month, on.day) < (record.birth_date.month, record.birth_date.day)),
                "sex": record.sex,
                "marital_status": record.marital_status,
                "household_region": record.household_region_id,
                "household_in_region": record.household_region_id.startswith(prefix),
                "has_open_case_same_item": False,
            }
            if first_rule_that_holds(rules, facts) is not None:
                chosen.append(record.resident_id)
                if len(chosen) >= count * 2:
                    break
        for user in User.objects.filter(
            id_number__in=chosen, kind=User.Kind.CITIZEN, is_active=True
        ):
            if user.id not in open_applicants:
                id_to_user[user.id] = user
        users = list(id_to_user.values())[:count]
        out.write(
            f"  instant item {impl.item.code} {impl.item.name} @ {impl.region_id}: "
            f"{len(users)} eligible citizens\n"
        )
        if best is None or len(users) > len(best[1]):
            best = (impl, users)
        if len(users) >= count:
            break
    assert best is not None
    return best


def _busiest_approver(out: TextIO) -> tuple[Any, dict[str, int]]:
    """An approver of the department with the most accepted cases (created if it has none),
    and that department's queue sizes by SLA state."""
    from django.db.models import Count

    from onetrip.accounts.models import Department, Role, User
    from onetrip.cases.models import Case, CaseState
    from onetrip.core.workdays import today

    row = (
        Case.objects.filter(state=CaseState.ACCEPTED)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    department = Department.objects.get(pk=row["department_id"])
    staff = User.objects.filter(kind=User.Kind.STAFF, department=department, is_active=True)
    approver = next((u for u in staff.order_by("id") if Role.APPROVER in (u.roles or [])), None)
    if approver is None:
        from onetrip.accounts.services import staff_create

        approver = staff_create(
            username=f"bench-approver-{department.pk}",
            name="基准测试审批员",
            department=department,
            roles=[Role.APPROVER],
        )
    on = today()
    base = Case.objects.filter(department=department)
    accepted = base.filter(state=CaseState.ACCEPTED)
    sizes = {
        "department_cases": base.count(),
        "accepted": accepted.count(),
        "red": accepted.filter(deadline__lt=on).count(),
        "yellow": accepted.filter(yellow_from__lte=on, deadline__gte=on).count(),
        "green": accepted.filter(yellow_from__gt=on).count(),
    }
    out.write(f"  approver {approver.username} of {department.name}: {sizes}\n")
    return approver, sizes


def _session_cookie(user: Any) -> str:
    """A logged-in session for `user`, made with the session engine as `login()` would."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _detail_pairs(count: int) -> list[tuple[str, str]]:
    """(bearer token, case number) for `count` random cases, each read by its applicant."""
    from django.db.models import Max, Min

    from onetrip.accounts.models import User
    from onetrip.cases.models import Case

    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    rng = random.Random(7)
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count)}
    cases = list(Case.objects.filter(id__in=ids).values_list("number", "applicant_id"))
    users = {u.id: u for u in User.objects.filter(id__in={a for _, a in cases})}
    owners = list({a for _, a in cases})
    tokens = dict(zip(owners, _bearer_tokens([users[a] for a in owners], "bench"), strict=True))
    return [(tokens[applicant], number) for number, applicant in cases]


def probe(method: str, path: str, headers: dict[str, str], body: str | None) -> dict[str, Any]:
    """One request through Django in this process (no server): its status, how many queries
    it runs and their time, so the load figures can be read against the work per request.
    Made twice; the second (warm) one is reported."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    result: dict[str, Any] = {}
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.generic(
                method, path, data=body or "", content_type="application/json", headers=headers
            )
            elapsed = time.perf_counter() - started
        times = [float(q["time"]) * 1000 for q in ctx.captured_queries]
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        result = {
            "status": response.status_code,
            "queries": len(times),
            "db_ms": round(sum(times), 1),
            "total_ms": round(elapsed * 1000, 1),
            "slowest_query_ms": round(max(times, default=0.0), 1),
            "slowest_query": (slowest["sql"][:160] + "…") if slowest else "",
        }
        if body and "idempotency_key" in body:  # a second apply would only replay the first
            body = body.replace('"}', 'r"}')
    return result


# ------------------------------------------------------------------------------ server


class Server:
    """granian serving onetrip.wsgi with persistent database connections."""

    def __init__(self, opts: Options, database_url: str, log: Path) -> None:
        self.opts = opts
        self.url = f"http://127.0.0.1:{opts.port}"
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            ONETRIP_BENCH_ENDPOINTS="1",
            ONETRIP_DEBUG="0",
            ONETRIP_CONN_MAX_AGE=env.get("ONETRIP_CONN_MAX_AGE", "600"),
            DJANGO_SETTINGS_MODULE="onetrip.settings",
        )
        granian = Path(sys.executable).with_name("granian")
        self.cmd = [
            str(granian) if granian.exists() else "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(opts.port),
            "--workers",
            str(opts.workers),
            "--blocking-threads",
            str(opts.blocking_threads),
            "--no-ws",
            "--log-level",
            "warning",
            "onetrip.wsgi:application",
        ]
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.logfile = open(self.log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.cmd,
            env=self.env,
            stdout=self.logfile,
            stderr=subprocess.STDOUT,
            cwd=str(BENCH_DIR.parent),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/bench/pk/1", timeout=2) as r:
                    r.read()
                return self
            except urllib.error.HTTPError:
                return self  # it answers: up (the probes have checked the routes)
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"server did not answer in 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.logfile.close()


# ------------------------------------------------------------------------------ wrk


def run_wrk(url: str, args: list[str], *, duration: int, connections: int, threads: int) -> dict:
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    cmd = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")


def summarise(raw: dict, ceiling: dict | None) -> dict[str, Any]:
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    out: dict[str, Any] = {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "ok": raw["ok"],
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "non_2xx": raw["non_2xx"],
        "socket_errors": sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout")),
    }
    if raw.get("not_approved"):
        out["not_approved"] = raw["not_approved"]
    if raw.get("samples"):
        out["sample_failures"] = raw["samples"][:2]
    if ceiling:
        out["rps_vs_ceiling"] = round(out["rps"] / ceiling["rps"], 3) if ceiling["rps"] else None
        out["p50_vs_ceiling"] = (
            round(out["p50_ms"] / ceiling["p50_ms"], 2) if ceiling["p50_ms"] else None
        )
    return out


# ------------------------------------------------------------------------------ main


def run(database_url: str, opts: Options, out: TextIO) -> dict[str, Any]:
    """Everything after the database URL is settled; returns the result document."""
    from django.db import connection
    from django.db.models import Max, Min
    from django.urls import reverse

    from onetrip.cases.models import Case, CaseState

    if connection.vendor != "postgresql":
        raise RuntimeError("The core benchmark runs on PostgreSQL (give --database-url).")
    started = time.monotonic()
    seeded = prepare_database(opts, out)
    work = Path(tempfile.mkdtemp(prefix="onetrip-bench-"))
    run_id = f"bench{int(time.time())}"
    out.write("preparing tokens and sessions\n")
    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    scenario_args: dict[str, list[str]] = {"ceiling": ["pk", str(bounds["lo"]), str(bounds["hi"])]}
    probe_requests: dict[str, tuple[str, str, dict[str, str], str | None]] = {
        "ceiling": ("GET", f"/api/v1/bench/pk/{bounds['lo']}", {}, None)
    }
    implementation = None
    if "apply" in opts.scenarios:
        per_run = 300 * (opts.warmup + opts.duration) + 100 * max(3, opts.duration // 3)
        implementation, citizens = _instant_target(per_run, out)
        if not citizens:
            raise RuntimeError("No citizen qualifies for an instant-approval item.")
        apply_tokens = work / "apply_tokens.txt"
        apply_tokens.write_text("\n".join(_bearer_tokens(citizens, "bench")) + "\n")
        scenario_args["apply"] = [
            "apply",
            str(apply_tokens),
            str(implementation.id),
            run_id,
            str(opts.threads),
        ]
        probe_body = {"implementation_id": implementation.id, "idempotency_key": run_id + "p"}
        probe_requests["apply"] = (
            "POST",
            "/api/v1/applications",
            {"Authorization": f"Bearer {apply_tokens.read_text().split()[-1]}"},
            json.dumps(probe_body),
        )
    queue_sizes: dict[str, int] = {}
    if "queue" in opts.scenarios:
        approver, queue_sizes = _busiest_approver(out)
        cookie = _session_cookie(approver)
        queue_url = reverse("workbench:queue")
        queue_paths = work / "queue_paths.txt"
        queue_paths.write_text(
            "\n".join(f"{queue_url}?sla={sla}" for sla in ("yellow", "red", "green")) + "\n"
        )
        scenario_args["queue"] = ["queue", cookie, str(queue_paths)]
        probe_requests["queue"] = ("GET", f"{queue_url}?sla=yellow", {"Cookie": cookie}, None)
    if "detail" in opts.scenarios:
        pairs = _detail_pairs(4000)
        detail_file = work / "detail_pairs.txt"
        detail_file.write_text("\n".join(f"{t} {n}" for t, n in pairs) + "\n")
        scenario_args["detail"] = ["detail", str(detail_file)]
        probe_requests["detail"] = (
            "GET",
            f"/api/v1/applications/{pairs[0][1]}",
            {"Authorization": f"Bearer {pairs[0][0]}"},
            None,
        )
    probes = {name: probe(*probe_requests[name]) for name in scenario_args}
    connection.close()  # the server's connections should not compete with an idle one

    # Each apply run takes its own slice of the citizens (warm-up, measured, single user).
    slices = {"warm": 0, "main": 300 * opts.warmup, "single": 300 * (opts.warmup + opts.duration)}
    single_duration = max(3, opts.duration // 3)
    results: dict[str, Any] = {}
    log = work / "server.log"
    with Server(opts, database_url, log) as server:
        out.write(f"server up: {' '.join(server.cmd)}\n")
        for name in ["ceiling"] + [s for s in opts.scenarios if s != "ceiling"]:

            def args_for(part: str, name: str = name) -> list[str]:
                args = list(scenario_args[name])
                if name == "apply":
                    args[3] = run_id if part == "main" else f"{run_id}{part[0]}"
                    args.append(str(slices[part]))
                return args

            if opts.warmup:
                run_wrk(
                    server.url,
                    args_for("warm"),
                    duration=opts.warmup,
                    connections=opts.connections,
                    threads=opts.threads,
                )
            out.write(f"running {name} for {opts.duration}s with {opts.connections} connections\n")
            raw = run_wrk(
                server.url,
                args_for("main"),
                duration=opts.duration,
                connections=opts.connections,
                threads=opts.threads,
            )
            results[name] = summarise(raw, results.get("ceiling"))
            # One user alone: the service time, without waiting behind the other 15.
            alone = run_wrk(
                server.url, args_for("single"), duration=single_duration, connections=1, threads=1
            )
            results[name]["single_user"] = {
                "rps": summarise(alone, None)["rps"],
                "p50_ms": round(alone["latency_us"]["p50"] / 1000, 2),
                "p99_ms": round(alone["latency_us"]["p99"] / 1000, 2),
            }
            results[name]["per_request_in_process"] = probes[name]
            out.write(f"  {name}: {json.dumps(results[name], ensure_ascii=False)}\n")

    # The applications really are approved: count what the run wrote.
    if "apply" in results:
        made = Case.objects.filter(idempotency_key__startswith=run_id + "-")
        results["apply"]["cases_written"] = made.count()
        results["apply"]["cases_delivered_by_rule"] = made.filter(
            state=CaseState.DELIVERED, instant_rule__isnull=False
        ).count()
        assert implementation is not None
        results["apply"]["item"] = f"{implementation.item.code} {implementation.item.name}"
    if "queue" in results:
        results["queue"]["department_queue"] = queue_sizes

    ceiling = results["ceiling"]
    checks = {}
    if "apply" in results:
        a = results["apply"]
        checks["apply_rps>=150"] = a["rps"] >= TARGETS["apply"]["min_rps"]
        checks["apply_p99<=300ms"] = a["p99_ms"] <= TARGETS["apply"]["max_p99_ms"]
        checks["apply_all_approved"] = a["cases_delivered_by_rule"] == a["cases_written"] > 0
    if "queue" in results:
        checks["queue_p50<=50ms"] = results["queue"]["p50_ms"] <= TARGETS["queue"]["max_p50_ms"]
    if "detail" in results:
        checks["detail>=0.6_ceiling"] = (
            results["detail"]["rps_vs_ceiling"] >= TARGETS["detail"]["min_ratio_to_ceiling"]
        )
    document = {
        "benchmark": "core",
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
        },
        "database": {**database_size(), **seeded},
        "ceiling": ceiling,
        **{k: v for k, v in results.items() if k != "ceiling"},
        "targets_met": checks,
        "elapsed_s": round(time.monotonic() - started, 1),
    }
    if not opts.keep_files:
        shutil.rmtree(work, ignore_errors=True)
    else:
        document["files"] = str(work)
    return document
