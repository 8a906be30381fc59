"""The public service guide through the API: browse with filters, item and implementation
detail with materials marked fetched or upload."""

import json

import pytest
from django.test import Client

from onetrip.testing import factories

API = "/api/v1"


@pytest.fixture
def guide(world):  # type: ignore[no-untyped-def]
    """An instant ID-only item of civil affairs, and an upload item of market regulation."""
    senior = factories.implementation(
        dept=world.civil, name="老年人优待证办理", rules=[factories.SENIOR_RULE]
    )
    shop = factories.implementation(
        dept=world.market,
        name="食品经营许可",
        code="XK00999001",
        applicant_kind="enterprise",
        materials=[
            {"name": "营业执照", "source": "registry", "registry_field": "legal_entity.uscc"},
            {"name": "场所平面图", "source": "upload"},
        ],
    )
    return senior, shop


@pytest.mark.django_db
def test_items_are_listed_paginated_and_filtered(guide) -> None:  # type: ignore[no-untyped-def]
    # given the two items
    senior, shop = guide
    client = Client()

    # when the public browses with no filter and with each filter
    everything = client.get(f"{API}/catalog/items").json()
    by_department = client.get(f"{API}/catalog/items?department=market_regulation").json()
    by_region = client.get(f"{API}/catalog/items?region=330106").json()
    by_words = client.get(f"{API}/catalog/items", {"q": "优待"}).json()
    by_code = client.get(f"{API}/catalog/items", {"q": shop.item.code}).json()
    first_page = client.get(f"{API}/catalog/items?page_size=1").json()

    # then each filter keeps the matching item
    assert everything["count"] == 2
    assert [i["code"] for i in by_department["items"]] == [shop.item.code]
    assert [i["code"] for i in by_region["items"]] == [senior.item.code]
    assert [i["code"] for i in by_words["items"]] == [senior.item.code]
    assert [i["code"] for i in by_code["items"]] == [shop.item.code]
    assert first_page["count"] == 2 and len(first_page["items"]) == 1
    assert everything["items"][0]["competent_department"]["name"]


@pytest.mark.django_db
def test_unknown_theme_filter_is_a_422_problem(guide) -> None:  # type: ignore[no-untyped-def]
    response = Client().get(f"{API}/catalog/items?theme=space_travel")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["errors"][0]["field"] == "theme"


@pytest.mark.django_db
def test_item_detail_lists_its_implementations(guide) -> None:  # type: ignore[no-untyped-def]
    # when the public opens an item
    senior, _ = guide
    response = Client().get(f"{API}/catalog/items/{senior.item.code}")

    # then it shows the six elements and where it is offered
    assert response.status_code == 200
    body = response.json()
    assert body["legal_basis"] and body["implementing_body"]
    assert [i["id"] for i in body["implementations"]] == [senior.id]
    assert body["implementations"][0]["region"]["code"] == "330106"


@pytest.mark.django_db
def test_implementation_detail_marks_materials_and_flags(guide) -> None:  # type: ignore[no-untyped-def]
    # when the public opens both implementations
    senior, shop = guide
    client = Client()
    instant = client.get(f"{API}/catalog/implementations/{senior.id}").json()
    upload = client.get(f"{API}/catalog/implementations/{shop.id}").json()

    # then the instant item is ID-only with every material fetched
    assert instant["instant_approval"] is True and instant["id_only"] is True
    assert {m["satisfied_by"] for m in instant["materials"]} == {"fetched"}
    # and the other needs one upload, with fees, limits and channels shown
    assert upload["instant_approval"] is False and upload["id_only"] is False
    assert [(m["name"], m["satisfied_by"]) for m in upload["materials"]] == [
        ("营业执照", "fetched"),
        ("场所平面图", "upload"),
    ]
    assert upload["limits"] == {
        "statutory_days": 20,
        "promised_days": 5,
        "allows_extension": False,
        "max_extension_days": 0,
    }
    assert upload["channels"]["online"] is True
    assert upload["fee"]["amount"] == "0.00"
    assert upload["processing_steps"] == ["review", "approval"]


@pytest.mark.django_db
def test_unknown_item_and_implementation_are_404_problems(guide) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for url in (f"{API}/catalog/items/XK99999999", f"{API}/catalog/implementations/999999"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(response.content)["type"] == "https://onetrip.dev/problems/not-found"
