"""The citizen portal through the Django test client: logging in, applying with the
prefilled form, instant decisions, own cases only, supplements, licences, messages, English."""

import re

from django.test import Client

from onetrip.cases import services
from onetrip.cases.models import Case, CaseState
from onetrip.datahub.models import SharingCall
from onetrip.notify.models import Message
from onetrip.testing import factories


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def field_row(page: str, name: str) -> str:
    """The markup of one form row (label, input, its errors)."""
    match = re.search(rf'<div class="form-row[^"]*" id="row-{name}">(.*?)\n</div>', page, re.S)
    assert match, f"no form row for {name}"
    return match.group(0)


def start_draft(client: Client, implementation, key: str = "k1") -> str:  # type: ignore[no-untyped-def]
    response = client.post(f"/apply/{implementation.id}/", {"idempotency_key": key})
    assert response.status_code == 302, html(response)
    return response["Location"]


# --------------------------------------------------------------------------- log in


def test_citizen_logs_in_with_resident_id_and_lands_on_own_cases(world, client) -> None:  # type: ignore[no-untyped-def]
    # when
    response = client.post(
        "/login/", {"id_number": world.citizen_a.id_number, "password": factories.PASSWORD}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/my/cases/"
    assert client.get("/my/cases/").context["user"] == world.citizen_a


def test_staff_login_lands_on_the_workbench(world, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/login/", {"id_number": world.approver.username, "password": factories.PASSWORD}
    )
    assert response["Location"] == "/workbench/"


def test_a_resident_id_with_a_wrong_check_digit_is_shown_next_to_the_field(world, client) -> None:  # type: ignore[no-untyped-def]
    # given a resident ID with its last character changed
    good = world.citizen_a.id_number
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    # when
    response = client.post("/login/", {"id_number": bad, "password": "whatever"})
    # then the message sits in the ID field's row, in Chinese by default
    assert response.status_code == 400
    row = field_row(html(response), "id_number")
    assert "校验码不正确" in row
    assert 'class="errorlist"' in row
    assert "password" not in response.context["form"].errors


def test_a_wrong_password_is_a_form_error_not_a_field_error(world, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/login/", {"id_number": world.citizen_a.id_number, "password": "wrong-password"}
    )
    assert response.status_code == 400
    assert "号码或密码错误" in html(response)
    assert response.context["form"].non_field_errors()


def test_pages_of_the_portal_ask_for_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/my/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/my/cases/")


# --------------------------------------------------------------------------- applying


def test_instant_item_start_shows_prefilled_values_then_submit_shows_the_licence(
    world, client, instant
) -> None:  # type: ignore[no-untyped-def]
    # given a citizen over 60 whose household is in the item's region
    client.force_login(world.citizen_a)
    guide = client.get(f"/apply/{instant.id}/")
    assert "已为您自动获取" in html(guide)
    assert "智能秒办" in html(guide)
    # when they start, the registries are read for the case (audited) and the form is prefilled
    case_url = start_draft(client, instant)
    case = Case.objects.get(applicant=world.citizen_a)
    assert case.state == CaseState.DRAFT
    assert SharingCall.objects.filter(case_number=case.number, dataset_code="population").exists()
    draft_page = html(client.get(case_url))
    assert world.citizen_a.id_number in draft_page
    assert "户籍地址" in draft_page and "已为您自动获取" in draft_page
    assert '<input type="file"' not in draft_page  # nothing to upload
    # when they submit
    response = client.post(case_url + "submit/")
    # then the instant decision and the e-licence with its code are shown
    assert response.status_code == 302
    page = html(client.get(response["Location"]))
    case.refresh_from_db()
    assert case.state == CaseState.DELIVERED
    assert case.licence.verification_code in page
    assert case.licence.number in page
    assert "已秒批" in page


def test_starting_twice_with_the_same_key_opens_one_draft(world, client, instant) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    first = start_draft(client, instant, key="same")
    second = start_draft(client, instant, key="same")
    assert first == second
    assert Case.objects.filter(applicant=world.citizen_a).count() == 1


def test_a_missing_upload_is_shown_on_its_own_field_and_nothing_is_submitted(
    world, client, upload_item
) -> None:  # type: ignore[no-untyped-def]
    # given a draft that needs one upload
    client.force_login(world.citizen_a)
    case_url = start_draft(client, upload_item)
    case = Case.objects.get(applicant=world.citizen_a)
    material = upload_item.materials.get(source="upload")
    # when submitted without the file
    response = client.post(case_url + "submit/")
    # then the one-time notice marks that upload field and the case stays a draft
    assert response.status_code == 422
    row = field_row(html(response), f"material_{material.id}")
    assert "该材料为必需材料" in row
    assert "收入证明" in html(response)
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_a_file_of_the_wrong_type_is_refused_on_its_field(world, client, upload_item) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.citizen_a)
    case_url = start_draft(client, upload_item)
    material = upload_item.materials.get(source="upload")
    fake = SimpleUploadedFile("income.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(case_url + "submit/", {f"material_{material.id}": fake})
    assert response.status_code == 415
    assert "不是 PDF、JPEG 或 PNG 文件" in field_row(html(response), f"material_{material.id}")


def test_with_the_upload_the_case_is_submitted_and_shows_status(world, client, upload_item) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    case_url = start_draft(client, upload_item)
    material = upload_item.materials.get(source="upload")
    response = client.post(
        case_url + "submit/", {f"material_{material.id}": factories.pdf_upload("income.pdf")}
    )
    assert response.status_code == 302
    page = html(client.get(case_url))
    assert Case.objects.get(applicant=world.citizen_a).state == CaseState.SUBMITTED
    assert "已提交" in page
    assert "income.pdf" in page


# --------------------------------------------------------------------------- own cases only


def test_citizen_b_gets_404_on_citizen_a_case_page_and_its_forms(world, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given a case of citizen A
    case = services.case_apply(
        actor=world.citizen_a,
        implementation=upload_item,
        files={upload_item.materials.get(source="upload").id: factories.pdf_upload()},
    )
    b = Client()
    b.force_login(world.citizen_b)
    # when B opens it or posts to it, then nobody learns it exists
    assert b.get(f"/my/cases/{case.number}/").status_code == 404
    assert b.get(f"/en/my/cases/{case.number}/").status_code == 404
    assert b.post(f"/my/cases/{case.number}/submit/").status_code == 404
    assert b.post(f"/my/cases/{case.number}/resubmit/").status_code == 404
    # and A sees it
    a = Client()
    a.force_login(world.citizen_a)
    assert a.get(f"/my/cases/{case.number}/").status_code == 200


def test_my_cases_lists_only_own_cases_with_state_and_deadline(world, client, upload_item) -> None:  # type: ignore[no-untyped-def]
    upload = upload_item.materials.get(source="upload")
    mine = services.case_apply(
        actor=world.citizen_a, implementation=upload_item, files={upload.id: factories.pdf_upload()}
    )
    mine = services.case_accept(actor=world.clerk, case=mine)
    theirs = services.case_apply(
        actor=world.citizen_b, implementation=upload_item, files={upload.id: factories.pdf_upload()}
    )
    client.force_login(world.citizen_a)
    page = html(client.get("/my/cases/"))
    assert mine.number in page and theirs.number not in page
    assert "已受理，办理中" in page
    assert mine.deadline.isoformat() in page
    assert "sla sla-green" in page


# --------------------------------------------------------------------------- supplement


def test_answering_a_supplement_request_resumes_the_case(world, client, upload_item) -> None:  # type: ignore[no-untyped-def]
    # given an accepted case the approver asked to supplement
    upload = upload_item.materials.get(source="upload")
    case = services.case_apply(
        actor=world.citizen_a, implementation=upload_item, files={upload.id: factories.pdf_upload()}
    )
    case = services.case_accept(actor=world.clerk, case=case)
    case = services.case_request_supplement(
        actor=world.approver, case=case, items=["收入证明不清晰，请重新上传"]
    )
    client.force_login(world.citizen_a)
    page = html(client.get(f"/my/cases/{case.number}/"))
    assert "收入证明不清晰，请重新上传" in page
    assert "sla sla-paused" in page
    # when the citizen uploads the new file
    response = client.post(
        f"/my/cases/{case.number}/resubmit/",
        {f"material_{upload.id}": factories.pdf_upload("clear.pdf"), "note": "已重新扫描"},
    )
    # then the case is back in process
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert "clear.pdf" in html(client.get(f"/my/cases/{case.number}/"))


# --------------------------------------------------------------------------- licences


def test_my_licences_and_public_verification_by_code(world, client, instant) -> None:  # type: ignore[no-untyped-def]
    case = services.case_apply(actor=world.citizen_a, implementation=instant)
    code = case.licence.verification_code
    client.force_login(world.citizen_a)
    assert code in html(client.get("/my/licences/"))
    # the public page needs no login and masks the holder
    public = Client()
    page = html(public.get("/verify/", {"code": code.lower()}))
    assert "核验通过" in page
    assert case.licence.number in page
    assert world.citizen_a.id_number not in page
    assert "张*" in page
    assert public.get("/verify/", {"code": "NOPE"}).status_code == 404


def test_another_citizen_does_not_see_my_licences(world, client, instant) -> None:  # type: ignore[no-untyped-def]
    case = services.case_apply(actor=world.citizen_a, implementation=instant)
    client.force_login(world.citizen_b)
    assert case.licence.verification_code not in html(client.get("/my/licences/"))


# --------------------------------------------------------------------------- messages


def test_unread_count_in_header_and_mark_read(world, client) -> None:  # type: ignore[no-untyped-def]
    # given two unread messages for A and one for B
    for title in ("办件已受理", "办件已批准"):
        Message.objects.create(recipient=world.citizen_a, event="t", title=title, body=title)
    other = Message.objects.create(recipient=world.citizen_b, event="t", title="B", body="B")
    client.force_login(world.citizen_a)
    page = html(client.get("/messages/"))
    assert re.search(r'data-testid="unread-count">.*?2</span>', page, re.S)
    first = Message.objects.filter(recipient=world.citizen_a).first()
    # when A marks one read (as HTMX does), the badge is updated out of band
    response = client.post(f"/messages/{first.id}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in html(response)
    assert re.search(r'data-testid="unread-count">.*?1</span>', html(response), re.S)
    first.refresh_from_db()
    assert first.read_at is not None
    # and B's message cannot be marked by A
    assert client.post(f"/messages/{other.id}/read/").status_code == 404


# --------------------------------------------------------------------------- English


def test_english_rendering_under_en(world, client, instant) -> None:  # type: ignore[no-untyped-def]
    case = services.case_apply(actor=world.citizen_a, implementation=instant)
    client.force_login(world.citizen_a)
    page = html(client.get(f"/en/my/cases/{case.number}/"))
    assert '<html lang="en">' in page
    assert "Approved at once (instant approval)" in page
    assert "Verification code" in page
    assert "Test item" in page  # the item's English name
    assert "我的办件" not in page
    # the language switch goes back to the Chinese page
    assert f'href="/my/cases/{case.number}/"' in page
    chinese = html(client.get(f"/my/cases/{case.number}/"))
    assert '<html lang="zh-Hans">' in chinese and "我的办件" in chinese
    assert f'href="/en/my/cases/{case.number}/"' in chinese


def test_english_form_errors(world, client) -> None:  # type: ignore[no-untyped-def]
    bad = world.citizen_a.id_number[:12] + "3" + world.citizen_a.id_number[13:]
    response = client.post("/en/login/", {"id_number": bad, "password": "x"})
    assert "resident ID" in field_row(html(response), "id_number")


def test_a_citizen_starting_an_enterprise_service_is_told_why_and_nothing_is_created(
    world, client
) -> None:  # type: ignore[no-untyped-def]
    implementation = factories.implementation(
        dept=world.market, name="食品经营许可", applicant_kind="enterprise"
    )
    client.force_login(world.citizen_a)
    response = client.post(f"/apply/{implementation.id}/", {"idempotency_key": "k"})
    assert response.status_code == 422
    assert "本事项仅面向法人申请人" in html(response)
    assert not Case.objects.exists()
