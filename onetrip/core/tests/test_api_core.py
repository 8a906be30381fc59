"""The API's frame: OpenAPI document, problem+json for every kind of failure, bearer tokens."""

import json

import pytest
from django.test import Client

from onetrip.accounts.models import ApiToken
from onetrip.accounts.services import api_token_create, api_token_revoke
from onetrip.cases.models import Case
from onetrip.testing import factories

API = "/api/v1"
PROBLEM = "application/problem+json"


def problem(response) -> dict:  # type: ignore[no-untyped-def]
    assert response["Content-Type"] == PROBLEM, response.content
    body = json.loads(response.content)
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://onetrip.dev/problems/")
    assert body["title"] and body["detail"]
    return body


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --------------------------------------------------------------------------- OpenAPI


@pytest.mark.django_db
def test_openapi_document_loads_and_lists_the_paths() -> None:
    # given an anonymous client
    client = Client()

    # when it fetches the OpenAPI document
    response = client.get(f"{API}/openapi.json")

    # then it is OpenAPI 3 and lists the main endpoints
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    for path in (
        "/api/v1/catalog/items",
        "/api/v1/catalog/implementations/{implementation_id}",
        "/api/v1/applications",
        "/api/v1/applications/{number}",
        "/api/v1/applications/{number}/resubmit",
        "/api/v1/staff/cases",
        "/api/v1/staff/cases/{number}/approve",
        "/api/v1/staff/intake",
        "/api/v1/licences/verify/{code}",
        "/api/v1/me/licences",
        "/api/v1/me/messages",
        "/api/v1/auth/tokens",
    ):
        assert path in doc["paths"], path
    # and apply documents both JSON and multipart bodies
    body = doc["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(body)
    assert client.get(f"{API}/docs").status_code == 200


# --------------------------------------------------------------------------- unknown URLs


@pytest.mark.django_db
def test_unknown_url_under_the_api_is_a_404_problem() -> None:
    # when a path that no endpoint serves is requested
    response = Client().get(f"{API}/no/such/thing")

    # then it is a 404 problem naming the path
    body = problem(response)
    assert response.status_code == 404
    assert body["instance"] == f"{API}/no/such/thing"


@pytest.mark.django_db
def test_wrong_method_is_a_405_problem_with_allow() -> None:
    # when a read-only endpoint is deleted
    response = Client().delete(f"{API}/catalog/items")

    # then it is a 405 problem saying what is allowed
    problem(response)
    assert response.status_code == 405
    assert "GET" in response["Allow"]


# --------------------------------------------------------------------------- auth


@pytest.mark.django_db
def test_no_auth_is_a_401_problem(world) -> None:  # type: ignore[no-untyped-def]
    # when an anonymous client asks for applicant and staff endpoints, reading and writing
    client = Client()
    responses = [
        client.get(f"{API}/applications"),
        client.post(f"{API}/applications", data="{}", content_type="application/json"),
        client.get(f"{API}/staff/cases"),
        client.get(f"{API}/me/messages"),
    ]

    # then each is a 401 problem with a bearer challenge
    for response in responses:
        assert response.status_code == 401
        assert problem(response)["type"].endswith("/unauthorized")
        assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_token_login_returns_a_working_bearer_token_stored_hashed(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen with a password
    client = Client()

    # when they log in for a token
    response = client.post(
        f"{API}/auth/tokens",
        data={"username": world.citizen_a.username, "password": factories.PASSWORD, "name": "app"},
        content_type="application/json",
    )

    # then the secret comes back once and only its digest is stored
    assert response.status_code == 201
    secret = response.json()["token"]
    stored = ApiToken.objects.get(user=world.citizen_a)
    assert stored.digest == ApiToken.digest_of(secret)
    assert secret not in (stored.digest, stored.prefix)
    # and the token authenticates API calls
    me = client.get(f"{API}/auth/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert me.status_code == 200
    assert me.json()["username"] == world.citizen_a.username


@pytest.mark.django_db
def test_wrong_password_is_a_401_problem_and_no_token(world) -> None:  # type: ignore[no-untyped-def]
    # when someone logs in with a wrong password
    response = Client().post(
        f"{API}/auth/tokens",
        data={"username": world.citizen_a.username, "password": "wrong"},
        content_type="application/json",
    )

    # then it is refused and no token exists
    assert response.status_code == 401
    assert problem(response)["type"].endswith("/invalid-credentials")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_garbage_and_revoked_tokens_are_401(world) -> None:  # type: ignore[no-untyped-def]
    # given a token that worked and was then revoked
    token, secret = api_token_create(user=world.citizen_a, name="old")
    client = Client()
    assert (
        client.get(f"{API}/applications", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    )
    api_token_revoke(user=world.citizen_a, token_id=token.id)

    # when the revoked token and a made-up one are used
    revoked = client.get(f"{API}/applications", HTTP_AUTHORIZATION=f"Bearer {secret}")
    garbage = client.get(f"{API}/applications", HTTP_AUTHORIZATION="Bearer ot_not-a-real-token")

    # then both are 401 problems
    for response in (revoked, garbage):
        assert response.status_code == 401
        problem(response)


@pytest.mark.django_db
def test_revoking_through_the_api_stops_the_token(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen's token
    token, secret = api_token_create(user=world.citizen_a, name="phone")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client = Client()

    # when they revoke it with itself
    response = client.delete(f"{API}/auth/tokens/{token.id}", **auth)

    # then it stops working
    assert response.status_code == 204
    assert client.get(f"{API}/auth/me", **auth).status_code == 401


@pytest.mark.django_db
def test_wrong_kind_of_user_is_a_403_problem(world) -> None:  # type: ignore[no-untyped-def]
    # when a citizen calls the staff queue and a clerk calls the applicant list
    client = Client()
    citizen = client.get(f"{API}/staff/cases", **bearer(world.citizen_a))
    clerk = client.get(f"{API}/applications", **bearer(world.clerk))

    # then both are 403 problems
    for response in (citizen, clerk):
        assert response.status_code == 403
        assert problem(response)["type"].endswith("/forbidden")


@pytest.mark.django_db
def test_session_auth_works_and_writes_need_the_csrf_token(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen logged in to the pages, with a client that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen_a)

    # when they read and, without a CSRF token, write through the API
    read = client.get(f"{API}/applications")
    write = client.post(f"{API}/applications", data="{}", content_type="application/json")

    # then the read works and the write is a 403 problem, with no case written
    assert read.status_code == 200
    assert write.status_code == 403
    problem(write)
    assert Case.objects.count() == 0


# --------------------------------------------------------------------------- bad input


@pytest.mark.django_db
def test_malformed_json_is_a_400_problem_and_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen with a token
    client = Client()
    auth = bearer(world.citizen_a)

    # when they send broken JSON to a JSON endpoint and to the apply endpoint
    drafts = client.post(
        f"{API}/applications/drafts", data="{not json", content_type="application/json", **auth
    )
    apply = client.post(
        f"{API}/applications", data="{not json", content_type="application/json", **auth
    )

    # then both are 400 malformed-json problems and nothing was written
    for response in (drafts, apply):
        assert response.status_code == 400
        assert problem(response)["type"].endswith("/malformed-json")
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_schema_validation_is_a_422_problem_with_field_errors(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen with a token
    client = Client()
    auth = bearer(world.citizen_a)

    # when they apply without an implementation id and with a wrong channel
    response = client.post(
        f"{API}/applications",
        data={"channel": "pigeon", "form_data": {}},
        content_type="application/json",
        **auth,
    )

    # then it is a 422 problem listing both fields and nothing was written
    assert response.status_code == 422
    body = problem(response)
    assert body["type"].endswith("/validation-failed")
    fields = {e["field"] for e in body["errors"]}
    assert {"implementation_id", "channel"} <= fields
    assert all(e["message"] for e in body["errors"])
    assert Case.objects.count() == 0


@pytest.mark.django_db
def test_query_validation_is_a_422_problem(world) -> None:  # type: ignore[no-untyped-def]
    # when the staff queue is filtered by an SLA state that does not exist
    response = Client().get(f"{API}/staff/cases?sla=purple", **bearer(world.approver))

    # then it is a 422 problem naming the field
    assert response.status_code == 422
    assert [e["field"] for e in problem(response)["errors"]] == ["sla"]


@pytest.mark.django_db
def test_api_root_points_to_the_documents() -> None:
    # when the API root is requested
    response = Client().get(f"{API}/")

    # then it names the OpenAPI document and the docs page
    assert response.status_code == 200
    assert response.json()["openapi"] == f"{API}/openapi.json"


@pytest.mark.django_db
def test_a_bad_token_is_401_even_with_a_session(world) -> None:  # type: ignore[no-untyped-def]
    # given a citizen logged in to the pages
    client = Client()
    client.force_login(world.citizen_a)

    # when a request also carries a made-up bearer token
    response = client.get(f"{API}/applications", HTTP_AUTHORIZATION="Bearer ot_made-up")

    # then the bad token decides: 401
    assert response.status_code == 401
    problem(response)


@pytest.mark.django_db
def test_a_request_body_over_the_limit_is_a_413_problem(world, settings) -> None:  # type: ignore[no-untyped-def]
    # given a small request size limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    client = Client()
    auth = bearer(world.citizen_a)
    big = json.dumps({"implementation_id": 1, "form_data": {"x": "y" * 500}})

    # when a larger JSON body is sent to the JSON endpoint and the apply endpoint
    responses = [
        client.post(
            f"{API}/applications/drafts", data=big, content_type="application/json", **auth
        ),
        client.post(f"{API}/applications", data=big, content_type="application/json", **auth),
    ]

    # then both are 413 problems and nothing was written
    for response in responses:
        assert response.status_code == 413
        assert problem(response)["type"].endswith("/payload-too-large")
    assert Case.objects.count() == 0
