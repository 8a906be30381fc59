"""`onetrip audit verify`: seal what is waiting, recompute every hash chain and name the first
broken entry. `onetrip audit seal [--loop]`: seal the sharing log's committed calls."""

from django.core.management.base import BaseCommand, CommandError

from onetrip.audit.selectors import chains_verify
from onetrip.audit.services import chains_seal, seal_worker_loop


class Command(BaseCommand):
    help = "Check the hash chains of the sharing log and the audit log, or seal the sharing log."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument(
            "--loop", action="store_true", help="seal: keep sealing every second (a worker)"
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["action"] == "seal" and options["loop"]:
            seal_worker_loop()
            return
        sealed = chains_seal()
        if options["action"] == "seal" or sealed:
            self.stdout.write(f"sealed {sealed} entries into their chains")
        if options["action"] == "seal":
            return
        broken = []
        for report in chains_verify():
            if report.ok:
                self.stdout.write(f"{report.chain}: {report.entries} entries, chain intact")
            else:
                where = f"entry {report.broken_seq}" + (
                    f" (id {report.broken_id})" if report.broken_id is not None else ""
                )
                broken.append(f"{report.chain} chain broken at {where}: {report.reason}")
        if broken:
            raise CommandError("; ".join(broken))
