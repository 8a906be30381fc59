"""The per-process catalog cache used when applying: served while fresh, re-read after."""

import pytest

from onetrip.catalog import selectors
from onetrip.core.errors import NotFound
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


def test_cache_serves_within_ttl_and_rereads_after(world, settings, monkeypatch):
    settings.ONETRIP_CATALOG_CACHE_SECONDS = 30
    impl = factories.implementation(dept=world.civil)
    selectors._for_apply.clear()
    clock = [1000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: clock[0])
    first = selectors.implementation_for_apply(implementation_id=impl.id)
    impl.materials.all().delete()
    # within the TTL: the cached materials
    assert selectors.implementation_for_apply(implementation_id=impl.id) is first
    assert len(first.materials.all()) == 2
    # after it: read again
    clock[0] += 31
    again = selectors.implementation_for_apply(implementation_id=impl.id)
    assert again is not first and len(again.materials.all()) == 0
    selectors._for_apply.clear()


def test_cache_off_reads_every_time_and_refuses_inactive(world, settings):
    impl = factories.implementation(dept=world.civil)
    assert settings.ONETRIP_CATALOG_CACHE_SECONDS == 0
    a = selectors.implementation_for_apply(implementation_id=impl.id)
    assert selectors.implementation_for_apply(implementation_id=impl.id) is not a
    impl.is_active = False
    impl.save()
    with pytest.raises(NotFound):
        selectors.implementation_for_apply(implementation_id=impl.id)
