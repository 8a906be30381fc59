"""The data platform's admin screens are for looking only: changes go through the audited
services on the workbench, so not even the system admin adds, edits or deletes rows here."""

import pytest
from django.test import Client

from onetrip.datahub.models import Dataset
from onetrip.testing import factories


@pytest.fixture
def system_admin(world):  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(factories.staff(roles=["system_admin"], dept=world.supervisor.department))
    return client


@pytest.mark.django_db
def test_the_system_admin_sees_the_catalog_but_cannot_change_it_here(system_admin) -> None:  # type: ignore[no-untyped-def]
    # given the population dataset
    population = Dataset.objects.get(code="population")
    # when the system admin opens it in the admin
    page = system_admin.get(f"/admin/datahub/dataset/{population.pk}/change/")
    # then it is shown without a save button
    assert page.status_code == 200
    assert "人口基础信息" in page.content.decode() and 'name="_save"' not in page.content.decode()
    # and posting a change, adding a client or deleting are refused
    assert (
        system_admin.post(
            f"/admin/datahub/dataset/{population.pk}/change/", {"name": "x"}
        ).status_code
        == 403
    )
    assert system_admin.get("/admin/datahub/apiclient/add/").status_code == 403
    assert (
        system_admin.post(f"/admin/datahub/dataset/{population.pk}/delete/", {"post": "yes"})
    ).status_code == 403
    population.refresh_from_db()
    assert population.name == "人口基础信息"
