"""The personal data vault (个人数据宝) through the Django test client: my records in clear,
every access to them (with its case, paged, by period, covert ones once the case is closed),
consents with receipts and revocation, correction requests; and nobody else's."""

import datetime as dt
import re

import pytest
from django.test import Client

from onetrip.accounts.models import Department
from onetrip.audit.models import AuditEntry
from onetrip.cases.models import Case
from onetrip.core.errors import DomainError
from onetrip.datahub import base_registries
from onetrip.datahub import services as datahub
from onetrip.datahub.models import ApiClient, Consent, CorrectionRequest, PopulationRecord
from onetrip.testing import factories

VAULT_PAGES = [
    "/my/data/",
    "/my/data/accesses/",
    "/my/data/consents/",
    "/my/data/corrections/",
]


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def field_row(page: str, name: str) -> str:
    """The markup of one form row (label, input, its errors)."""
    match = re.search(rf'<div class="form-row[^"]*" id="row-{name}">(.*?)\n</div>', page, re.S)
    assert match, f"no form row for {name}"
    return match.group(0)


def checkbox_group(page: str) -> str:
    match = re.search(r'<fieldset class="form-row checkbox-group[^"]*".*?</fieldset>', page, re.S)
    assert match, "no field checkboxes"
    return match.group(0)


def start_draft(client: Client, implementation, key: str = "k1") -> str:  # type: ignore[no-untyped-def]
    response = client.post(f"/apply/{implementation.id}/", {"idempotency_key": key})
    assert response.status_code == 302, html(response)
    return response["Location"]


@pytest.fixture
def bank(world) -> ApiClient:  # type: ignore[no-untyped-def]
    """A third party registered by the system admin, as the platform does it."""
    admin = factories.staff(
        roles=["system_admin"], dept=factories.department(kind="big_data", region="330000")
    )
    client, _secret = datahub.client_create(
        actor=admin,
        name="杭州银行·贷款审批",
        kind=ApiClient.Kind.THIRD_PARTY,
        organisation_name="杭州银行股份有限公司",
    )
    return client


@pytest.fixture
def prefill_client(world) -> ApiClient:  # type: ignore[no-untyped-def]
    return ApiClient.objects.get(name=base_registries.PREFILL_CLIENT)


def grant_consent(http: Client, bank: ApiClient, **overrides) -> object:  # type: ignore[no-untyped-def]
    data = {
        "client": bank.pk,
        "dataset": "population",
        "field_names": ["name", "household_address"],
        "purpose": "个人住房贷款审批",
        "valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }
    return http.post("/my/data/consents/", data)


# --------------------------------------------------------------------------- who may look


@pytest.mark.parametrize("url", VAULT_PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, url) -> None:  # type: ignore[no-untyped-def]
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={url}")


@pytest.mark.parametrize("url", VAULT_PAGES)
def test_staff_are_sent_to_their_workbench_and_see_no_vault(world, client, url) -> None:  # type: ignore[no-untyped-def]
    # given an approver (staff have no vault of their own)
    client.force_login(world.approver)
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response["Location"] == "/workbench/"


# --------------------------------------------------------------------------- my records


def test_my_data_shows_every_record_about_me_in_clear_with_correction_links(world, client) -> None:  # type: ignore[no-untyped-def]
    # given 张三 with a population record (phone and ID, which sharing would mask)
    me = world.citizen_a
    record = PopulationRecord.objects.get(resident_id=me.id_number)
    client.force_login(me)
    # when
    response = client.get("/my/data/")
    # then the dataset, its owner, each field's label and value are shown unmasked
    page = html(response)
    assert response.status_code == 200
    assert "人口基础信息" in page and "浙江省公安厅" in page
    assert "户籍地址" in page and record.household_address in page
    assert me.id_number in page and "13800000000" in page
    assert "已婚" in page  # the marital status by its label
    assert "西湖区" in page  # the household region by its name, not its code
    # and each field but the identifying number offers a correction
    link = f"/my/data/corrections/new/?dataset=population&amp;key={me.id_number}&amp;field="
    assert f"{link}household_address" in page
    assert f"{link}resident_id" not in page
    # and nothing of 李四
    assert "李四" not in page
    assert world.citizen_b.id_number not in page


def test_an_enterprise_sees_its_legal_entity_record(world, client) -> None:  # type: ignore[no-untyped-def]
    # given
    client.force_login(world.enterprise)
    # when
    page = html(client.get("/my/data/"))
    # then
    assert "法人基础信息" in page and "浙江省市场监督管理局" in page
    assert "杭州示例科技有限公司" in page and world.enterprise.id_number in page
    assert "人口基础信息" not in page


def test_the_vault_renders_in_english(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    page = html(client.get("/en/my/data/"))
    assert "Population registry" in page
    assert "Request a correction" in page


# --------------------------------------------------------------------------- accesses


def test_the_prefill_of_my_case_is_listed_with_its_purpose_and_a_link_to_the_case(
    world, client, instant
) -> None:  # type: ignore[no-untyped-def]
    # given 张三 started an application: the registries were read for his case
    client.force_login(world.citizen_a)
    start_draft(client, instant)
    case = Case.objects.get(applicant=world.citizen_a)
    # when he opens the accesses page
    response = client.get("/my/data/accesses/")
    # then the read is there: who, which data, which fields, why, for which case (a link)
    page = html(response)
    assert response.status_code == 200
    assert base_registries.PREFILL_CLIENT in page
    assert "人口基础信息" in page and "户籍地址" in page
    assert f'href="/my/cases/{case.number}/"' in page
    rows = response.context["page"].object_list
    assert rows and all(row.case_number == case.number for row in rows)
    assert rows[0].purpose


def test_another_citizen_sees_none_of_my_accesses(world, client, instant) -> None:  # type: ignore[no-untyped-def]
    # given 张三's case read his data
    client.force_login(world.citizen_a)
    start_draft(client, instant)
    number = Case.objects.get(applicant=world.citizen_a).number
    # when 李四 opens his accesses page
    other = Client()
    other.force_login(world.citizen_b)
    response = other.get("/my/data/accesses/")
    # then
    assert response.context["page"].total == 0
    assert number not in html(response)


def test_accesses_are_paged_newest_first(world, client) -> None:  # type: ignore[no-untyped-def]
    # given 23 reads of 张三's name, each for its own purpose
    me = world.citizen_a
    for n in range(23):
        datahub.share_fields(
            actor=None,
            source_key="population",
            subject_key=me.id_number,
            fields=["name"],
            purpose=f"核验{n:02d}",
        )
    client.force_login(me)
    # when
    first = client.get("/my/data/accesses/")
    second = client.get("/my/data/accesses/?page=2")
    # then 20 on the first page, the newest first, and 3 on the second with a way back
    assert first.context["page"].total == 23
    assert [r.purpose for r in first.context["page"].object_list][:2] == ["核验22", "核验21"]
    assert len(first.context["page"].object_list) == 20
    assert [r.purpose for r in second.context["page"].object_list] == ["核验02", "核验01", "核验00"]
    assert "page=1" in html(second) and "page=3" not in html(second)
    # and a page number that is no number, or past the end, shows a page anyway
    assert client.get("/my/data/accesses/?page=x").context["page"].number == 1
    assert client.get("/my/data/accesses/?page=9").context["page"].number == 2


def test_the_period_filter_keeps_the_accesses_of_those_days(world, client) -> None:  # type: ignore[no-untyped-def]
    # given one read today
    me = world.citizen_a
    datahub.share_fields(
        actor=None,
        source_key="population",
        subject_key=me.id_number,
        fields=["name"],
        purpose="核验",
    )
    client.force_login(me)
    today = dt.date.today()
    # when the period is today, and then last year
    now = client.get(f"/my/data/accesses/?since={today}&until={today}")
    past = client.get(f"/my/data/accesses/?since={today.replace(year=today.year - 1)}&until=")
    before = client.get(
        f"/my/data/accesses/?until={today - dt.timedelta(days=2)}",
    )
    # then
    assert now.context["page"].total == 1
    assert past.context["page"].total == 1
    assert before.context["page"].total == 0
    assert 'value="' + today.isoformat() + '"' in html(now)


def test_a_bad_date_is_shown_next_to_its_field(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    # when
    response = client.get("/my/data/accesses/?since=2024-02-30")
    # then
    assert response.status_code == 400
    assert "有效的日期" in field_row(html(response), "since")
    assert "errorlist" not in field_row(html(response), "until")


def test_a_period_ending_before_it_starts_is_shown_on_the_end_date(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    response = client.get("/my/data/accesses/?since=2025-03-02&until=2025-03-01")
    assert response.status_code == 400
    assert "errorlist" in field_row(html(response), "until")
    assert "errorlist" not in field_row(html(response), "since")


def test_a_covert_access_shows_only_once_its_case_is_closed_and_is_flagged(
    world, client, instant, prefill_client
) -> None:  # type: ignore[no-untyped-def]
    # given 张三's open draft, and a covert read for it (allowed by law to stay hidden)
    me = world.citizen_a
    client.force_login(me)
    case_url = start_draft(client, instant)
    case = Case.objects.get(applicant=me)
    datahub.share_read(
        client=prefill_client,
        dataset_code="population",
        keys=[me.id_number],
        fields=["marital_status"],
        purpose="核查婚姻状况（不公开）",
        case_number=case.number,
        hidden=True,
    )
    # when the case is open, the covert read is not listed
    assert "核查婚姻状况" not in html(client.get("/my/data/accesses/"))
    # when the case is closed (instant approval delivers it)
    client.post(case_url + "submit/")
    case.refresh_from_db()
    assert case.state == "delivered"
    # then the read shows, flagged as formerly covert
    response = client.get("/my/data/accesses/")
    page = html(response)
    assert "核查婚姻状况（不公开）" in page
    assert page.count('class="tag tag-covert"') == 1
    assert [r.hidden for r in response.context["page"].object_list].count(True) == 1


# --------------------------------------------------------------------------- consents


def test_granting_a_consent_through_the_form_gives_a_receipt_with_its_audit_hash(
    world, client, bank
) -> None:  # type: ignore[no-untyped-def]
    # given
    client.force_login(world.citizen_a)
    form_page = html(client.get("/my/data/consents/"))
    assert "杭州银行股份有限公司" in form_page
    assert 'name="field_names" value="household_address"' in checkbox_group(form_page)
    # when
    response = grant_consent(client, bank)
    # then a consent exists and the receipt shows it with the audit entry's hash
    consent = Consent.objects.get(subject=world.citizen_a)
    assert response.status_code == 302
    assert response["Location"] == f"/my/data/consents/{consent.receipt_number}/"
    assert consent.fields == ["name", "household_address"]
    entry = AuditEntry.objects.get(action="consent.grant", object_id=str(consent.pk))
    receipt = html(client.get(response["Location"]))
    assert consent.receipt_number in receipt
    assert entry.hash in receipt
    assert "个人住房贷款审批" in receipt and "户籍地址" in receipt
    assert world.citizen_a.id_number not in receipt  # masked on a printable page
    # and the list shows it active, with a revoke button
    listing = html(client.get("/my/data/consents/"))
    assert consent.receipt_number in listing
    assert f"/my/data/consents/{consent.receipt_number}/revoke/" in listing


def test_consent_form_errors_are_shown_next_to_their_fields(world, client, bank) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    # when no field is ticked and no third party is chosen
    response = grant_consent(client, bank, client="", field_names=[])
    # then each error sits on its own field and nothing is granted
    assert response.status_code == 400
    page = html(response)
    assert "errorlist" in field_row(page, "client")
    assert 'data-testid="error-field_names"' in checkbox_group(page)
    assert "errorlist" not in field_row(page, "purpose")
    assert not Consent.objects.exists()


def test_a_refusal_of_the_consent_service_is_shown_on_its_field(world, client, bank) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    # when the last day is in the past (the service's rule)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    response = grant_consent(client, bank, valid_until=yesterday)
    # then
    assert response.status_code == 422
    assert "errorlist" in field_row(html(response), "valid_until")
    assert not Consent.objects.exists()


def test_choosing_another_dataset_swaps_the_field_checkboxes(world, client, bank) -> None:  # type: ignore[no-untyped-def]
    # given an enterprise, whose data is the legal-entity registry
    client.force_login(world.enterprise)
    # when the form asks (HTMX) for the fields of the legal-entity dataset
    response = client.get("/my/data/consents/?dataset=legal_entity", HTTP_HX_REQUEST="true")
    # then only the checkboxes come back, those of that dataset
    page = html(response)
    assert page.lstrip().startswith("<fieldset")
    assert 'value="registered_address"' in page
    assert "<html" not in page


def test_revoking_asks_first_then_revokes_and_the_receipt_shows_the_revocation(
    world, client, bank
) -> None:  # type: ignore[no-untyped-def]
    # given a consent
    client.force_login(world.citizen_a)
    grant_consent(client, bank)
    consent = Consent.objects.get()
    revoke_url = f"/my/data/consents/{consent.receipt_number}/revoke/"
    # when the revoke button is followed, a confirmation is asked and nothing changes yet
    confirm = client.get(revoke_url)
    assert confirm.status_code == 200
    assert 'data-testid="confirm-revoke"' in html(confirm)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE
    # when confirmed (POST)
    response = client.post(revoke_url)
    # then it is revoked, and the receipt shows the revocation with its audit hash
    consent.refresh_from_db()
    assert consent.status == Consent.Status.REVOKED
    assert response["Location"] == f"/my/data/consents/{consent.receipt_number}/"
    entry = AuditEntry.objects.get(action="consent.revoke", object_id=str(consent.pk))
    receipt = html(client.get(response["Location"]))
    assert entry.hash in receipt and 'data-testid="revocation"' in receipt
    listing = html(client.get("/my/data/consents/"))
    assert revoke_url not in listing
    # and the third party's next read is refused
    with pytest.raises(DomainError):
        datahub.share_read(
            client=bank,
            dataset_code="population",
            keys=[world.citizen_a.id_number],
            fields=["name"],
            purpose="个人住房贷款审批",
        )


def test_revoking_twice_is_refused_on_the_page(world, client, bank) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    grant_consent(client, bank)
    consent = Consent.objects.get()
    url = f"/my/data/consents/{consent.receipt_number}/revoke/"
    client.post(url)
    # when
    response = client.post(url)
    # then
    assert response.status_code == 409
    assert 'data-testid="form-errors"' in html(response)


def test_another_citizen_gets_404_on_my_consent_receipt_and_cannot_revoke_it(
    world, client, bank
) -> None:  # type: ignore[no-untyped-def]
    # given 张三's consent
    client.force_login(world.citizen_a)
    grant_consent(client, bank)
    consent = Consent.objects.get()
    # when 李四 asks for its receipt or tries to revoke it
    other = Client()
    other.force_login(world.citizen_b)
    receipt = other.get(f"/my/data/consents/{consent.receipt_number}/")
    confirm = other.get(f"/my/data/consents/{consent.receipt_number}/revoke/")
    revoke = other.post(f"/my/data/consents/{consent.receipt_number}/revoke/")
    listing = other.get("/my/data/consents/")
    # then he is told it does not exist, and it stays active
    assert (receipt.status_code, confirm.status_code, revoke.status_code) == (404, 404, 404)
    assert consent.receipt_number not in html(listing)
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


def test_without_a_third_party_the_consent_form_says_so(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world.citizen_a)
    page = html(client.get("/my/data/consents/"))
    assert 'data-testid="consent-form"' not in page


# --------------------------------------------------------------------------- corrections


def correction_url(user, field: str = "household_address") -> str:  # type: ignore[no-untyped-def]
    return f"/my/data/corrections/new/?dataset=population&key={user.id_number}&field={field}"


@pytest.fixture
def population_steward(world):  # type: ignore[no-untyped-def]
    return factories.staff(roles=["data_steward"], dept=Department.objects.get(code="330000-GA"))


def test_a_correction_request_is_filed_through_the_form_and_can_be_followed(
    world, client, population_steward
) -> None:  # type: ignore[no-untyped-def]
    # given 张三 on the correction form of his household address, which shows the current value
    me = world.citizen_a
    current = PopulationRecord.objects.get(resident_id=me.id_number).household_address
    client.force_login(me)
    form = client.get(correction_url(me))
    assert form.status_code == 200
    assert current in html(form)
    # when he proposes the right address with a reason
    response = client.post(
        correction_url(me),
        {
            "dataset": "population",
            "key": me.id_number,
            "field": "household_address",
            "proposed_value": "浙江省杭州市西湖区文三路90号",
            "reason": "门牌号登记错误，见户口簿",
        },
    )
    # then the request is filed and its page shows the status and deadline
    correction = CorrectionRequest.objects.get(requester=me)
    assert response.status_code == 302
    assert response["Location"] == f"/my/data/corrections/{correction.number}/"
    detail = html(client.get(response["Location"]))
    assert correction.number in detail and "户籍地址" in detail
    assert correction.deadline.strftime("%Y-%m-%d") in detail
    assert correction.current_value == current
    listing = html(client.get("/my/data/corrections/"))
    assert correction.number in listing
    # when the steward of the owning department accepts it
    datahub.correction_accept(
        steward=population_steward, correction_id=correction.pk, reason="已核实"
    )
    # then he sees the decision and the corrected record
    detail = html(client.get(f"/my/data/corrections/{correction.number}/"))
    assert "已核实" in detail
    assert 'class="state correction-accepted"' in detail
    assert "浙江省杭州市西湖区文三路90号" in html(client.get("/my/data/"))


def test_a_rejected_correction_shows_the_reason(world, client, population_steward) -> None:  # type: ignore[no-untyped-def]
    me = world.citizen_a
    correction = datahub.correction_request_file(
        requester=me,
        dataset_code="population",
        record_key=me.id_number,
        field_name="education",
        proposed_value="大学本科",
        reason="已毕业",
    )
    datahub.correction_reject(
        steward=population_steward, correction_id=correction.pk, reason="学历信息以教育部门为准"
    )
    client.force_login(me)
    page = html(client.get(f"/my/data/corrections/{correction.number}/"))
    assert "学历信息以教育部门为准" in page
    assert 'class="state correction-rejected"' in page


def test_correction_form_errors_are_shown_next_to_their_fields(world, client) -> None:  # type: ignore[no-untyped-def]
    me = world.citizen_a
    current = PopulationRecord.objects.get(resident_id=me.id_number).household_address
    client.force_login(me)
    base = {"dataset": "population", "key": me.id_number, "field": "household_address"}
    # when the reason is missing
    missing = client.post(correction_url(me), {**base, "proposed_value": "新地址", "reason": ""})
    # and when the proposed value is the current one (the service's rule)
    same = client.post(correction_url(me), {**base, "proposed_value": current, "reason": "无"})
    # then each error sits on its field, and nothing is filed
    assert missing.status_code == 400
    assert "errorlist" in field_row(html(missing), "reason")
    assert same.status_code == 422
    assert "errorlist" in field_row(html(same), "proposed_value")
    assert not CorrectionRequest.objects.exists()


def test_a_wrong_type_of_value_is_refused_on_the_proposed_value(world, client) -> None:  # type: ignore[no-untyped-def]
    me = world.citizen_a
    client.force_login(me)
    response = client.post(
        correction_url(me, "birth_date"),
        {
            "dataset": "population",
            "key": me.id_number,
            "field": "birth_date",
            "proposed_value": "1960年5月1日",
            "reason": "生日有误",
        },
    )
    assert response.status_code == 422
    assert "errorlist" in field_row(html(response), "proposed_value")


def test_nobody_asks_to_correct_someone_elses_record(world, client) -> None:  # type: ignore[no-untyped-def]
    # given 李四 on a correction form for 张三's record
    client.force_login(world.citizen_b)
    url = correction_url(world.citizen_a)
    # when
    shown = client.get(url)
    posted = client.post(
        url,
        {
            "dataset": "population",
            "key": world.citizen_a.id_number,
            "field": "household_address",
            "proposed_value": "别处",
            "reason": "试试",
        },
    )
    # then
    assert (shown.status_code, posted.status_code) == (404, 404)
    assert not CorrectionRequest.objects.exists()


def test_another_citizen_gets_404_on_my_correction_request(world, client) -> None:  # type: ignore[no-untyped-def]
    me = world.citizen_a
    correction = datahub.correction_request_file(
        requester=me,
        dataset_code="population",
        record_key=me.id_number,
        field_name="education",
        proposed_value="大学本科",
        reason="已毕业",
    )
    client.force_login(world.citizen_b)
    assert client.get(f"/my/data/corrections/{correction.number}/").status_code == 404
    assert correction.number not in html(client.get("/my/data/corrections/"))
