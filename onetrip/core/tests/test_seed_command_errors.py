"""The seed command refuses sizes it cannot honour with one readable line, writing nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from onetrip.accounts.models import Region


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options, message",
    [
        ({"scale": "demo", "citizens": -5}, "--citizens cannot be negative"),
        (
            {"scale": "province", "cases": 10, "citizens": 0, "enterprises": 0},
            "Cases need applicants",
        ),
    ],
)
def test_bad_sizes_are_refused(options, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed", **options)
    assert not Region.objects.exists()


def test_unknown_scale_is_refused_naming_the_choices():
    with pytest.raises(CommandError, match="choose from 'demo', 'province'"):
        call_command("seed", "--scale", "galaxy")
