import pytest

from onetrip.testing import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads of these tests go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def instant(world):  # type: ignore[no-untyped-def]
    """An ID-only item of the civil affairs department with an instant-approval rule."""
    return factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])


@pytest.fixture
def upload_item(world):  # type: ignore[no-untyped-def]
    """A normal item that needs one upload besides the fetched materials."""
    return factories.implementation(
        dept=world.civil,
        name="困难群众临时救助",
        materials=[
            {"name": "身份证明", "source": "registry", "registry_field": "population.resident_id"},
            {"name": "收入证明", "name_en": "Proof of income", "source": "upload"},
        ],
    )
