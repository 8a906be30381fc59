"""Nobody sees or acts on a case that is not theirs."""

import pytest

from onetrip.cases import services
from onetrip.cases.permissions import access_case
from onetrip.cases.selectors import case_queue
from onetrip.core.errors import NotFound
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_of_a(world):
    impl = factories.implementation(
        dept=world.civil, materials=[{"name": "申请表", "source": "upload"}]
    )
    return services.case_apply(
        actor=world.citizen_a,
        implementation=impl,
        files={impl.materials.get().id: factories.pdf_upload()},
    )


def test_applicant_reads_own_case_and_other_citizen_gets_not_found(world, case_of_a):
    assert access_case(world.citizen_a, case_of_a.number).pk == case_of_a.pk
    with pytest.raises(NotFound):
        access_case(world.citizen_b, case_of_a.number)


def test_staff_scopes(world, case_of_a):
    # the department's approver and the region's clerk see it; the other department does not
    assert access_case(world.approver, case_of_a.number)
    assert access_case(world.clerk, case_of_a.number)
    assert access_case(world.supervisor, case_of_a.number)  # province supervisor
    for outsider in (world.market_approver, world.market_clerk, world.enterprise):
        with pytest.raises(NotFound):
            access_case(outsider, case_of_a.number)


def test_other_region_clerk_cannot_accept(world, case_of_a):
    from onetrip.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.case_accept(actor=world.market_clerk, case=case_of_a)


def test_queue_holds_only_own_department(world, case_of_a):
    assert list(case_queue(user=world.approver)) == [case_of_a]
    assert list(case_queue(user=world.market_approver)) == []


def test_queue_sla_filters(world, case_of_a):
    import datetime as dt

    case = services.case_accept(actor=world.clerk, case=case_of_a)
    assert list(case_queue(user=world.approver, sla="green")) == [case]
    assert list(case_queue(user=world.approver, sla="red")) == []
    later = case.deadline + dt.timedelta(days=1)
    assert list(case_queue(user=world.approver, sla="red", on=later)) == [case]
    assert list(case_queue(user=world.approver, sla="yellow", on=case.deadline)) == [case]
