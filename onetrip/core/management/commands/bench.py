"""`onetrip bench core`: the core flows over HTTP against a province-scale PostgreSQL, measured
with wrk; prints one JSON document (see bench/README.md)."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import OperationalError

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/onetrip_bench"
# Each suite other than core has its own database (its runner's DEFAULT_DATABASE_URL).
SUITES = ("core", "share", "ingest")
SCENARIOS = ("ceiling", "apply", "queue", "detail")


def _runner(suite: str = "core") -> ModuleType:
    """bench/run_<suite>.py from the checkout (bench/ is not part of the installed package)."""
    path = Path(settings.BASE_DIR) / "bench" / f"run_{suite}.py"
    if not path.exists():
        raise CommandError(f"{path} not found: run the benchmark from a checkout of onetrip.")
    spec = importlib.util.spec_from_file_location(f"onetrip_bench_run_{suite}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = (
        "Run a benchmark. `core`: start the real server (granian) against PostgreSQL seeded at "
        "province scale (seeding it first when it has no cases) and measure apply-and-instant-"
        "approve, the staff queue by SLA state, a case read and a primary-key ceiling with wrk. "
        "`ingest`: load a million population records from a CSV file (onetrip_bench_ingest)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("suite", choices=list(SUITES))
        parser.add_argument(
            "--database-url",
            default=None,
            help="PostgreSQL database to use; created, migrated and seeded when empty "
            f"(core: {DEFAULT_DATABASE_URL} or $ONETRIP_BENCH_DATABASE_URL; share: "
            "onetrip_bench_share, ingest: onetrip_bench_ingest, on the same server)",
        )
        parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
        parser.add_argument("--warmup", type=int, default=3, help="warm-up seconds per scenario")
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument("--threads", type=int, default=2, help="wrk threads")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
        parser.add_argument("--blocking-threads", type=int, default=8)
        parser.add_argument("--citizens", type=int, default=1_000_000)
        parser.add_argument("--enterprises", type=int, default=100_000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument(
            "--only", default=",".join(SCENARIOS), help=f"comma-separated subset of {SCENARIOS}"
        )
        parser.add_argument(
            "--keys", type=int, default=20_000, help="share: distinct resident IDs looked up"
        )
        parser.add_argument(
            "--records", type=int, default=1_000_000, help="ingest: population records loaded"
        )
        parser.add_argument("--output", help="also write the JSON to this file")
        parser.add_argument("--keep-files", action="store_true", help="keep tokens and logs")

    def handle(self, *args: Any, **options: Any) -> None:
        scenarios = [s.strip() for s in options["only"].split(",") if s.strip()]
        unknown = set(scenarios) - set(SCENARIOS)
        if unknown:
            raise CommandError(f"unknown scenarios: {', '.join(sorted(unknown))}")
        runner = _runner(options["suite"])
        url = options["database_url"] or (
            os.environ.get("ONETRIP_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
            if options["suite"] == "core"
            else runner.DEFAULT_DATABASE_URL
        )
        if (
            os.environ.get("DATABASE_URL") != url
            or os.environ.get("ONETRIP_BENCH_ENDPOINTS") != "1"
        ):
            # Settings are read once per process: run again with the bench database and the
            # bench endpoints (the in-process probes call the ceiling endpoint too).
            try:
                runner.ensure_database(url, sys.stderr)
            except OperationalError as exc:  # one readable line, not a traceback
                first = str(exc).strip().splitlines()[0]
                raise CommandError(f"cannot reach the bench database {url}: {first}") from None
            env = {**os.environ, "DATABASE_URL": url, "ONETRIP_BENCH_ENDPOINTS": "1"}
            argv = [
                sys.executable,
                "-c",
                "import sys; from onetrip.cli import manage; manage(['onetrip', *sys.argv[1:]])",
                "bench",
                options["suite"],
            ]
            for name in (
                "duration",
                "warmup",
                "connections",
                "threads",
                "port",
                "workers",
                "blocking_threads",
                "citizens",
                "enterprises",
                "cases",
                "keys",
                "records",
                "only",
                "output",
            ):
                if options.get(name) is not None:
                    argv += [f"--{name.replace('_', '-')}", str(options[name])]
            if options["keep_files"]:
                argv.append("--keep-files")
            argv += ["--database-url", url]
            code = subprocess.call(argv, env=env)
            if code:
                raise CommandError(f"benchmark failed (exit {code})")
            return
        if options["suite"] == "ingest":
            opts = runner.Options(records=options["records"], keep_files=options["keep_files"])
        else:
            # What the HTTP suites share: the load and the server under it.
            http = {
                name: options[name]
                for name in (
                    "duration",
                    "warmup",
                    "connections",
                    "threads",
                    "port",
                    "workers",
                    "blocking_threads",
                    "citizens",
                    "keep_files",
                )
            }
            if options["suite"] == "share":
                opts = runner.Options(**http, keys=options["keys"])
            else:
                opts = runner.Options(
                    **http,
                    enterprises=options["enterprises"],
                    cases=options["cases"],
                    scenarios=scenarios,
                )
        try:
            document = runner.run(url, opts, sys.stderr)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(document, ensure_ascii=False, indent=2)
        if options.get("output"):
            Path(options["output"]).write_text(text + "\n")
        self.stdout.write(text)
