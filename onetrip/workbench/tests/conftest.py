import pytest

from onetrip.testing import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def normal_item(world):  # type: ignore[no-untyped-def]
    """A civil-affairs item processed by people: review, then approval; one upload."""
    return factories.implementation(
        dept=world.civil,
        name="困难群众临时救助",
        promised=10,
        allows_extension=True,
        max_extension_days=5,
        materials=[
            {"name": "身份证明", "source": "registry", "registry_field": "population.resident_id"},
            {"name": "收入证明", "source": "upload"},
        ],
    )


@pytest.fixture
def submitted(world, normal_item):  # type: ignore[no-untyped-def]
    from onetrip.cases import services

    upload = normal_item.materials.get(source="upload")
    return services.case_apply(
        actor=world.citizen_a, implementation=normal_item, files={upload.id: factories.pdf_upload()}
    )
