"""Fixtures shared by every test suite: a small real world built through the models."""

import pytest

from onetrip.datahub import services as datahub
from onetrip.testing import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_catalog_cache(settings):  # type: ignore[no-untyped-def]
    # Test databases reuse ids across tests: a cached implementation would leak between them.
    settings.ONETRIP_CATALOG_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    # Uploaded materials of a test go to its own temporary folder, never to var/.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """Two departments in two regions, applicants, and staff for each side of 收办分离."""
    factories.regions()
    datahub.base_registries_ensure()
    civil = factories.department(kind="civil_affairs", region="330106", name="西湖区民政局")
    market = factories.department(
        kind="market_regulation", region="330110", name="余杭区市场监管局"
    )

    class World:
        pass

    w = World()
    w.civil, w.market = civil, market
    w.citizen_a = factories.citizen(name="张三")
    w.citizen_b = factories.citizen(name="李四")
    w.enterprise = factories.enterprise()
    w.clerk = factories.staff(roles=["window_clerk"], dept=civil)
    w.approver = factories.staff(roles=["approver"], dept=civil)
    w.market_approver = factories.staff(roles=["approver"], dept=market)
    w.market_clerk = factories.staff(roles=["window_clerk"], dept=market)
    w.supervisor = factories.staff(
        roles=["supervisor"], dept=factories.department(kind="office", region="330000")
    )
    return w


@pytest.fixture
def instant(world):  # type: ignore[no-untyped-def]
    """An ID-only item of the civil affairs department with an instant-approval rule that the
    1960-born citizens of the world meet."""
    return factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])


@pytest.fixture
def upload_item(world):  # type: ignore[no-untyped-def]
    """A normal item (review, then approval) that needs one upload besides the fetched ID."""
    return factories.implementation(
        dept=world.civil,
        name="困难群众临时救助",
        promised=10,
        allows_extension=True,
        max_extension_days=5,
        materials=[
            {"name": "身份证明", "source": "registry", "registry_field": "population.resident_id"},
            {"name": "收入证明", "name_en": "Proof of income", "source": "upload"},
        ],
    )
