"""The sharing API over HTTP: client bearer credentials, the purpose and case headers,
problem+json refusals, and exactly one log row for every answered read."""

import datetime as dt
import json
from urllib.parse import quote

import pytest
from django.test import Client

from onetrip.accounts.models import Department, Role
from onetrip.core.workdays import today
from onetrip.datahub.models import AccessGrant, SharingCall
from onetrip.datahub.services import (
    client_create,
    credential_rotate,
    grant_decide,
    grant_request,
)
from onetrip.testing import factories

API = "/api/v1/share"
PURPOSE = "低保资格审核"


@pytest.fixture
def system(world):  # type: ignore[no-untyped-def]
    """A civil affairs system granted names, birth dates and IDs (level 2 in clear)."""
    steward = factories.staff(roles=[Role.DATA_STEWARD], dept=world.civil)
    client, token = client_create(actor=steward, name="民政业务系统", department_id=world.civil.pk)
    grant = grant_request(
        client=client,
        dataset_code="population",
        fields=["resident_id", "name", "birth_date"],
        purpose=PURPOSE,
        legal_basis="《社会救助暂行办法》",
        expires_on=today() + dt.timedelta(days=30),
    )
    ga = factories.staff(roles=[Role.DATA_STEWARD], dept=Department.objects.get(code="330000-GA"))
    grant_decide(actor=ga, grant_id=grant.pk, approve=True)

    class System:
        pass

    s = System()
    s.client, s.token, s.steward = client, token, steward
    return s


def _headers(token: str, **extra: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_PURPOSE": quote(PURPOSE), **extra}


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


@pytest.mark.django_db
def test_a_record_by_key_with_purpose_and_case_headers(world, system) -> None:  # type: ignore[no-untyped-def]
    key = world.citizen_a.id_number
    # when the system reads two fields of A for a case
    response = Client().get(
        f"{API}/population/records/{key}?fields=name,birth_date",
        **_headers(system.token, HTTP_X_CASE_NUMBER="330106A1"),
    )
    # then it gets them, and exactly one log row records the read
    assert response.status_code == 200
    body = response.json()
    assert body["record"] == {"name": "张三", "birth_date": "1960-05-01"}
    calls = SharingCall.objects.filter(client=system.client)
    assert calls.count() == 1
    call = calls.get()
    assert call.pk == body["call_id"]
    assert (call.keys, call.fields, call.purpose, call.case_number) == (
        [key],
        ["name", "birth_date"],
        PURPOSE,
        "330106A1",
    )
    assert call.status_code == 200 and call.hidden is False


@pytest.mark.django_db
def test_a_batch_gets_granted_fields_with_the_id_masked(world, system) -> None:  # type: ignore[no-untyped-def]
    a, b = world.citizen_a.id_number, world.citizen_b.id_number
    # when the system reads two people without naming fields
    response = Client().post(
        f"{API}/population/records:batch",
        data=json.dumps({"keys": [a, b]}),
        content_type="application/json",
        **_headers(system.token),
    )
    # then both come with the granted fields only; the ID (level 3) masked
    assert response.status_code == 200
    body = response.json()
    assert set(body["records"]) == {a, b}
    assert set(body["records"][b]) == {"resident_id", "name", "birth_date"}
    assert body["records"][a]["resident_id"] == a[:6] + "********" + a[-4:]
    assert body["masked"] == ["resident_id"]
    assert SharingCall.objects.get(pk=body["call_id"]).keys == [a, b]


@pytest.mark.django_db
def test_refusals_are_problems_and_each_is_logged(world, system) -> None:  # type: ignore[no-untyped-def]
    key = world.citizen_a.id_number
    http = Client()
    url = f"{API}/population/records/{key}"
    # beyond the grant
    body = _problem(http.get(url + "?fields=marital_status", **_headers(system.token)), 403)
    assert body["outcome"] == "fields_not_granted"
    # without a purpose
    headers = _headers(system.token)
    del headers["HTTP_X_PURPOSE"]
    assert _problem(http.get(url, **headers), 422)["outcome"] == "no_purpose"
    # a dataset it has no grant on
    body = _problem(
        http.get(
            f"{API}/legal_entity/records/{world.enterprise.id_number}", **_headers(system.token)
        ),
        403,
    )
    assert body["outcome"] == "no_grant"
    # an expired grant
    AccessGrant.objects.filter(client=system.client).update(
        expires_on=today() - dt.timedelta(days=1)
    )
    assert _problem(http.get(url, **_headers(system.token)), 403)["outcome"] == "grant_expired"
    # too many keys in a batch
    response = http.post(
        f"{API}/population/records:batch",
        data=json.dumps({"keys": [str(i) for i in range(101)]}),
        content_type="application/json",
        **_headers(system.token),
    )
    assert _problem(response, 422)["outcome"] == "too_many_keys"
    # then every refusal is on the log with its status, and none has a 200
    outcomes = list(
        SharingCall.objects.filter(client=system.client)
        .order_by("seq")
        .values_list("outcome", "status_code")
    )
    assert outcomes == [
        ("fields_not_granted", 403),
        ("no_purpose", 422),
        ("no_grant", 403),
        ("grant_expired", 403),
        ("too_many_keys", 422),
    ]


@pytest.mark.django_db
def test_revoked_credentials_are_refused_and_logged_rotation_gives_a_working_one(
    world, system
) -> None:  # type: ignore[no-untyped-def]
    url = f"{API}/population/records/{world.citizen_a.id_number}?fields=name"
    http = Client()
    # when the steward rotates the credential
    _, new = credential_rotate(actor=system.steward, client_id=system.client.pk)
    # then the old token is a 401 problem, logged against the client
    _problem(http.get(url, **_headers(system.token)), 401)
    call = SharingCall.objects.get(client=system.client)
    assert (call.outcome, call.status_code, call.dataset_code) == (
        "credentials_revoked",
        401,
        "population",
    )
    # and the new one reads
    assert http.get(url, **_headers(new)).status_code == 200
    # and garbage is a 401 without a log row (no client to name)
    before = SharingCall.objects.count()
    _problem(http.get(url, **_headers("nope.nope")), 401)
    _problem(http.get(url), 401)
    assert SharingCall.objects.count() == before


@pytest.mark.django_db
def test_a_missing_record_is_a_404_and_logged_as_such(world, system) -> None:  # type: ignore[no-untyped-def]
    nobody = factories.resident_id(seq=998)
    response = Client().get(f"{API}/population/records/{nobody}", **_headers(system.token))
    _problem(response, 404)
    call = SharingCall.objects.get(client=system.client)
    assert (call.outcome, call.status_code, call.keys) == ("no_record", 404, [nobody])


@pytest.mark.django_db
def test_the_rate_limit_is_a_429_with_retry_after(world, system) -> None:  # type: ignore[no-untyped-def]
    system.client.rate_limit_per_minute = 1
    system.client.save(update_fields=["rate_limit_per_minute"])
    url = f"{API}/population/records/{world.citizen_a.id_number}?fields=name"
    http = Client()
    assert http.get(url, **_headers(system.token)).status_code == 200
    response = http.get(url, **_headers(system.token))
    assert _problem(response, 429)["outcome"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 61


@pytest.mark.django_db
def test_covert_reads_are_flagged_hidden_and_raw_utf8_headers_are_read(world, system) -> None:  # type: ignore[no-untyped-def]
    url = f"{API}/population/records/{world.citizen_a.id_number}?fields=name"
    headers = _headers(system.token, HTTP_X_CASE_NUMBER="C-9", HTTP_X_COVERT="1")
    headers["HTTP_X_PURPOSE"] = "侦查".encode().decode("latin-1")  # as WSGI hands raw UTF-8
    assert Client().get(url, **headers).status_code == 200
    call = SharingCall.objects.get(client=system.client)
    assert call.hidden is True and call.purpose == "侦查" and call.case_number == "C-9"


@pytest.mark.django_db
def test_every_200_has_exactly_one_log_row(world, system) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    keys = [world.citizen_a.id_number, world.citizen_b.id_number]
    oks = 0
    for i in range(6):
        response = http.get(
            f"{API}/population/records/{keys[i % 2]}?fields=name", **_headers(system.token)
        )
        oks += response.status_code == 200
    assert oks == 6
    rows = SharingCall.objects.filter(client=system.client, status_code=200)
    assert rows.count() == 6
    assert [r.keys for r in rows.order_by("seq")] == [[keys[i % 2]] for i in range(6)]


@pytest.mark.django_db
def test_a_client_asks_for_access_and_lists_its_grants(world, system) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    response = http.post(
        f"{API}/grants",
        data=json.dumps(
            {
                "dataset": "legal_entity",
                "fields": ["name", "status"],
                "purpose": "企业资格核验",
                "legal_basis": "《某办法》",
                "expires_on": (today() + dt.timedelta(days=10)).isoformat(),
            }
        ),
        content_type="application/json",
        **_headers(system.token),
    )
    assert response.status_code == 201
    assert response.json()["status"] == "granted"  # unconditional
    listed = http.get(f"{API}/grants", **_headers(system.token)).json()
    assert {g["dataset"] for g in listed} == {"population", "legal_entity"}
    # an unknown field is a 422 problem
    response = http.post(
        f"{API}/grants",
        data=json.dumps(
            {
                "dataset": "population",
                "fields": ["shoe_size"],
                "purpose": "x",
                "legal_basis": "y",
                "expires_on": (today() + dt.timedelta(days=10)).isoformat(),
            }
        ),
        content_type="application/json",
        **_headers(system.token),
    )
    _problem(response, 422)
