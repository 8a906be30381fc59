"""E-licences through the API: public verification with the holder masked, and the holder's
own wallet; plus the message centre of the same applicant."""

import pytest
from django.test import Client

from onetrip.accounts.identifiers import mask_name
from onetrip.accounts.services import api_token_create
from onetrip.cases import services
from onetrip.testing import factories

API = "/api/v1"


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def licensed(world):  # type: ignore[no-untyped-def]
    """Citizen A's instantly approved case with its e-licence."""
    item = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    return services.case_apply(actor=world.citizen_a, implementation=item)


@pytest.mark.django_db
def test_verify_by_code_shows_the_licence_with_the_holder_masked(world, licensed) -> None:  # type: ignore[no-untyped-def]
    # given the licence's code, in lower case as someone might type it
    licence = licensed.licence
    code = licence.verification_code.lower()

    # when anyone verifies it
    response = Client().get(f"{API}/licences/verify/{code}")

    # then type, issuer, dates and status show, and the holder is masked
    assert response.status_code == 200
    body = response.json()
    number = world.citizen_a.id_number
    assert body["holder_name"] == "张*"
    assert body["holder_id_number"] == number[:6] + "********" + number[-4:]
    assert body["licence_type"]["code"] == licence.licence_type.code
    assert body["issuer"] == world.civil.name
    assert body["status"] == "valid"
    assert body["issued_on"] == licence.issued_on.isoformat()
    assert "verification_code" not in body


@pytest.mark.django_db
def test_unknown_code_is_a_404_problem(world) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(f"{API}/licences/verify/NOSUCHCODE")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_my_licences_and_messages_are_my_own(world, licensed) -> None:  # type: ignore[no-untyped-def]
    # given citizen A's licence and the approval message queued for them
    from onetrip.notify.services import outbox_deliver

    outbox_deliver()
    client = Client()

    # when A and B look at their wallets and messages
    mine = client.get(f"{API}/me/licences", **bearer(world.citizen_a)).json()
    theirs = client.get(f"{API}/me/licences", **bearer(world.citizen_b)).json()
    messages = client.get(f"{API}/me/messages", **bearer(world.citizen_a)).json()
    others = client.get(f"{API}/me/messages", **bearer(world.citizen_b)).json()

    # then each sees only their own, unmasked for the holder
    assert [lic["number"] for lic in mine["items"]] == [licensed.licence.number]
    assert mine["items"][0]["holder_id_number"] == world.citizen_a.id_number
    assert mine["items"][0]["verification_code"] == licensed.licence.verification_code
    assert theirs == {"items": [], "count": 0}
    assert messages["count"] >= 1 and others["count"] == 0
    # and A can mark a message read, while B gets 404 for it
    message_id = messages["items"][0]["id"]
    assert (
        client.post(f"{API}/me/messages/{message_id}/read", **bearer(world.citizen_b)).status_code
        == 404
    )
    read = client.post(f"{API}/me/messages/{message_id}/read", **bearer(world.citizen_a))
    assert read.status_code == 200 and read.json()["read_at"]


def test_mask_name_keeps_the_family_name() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳修") == "欧阳*"
    assert mask_name("Zhang San") == "Zhang ***"
    assert mask_name("") == ""
