"""Consents for third parties (授权): grant with a receipt and an audit entry, every kind of bad
input refused, revocation by the subject only and effective on the third party's next read."""

import datetime as dt

import pytest
from django.core.management import call_command

from onetrip.audit.models import AuditEntry
from onetrip.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from onetrip.core.workdays import today
from onetrip.datahub.models import ApiClient, Consent, SharingCall
from onetrip.datahub.selectors.vault import access_consent, consents_of, third_party_clients
from onetrip.datahub.services.sharing import (
    client_create,
    client_disable,
    grant_decide,
    grant_request,
    share_read,
)
from onetrip.datahub.services.vault import consent_grant, consent_revoke
from onetrip.testing import factories

FIELDS = ["name", "marital_status"]


@pytest.fixture
def admin(world):  # type: ignore[no-untyped-def]
    return factories.staff(roles=["system_admin"])


@pytest.fixture
def bank(world, admin) -> ApiClient:  # type: ignore[no-untyped-def]
    """A third party (a bank assessing loans) with a granted access to population fields."""
    client, _token = client_create(
        actor=admin,
        name="示例银行信贷系统",
        kind=ApiClient.Kind.THIRD_PARTY,
        organisation_name="示例银行股份有限公司",
    )
    grant = grant_request(
        client=client,
        dataset_code="population",
        fields=FIELDS,
        purpose="个人贷款审核",
        legal_basis="《个人信息保护法》第十三条第一项（个人同意）",
        expires_on=today() + dt.timedelta(days=365),
        requested_by=admin,
    )
    grant_decide(actor=admin, grant_id=grant.pk, approve=True)
    return client


def _grant(world, bank, **overrides) -> Consent:  # type: ignore[no-untyped-def]
    args = {
        "subject": world.citizen_a,
        "client_id": bank.pk,
        "dataset_code": "population",
        "fields": FIELDS,
        "purpose": "个人住房贷款审核",
        "valid_until": today() + dt.timedelta(days=30),
    }
    return consent_grant(**{**args, **overrides})


def _bank_reads(bank, subject):  # type: ignore[no-untyped-def]
    return share_read(
        client=bank,
        dataset_code="population",
        keys=[subject.id_number],
        fields=FIELDS,
        purpose="个人住房贷款审核",
    )


@pytest.mark.django_db
def test_grant_gives_a_receipt_recorded_in_the_audit_chain(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given citizen A and a bank
    # when A authorises the bank to read two population fields for a loan until a date
    consent = _grant(world, bank)

    # then the consent is active, about A's resident ID, with a receipt number
    assert consent.status == Consent.Status.ACTIVE
    assert consent.subject_key == world.citizen_a.id_number
    assert consent.fields == FIELDS and consent.client == bank
    assert consent.receipt_number.startswith("SQ") and len(consent.receipt_number) == 18
    # and a chained audit entry names the action, the person and the receipt
    entry = AuditEntry.objects.get(action="consent.grant")
    assert entry.subject_key == world.citizen_a.id_number
    assert entry.object_id == str(consent.pk) and entry.actor_id == world.citizen_a.pk
    assert entry.detail["receipt_number"] == consent.receipt_number
    assert entry.detail["fields"] == FIELDS
    # and the receipt shows that entry's hash
    receipt = access_consent(user=world.citizen_a, receipt_number=consent.receipt_number)
    assert receipt.grant_entry.hash == entry.hash and len(entry.hash) == 64
    assert receipt.revoke_entry is None
    assert receipt.field_labels == ["姓名", "婚姻状况"]


@pytest.mark.django_db
def test_revoke_is_recorded_on_the_receipt_and_twice_is_wrong_state(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given A's consent
    consent = _grant(world, bank)

    # when A revokes it
    revoked = consent_revoke(subject=world.citizen_a, consent_id=consent.pk)

    # then it is revoked now, with its own audit entry shown on the receipt
    assert revoked.status == Consent.Status.REVOKED and revoked.revoked_at is not None
    receipt = access_consent(user=world.citizen_a, receipt_number=consent.receipt_number)
    entry = AuditEntry.objects.get(action="consent.revoke")
    assert receipt.revoke_entry.hash == entry.hash
    assert entry.subject_key == world.citizen_a.id_number
    assert entry.seq > receipt.grant_entry.seq
    # and revoking again is refused
    with pytest.raises(WrongState):
        consent_revoke(subject=world.citizen_a, consent_id=consent.pk)


@pytest.mark.django_db
def test_a_revoked_consent_stops_the_third_partys_next_read(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given A's consent, under which the bank reads A's name
    consent = _grant(world, bank)
    result = _bank_reads(bank, world.citizen_a)
    assert result.records[world.citizen_a.id_number]["name"] == "张三"

    # when A revokes the consent
    consent_revoke(subject=world.citizen_a, consent_id=consent.pk)

    # then the bank's next read is refused, and the refusal is in the sharing log
    with pytest.raises(PermissionDenied):
        _bank_reads(bank, world.citizen_a)
    assert SharingCall.objects.filter(client=bank, outcome="no_consent").count() == 1


@pytest.mark.django_db
def test_another_persons_consent_cannot_be_revoked_or_seen(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given A's consent
    consent = _grant(world, bank)

    # when B tries to revoke it or open its receipt / then B learns nothing: not found
    with pytest.raises(NotFound):
        consent_revoke(subject=world.citizen_b, consent_id=consent.pk)
    with pytest.raises(NotFound):
        access_consent(user=world.citizen_b, receipt_number=consent.receipt_number)
    assert list(consents_of(user=world.citizen_b)) == []
    assert list(consents_of(user=world.clerk)) == []
    # and A's consent is untouched
    consent.refresh_from_db()
    assert consent.status == Consent.Status.ACTIVE


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"valid_until": dt.date(2020, 1, 1)}, "valid_until"),
        ({"valid_until": "yesterday"}, "valid_until"),
        ({"fields": ["name", "salary"]}, "fields"),
        ({"fields": []}, "fields"),
        ({"purpose": "   "}, "purpose"),
        ({"purpose": "长" * 201}, "purpose"),
        ({"dataset_code": "no_such_dataset"}, "dataset_code"),
        ({"client_id": 999_999}, "client_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(world, bank, overrides, field) -> None:  # type: ignore[no-untyped-def]
    # given a consent with one bad part / when granted / then refused naming that part
    with pytest.raises(ValidationFailed) as error:
        _grant(world, bank, **overrides)
    assert error.value.field == field
    assert not Consent.objects.exists()
    assert not AuditEntry.objects.filter(action="consent.grant").exists()


@pytest.mark.django_db
def test_valid_until_runs_from_today_to_the_configured_maximum(world, bank, settings) -> None:  # type: ignore[no-untyped-def]
    # given a maximum of 30 days
    settings.ONETRIP_CONSENT_MAX_DAYS = 30

    # when consents end today or on the 30th day / then they are granted
    assert _grant(world, bank, valid_until=today()).valid_until == today()
    _grant(world, bank, valid_until=today() + dt.timedelta(days=30))
    # and one day later is refused, saying the last possible day
    with pytest.raises(ValidationFailed, match=str(today() + dt.timedelta(days=30))):
        _grant(world, bank, valid_until=today() + dt.timedelta(days=31))


@pytest.mark.django_db
def test_only_active_third_parties_may_be_authorised(world, bank, admin) -> None:  # type: ignore[no-untyped-def]
    # given the platform's case-prefill client (a department system) and a disabled bank
    prefill = ApiClient.objects.get(kind=ApiClient.Kind.DEPARTMENT_SYSTEM)
    other, _ = client_create(
        actor=admin,
        name="已停用的贷款平台",
        kind=ApiClient.Kind.THIRD_PARTY,
        organisation_name="某金融公司",
    )
    client_disable(actor=admin, client_id=other.pk)

    # when A tries to authorise either / then refused
    for client in (prefill, other):
        with pytest.raises(ValidationFailed) as error:
            _grant(world, bank, client_id=client.pk)
        assert error.value.field == "client_id"
    # and the consent form offers only the active bank
    assert list(third_party_clients()) == [bank]


@pytest.mark.django_db
def test_staff_cannot_give_consents(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given a clerk (no resident ID of their own in the vault sense)
    # when they try to consent / then refused
    with pytest.raises(PermissionDenied):
        _grant(world, bank, subject=world.clerk)


@pytest.mark.django_db
def test_an_enterprise_consents_on_its_legal_entity_data(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given an enterprise
    # when it authorises the bank to read its registered capital and status
    consent = _grant(
        world,
        bank,
        subject=world.enterprise,
        dataset_code="legal_entity",
        fields=["status", "registered_capital"],
    )

    # then the consent is about its USCC, and its receipt is its own only
    assert consent.subject_key == world.enterprise.id_number
    assert access_consent(user=world.enterprise, receipt_number=consent.receipt_number) == consent
    with pytest.raises(NotFound):
        access_consent(user=world.citizen_a, receipt_number=consent.receipt_number)


@pytest.mark.django_db
def test_the_audit_chain_stays_intact_through_grants_and_revocations(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given consents granted and revoked
    for _n in range(3):
        consent = _grant(world, bank)
        consent_revoke(subject=world.citizen_a, consent_id=consent.pk)

    # when the chains are verified / then intact (no CommandError)
    call_command("audit", "verify")
