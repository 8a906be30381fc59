"""The bench command refuses bad input with one readable line."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_unreachable_database_is_one_line():
    with pytest.raises(CommandError, match="cannot reach the bench database") as exc:
        call_command(
            "bench",
            "core",
            "--database-url",
            "postgres://postgres@127.0.0.1:1/nope",
            "--only",
            "ceiling",
        )
    assert "\n" not in str(exc.value)


def test_unknown_scenario_is_named():
    with pytest.raises(CommandError, match="unknown scenarios: nap"):
        call_command("bench", "core", "--only", "ceiling,nap")
