"""`onetrip audit verify`: recompute every hash chain and name the first broken entry."""

from django.core.management.base import BaseCommand, CommandError

from onetrip.audit.selectors import chains_verify


class Command(BaseCommand):
    help = "Check the hash chains of the sharing log and the audit log."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
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
