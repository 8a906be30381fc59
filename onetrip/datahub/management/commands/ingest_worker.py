"""`onetrip ingest_worker`: run queued loads (forever, or what is queued with --once)."""

from typing import Any

from django.core.management.base import BaseCommand

from onetrip.datahub.services import ingestion_work_once, ingestion_worker_loop


class Command(BaseCommand):
    help = "Run queued data loads (归集) in the background; loads whose process died are failed."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="run what is queued and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            done = 0
            while ingestion_work_once() is not None:
                done += 1
            self.stdout.write(f"ran {done} loads")
        else:
            ingestion_worker_loop()
