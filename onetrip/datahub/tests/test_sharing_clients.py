"""API clients, credentials and access grants: who may register, rotate and decide what, and
the lists the staff pages show."""

import datetime as dt

import pytest

from onetrip.accounts.models import Department, Role
from onetrip.audit.models import AuditEntry
from onetrip.core.errors import (
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    WrongState,
)
from onetrip.core.workdays import today
from onetrip.datahub.models import AccessGrant, ApiClient, ClientCredential, Dataset
from onetrip.datahub.selectors import (
    access_client,
    clients_of_department,
    grant_requests_pending,
    grants_of_client,
)
from onetrip.datahub.services import (
    client_authenticate,
    client_create,
    credential_revoke,
    credential_rotate,
    grant_decide,
    grant_request,
    grant_revoke,
)
from onetrip.notify.models import OutboxMessage
from onetrip.testing import factories


def _steward(dept):  # type: ignore[no-untyped-def]
    return factories.staff(roles=[Role.DATA_STEWARD], dept=dept)


def _ga():  # type: ignore[no-untyped-def]
    return Department.objects.get(code="330000-GA")


def _ask(client, dataset_code="population", fields=("name", "sex"), requested_by=None):  # type: ignore[no-untyped-def]
    return grant_request(
        client=client,
        dataset_code=dataset_code,
        fields=list(fields),
        purpose="资格审核",
        legal_basis="《某条例》第三条",
        expires_on=today() + dt.timedelta(days=30),
        requested_by=requested_by,
    )


@pytest.mark.django_db
def test_a_steward_registers_a_client_of_their_own_department_only(world) -> None:  # type: ignore[no-untyped-def]
    # given a data steward of civil affairs
    steward = _steward(world.civil)
    # when they register their department's system
    client, token = client_create(actor=steward, name="民政系统", department_id=world.civil.pk)
    # then the token is <key_id>.<secret>, only its hash is stored, and it is audited
    key_id, _, secret = token.partition(".")
    credential = ClientCredential.objects.get(client=client)
    assert credential.key_id == key_id and secret not in credential.digest
    assert len(credential.digest) == 64
    assert AuditEntry.objects.filter(action="sharing.client_create", object_id=str(client.pk))
    assert client_authenticate(token=token) == client
    # and a system of another department, or a third party, is refused to them
    with pytest.raises(PermissionDenied):
        client_create(actor=steward, name="市场系统", department_id=world.market.pk)
    with pytest.raises(PermissionDenied):
        client_create(actor=steward, name="银行", kind="third_party", organisation_name="某银行")
    # and an approver (not a steward) of the department cannot either
    with pytest.raises(PermissionDenied):
        client_create(actor=world.approver, name="民政系统2", department_id=world.civil.pk)


@pytest.mark.django_db
def test_the_system_admin_registers_third_parties_with_a_valid_uscc(world) -> None:  # type: ignore[no-untyped-def]
    admin = factories.staff(roles=[Role.SYSTEM_ADMIN], dept=world.civil)
    with pytest.raises(ValidationFailed):
        client_create(
            actor=admin,
            name="银行",
            kind="third_party",
            organisation_name="某银行",
            organisation_uscc="91330100000000000X",
        )
    client, _ = client_create(
        actor=admin,
        name="银行",
        kind="third_party",
        organisation_name="某银行",
        organisation_uscc=factories.credit_code(),
    )
    assert client.kind == ApiClient.Kind.THIRD_PARTY and client.department_id is None


@pytest.mark.django_db
def test_rotation_revokes_the_old_secret_at_once_or_after_a_grace_period(world) -> None:  # type: ignore[no-untyped-def]
    # given a client and its token
    steward = _steward(world.civil)
    client, old = client_create(actor=steward, name="民政系统", department_id=world.civil.pk)
    # when rotated without grace
    _, new = credential_rotate(actor=steward, client_id=client.pk)
    # then the old token fails and the new one works
    with pytest.raises(InvalidCredentials):
        client_authenticate(token=old)
    assert client_authenticate(token=new) == client
    # when rotated with an hour's grace, both work until the hour is up
    _, newest = credential_rotate(actor=steward, client_id=client.pk, grace_seconds=3600)
    assert client_authenticate(token=new) == client
    assert client_authenticate(token=newest) == client
    # and a revoked credential fails at once
    credential = ClientCredential.objects.get(key_id=newest.partition(".")[0])
    credential_revoke(actor=steward, credential_id=credential.pk)
    with pytest.raises(InvalidCredentials):
        client_authenticate(token=newest)
    # and a wrong secret for a real key id fails too
    with pytest.raises(InvalidCredentials):
        client_authenticate(token=new.partition(".")[0] + ".wrong")


@pytest.mark.django_db
def test_someone_elses_client_is_not_found(world) -> None:  # type: ignore[no-untyped-def]
    # given a civil affairs client
    client, _ = client_create(
        actor=_steward(world.civil), name="民政系统", department_id=world.civil.pk
    )
    other = _steward(world.market)
    # then a market steward can neither see nor rotate it
    with pytest.raises(NotFound):
        access_client(user=other, client_id=client.pk)
    with pytest.raises(NotFound):
        credential_rotate(actor=other, client_id=client.pk)
    assert client not in clients_of_department(user=other)
    assert list(clients_of_department(user=world.approver)) == []


@pytest.mark.django_db
def test_an_unconditional_dataset_is_granted_at_once(world) -> None:  # type: ignore[no-untyped-def]
    # given the legal-entity registry, shared unconditionally
    steward = _steward(world.civil)
    client, _ = client_create(actor=steward, name="民政系统", department_id=world.civil.pk)
    # when the client asks for two fields
    grant = _ask(client, "legal_entity", ["name", "status"], requested_by=steward)
    # then it is granted now, with the default grade in clear
    assert grant.status == AccessGrant.Status.GRANTED and grant.decided_at is not None
    assert grant.max_grade == "L2"
    assert AuditEntry.objects.filter(action="sharing.grant_granted").exists()


@pytest.mark.django_db
def test_a_conditional_request_waits_and_the_owner_approves_it(world) -> None:  # type: ignore[no-untyped-def]
    # given a request on the population registry (conditional, owned by public security)
    civil_steward = _steward(world.civil)
    ga_steward = _steward(_ga())
    client, _ = client_create(actor=civil_steward, name="民政系统", department_id=world.civil.pk)
    grant = _ask(client, requested_by=civil_steward)
    # then it waits, and the owner's stewards are told
    assert grant.status == AccessGrant.Status.REQUESTED
    assert OutboxMessage.objects.filter(recipient=ga_steward, event="grant.requested").exists()
    assert list(grant_requests_pending(user=ga_steward)) == [grant]
    assert list(grant_requests_pending(user=civil_steward)) == []
    # when the owner's steward approves it with level 3 in clear
    grant = grant_decide(actor=ga_steward, grant_id=grant.pk, approve=True, max_grade="L3")
    # then it is granted, and the requesting department is told
    assert (grant.status, grant.max_grade, grant.decided_by) == ("granted", "L3", ga_steward)
    assert OutboxMessage.objects.filter(recipient=civil_steward, event="grant.decided").exists()
    assert list(grant_requests_pending(user=ga_steward)) == []
    assert list(grants_of_client(user=civil_steward, client_id=client.pk)) == [grant]
    # and deciding again is a wrong state
    with pytest.raises(WrongState):
        grant_decide(actor=ga_steward, grant_id=grant.pk, approve=False, reason="晚了")


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_which_the_requester_gets(world) -> None:  # type: ignore[no-untyped-def]
    civil_steward = _steward(world.civil)
    ga_steward = _steward(_ga())
    client, _ = client_create(actor=civil_steward, name="民政系统", department_id=world.civil.pk)
    grant = _ask(client, requested_by=civil_steward)
    # when refused without a reason
    with pytest.raises(ValidationFailed):
        grant_decide(actor=ga_steward, grant_id=grant.pk, approve=False)
    # then with one it is refused, and the reason reaches the requester
    grant = grant_decide(actor=ga_steward, grant_id=grant.pk, approve=False, reason="用途不明确")
    assert (grant.status, grant.reason) == ("refused", "用途不明确")
    message = OutboxMessage.objects.filter(recipient=civil_steward, event="grant.decided").first()
    assert message is not None and message.body == "用途不明确"


@pytest.mark.django_db
def test_a_steward_of_another_department_cannot_decide_the_grant(world) -> None:  # type: ignore[no-untyped-def]
    # given a request on public security's population registry
    civil_steward = _steward(world.civil)
    client, _ = client_create(actor=civil_steward, name="民政系统", department_id=world.civil.pk)
    grant = _ask(client)
    # when a market-regulation steward, or the requester's own steward, tries to approve it
    for outsider in (_steward(world.market), civil_steward):
        with pytest.raises((NotFound, PermissionDenied)):
            grant_decide(actor=outsider, grant_id=grant.pk, approve=True)
    # then it still waits
    grant.refresh_from_db()
    assert grant.status == AccessGrant.Status.REQUESTED


@pytest.mark.django_db
def test_bad_requests_are_refused(world) -> None:  # type: ignore[no-untyped-def]
    steward = _steward(world.civil)
    client, _ = client_create(actor=steward, name="民政系统", department_id=world.civil.pk)
    Dataset.objects.filter(code="elicence").update(sharing_class=Dataset.SharingClass.NOT_SHARED)
    with pytest.raises(PermissionDenied):  # not shared
        _ask(client, "elicence", ["number"])
    with pytest.raises(ValidationFailed):  # no such field
        _ask(client, "population", ["name", "shoe_size"])
    with pytest.raises(ValidationFailed):  # no fields
        _ask(client, "population", [])
    with pytest.raises(NotFound):
        _ask(client, "no-such-dataset", ["name"])
    with pytest.raises(ValidationFailed):  # past expiry
        grant_request(
            client=client,
            dataset_code="population",
            fields=["name"],
            purpose="审核",
            legal_basis="条例",
            expires_on=today(),
        )
    _ask(client)
    with pytest.raises(WrongState):  # a second request while one waits
        _ask(client)


@pytest.mark.django_db
def test_the_owner_revokes_a_grant_with_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    civil_steward = _steward(world.civil)
    ga_steward = _steward(_ga())
    client, _ = client_create(actor=civil_steward, name="民政系统", department_id=world.civil.pk)
    grant = grant_decide(actor=ga_steward, grant_id=_ask(client).pk, approve=True)
    with pytest.raises(ValidationFailed):
        grant_revoke(actor=ga_steward, grant_id=grant.pk, reason="")
    grant = grant_revoke(actor=ga_steward, grant_id=grant.pk, reason="用途已结束")
    assert grant.status == AccessGrant.Status.REVOKED
    with pytest.raises(NotFound):
        grant_revoke(actor=_steward(world.market), grant_id=grant.pk, reason="x")
