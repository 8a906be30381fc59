"""Staff through the API: the queue with SLA filters, case detail, every workflow action,
role and department boundaries (收办分离), and window intake."""

import datetime as dt
import json

import pytest
from django.test import Client

from onetrip.accounts.models import User
from onetrip.accounts.services import api_token_create
from onetrip.cases import services
from onetrip.cases.models import Case, CaseEvent, CaseState
from onetrip.testing import factories

API = "/api/v1"
PROBLEM = "application/problem+json"


def problem(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == PROBLEM, response.content
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    return body


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post_json(client: Client, url: str, data: object = None, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps(data or {}), content_type="application/json", **extra)


@pytest.fixture
def item(world):  # type: ignore[no-untyped-def]
    """A two-step item of the civil-affairs department that allows extensions."""
    return factories.implementation(dept=world.civil, allows_extension=True, max_extension_days=10)


@pytest.fixture
def submitted(world, item) -> Case:  # type: ignore[no-untyped-def]
    return services.case_apply(actor=world.citizen_a, implementation=item)


def action(client: Client, number: str, name: str, user, data: object = None):  # type: ignore[no-untyped-def]
    return post_json(client, f"{API}/staff/cases/{number}/{name}", data, **bearer(user))


@pytest.mark.django_db
def test_a_case_goes_through_the_whole_workflow(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given a submitted case and the clerk and approver of its department
    client = Client()
    number = submitted.number

    # when each takes their step, in order
    steps = [
        (world.clerk, "accept", {"note": "材料齐全"}),
        (world.approver, "request-supplement", {"items": ["补充照片"], "note": ""}),
    ]
    responses = [action(client, number, name, user, data) for user, name, data in steps]
    services.case_resubmit(actor=world.citizen_a, case=Case.objects.get(number=number))
    steps = [
        (world.approver, "extend", {"days": 3, "reason": "需实地核查"}),
        (world.approver, "complete-step", {"note": "审查通过"}),
        (world.approver, "approve", {"reason": "符合条件", "basis": ""}),
        (world.clerk, "deliver", {"method": "express", "tracking_number": "SF123"}),
        (world.clerk, "archive", {}),
    ]
    responses += [action(client, number, name, user, data) for user, name, data in steps]

    # then every step succeeds and the case ends archived with its history and licence
    for response in responses:
        assert response.status_code == 200, response.content
    states = [r.json()["state"] for r in responses]
    assert states == [
        "accepted",
        "supplement_requested",
        "accepted",
        "accepted",
        "approved",
        "delivered",
        "archived",
    ]
    final = responses[-1].json()
    assert final["tracking_number"] == "SF123"
    assert final["licence"]["verification_code"]
    assert final["available_actions"] == []
    assert [e["action"] for e in final["history"]][-3:] == ["approve", "deliver", "archive"]
    assert responses[0].json()["acceptance_number"]


@pytest.mark.django_db
def test_queue_lists_the_department_cases_and_filters_by_sla(world, item) -> None:  # type: ignore[no-untyped-def]
    # given three accepted cases of the civil department: overdue, due soon and on time,
    # and one case of the market department
    today = dt.date.today()
    numbers = {}
    for sla, deadline, yellow_from in (
        ("red", today - dt.timedelta(days=2), today - dt.timedelta(days=5)),
        ("yellow", today + dt.timedelta(days=1), today - dt.timedelta(days=1)),
        ("green", today + dt.timedelta(days=20), today + dt.timedelta(days=10)),
    ):
        case = services.case_accept(
            actor=world.clerk, case=services.case_apply(actor=world.citizen_a, implementation=item)
        )
        Case.objects.filter(pk=case.pk).update(deadline=deadline, yellow_from=yellow_from)
        numbers[sla] = case.number
    other = factories.implementation(dept=world.market, applicant_kind="both")
    foreign = services.case_apply(actor=world.citizen_b, implementation=other)
    client = Client()
    auth = bearer(world.approver)

    # when the civil approver reads the queue, whole and by SLA state
    whole = client.get(f"{API}/staff/cases", **auth).json()
    by_sla = {sla: client.get(f"{API}/staff/cases?sla={sla}", **auth).json() for sla in numbers}

    # then the queue holds only the own department's cases, most urgent first
    assert [c["number"] for c in whole["items"]] == [
        numbers["red"],
        numbers["yellow"],
        numbers["green"],
    ]
    assert foreign.number not in {c["number"] for c in whole["items"]}
    assert whole["has_next"] is False
    # and each SLA filter keeps exactly its case, labelled with its state
    for sla, page in by_sla.items():
        assert [c["number"] for c in page["items"]] == [numbers[sla]]
        assert page["items"][0]["sla_state"] == sla
    # and a page of one says there is more
    paged = client.get(f"{API}/staff/cases?page_size=1", **auth).json()
    assert len(paged["items"]) == 1 and paged["has_next"] is True


@pytest.mark.django_db
def test_staff_case_detail_shows_history_materials_and_actions(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # when the clerk of the region opens the submitted case
    response = Client().get(f"{API}/staff/cases/{submitted.number}", **bearer(world.clerk))

    # then it shows history, the fetched materials and the clerk's possible actions
    assert response.status_code == 200
    body = response.json()
    assert body["available_actions"] == ["accept", "not_accept"]
    assert [e["action"] for e in body["history"]] == ["create", "submit"]
    assert {m["source"] for m in body["materials"]} == {"registry"}
    assert body["applicant_id_number"] == world.citizen_a.id_number


@pytest.mark.django_db
def test_approver_of_another_department_gets_404(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given the case accepted into the civil department
    case = services.case_accept(actor=world.clerk, case=submitted)
    client = Client()
    before = (Case.objects.get(pk=case.pk).state, CaseEvent.objects.count())

    # when the market approver reads it and tries to approve it
    read = client.get(f"{API}/staff/cases/{case.number}", **bearer(world.market_approver))
    act = action(client, case.number, "approve", world.market_approver, {"reason": "x"})

    # then both are 404 problems, and the case is unchanged
    for response in (read, act):
        assert response.status_code == 404
        problem(response)
    assert (Case.objects.get(pk=case.pk).state, CaseEvent.objects.count()) == before


@pytest.mark.django_db
def test_clerk_cannot_approve_403(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given an accepted case the clerk can see
    case = services.case_accept(actor=world.clerk, case=submitted)
    events = CaseEvent.objects.count()

    # when the clerk tries to approve it
    response = action(Client(), case.number, "approve", world.clerk, {"reason": "ok"})

    # then it is a 403 problem and nothing changed
    assert response.status_code == 403
    assert problem(response)["type"].endswith("/forbidden")
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_wrong_state_is_a_409_problem(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given a case accepted once
    client = Client()
    assert action(client, submitted.number, "accept", world.clerk).status_code == 200
    events = CaseEvent.objects.count()

    # when the clerk accepts it again, and the approver approves before the review step
    again = action(client, submitted.number, "accept", world.clerk)
    early = action(client, submitted.number, "approve", world.approver, {})

    # then both are 409 wrong-state problems and nothing was written
    for response in (again, early):
        assert response.status_code == 409
        assert problem(response)["type"].endswith("/wrong-state")
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_missing_and_invalid_action_fields_are_422(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given an accepted case
    client = Client()
    case = services.case_accept(actor=world.clerk, case=submitted)
    events = CaseEvent.objects.count()

    # when actions are sent without their required fields or with bad values
    no_reason = action(client, case.number, "reject", world.approver, {"basis": "x"})
    empty_reason = action(
        client, case.number, "reject", world.approver, {"reason": " ", "basis": "x"}
    )
    no_items = action(client, case.number, "request-supplement", world.approver, {"items": []})
    bad_days = action(client, case.number, "extend", world.approver, {"days": 0, "reason": "x"})

    # then each is a 422 problem naming the field, and nothing changed
    fields = []
    for response in (no_reason, empty_reason, no_items, bad_days):
        assert response.status_code == 422, response.content
        fields.append(problem(response)["errors"][0]["field"])
    assert fields == ["reason", "reason", "items", "days"]
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_window_intake_for_an_applicant_present(world, item) -> None:  # type: ignore[no-untyped-def]
    # given a person in the population registry with no account yet
    record_holder = factories.citizen(name="王五")
    id_number = record_holder.id_number
    record_holder.delete()
    client = Client()

    # when the clerk takes in an application for them at the window
    response = post_json(
        client,
        f"{API}/staff/intake",
        {"applicant_id_number": id_number, "implementation_id": item.id},
        HTTP_IDEMPOTENCY_KEY="window-1",
        **bearer(world.clerk),
    )
    again = post_json(
        client,
        f"{API}/staff/intake",
        {"applicant_id_number": id_number, "implementation_id": item.id},
        HTTP_IDEMPOTENCY_KEY="window-1",
        **bearer(world.clerk),
    )

    # then the case is submitted on the window channel for the new applicant account, once
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "window" and body["state"] == CaseState.SUBMITTED
    case = Case.objects.get(number=body["number"])
    assert case.applicant.id_number == id_number and case.submitted_by == world.clerk
    assert again.status_code == 200 and again.json()["number"] == body["number"]


@pytest.mark.django_db
def test_intake_refuses_non_clerks_and_unknown_people_writing_nothing(world, item) -> None:  # type: ignore[no-untyped-def]
    # given a valid ID that is in no registry
    unknown_id = factories.resident_id(birth=dt.date(1995, 5, 1))
    users = User.objects.count()
    client = Client()
    data = {"applicant_id_number": unknown_id, "implementation_id": item.id}

    # when an approver tries intake, and the clerk tries it for the unknown person
    approver = post_json(client, f"{API}/staff/intake", data, **bearer(world.approver))
    unknown = post_json(client, f"{API}/staff/intake", data, **bearer(world.clerk))
    bad_id = post_json(
        client,
        f"{API}/staff/intake",
        {**data, "applicant_id_number": "330106196005010000"},
        **bearer(world.clerk),
    )

    # then: 403 for the approver, 404 for nobody in the registry, 422 for a wrong check digit
    assert approver.status_code == 403
    assert unknown.status_code == 404
    assert bad_id.status_code == 422
    assert problem(bad_id)["errors"][0]["field"] == "id_number"
    assert Case.objects.count() == 0 and User.objects.count() == users


def _approved_case(world, item) -> Case:  # type: ignore[no-untyped-def]
    case = services.case_apply(actor=world.citizen_a, implementation=item)
    case = services.case_accept(actor=world.clerk, case=case)
    return services.case_approve(actor=world.approver, case=case)


@pytest.mark.django_db
def test_queue_and_detail_reads_take_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    # given approved cases with licences (in the queue until delivered) of a one-step item
    item = factories.implementation(dept=world.civil, steps=["approval"])
    cases = [_approved_case(world, item) for _ in range(4)]
    client = Client()
    auth = bearer(world.approver)
    citizen = bearer(world.citizen_a)

    # when the queue, the applicant's list and one case are read
    # then each takes the same few queries however many cases there are (no N+1)
    with django_assert_max_num_queries(2):  # token + page
        queue = client.get(f"{API}/staff/cases", **auth)
    with django_assert_max_num_queries(3):  # token + count + page
        mine = client.get(f"{API}/applications", **citizen)
    with django_assert_max_num_queries(2):  # token + case
        detail = client.get(f"{API}/applications/{cases[0].number}", **citizen)
    assert len(queue.json()["items"]) == 4
    assert {c["licence_verification_code"] for c in mine.json()["items"]} == {
        c.licence.verification_code for c in cases
    }
    assert detail.json()["licence"]["number"] == cases[0].licence.number
