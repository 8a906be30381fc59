"""The province seed, run small: counts, valid identifiers, consistent deadlines and history.

On PostgreSQL the rows go in through COPY, on SQLite through executemany: the same generated
rows either way, so this test covers both loaders depending on DATABASE_URL."""

import io
from collections import Counter

import pytest
from stdnum.cn import ric, uscc

from onetrip.accounts.identifiers import validate_resident_id, validate_uscc
from onetrip.accounts.models import User
from onetrip.cases import deadlines
from onetrip.cases.models import Case, CaseEvent, CaseState, SlaState
from onetrip.cases.selectors import case_queue
from onetrip.catalog.models import ItemImplementation
from onetrip.core.seeding.province import PROVINCE_PASSWORD, seed_province
from onetrip.core.workdays import SHANGHAI, is_working_day, today, working_days_between
from onetrip.datahub.models import LegalEntityRecord, PopulationRecord

CITIZENS, ENTERPRISES, CASES = 200, 20, 300


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    counts = seed_province(stdout=out, citizens=CITIZENS, enterprises=ENTERPRISES, cases=CASES)
    return counts, out.getvalue()


def test_seed_province_writes_the_asked_counts_and_reports_progress(seeded):
    # given a fresh database, when the province seed runs small
    counts, output = seeded

    # then every row asked for exists, applicants each with an account
    assert PopulationRecord.objects.count() == CITIZENS
    assert LegalEntityRecord.objects.count() == ENTERPRISES
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == CITIZENS
    assert User.objects.filter(kind=User.Kind.ENTERPRISE).count() == ENTERPRISES
    assert Case.objects.count() == CASES == counts.cases
    assert CaseEvent.objects.count() == counts.events
    # and the progress lines and the elapsed time were printed
    assert "population records: 200" in output
    assert "cases: 300" in output
    assert "done in" in output
    # and new rows after the seed get fresh ids (sequences were moved past the loaded ids)
    assert User.objects.create(username="after-seed").pk > User.objects.order_by("-pk")[1].pk


def test_seeded_identifiers_are_valid_unique_and_match_accounts(seeded):
    # given the seeded registries
    people = list(PopulationRecord.objects.all())
    entities = list(LegalEntityRecord.objects.all())

    # then every resident ID passes the platform's check and python-stdnum's own
    for person in people:
        assert validate_resident_id(person.resident_id) == person.resident_id
        assert ric.is_valid(person.resident_id)
        assert ric.get_birth_date(person.resident_id) == person.birth_date
        # odd sequence digit for men, even for women (GB 11643)
        assert (int(person.resident_id[16]) % 2 == 1) == (person.sex == "M")
    for entity in entities:
        assert validate_uscc(entity.uscc) == entity.uscc
        assert uscc.is_valid(entity.uscc)
    assert len({p.resident_id for p in people}) == len(people)
    assert len({e.uscc for e in entities}) == len(entities)

    # and each applicant logs in with the ID as username and the shared password
    accounts = {u.id_number: u for u in User.objects.exclude(kind=User.Kind.STAFF)}
    assert set(accounts) == {p.resident_id for p in people} | {e.uscc for e in entities}
    assert all(u.username == u.id_number for u in accounts.values())
    some = accounts[people[0].resident_id]
    assert some.display_name == people[0].name
    assert some.check_password(PROVINCE_PASSWORD)
    assert len({u.password for u in accounts.values()}) == 1  # one precomputed hash


def test_seeded_deadlines_are_what_the_deadline_clock_computes(seeded):
    # given the seeded cases whose clock runs or was paused
    on = today()
    impls = ItemImplementation.objects.in_bulk()
    accepted = list(Case.objects.filter(state=CaseState.ACCEPTED))
    paused = list(Case.objects.filter(state=CaseState.SUPPLEMENT_REQUESTED))
    assert accepted and paused

    # then each running clock has exactly the fields cases.deadlines gives for its start
    for case in accepted:
        impl = impls[case.implementation_id]
        fresh = Case(implementation=impl)
        deadlines.clock_start(fresh, on=case.clock_started_on)
        assert case.limit_days == impl.promised_limit_days
        assert (case.deadline, case.statutory_deadline, case.yellow_from) == (
            fresh.deadline,
            fresh.statutory_deadline,
            fresh.yellow_from,
        )
        assert is_working_day(case.clock_started_on) and case.clock_started_on <= on
        assert case.accepted_at.astimezone(SHANGHAI).date() == case.clock_started_on
    # and a paused clock keeps the days used and has no start nor yellow date
    for case in paused:
        assert case.clock_started_on is None and case.yellow_from is None
        assert 0 <= case.days_used <= case.limit_days
        assert case.deadline is not None

    # and a share of the running cases is overdue and a share still on time
    states = Counter(deadlines.sla_state(c, on=on) for c in accepted)
    assert states[SlaState.RED] > 0 and states[SlaState.GREEN] > 0
    assert states[SlaState.RED] < len(accepted) / 2


def test_seeded_queue_filters_agree_with_the_sla_state_of_each_case(seeded):
    # given an approver of the department with the most cases
    busiest, n = Counter(Case.objects.values_list("department_id", flat=True)).most_common(1)[0]
    assert n >= CASES * 0.2  # one department carries a large share
    approver = User.objects.create(
        username="queue-reader", kind=User.Kind.STAFF, department_id=busiest, roles=["approver"]
    )

    # when the queue is filtered by each SLA state
    for sla in (SlaState.GREEN, SlaState.YELLOW, SlaState.RED):
        listed = list(case_queue(user=approver, sla=sla))

        # then the stored-date filter lists exactly the accepted cases in that state
        expected = [
            c
            for c in Case.objects.filter(department_id=busiest, state=CaseState.ACCEPTED)
            if deadlines.sla_state(c) == sla
        ]
        assert {c.pk for c in listed} == {c.pk for c in expected}


def test_seeded_history_ends_in_the_case_state_and_runs_forward(seeded):
    # given each case and its history lines
    events: dict[int, list[CaseEvent]] = {}
    for event in CaseEvent.objects.order_by("at", "id"):
        events.setdefault(event.case_id, []).append(event)

    for case in Case.objects.all():
        lines = events[case.pk]
        # then there are one or two lines, the last ending in the case's state
        assert 1 <= len(lines) <= 2
        assert lines[-1].to_state == case.state
        assert lines[0].to_state in (CaseState.DRAFT, CaseState.SUBMITTED)
        # and time runs forward: created, submitted, accepted, decided, delivered, archived
        moments = [
            case.created_at,
            case.submitted_at,
            case.accepted_at,
            case.decided_at,
            case.delivered_at,
            case.archived_at,
        ]
        present = [m for m in moments if m is not None]
        assert present == sorted(present)
        assert lines[-1].at <= case.updated_at
    # and decided cases took no more working days than their clock allowed
    for case in Case.objects.filter(state__in=[CaseState.APPROVED, CaseState.REJECTED]):
        took = working_days_between(
            case.clock_started_on, case.decided_at.astimezone(SHANGHAI).date()
        )
        assert took <= case.limit_days + 1


def test_seed_without_enterprises_gives_enterprise_items_citizen_applicants(db):
    # given no enterprises asked for
    # when the seed runs
    seed_province(stdout=io.StringIO(), citizens=30, enterprises=0, cases=60)

    # then every case still has an applicant with an account, and the registries match
    assert LegalEntityRecord.objects.count() == 0
    assert Case.objects.count() == 60
    assert not Case.objects.exclude(applicant__kind=User.Kind.CITIZEN).exists()


def test_seed_refuses_cases_without_applicants(db):
    # when cases are asked for with nobody to apply, then nothing is written
    with pytest.raises(ValueError, match="applicants"):
        seed_province(stdout=io.StringIO(), citizens=0, enterprises=0, cases=5)
    assert not Case.objects.exists()
