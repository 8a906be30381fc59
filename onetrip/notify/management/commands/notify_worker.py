from django.core.management.base import BaseCommand

from onetrip.notify.services import outbox_deliver, outbox_worker_loop


class Command(BaseCommand):
    help = "Deliver the notification outbox (forever, or once with --once)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--once", action="store_true", help="deliver what is pending and exit")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["once"]:
            self.stdout.write(f"delivered {outbox_deliver(limit=10_000)}")
        else:
            outbox_worker_loop()
