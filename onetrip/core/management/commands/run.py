"""`onetrip run`: migrate, seed the demo province if the database is empty, run the
background workers in-process (notification outbox, queued data loads, the sealer of the
sharing log's hash chain) and serve the platform with granian."""

import os
import shutil
import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from onetrip.audit.services import seal_worker_loop
from onetrip.core.seeding.demo import write_logins
from onetrip.datahub.services import ingestion_worker_loop
from onetrip.notify.services import outbox_worker_loop


class Command(BaseCommand):
    help = "Serve the platform (embedded default: SQLite, demo province, outbox worker in-process)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("ONETRIP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("ONETRIP_PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("ONETRIP_WORKERS", "1"))
        )
        parser.add_argument("--no-seed", action="store_true", help="do not seed an empty database")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="run the outbox and ingestion workers elsewhere",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from onetrip.accounts.models import Region

        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_seed"] and not Region.objects.exists():
            self.stdout.write("Seeding the demo province (first run)…")
            call_command("seed", scale="demo", stdout=self.stdout)  # prints the demo logins
        else:
            write_logins(self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nonetrip is serving on http://{options['host']}:{options['port']}/\n"
            )
        )

        stop = threading.Event()
        if not options["no_worker"]:
            threading.Thread(
                target=outbox_worker_loop, kwargs={"stop": stop.is_set}, daemon=True, name="outbox"
            ).start()
            # Data loads (归集) queued from the pages run here too in the embedded default.
            threading.Thread(
                target=ingestion_worker_loop,
                kwargs={"stop": stop.is_set},
                daemon=True,
                name="ingestion",
            ).start()
            # Sharing calls are chained into the audit hash chain just after they commit.
            threading.Thread(
                target=seal_worker_loop, kwargs={"stop": stop.is_set}, daemon=True, name="sealer"
            ).start()
        granian = shutil.which("granian", path=os.path.dirname(sys.executable)) or "granian"
        server = subprocess.Popen(
            [
                granian,
                "--interface",
                "wsgi",
                "onetrip.wsgi:application",
                "--host",
                options["host"],
                "--port",
                str(options["port"]),
                "--workers",
                str(options["workers"]),
                # 8 blocking threads: fastest here and within PostgreSQL's connection limit.
                "--blocking-threads",
                "8",
                "--log-level",
                "warning",
            ]
        )
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        try:
            code = server.wait()
        except KeyboardInterrupt:
            server.terminate()
            code = server.wait()
        finally:
            stop.set()
        sys.exit(code)
