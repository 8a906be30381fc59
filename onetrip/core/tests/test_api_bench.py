"""The benchmark's ceiling endpoint: one case row by primary key, as JSON."""

from ninja.testing import TestClient

from onetrip.cases import services
from onetrip.core.api_bench import router
from onetrip.testing import factories


def test_bench_pk_reads_one_case_by_primary_key(world):
    # given a submitted case
    implementation = factories.implementation(dept=world.civil)
    case = services.case_create_draft(actor=world.citizen_a, implementation=implementation)
    client = TestClient(router)

    # when it is read by id, and an id that does not exist
    found = client.get(f"/bench/pk/{case.pk}")
    missing = client.get(f"/bench/pk/{case.pk + 1000}")

    # then the row comes back with its number and state; an unknown id is refused
    assert found.status_code == 200
    assert found.json() == {
        "id": case.pk,
        "number": case.number,
        "state": "draft",
        "deadline": None,
    }
    assert missing.status_code == 404
