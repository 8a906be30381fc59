"""The deadline clock of a case, in working days on the Chinese calendar.

A case's clock starts on acceptance with the promised limit. A supplement request pauses it
(the working days used so far are kept) and the resubmission resumes it; an extension adds
days. `deadline` and `yellow_from` are stored so the staff queue filters by SLA state with
plain indexed date comparisons, even over millions of cases."""

import datetime as dt
import math

from django.conf import settings

from onetrip.cases.models import Case, CaseState, SlaState
from onetrip.core.workdays import (
    add_working_days,
    subtract_working_days,
    today,
    working_days_between,
)

# The stored fields of the clock, saved together whenever the clock changes.
CLOCK_FIELDS = (
    "limit_days",
    "extension_days",
    "days_used",
    "clock_started_on",
    "deadline",
    "statutory_deadline",
    "yellow_from",
)


def clock_start(case: Case, *, on: dt.date) -> None:
    """Start the clock at acceptance: the day of acceptance is not counted."""
    case.limit_days = case.implementation.promised_limit_days
    case.extension_days = 0
    case.days_used = 0
    case.clock_started_on = on
    _recompute(case)


def clock_pause(case: Case, *, on: dt.date) -> None:
    """Stop the clock, keeping the working days already used."""
    if case.clock_started_on is None:
        return
    case.days_used += working_days_between(case.clock_started_on, on)
    case.clock_started_on = None
    case.yellow_from = None


def clock_resume(case: Case, *, on: dt.date) -> None:
    """Run the clock again from `on` with the days that were left."""
    case.clock_started_on = on
    _recompute(case)


def clock_extend(case: Case, *, days: int) -> None:
    case.extension_days += days
    if case.clock_started_on is not None:
        _recompute(case)


def _recompute(case: Case) -> None:
    total = (case.limit_days or 0) + case.extension_days
    remaining = max(total - case.days_used, 0)
    case.deadline = add_working_days(case.clock_started_on, remaining)
    statutory_total = case.implementation.statutory_limit_days + case.extension_days
    case.statutory_deadline = add_working_days(
        case.clock_started_on, max(statutory_total - case.days_used, 0)
    )
    # Yellow once no more than the configured share (20 %) of the whole limit is left.
    yellow_days = math.floor(total * settings.ONETRIP_SLA_YELLOW_SHARE)
    case.yellow_from = subtract_working_days(case.deadline, yellow_days)


def sla_state(case: Case, *, on: dt.date | None = None) -> SlaState:
    """Green, yellow (≤ 20 % of the time left), red (overdue), paused, or none (no clock)."""
    if case.state == CaseState.SUPPLEMENT_REQUESTED:
        return SlaState.PAUSED
    if case.state != CaseState.ACCEPTED or case.deadline is None:
        return SlaState.NONE
    on = on or today()
    if on > case.deadline:
        return SlaState.RED
    if case.yellow_from is not None and on >= case.yellow_from:
        return SlaState.YELLOW
    return SlaState.GREEN


def working_days_left(case: Case, *, on: dt.date | None = None) -> int | None:
    if case.state != CaseState.ACCEPTED or case.deadline is None:
        return None
    on = on or today()
    if on > case.deadline:
        return -working_days_between(case.deadline, on)
    return working_days_between(on, case.deadline)
