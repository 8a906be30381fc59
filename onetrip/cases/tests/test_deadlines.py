"""Deadline arithmetic on the Chinese calendar, pause and resume on supplement, extension."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.cases import deadlines, services
from onetrip.cases.models import Case, CaseState, SlaState
from onetrip.core.errors import ValidationFailed, WrongState
from onetrip.core.workdays import (
    add_working_days,
    is_working_day,
    subtract_working_days,
    working_days_between,
)
from onetrip.testing import factories

pytestmark = pytest.mark.django_db
D = dt.date


def test_national_day_2025_is_skipped_and_swapped_saturday_counts():
    # 2025: 1-8 October are holidays; Sunday 28 September and Saturday 11 October are working days.
    assert is_working_day(D(2025, 9, 28)) and is_working_day(D(2025, 10, 11))
    assert not is_working_day(D(2025, 10, 1)) and not is_working_day(D(2025, 10, 8))
    # accepted on Tuesday 30 September, 1 working day → Thursday 9 October
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # accepted Friday 26 September, 1 working day → the swapped Sunday 28 September
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    # 3 working days from 9 October: 10 (Fri), 11 (swapped Sat), 13 (Mon)
    assert add_working_days(D(2025, 10, 9), 3) == D(2025, 10, 13)
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 11)) == 3


def test_no_working_days_in_a_plain_weekend():
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday → Monday
    assert add_working_days(D(2026, 11, 27), 0) == D(2026, 11, 27)


def _accepted_case(world, on: D, promised: int = 10, **kwargs) -> Case:
    impl = factories.implementation(
        dept=world.civil,
        materials=[{"name": "申请表", "source": "upload"}],
        promised=promised,
        **kwargs,
    )
    case = services.case_apply(
        actor=world.citizen_a,
        implementation=impl,
        files={impl.materials.get().id: factories.pdf_upload()},
    )
    case.implementation = impl
    deadlines.clock_start(case, on=on)
    case.state = CaseState.ACCEPTED
    return case


def test_clock_across_national_day_and_sla_colours(world):
    # given a 10-working-day case accepted on 26 September 2025
    case = _accepted_case(world, D(2025, 9, 26))
    # then the days are 28, 29, 30 Sep, 9, 10, 11, 13, 14, 15, 16 Oct
    assert case.deadline == D(2025, 10, 16)
    # yellow once 2 working days (20 %) or fewer are left: from 14 October
    assert case.yellow_from == D(2025, 10, 14)
    assert deadlines.sla_state(case, on=D(2025, 10, 13)) == SlaState.GREEN
    assert deadlines.sla_state(case, on=D(2025, 10, 14)) == SlaState.YELLOW
    assert deadlines.sla_state(case, on=D(2025, 10, 16)) == SlaState.YELLOW
    assert deadlines.sla_state(case, on=D(2025, 10, 17)) == SlaState.RED
    assert deadlines.working_days_left(case, on=D(2025, 10, 9)) == 6  # 10, 11, 13-16


def test_supplement_pauses_and_resubmission_resumes(world):
    # given a case accepted 26 Sep 2025 with 10 working days
    case = _accepted_case(world, D(2025, 9, 26))
    # when a supplement is requested on 30 Sep (3 working days used: 28, 29, 30)
    deadlines.clock_pause(case, on=D(2025, 9, 30))
    assert case.days_used == 3 and case.clock_started_on is None
    case.state = CaseState.SUPPLEMENT_REQUESTED
    assert deadlines.sla_state(case, on=D(2025, 12, 1)) == SlaState.PAUSED
    # and the applicant resubmits on Monday 20 October
    deadlines.clock_resume(case, on=D(2025, 10, 20))
    # then 7 working days remain: 21, 22, 23, 24, 27, 28, 29 October
    assert case.deadline == D(2025, 10, 29)


def test_supplement_and_resubmit_through_services(world):
    # given a case accepted three working days ago
    case = _accepted_case(world, subtract_working_days(timezone.localdate(), 3))
    case.save()
    case = services.case_request_supplement(
        actor=world.approver, case=case, items=["补充照片", "签字页"]
    )
    assert case.state == CaseState.SUPPLEMENT_REQUESTED
    assert case.supplement_notice == ["补充照片", "签字页"]
    assert case.days_used == 3 and case.clock_started_on is None
    material = case.implementation.materials.get()
    with pytest.raises(ValidationFailed):
        services.case_request_supplement(actor=world.approver, case=case, items=[])
    case = services.case_resubmit(
        actor=world.citizen_a, case=case, files={material.id: factories.pdf_upload("new.pdf")}
    )
    assert case.state == CaseState.ACCEPTED
    assert case.clock_started_on == timezone.localdate()
    assert case.deadline == add_working_days(timezone.localdate(), 7)


def test_extension_moves_the_deadline_within_the_maximum(world):
    case = _accepted_case(world, D(2025, 9, 26), allows_extension=True, max_extension_days=5)
    case.save()
    before = case.deadline
    case = services.case_extend(actor=world.approver, case=case, days=3, reason="需专家论证")
    assert case.extension_days == 3
    assert case.deadline == add_working_days(before, 3)
    with pytest.raises(ValidationFailed):
        services.case_extend(actor=world.approver, case=case, days=3, reason="再次延期")
    assert Case.objects.get(pk=case.pk).extension_days == 3


def test_extension_refused_where_item_does_not_allow_it(world):
    case = _accepted_case(world, D(2025, 9, 26))
    case.save()
    with pytest.raises(WrongState):
        services.case_extend(actor=world.approver, case=case, days=1, reason="x")
