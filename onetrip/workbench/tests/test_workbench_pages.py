"""The staff workbench through the Django test client: scope (404 outside it), the queue with
SLA filters and cheap paging, every action as a form with its errors on the field, intake."""

import datetime as dt
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onetrip.cases import services
from onetrip.cases.models import Case, CaseState, Channel
from onetrip.core.workdays import today
from onetrip.testing import factories


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def field_row(page: str, name: str) -> str:
    match = re.search(rf'<div class="form-row[^"]*" id="row-{name}">(.*?)\n</div>', page, re.S)
    assert match, f"no form row for {name}"
    return match.group(0)


# --------------------------------------------------------------------------- scope


def test_approver_of_another_department_gets_404_on_the_case_and_its_actions(
    world, submitted
) -> None:  # type: ignore[no-untyped-def]
    # given a civil-affairs case, accepted
    case = services.case_accept(actor=world.clerk, case=submitted)
    other = logged_in(world.market_approver)
    # when the market-regulation approver opens it or acts on it
    page = other.get(f"/workbench/cases/{case.number}/")
    act = other.post(f"/workbench/cases/{case.number}/approve/", {"approve-reason": "x"})
    # then it does not exist for them, and nothing changed
    assert page.status_code == 404
    assert act.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    # while the own department's approver sees it with its forms
    own = logged_in(world.approver).get(f"/workbench/cases/{case.number}/")
    assert own.status_code == 200
    assert 'data-testid="action-complete_step"' in html(own)


def test_applicants_cannot_use_the_workbench(world) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(world.citizen_a).get("/workbench/").status_code == 403
    assert Client().get("/workbench/").status_code == 302


def test_case_page_shows_applicant_materials_prefill_credit_and_history(world, submitted) -> None:  # type: ignore[no-untyped-def]
    page = html(logged_in(world.clerk).get(f"/workbench/cases/{submitted.number}/"))
    assert submitted.applicant_name in page
    assert submitted.applicant_id_number in page
    assert "收入证明" in page and "已从基础库获取" in page
    assert "从基础库获取的数据" in page
    assert "正常办理" in page  # the credit outcome
    assert 'data-testid="history"' in page and "已提交" in page
    # the clerk may accept or refuse, nothing else
    assert 'data-testid="action-accept"' in page
    assert 'data-testid="action-not_accept"' in page
    assert 'data-testid="action-approve"' not in page


# --------------------------------------------------------------------------- actions


def test_clerk_accepts_then_approver_reviews_and_approves(world, submitted) -> None:  # type: ignore[no-untyped-def]
    number = submitted.number
    clerk, approver = logged_in(world.clerk), logged_in(world.approver)
    # when the clerk accepts
    response = clerk.post(f"/workbench/cases/{number}/accept/", {"accept-note": "材料齐全"})
    assert response.status_code == 302
    assert Case.objects.get(number=number).state == CaseState.ACCEPTED
    # and the approver completes the review step, then approves
    response = approver.post(
        f"/workbench/cases/{number}/complete_step/", {"complete_step-note": "审查通过"}
    )
    assert response.status_code == 302
    response = approver.post(
        f"/workbench/cases/{number}/approve/",
        {"approve-reason": "符合救助条件", "approve-basis": ""},
    )
    assert response.status_code == 302
    # then the case is approved with a licence and the history shows every step
    case = Case.objects.get(number=number)
    assert case.state == CaseState.APPROVED
    assert case.decision_reason == "符合救助条件"
    page = html(approver.get(f"/workbench/cases/{number}/"))
    for line in ("受理", "审查完成", "批准", "材料齐全", "审查通过"):
        assert line in page
    assert case.licence.verification_code in page
    assert 'data-testid="action-deliver"' in page


def test_a_rejection_without_reason_shows_errors_next_to_both_fields(world, submitted) -> None:  # type: ignore[no-untyped-def]
    # given a case at its last step
    case = services.case_accept(actor=world.clerk, case=submitted)
    case = services.case_complete_step(actor=world.approver, case=case)
    # when rejected with neither reason nor basis
    response = logged_in(world.approver).post(
        f"/workbench/cases/{case.number}/reject/", {"reject-reason": "", "reject-basis": ""}
    )
    # then the reason's error sits in the reject form's reason row and nothing changed
    assert response.status_code == 422
    page = html(response)
    assert "请说明不予批准的理由" in field_row(page, "reject-reason")
    assert "请写明不予批准的法律依据" in field_row(page, "reject-basis")
    assert re.search(r'<details open data-testid="action-reject"', page)
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_extension_beyond_the_maximum_is_shown_on_the_days_field(world, submitted) -> None:  # type: ignore[no-untyped-def]
    case = services.case_accept(actor=world.clerk, case=submitted)
    response = logged_in(world.approver).post(
        f"/workbench/cases/{case.number}/extend/", {"extend-days": "9", "extend-reason": "需要调查"}
    )
    assert response.status_code == 422
    assert "累计最多延长 5 个工作日" in field_row(html(response), "extend-days")


def test_a_clerk_cannot_approve_even_by_posting_the_form(world, submitted) -> None:  # type: ignore[no-untyped-def]
    case = services.case_accept(actor=world.clerk, case=submitted)
    case = services.case_complete_step(actor=world.approver, case=case)
    response = logged_in(world.clerk).post(
        f"/workbench/cases/{case.number}/approve/", {"approve-reason": "ok"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


# --------------------------------------------------------------------------- queue


def _accepted_case(world, item, *, deadline: dt.date, yellow_from: dt.date) -> Case:  # type: ignore[no-untyped-def]
    upload = item.materials.get(source="upload")
    case = services.case_apply(
        actor=world.citizen_a, implementation=item, files={upload.id: factories.pdf_upload()}
    )
    case = services.case_accept(actor=world.clerk, case=case)
    # Place the clock where the test needs it (the services computed it from today).
    Case.objects.filter(pk=case.pk).update(deadline=deadline, yellow_from=yellow_from)
    return Case.objects.get(pk=case.pk)


def test_queue_sorts_by_deadline_and_filters_by_sla(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    on = today()
    red = _accepted_case(
        world,
        upload_item,
        deadline=on - dt.timedelta(days=3),
        yellow_from=on - dt.timedelta(days=6),
    )
    yellow = _accepted_case(world, upload_item, deadline=on + dt.timedelta(days=1), yellow_from=on)
    green = _accepted_case(
        world,
        upload_item,
        deadline=on + dt.timedelta(days=20),
        yellow_from=on + dt.timedelta(days=15),
    )
    approver = logged_in(world.approver)
    page = html(approver.get("/workbench/"))
    positions = [page.index(c.number) for c in (red, yellow, green)]
    assert positions == sorted(positions)
    assert "sla sla-red" in page and "sla sla-yellow" in page and "sla sla-green" in page
    only_red = html(approver.get("/workbench/", {"sla": "red"}))
    assert red.number in only_red and yellow.number not in only_red and green.number not in only_red
    only_yellow = html(approver.get("/workbench/", {"sla": "yellow"}))
    assert yellow.number in only_yellow and red.number not in only_yellow
    # the other department's queue does not show them
    other = html(logged_in(world.market_approver).get("/workbench/"))
    assert red.number not in other


def test_queue_pages_without_counting_the_table_in_a_fixed_number_of_queries(
    world, upload_item
) -> None:  # type: ignore[no-untyped-def]
    # given more accepted cases than one page holds
    on = today()
    for i in range(27):
        _accepted_case(
            world,
            upload_item,
            deadline=on + dt.timedelta(days=i),
            yellow_from=on + dt.timedelta(days=i - 2),
        )
    approver = logged_in(world.approver)
    # when the first and second pages load
    with CaptureQueriesContext(connection) as first:
        page1 = approver.get("/workbench/")
    with CaptureQueriesContext(connection) as second:
        page2 = approver.get("/workbench/", {"page": 2})
    # then 25 rows, a next link, and no COUNT over the cases; the same query count per page
    assert len(page1.context["rows"]) == 25 and page1.context["has_next"]
    assert len(page2.context["rows"]) == 2 and not page2.context["has_next"]
    case_queries = [
        q["sql"].upper() for q in first.captured_queries if "CASES_CASE" in q["sql"].upper()
    ]
    assert case_queries and not any("COUNT(" in q for q in case_queries)
    assert len(first.captured_queries) == len(second.captured_queries) <= 8


def test_queue_filter_answers_htmx_with_the_results_only(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    response = logged_in(world.approver).get(
        "/workbench/", {"sla": "red"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
    )
    assert response.status_code == 200
    assert "<html" not in html(response) and 'data-testid="queue"' in html(response)


# --------------------------------------------------------------------------- intake


def test_window_intake_shows_a_bad_id_next_to_its_field(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    clerk = logged_in(world.clerk)
    bad = world.citizen_b.id_number[:17] + ("1" if world.citizen_b.id_number[17] != "1" else "2")
    response = clerk.post(
        "/workbench/intake/",
        {"applicant_id": bad, "implementation": upload_item.id, "idempotency_key": "w1"},
    )
    assert response.status_code == 422
    assert "校验码不正确" in field_row(html(response), "applicant_id")
    assert not Case.objects.exists()


def test_window_intake_submits_for_the_applicant_on_the_window_channel(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    clerk = logged_in(world.clerk)
    upload = upload_item.materials.get(source="upload")
    # choosing the service shows its upload field
    chosen = html(clerk.get("/workbench/intake/", {"implementation": upload_item.id}))
    assert f'name="material_{upload.id}"' in chosen
    # a missing upload is marked on its field
    missing = clerk.post(
        "/workbench/intake/",
        {
            "applicant_id": world.citizen_b.id_number,
            "implementation": upload_item.id,
            "idempotency_key": "w2",
        },
    )
    assert missing.status_code == 422
    assert "该材料为必需材料" in field_row(html(missing), f"material_{upload.id}")
    assert not Case.objects.exists()
    # with it, the case is submitted on the window channel by the clerk
    response = clerk.post(
        "/workbench/intake/",
        {
            "applicant_id": world.citizen_b.id_number,
            "implementation": upload_item.id,
            "idempotency_key": "w3",
            f"material_{upload.id}": factories.pdf_upload(),
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/workbench/cases/{case.number}/"
    assert (case.applicant, case.submitted_by, case.channel, case.state) == (
        world.citizen_b,
        world.clerk,
        Channel.WINDOW,
        CaseState.SUBMITTED,
    )


def test_only_window_clerks_have_the_intake_page(world) -> None:  # type: ignore[no-untyped-def]
    assert logged_in(world.approver).get("/workbench/intake/").status_code == 403


def test_workbench_in_english(world, submitted) -> None:  # type: ignore[no-untyped-def]
    page = html(logged_in(world.clerk).get(f"/en/workbench/cases/{submitted.number}/"))
    assert "Work queue" in page and "Accept" in page and "History" in page
    assert "受理" not in page.replace(submitted.number, "")


def test_uploaded_materials_open_for_the_case_scope_only(world, submitted) -> None:  # type: ignore[no-untyped-def]
    material = submitted.implementation.materials.get(source="upload")
    url = f"/workbench/cases/{submitted.number}/materials/{material.id}/"
    # the clerk of the region reads the PDF; the approver of another department cannot
    response = logged_in(world.clerk).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert logged_in(world.market_approver).get(url).status_code == 404
    # the applicant reads it from the portal, another citizen cannot
    own = f"/my/cases/{submitted.number}/materials/{material.id}/"
    assert logged_in(world.citizen_a).get(own).status_code == 200
    assert logged_in(world.citizen_b).get(own).status_code == 404
    # a fetched material has no file
    fetched = submitted.implementation.materials.exclude(source="upload").first()
    assert (
        logged_in(world.clerk)
        .get(f"/workbench/cases/{submitted.number}/materials/{fetched.id}/")
        .status_code
        == 404
    )


def test_a_bad_page_number_keeps_the_other_filters(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    on = today()
    red = _accepted_case(
        world,
        upload_item,
        deadline=on - dt.timedelta(days=3),
        yellow_from=on - dt.timedelta(days=6),
    )
    green = _accepted_case(
        world,
        upload_item,
        deadline=on + dt.timedelta(days=20),
        yellow_from=on + dt.timedelta(days=15),
    )
    page = html(logged_in(world.approver).get("/workbench/", {"sla": "red", "page": "999999"}))
    assert red.number in page and green.number not in page
