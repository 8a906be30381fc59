"""Reads of the resource catalog: any staff browses it all, applicants see nothing, and only
the owning department's data steward (or the system admin) maintains a dataset."""

import pytest
from django.contrib.auth.models import AnonymousUser

from onetrip.accounts.models import Role
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.datahub import selectors, services
from onetrip.datahub.models import Dataset
from onetrip.testing import factories


@pytest.fixture
def civil_steward(world):  # type: ignore[no-untyped-def]
    return factories.staff(roles=[Role.DATA_STEWARD], dept=world.civil)


@pytest.fixture
def relief(civil_steward):  # type: ignore[no-untyped-def]
    return services.dataset_create(
        actor=civil_steward,
        code="relief",
        name="临时救助对象",
        description="困难群众临时救助发放记录",
        key_field="record_no",
    )


def test_any_staff_browses_the_whole_catalog_with_owner_and_field_count(world, relief) -> None:  # type: ignore[no-untyped-def]
    # when an approver of another department lists the catalog
    datasets = {d.code: d for d in selectors.dataset_list(user=world.market_approver)}
    # then they see the base registries and the civil dataset, with their field counts
    assert {"population", "legal_entity", "elicence", "relief"} <= set(datasets)
    assert datasets["relief"].field_count == 1
    assert datasets["population"].field_count == 10
    assert datasets["relief"].department == world.civil


def test_the_catalog_is_filtered_by_text(world, relief) -> None:  # type: ignore[no-untyped-def]
    # when the list is searched by a word of the description, the owner's name or the code
    by_description = [d.code for d in selectors.dataset_list(user=world.approver, query="发放")]
    by_owner = [d.code for d in selectors.dataset_list(user=world.approver, query="公安厅")]
    by_code = [d.code for d in selectors.dataset_list(user=world.approver, query="LEGAL_")]
    nothing = list(selectors.dataset_list(user=world.approver, query="不存在的数据"))
    # then each finds only what matches
    assert by_description == ["relief"]
    assert by_owner == ["population"]
    assert by_code == ["legal_entity"]
    assert nothing == []


def test_applicants_and_anonymous_users_see_no_catalog(world, relief) -> None:  # type: ignore[no-untyped-def]
    assert list(selectors.dataset_list(user=world.citizen_a)) == []
    assert list(selectors.dataset_list(user=AnonymousUser())) == []
    with pytest.raises(NotFound):
        selectors.access_dataset(user=world.enterprise, code="relief")


def test_access_dataset_browses_for_staff_and_maintains_for_the_owner(
    world, relief, civil_steward
) -> None:  # type: ignore[no-untyped-def]
    market_steward = factories.staff(roles=[Role.DATA_STEWARD], dept=world.market)
    admin = factories.staff(roles=[Role.SYSTEM_ADMIN], dept=world.market)
    # any staff member browses it
    assert selectors.access_dataset(user=market_steward, code="relief") == relief
    # the owner's steward and the system admin maintain it
    assert selectors.access_dataset(user=civil_steward, code="relief", maintain=True) == relief
    assert selectors.access_dataset(user=admin, code="relief", maintain=True) == relief
    # a steward of another department and a non-steward of the owner do not
    for user in (market_steward, world.approver):
        with pytest.raises(PermissionDenied):
            selectors.access_dataset(user=user, code="relief", maintain=True)
    # and an unknown code is not found
    with pytest.raises(NotFound):
        selectors.access_dataset(user=civil_steward, code="nope")


def test_can_maintain_dataset_and_maintainable_datasets(world, relief, civil_steward) -> None:  # type: ignore[no-untyped-def]
    population = Dataset.objects.get(code="population")
    assert selectors.can_maintain_dataset(civil_steward, relief)
    assert not selectors.can_maintain_dataset(civil_steward, population)
    assert not selectors.can_maintain_dataset(world.approver, relief)
    assert list(selectors.maintainable_datasets(civil_steward)) == [relief]
    assert list(selectors.maintainable_datasets(world.approver)) == []
    assert selectors.can_create_dataset(civil_steward)
    assert not selectors.can_create_dataset(world.approver)
    assert not selectors.can_create_dataset(world.citizen_a)
