"""Who may see and do what with a case. Every read of a case goes through `access_case`;
every action checks `can_<verb>`. 收办分离: window clerks take in and accept, approvers process.

Scopes: an applicant sees own cases; a window clerk the cases of the region of their hall; an
approver the cases of their own department; a supervisor the cases of their region and below;
a system admin everything."""

from django.db.models import Q, QuerySet

from onetrip.accounts.models import Role, User
from onetrip.cases.models import Case, CaseState
from onetrip.core.errors import NotFound


def _region_prefix(user: User) -> str | None:
    if user.department_id is None:
        return None
    return user.department.region.code_prefix


def visible_cases(user: User) -> QuerySet[Case]:
    """The cases `user` may read, as a queryset to filter further."""
    qs = Case.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_applicant:
        return qs.filter(applicant=user)
    if user.has_role(Role.SYSTEM_ADMIN):
        return qs
    scope = Q(pk__in=[])
    if user.department_id is not None:
        if user.has_role(Role.APPROVER) or user.has_role(Role.DEPARTMENT_ADMIN):
            scope |= Q(department_id=user.department_id)
        if user.has_role(Role.WINDOW_CLERK):
            scope |= Q(region_id=user.department.region_id)
        if user.has_role(Role.SUPERVISOR):
            scope |= Q(region__code__startswith=_region_prefix(user))
    return qs.filter(scope)


def access_case(user: User, number: str) -> Case:
    """The case with this number if `user` may see it; NotFound otherwise, so nobody learns
    that someone else's case exists."""
    # Only what every caller shows is joined; .get() avoids the ORDER BY of .first().
    try:
        case = (
            visible_cases(user)
            .select_related("implementation__item", "department", "licence")
            .get(number=number)
        )
    except Case.DoesNotExist:
        case = None
    if case is None:
        raise NotFound("No case with this number.")
    return case


def _is_clerk_for(user: User, case: Case) -> bool:
    return (
        user.has_role(Role.WINDOW_CLERK)
        and user.department_id is not None
        and user.department.region_id == case.region_id
    )


def _is_approver_for(user: User, case: Case) -> bool:
    return user.has_role(Role.APPROVER) and user.department_id == case.department_id


def can_intake(user: User, case: Case) -> bool:
    """Accept or refuse a submitted case (受理 / 不予受理)."""
    return _is_clerk_for(user, case)


def can_process(user: User, case: Case) -> bool:
    """Work on an accepted case: steps, supplement requests, extensions, decisions."""
    return _is_approver_for(user, case)


def can_deliver(user: User, case: Case) -> bool:
    return _is_clerk_for(user, case) or _is_approver_for(user, case)


def can_act_for_applicant(user: User, case: Case) -> bool:
    """The applicant, or a window clerk of the region acting for an applicant present."""
    return case.applicant_id == user.id or _is_clerk_for(user, case)


# The actions each state allows, with the permission each needs.
ACTIONS: dict[str, tuple[tuple[str, ...], object]] = {
    "accept": ((CaseState.SUBMITTED,), can_intake),
    "not_accept": ((CaseState.SUBMITTED,), can_intake),
    "request_supplement": ((CaseState.ACCEPTED,), can_process),
    "extend": ((CaseState.ACCEPTED,), can_process),
    "complete_step": ((CaseState.ACCEPTED,), can_process),
    "approve": ((CaseState.ACCEPTED,), can_process),
    "reject": ((CaseState.ACCEPTED,), can_process),
    "resubmit": ((CaseState.SUPPLEMENT_REQUESTED,), can_act_for_applicant),
    "deliver": ((CaseState.APPROVED,), can_deliver),
    "archive": (
        (CaseState.DELIVERED, CaseState.REJECTED, CaseState.NOT_ACCEPTED),
        can_deliver,
    ),
}
