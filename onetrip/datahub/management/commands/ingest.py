"""`onetrip ingest DATASET FILE`: load a file into a dataset, as the system, with progress on
stderr and the quality report at the end; `--background` only queues it for the worker."""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onetrip.core.errors import DomainError
from onetrip.datahub.models import IngestionLoad
from onetrip.datahub.services import ingestion_run, ingestion_start


class Command(BaseCommand):
    help = (
        "Load a CSV (UTF-8 or GBK/GB18030), JSON Lines or .xlsx file into a dataset: every "
        "record is checked, good ones are stored with their history, problem ones are kept "
        "with their reasons. Exits non-zero, with one line, when the whole file is refused."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("dataset", help="dataset code, e.g. population")
        parser.add_argument("file", help="path of the file to load")
        parser.add_argument(
            "--encoding", default="auto", help="auto (default), utf-8 or gb18030 (gbk)"
        )
        parser.add_argument(
            "--mode",
            default=IngestionLoad.Mode.INCREMENTAL,
            choices=IngestionLoad.Mode.values,
            help="incremental (adds and updates, default) or full (also removes records "
            "missing from the file)",
        )
        parser.add_argument(
            "--background", action="store_true", help="queue the load for `onetrip ingest_worker`"
        )
        parser.add_argument("--problems-csv", help="write the problem rows to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as f:
                load = ingestion_start(
                    actor=None,
                    dataset_code=options["dataset"],
                    file=f,
                    file_name=path.name,
                    encoding=options["encoding"],
                    mode=options["mode"],
                )
        except DomainError as exc:
            raise CommandError(f"{path.name}: {exc.detail}") from None
        if options["background"]:
            self.stdout.write(
                f"Load {load.pk} of {load.dataset.code} queued; `onetrip ingest_worker` (or the "
                "worker of `onetrip run`) will run it."
            )
            return
        started = time.monotonic()
        last = [0.0]
        tty = sys.stderr.isatty()

        def progress(current: IngestionLoad, total: int | None) -> None:
            now = time.monotonic()
            if now - last[0] < 0.5 and current.status == IngestionLoad.Status.CHECKING:
                return
            last[0] = now
            elapsed = max(now - started, 1e-6)
            rate = current.rows_checked / elapsed
            share = f" ({min(current.rows_checked / total, 1):.0%})" if total else ""
            line = (
                f"{current.get_status_display()}: {current.rows_checked:,} records checked"
                f"{share}, {rate:,.0f}/s, {current.rows_problem:,} with problems"
            )
            sys.stderr.write(("\r" + line.ljust(90)) if tty else line + "\n")
            sys.stderr.flush()

        load = ingestion_run(load_id=load.pk, progress=progress)
        if tty:
            sys.stderr.write("\n")
        if load.status == IngestionLoad.Status.FAILED:
            raise CommandError(f"{path.name}: {load.error}")
        self._report(load, time.monotonic() - started)
        if options["problems_csv"] and load.rows_problem:
            from onetrip.datahub.selectors import problem_rows_csv

            Path(options["problems_csv"]).write_bytes(problem_rows_csv(load=load))
            self.stdout.write(f"problem rows written to {options['problems_csv']}")

    def _report(self, load: IngestionLoad, seconds: float) -> None:
        w = self.stdout.write
        w(f"Load {load.pk} of {load.dataset.code} ({load.dataset.name}): {load.file_name}")
        encoding = load.encoding_detected or "-"
        w(f"  format {load.file_format}, encoding {encoding}, mode {load.mode}")
        w(f"  records checked  {load.rows_checked:>12,}   ({seconds:.1f} s)")
        w(f"  good             {load.rows_good:>12,}")
        w(f"  problem          {load.rows_problem:>12,}   ({load.problem_ratio:.2%})")
        w(
            f"  inserted {load.rows_inserted:,}, updated {load.rows_updated:,}, "
            f"unchanged {load.rows_unchanged:,}, deleted {load.rows_deleted:,}"
        )
        for rule, count in sorted((load.reasons or {}).items(), key=lambda kv: (-kv[1], kv[0])):
            w(f"  reason {rule:<16} {count:>8,}")
        if load.rows_problem:
            w("  the problem rows went back to the department's data stewards")
