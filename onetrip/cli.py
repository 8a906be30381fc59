"""The `onetrip` command: manage.py for the platform (`onetrip seed`, `onetrip run`,
`onetrip bench core`, and every Django command)."""

import os
import sys


def manage(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def main() -> None:
    manage(["onetrip", *sys.argv[1:]])
