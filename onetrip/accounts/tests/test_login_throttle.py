"""Password guessing is slowed down: five failures lock an identity for a while."""

import datetime as dt
import json

import pytest
from django.utils import translation

from onetrip.accounts.models import LoginFailure
from onetrip.accounts.services import login_check
from onetrip.core.errors import InvalidCredentials, TooManyAttempts
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _token(client, username, password):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/auth/tokens",
        data=json.dumps({"username": username, "password": password}),
        content_type="application/json",
    )


def test_five_failures_lock_even_the_right_password(world):
    number = world.citizen_a.id_number
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            login_check(request=None, identity=number, password="wrong")
    with pytest.raises(TooManyAttempts, match="15 minutes"):
        login_check(request=None, identity=number, password=factories.PASSWORD)
    # the lock is per identity: someone else still logs in
    assert login_check(
        request=None, identity=world.citizen_b.id_number, password=factories.PASSWORD
    )


def test_lock_ends_after_the_window_and_success_clears_failures(world):
    number = world.citizen_a.id_number
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            login_check(request=None, identity=number, password="wrong")
    LoginFailure.objects.update(at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert login_check(request=None, identity=number.lower(), password=factories.PASSWORD)
    assert not LoginFailure.objects.filter(identity=number).exists()


def test_api_answers_401_then_429_as_problem_json(client, world):
    number = world.citizen_a.id_number
    for _ in range(5):
        assert _token(client, number, "wrong").status_code == 401
    response = _token(client, number, factories.PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/too-many-attempts")


def test_login_page_shows_the_lock_next_to_the_form(client, world):
    number = world.citizen_a.id_number
    for _ in range(5):
        page = client.post("/en/login/", {"id_number": number, "password": "wrong"})
        assert "The number or the password is wrong." in page.content.decode()
    page = client.post("/en/login/", {"id_number": number, "password": factories.PASSWORD})
    assert page.status_code == 400
    assert "Too many failed attempts" in page.content.decode()
    assert "_auth_user_id" not in client.session
