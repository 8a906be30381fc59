"""`onetrip seed --scale demo|province`: load the demo province or a province-sized data set."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Default sizes per scale; --citizens, --enterprises and --cases override them.
SCALES: dict[str, dict[str, int]] = {
    "demo": {"citizens": 300, "enterprises": 80, "cases": 300},
    "province": {"citizens": 1_000_000, "enterprises": 100_000, "cases": 1_000_000},
}


class Command(BaseCommand):
    help = (
        "Seed the database. --scale demo: the demo province (regions, departments, catalog, "
        "staff, 300 citizens, 80 enterprises, a few hundred cases); idempotent. --scale "
        "province: a million citizens and cases in bulk, on top of the demo base."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")
        parser.add_argument("--citizens", type=int, help="number of citizens (default per scale)")
        parser.add_argument("--enterprises", type=int, help="number of enterprises")
        parser.add_argument("--cases", type=int, help="number of cases")

    def handle(self, *args: object, **options: object) -> None:
        scale = str(options["scale"])
        sizes = {
            name: int(options[name]) if options.get(name) is not None else default  # type: ignore[call-overload]
            for name, default in SCALES[scale].items()
        }
        for name, value in sizes.items():
            if value < 0:
                raise CommandError(f"--{name} cannot be negative")
        try:
            if scale == "province":
                from onetrip.core.seeding.province import seed_province

                seed_province(stdout=self.stdout, **sizes)
            else:
                from onetrip.core.seeding.demo import seed_demo

                seed_demo(stdout=self.stdout, **sizes)
        except ValueError as exc:  # a size combination the seed cannot honour
            raise CommandError(str(exc)) from None
