"""The vault through the API: findUsage with its period and paging, my records, consents with
receipts, correction requests, and the stewards' answers; everyone else gets 404."""

import datetime as dt

import pytest
from django.test import Client

from onetrip.accounts.models import Department
from onetrip.accounts.services import api_token_create
from onetrip.cases import services as cases
from onetrip.core.workdays import today
from onetrip.datahub.models import ApiClient, PopulationRecord, RecordVersion
from onetrip.datahub.services.sharing import client_create
from onetrip.testing import factories

API = "/api/v1"
PROBLEM = "application/problem+json"


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def api(world):  # type: ignore[no-untyped-def]
    """A's application (its prefill is an access to A's data), a bank, tokens, stewards."""
    item = factories.implementation(dept=world.civil)
    world.case = cases.case_apply(actor=world.citizen_a, implementation=item)
    admin = factories.staff(roles=["system_admin"])
    world.bank, _ = client_create(
        actor=admin,
        name="示例银行信贷系统",
        kind=ApiClient.Kind.THIRD_PARTY,
        organisation_name="示例银行股份有限公司",
    )
    world.ga_steward = factories.staff(
        roles=["data_steward"], dept=Department.objects.get(code="330000-GA")
    )
    world.scjg_steward = factories.staff(
        roles=["data_steward"], dept=Department.objects.get(code="330000-SCJG")
    )
    world.a, world.b = bearer(world.citizen_a), bearer(world.citizen_b)
    world.http = Client()
    return world


def _consent_body(world, **overrides):  # type: ignore[no-untyped-def]
    return {
        "client_id": world.bank.pk,
        "dataset_code": "population",
        "fields": ["name", "marital_status"],
        "purpose": "个人住房贷款审核",
        "valid_until": (today() + dt.timedelta(days=30)).isoformat(),
        **overrides,
    }


def _post(world, path, body, auth):  # type: ignore[no-untyped-def]
    return world.http.post(f"{API}{path}", body, content_type="application/json", **auth)


@pytest.mark.django_db
def test_usage_lists_my_cases_prefill_newest_first(api) -> None:  # type: ignore[no-untyped-def]
    # when A asks who used the data
    response = api.http.get(f"{API}/me/data/usage", **api.a)

    # then the case's prefill is there, as A's own case
    assert response.status_code == 200
    body = response.json()
    assert body["offset"] == 0 and body["limit"] == 20 and body["total"] >= 1
    item = body["items"][0]
    assert item["case_number"] == api.case.number and item["own_case"] is True
    assert item["dataset_code"] == "population" and item["formerly_covert"] is False
    assert item["outcome"] == "ok" and "household_address" in item["fields"]
    times = [i["created_at"] for i in body["items"]]
    assert times == sorted(times, reverse=True)
    # and B's usage is empty
    assert api.http.get(f"{API}/me/data/usage", **api.b).json()["total"] == 0


@pytest.mark.django_db
def test_usage_pages_and_filters_by_period(api) -> None:  # type: ignore[no-untyped-def]
    everything = api.http.get(f"{API}/me/data/usage?limit=100", **api.a).json()
    total = everything["total"]

    # when paged one at a time / then each page holds the next item
    pages = [
        api.http.get(f"{API}/me/data/usage?offset={n}&limit=1", **api.a).json()
        for n in range(total)
    ]
    assert [p["items"][0]["created_at"] for p in pages] == [
        i["created_at"] for i in everything["items"]
    ]
    assert all(p["total"] == total for p in pages)
    # and a period before today finds nothing, today finds everything
    day = today()
    yesterday = (day - dt.timedelta(days=1)).isoformat()
    assert api.http.get(f"{API}/me/data/usage?until={yesterday}", **api.a).json()["total"] == 0
    query = f"since={day.isoformat()}&until={day.isoformat()}"
    assert api.http.get(f"{API}/me/data/usage?{query}", **api.a).json()["total"] == total


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "limit=101",
        "limit=0",
        "offset=-1",
        "limit=ten",
        "since=2025-02-30",
        "until=yesterday",
        "since=2025-03-02&until=2025-03-01",
    ],
)
def test_bad_usage_parameters_are_422_problems(api, query) -> None:  # type: ignore[no-untyped-def]
    response = api.http.get(f"{API}/me/data/usage?{query}", **api.a)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_usage_needs_an_applicant(api) -> None:  # type: ignore[no-untyped-def]
    # nobody logged in: 401; staff: 403; a page session of the citizen: 200
    assert api.http.get(f"{API}/me/data/usage").status_code == 401
    assert api.http.get(f"{API}/me/data/usage", **bearer(api.clerk)).status_code == 403
    session = Client()
    session.force_login(api.citizen_a)
    assert session.get(f"{API}/me/data/usage").status_code == 200


@pytest.mark.django_db
def test_records_are_my_own(api) -> None:  # type: ignore[no-untyped-def]
    mine = api.http.get(f"{API}/me/data/records", **api.a).json()
    theirs = api.http.get(f"{API}/me/data/records", **api.b).json()

    population = next(g for g in mine if g["dataset"]["code"] == "population")
    assert population["key_field"] == "resident_id"
    assert [r["resident_id"] for r in population["records"]] == [api.citizen_a.id_number]
    assert population["dataset"]["department"] == "浙江省公安厅"
    assert {f["name"] for f in population["fields"]} >= {"name", "household_address"}
    assert [r["resident_id"] for g in theirs for r in g["records"]] == [api.citizen_b.id_number]


@pytest.mark.django_db
def test_consent_grant_receipt_and_revoke(api) -> None:  # type: ignore[no-untyped-def]
    # given the third parties A may authorise
    parties = api.http.get(f"{API}/me/data/third-parties", **api.a).json()
    assert [p["id"] for p in parties] == [api.bank.pk]

    # when A grants a consent
    response = _post(api, "/me/data/consents", _consent_body(api), api.a)

    # then 201 with the receipt and its audit entry's hash
    assert response.status_code == 201
    receipt = response.json()
    number = receipt["receipt_number"]
    assert receipt["status"] == "active" and receipt["client"]["id"] == api.bank.pk
    assert len(receipt["grant_entry"]["hash"]) == 64 and receipt["revoke_entry"] is None
    assert receipt["field_labels"] == ["姓名", "婚姻状况"]
    listed = api.http.get(f"{API}/me/data/consents", **api.a).json()
    assert [c["receipt_number"] for c in listed["items"]] == [number]

    # and B can neither list, open nor revoke it
    assert api.http.get(f"{API}/me/data/consents", **api.b).json()["count"] == 0
    assert api.http.get(f"{API}/me/data/consents/{number}", **api.b).status_code == 404
    assert _post(api, f"/me/data/consents/{number}/revoke", {}, api.b).status_code == 404

    # when A revokes it / then the receipt shows the revocation; a second time is 409
    revoked = _post(api, f"/me/data/consents/{number}/revoke", {}, api.a)
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["revoke_entry"]["seq"] > receipt["grant_entry"]["seq"]
    again = _post(api, f"/me/data/consents/{number}/revoke", {}, api.a)
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    shown = api.http.get(f"{API}/me/data/consents/{number}", **api.a).json()
    assert shown["status"] == "revoked" and shown["revoked_at"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"valid_until": "2020-01-01"},
        {"valid_until": "not a date"},
        {"fields": ["salary"]},
        {"client_id": 0},
        {"purpose": ""},
    ],
)
def test_bad_consents_are_422_problems(api, overrides) -> None:  # type: ignore[no-untyped-def]
    response = _post(api, "/me/data/consents", _consent_body(api, **overrides), api.a)
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM


@pytest.mark.django_db
def test_correction_filed_seen_and_accepted_by_the_owners_steward(api) -> None:  # type: ignore[no-untyped-def]
    # when A files a correction request
    body = {
        "dataset_code": "population",
        "record_key": api.citizen_a.id_number,
        "field_name": "education",
        "proposed_value": "大学本科",
        "reason": "毕业证书可证明",
    }
    response = _post(api, "/me/data/corrections", body, api.a)

    # then 201 with a number and a deadline; A sees it, B does not
    assert response.status_code == 201
    number = response.json()["number"]
    assert response.json()["status"] == "open" and response.json()["deadline"]
    assert api.http.get(f"{API}/me/data/corrections/{number}", **api.a).status_code == 200
    assert api.http.get(f"{API}/me/data/corrections/{number}", **api.b).status_code == 404
    assert api.http.get(f"{API}/me/data/corrections", **api.b).json()["count"] == 0
    assert api.http.get(f"{API}/me/data/corrections", **api.a).json()["count"] == 1

    # and the owner's steward has it queued; the other department's steward does not
    ga, scjg = bearer(api.ga_steward), bearer(api.scjg_steward)
    queue = api.http.get(f"{API}/data/corrections", **ga).json()
    assert [c["number"] for c in queue["items"]] == [number]
    assert queue["items"][0]["subject_key"] == api.citizen_a.id_number
    assert api.http.get(f"{API}/data/corrections", **scjg).json()["count"] == 0
    assert _post(api, f"/data/corrections/{number}/accept", {}, scjg).status_code == 404
    # and applicants and non-stewards may not use the steward endpoints
    assert api.http.get(f"{API}/data/corrections", **api.a).status_code == 403
    assert api.http.get(f"{API}/data/corrections", **bearer(api.clerk)).status_code == 403

    # when the owner's steward rejects without a reason / then 422
    assert _post(api, f"/data/corrections/{number}/reject", {}, ga).status_code == 422
    # when they accept / then the record is corrected with its history
    accepted = _post(api, f"/data/corrections/{number}/accept", {"reason": "已核实"}, ga)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert PopulationRecord.objects.get(resident_id=api.citizen_a.id_number).education == "大学本科"
    assert RecordVersion.objects.filter(correction__number=number).count() == 1
    assert _post(api, f"/data/corrections/{number}/accept", {}, ga).status_code == 409
    shown = api.http.get(f"{API}/me/data/corrections/{number}", **api.a).json()
    assert shown["status"] == "accepted" and shown["decision_reason"] == "已核实"


@pytest.mark.django_db
def test_a_bad_proposed_value_is_a_422_naming_the_field(api) -> None:  # type: ignore[no-untyped-def]
    body = {
        "dataset_code": "population",
        "record_key": api.citizen_a.id_number,
        "field_name": "birth_date",
        "proposed_value": "1960-02-30",
        "reason": "出生证明",
    }
    response = _post(api, "/me/data/corrections", body, api.a)
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert "proposed_value" in response.text
    # and B's record is not A's to correct
    body.update(record_key=api.citizen_b.id_number, proposed_value="1960-02-03")
    assert _post(api, "/me/data/corrections", body, api.a).status_code == 404
