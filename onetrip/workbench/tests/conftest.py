import pytest

from onetrip.testing import factories


@pytest.fixture
def submitted(world, upload_item):  # type: ignore[no-untyped-def]
    from onetrip.cases import services

    upload = upload_item.materials.get(source="upload")
    return services.case_apply(
        actor=world.citizen_a, implementation=upload_item, files={upload.id: factories.pdf_upload()}
    )
