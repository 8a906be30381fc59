"""Department admins maintain their own department's items in the admin, nobody else's;
instant-approval rules are validated whenever they are saved."""

import pytest
from django.core.exceptions import ValidationError

from onetrip.catalog.models import InstantApprovalRule, ItemImplementation
from onetrip.catalog.rules import parse_conditions
from onetrip.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(world):
    own = factories.implementation(dept=world.civil, code="XK00001001", name="本部门事项")
    other = factories.implementation(dept=world.market, code="XK00002001", name="他部门事项")
    admin = factories.staff(roles=["department_admin"], dept=world.civil)
    return own, other, admin


def test_department_admin_lists_and_edits_only_own_items(client, admins):
    own, other, admin = admins
    client.force_login(admin)
    listing = client.get("/admin/catalog/itemimplementation/")
    assert listing.status_code == 200
    assert own.code in listing.content.decode() and other.code not in listing.content.decode()
    assert client.get(f"/admin/catalog/itemimplementation/{own.pk}/change/").status_code == 200


def test_department_admin_edits_materials_and_rules_inline(client, admins):
    own, _, admin = admins
    client.force_login(admin)
    page = client.get(f"/admin/catalog/itemimplementation/{own.pk}/change/").content.decode()
    # editable formsets for both, not read-only displays
    assert 'name="materials-TOTAL_FORMS"' in page
    assert 'name="instant_rules-TOTAL_FORMS"' in page
    assert 'name="materials-0-name"' in page


def test_department_admin_cannot_change_other_department_item(client, admins):
    own, other, admin = admins
    client.force_login(admin)
    response = client.get(f"/admin/catalog/itemimplementation/{other.pk}/change/")
    assert response.status_code == 302  # the admin treats it as missing
    client.post(f"/admin/catalog/itemimplementation/{other.pk}/delete/", {"post": "yes"})
    assert ItemImplementation.objects.filter(pk=other.pk).exists()


def test_approver_has_no_catalog_admin(client, world, admins):
    client.force_login(world.approver)
    assert client.get("/admin/catalog/itemimplementation/").status_code in (302, 403)


@pytest.mark.parametrize(
    "conditions, message",
    [
        ({"all": []}, "non-empty"),
        ({"all": [{"fact": "salary", "op": ">", "value": 1}]}, "unknown fact"),
        ({"all": [{"fact": "age", "op": "~", "value": 1}]}, "unknown operator"),
        ({"all": [{"fact": "age", "op": ">=", "value": "60"}]}, "compared with a int"),
        ({"all": [{"fact": "household_in_region", "op": ">", "value": True}]}, "yes/no"),
        ({"any": [{"fact": "sex", "op": "in", "value": "F"}]}, "list"),
        ({"__import__": "os"}, "one key"),
    ],
)
def test_bad_rules_are_refused_on_save(admins, conditions, message):
    own, _, _ = admins
    rule = InstantApprovalRule(implementation=own, name="bad", conditions=conditions)
    with pytest.raises(ValidationError, match=message):
        rule.full_clean()
    with pytest.raises(ValueError, match=message):
        rule.save()
    assert not InstantApprovalRule.objects.filter(name="bad").exists()


def test_rules_evaluate_without_eval():
    rule = parse_conditions(
        {
            "any": [
                {"fact": "age", "op": ">=", "value": 80},
                {"fact": "sex", "op": "in", "value": ["F"]},
            ]
        }
    )
    assert rule.holds({"age": 85, "sex": "M"})
    assert rule.holds({"age": 30, "sex": "F"})
    assert not rule.holds({"age": 30, "sex": "M"})
    assert not rule.holds({})  # unknown facts never approve


def test_promised_limit_cannot_exceed_statutory(admins):
    own, _, _ = admins
    own.promised_limit_days = own.statutory_limit_days + 1
    with pytest.raises(ValidationError):
        own.full_clean()
