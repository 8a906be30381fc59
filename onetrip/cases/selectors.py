"""Reads of cases: the applicant's list, the staff queue with SLA filters, history, actions."""

import datetime as dt

from django.db.models import F, QuerySet

from onetrip.accounts.models import User
from onetrip.cases.deadlines import sla_state as _sla_state
from onetrip.cases.models import QUEUE_STATES, Case, CaseEvent, CaseState, SlaState
from onetrip.cases.permissions import ACTIONS, visible_cases
from onetrip.core.errors import ValidationFailed
from onetrip.core.workdays import today

# What a queue row shows (pages and API): the case, its SLA inputs and the item's names.
QUEUE_ROW_FIELDS = (
    "number",
    "state",
    "channel",
    "applicant_name",
    "acceptance_number",
    "instant_rule_name",
    "created_at",
    "submitted_at",
    "deadline",
    "yellow_from",
    "implementation__item__code",
    "implementation__item__name",
    "implementation__item__name_en",
)


def sla_state(case: Case, today: dt.date | None = None) -> SlaState:
    return _sla_state(case, on=today)


def case_list_for_applicant(*, user: User) -> QuerySet[Case]:
    """The applicant's own cases, newest first."""
    return (
        Case.objects.filter(applicant=user)
        .select_related("implementation__item", "licence")
        .order_by("-created_at", "-id")
    )


def case_queue(
    *,
    user: User,
    sla: str | None = None,
    state: str | None = None,
    query: str = "",
    on: dt.date | None = None,
) -> QuerySet[Case]:
    """The staff member's work queue: cases of their scope still in work, most urgent first.
    `sla` green / yellow / red keeps accepted cases in that SLA state, compared on the stored
    `deadline` and `yellow_from` so the filter uses the queue indexes over millions of cases."""
    on = on or today()
    qs = visible_cases(user)
    if state:
        if state not in CaseState.values:
            raise ValidationFailed(f"Unknown state {state!r}.", field="state")
        qs = qs.filter(state=state)
    elif not sla:
        qs = qs.filter(state__in=QUEUE_STATES)
    if sla:
        if sla == SlaState.RED:
            qs = qs.filter(state=CaseState.ACCEPTED, deadline__lt=on)
        elif sla == SlaState.YELLOW:
            qs = qs.filter(state=CaseState.ACCEPTED, yellow_from__lte=on, deadline__gte=on)
        elif sla == SlaState.GREEN:
            # deadline > on follows from yellow_from > on; saying it lets the index bound it
            qs = qs.filter(state=CaseState.ACCEPTED, yellow_from__gt=on, deadline__gt=on)
        else:
            raise ValidationFailed(
                f"Unknown SLA state {sla!r}; use green, yellow or red.", field="sla"
            )
    if query:
        qs = qs.filter(number__startswith=query.strip().upper()) | qs.filter(
            applicant_name=query.strip()
        )
    # Only the columns a queue row shows: wide rows (JSON, texts of the joined item) cost
    # more to fetch and decode than the indexed lookup itself.
    qs = qs.select_related("implementation__item").only(*QUEUE_ROW_FIELDS)
    if sla:
        # Accepted cases always have a deadline: this order walks case_queue_idx.
        return qs.order_by("deadline", "id")
    # Cases without a clock (awaiting acceptance) first, on every database; walks
    # case_open_queue_idx, whose deadline column is NULLS FIRST.
    return qs.order_by(F("deadline").asc(nulls_first=True), "id")


def case_history(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor").order_by("at", "id")


def available_actions(*, user: User, case: Case) -> list[str]:
    """The actions `user` may take on `case` now (the workbench shows one form for each)."""
    actions = []
    for action, (states, allowed) in ACTIONS.items():
        if case.state in states and allowed(user, case):  # type: ignore[operator]
            actions.append(action)
    if "complete_step" in actions or "approve" in actions:
        last = case.current_step >= len(case.implementation.steps) - 1
        if last:
            actions = [a for a in actions if a != "complete_step"]
        else:
            actions = [a for a in actions if a not in ("approve", "reject")]
    if "extend" in actions and not case.implementation.allows_extension:
        actions.remove("extend")
    return actions


# A case in one of these states is over: nothing more happens to it but archiving.
CLOSED_STATES = (
    CaseState.NOT_ACCEPTED,
    CaseState.REJECTED,
    CaseState.DELIVERED,
    CaseState.ARCHIVED,
)


def case_numbers_closed(*, numbers: list[str]) -> set[str]:
    """Which of these case numbers belong to closed cases (the data vault shows a covert
    access once its case is closed)."""
    if not numbers:
        return set()
    return set(
        Case.objects.filter(number__in=set(numbers), state__in=CLOSED_STATES).values_list(
            "number", flat=True
        )
    )


def case_numbers_of_applicant(*, user: User, numbers: list[str]) -> set[str]:
    """Which of these case numbers are the user's own applications (the vault links them)."""
    if not numbers or not user.is_authenticated:
        return set()
    return set(
        Case.objects.filter(number__in=set(numbers), applicant=user).values_list(
            "number", flat=True
        )
    )
