"""share_read: the one path by which shared data leaves — grants, consent, masking, rate
limits, and the hash-chained log row that commits with every read (or records a refusal)."""

import datetime as dt

import pytest
from django.db import connection

from onetrip.accounts.models import Department, Role
from onetrip.audit import chain
from onetrip.cases import services as cases
from onetrip.core.errors import NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from onetrip.core.workdays import today
from onetrip.datahub import base_registries
from onetrip.datahub.models import (
    AccessGrant,
    Consent,
    Dataset,
    DatasetField,
    DatasetRecord,
    SharingCall,
    SharingCallSubject,
)
from onetrip.datahub.services import (
    SharingLogUnavailable,
    client_create,
    client_disable,
    consent_grant,
    consent_revoke,
    grant_decide,
    grant_request,
    share_read,
)
from onetrip.testing import factories

GRANTED = ["resident_id", "name", "sex", "birth_date", "household_address", "phone"]


def _steward(code: str):  # type: ignore[no-untyped-def]
    return factories.staff(roles=[Role.DATA_STEWARD], dept=Department.objects.get(code=code))


def _granted_client(world, *, max_grade: str = "L2", fields=GRANTED, rate: int = 6000):  # type: ignore[no-untyped-def]
    """A civil affairs system with an approved grant on the population registry."""
    civil_steward = factories.staff(roles=[Role.DATA_STEWARD], dept=world.civil)
    client, _token = client_create(
        actor=civil_steward,
        name="民政业务系统",
        department_id=world.civil.pk,
        rate_limit_per_minute=rate,
    )
    grant = grant_request(
        client=client,
        dataset_code="population",
        fields=fields,
        purpose="低保审核",
        legal_basis="《社会救助暂行办法》",
        expires_on=today() + dt.timedelta(days=365),
        requested_by=civil_steward,
    )
    grant_decide(actor=_steward("330000-GA"), grant_id=grant.pk, approve=True, max_grade=max_grade)
    return client


def _read(client, keys, fields=None, **kw):  # type: ignore[no-untyped-def]
    return share_read(
        client=client,
        dataset_code=kw.pop("dataset_code", "population"),
        keys=keys,
        fields=fields,
        purpose=kw.pop("purpose", "低保审核"),
        **kw,
    )


def _last_call() -> SharingCall:
    return SharingCall.objects.order_by("-seq").first()


@pytest.mark.django_db
def test_granted_read_by_key_returns_only_the_asked_fields_and_logs_it(world) -> None:  # type: ignore[no-untyped-def]
    # given a client granted part of the population registry
    client = _granted_client(world)
    key = world.citizen_a.id_number
    before = SharingCall.objects.count()

    # when it reads two granted fields of one person for a case
    result = _read(client, [key], ["name", "birth_date"], case_number="330106X1")

    # then only those fields come, as JSON values, and one log row names the read
    assert result.records == {key: {"name": "张三", "birth_date": "1960-05-01"}}
    assert result.status_code == 200 and result.outcome == "ok"
    assert SharingCall.objects.count() == before + 1
    call = _last_call()
    assert call.pk == result.call_id
    assert (call.client_id, call.dataset_code, call.keys) == (client.pk, "population", [key])
    assert (call.fields, call.purpose, call.case_number) == (
        ["name", "birth_date"],
        "低保审核",
        "330106X1",
    )
    assert call.consumer == client.name and call.status_code == 200
    assert list(
        SharingCallSubject.objects.filter(call=call).values_list("subject_key", flat=True)
    ) == [key]


@pytest.mark.django_db
def test_batch_read_gives_every_granted_field_and_lists_missing_keys(world) -> None:  # type: ignore[no-untyped-def]
    # given a granted client and one key that has no record
    client = _granted_client(world, max_grade="core")
    a, b = world.citizen_a.id_number, world.citizen_b.id_number
    nobody = factories.resident_id(seq=999)

    # when it reads three keys without naming fields
    result = _read(client, [a, b, nobody])

    # then both records come with exactly the granted fields; the third is missing
    assert set(result.records) == {a, b}
    assert list(result.records[b]) == GRANTED
    assert "marital_status" not in result.records[a]
    assert result.missing == [nobody] and result.outcome == "partial"
    call = _last_call()
    assert call.keys == [a, b, nobody] and call.fields == GRANTED
    assert set(call.subjects.values_list("subject_key", flat=True)) == {a, b, nobody}


@pytest.mark.django_db
def test_fields_above_the_grants_grade_come_masked(world) -> None:  # type: ignore[no-untyped-def]
    # given a grant showing up to level 2 in clear (ID, address and phone are level 3)
    client = _granted_client(world, max_grade="L2")
    key = world.citizen_a.id_number

    # when it reads them
    record = _read(client, [key]).records[key]

    # then the ID keeps its first 6 and last 4, the phone its first 3 and last 4, the
    # address (masking "full") is hidden entirely; level-2 fields are clear
    assert record["resident_id"] == key[:6] + "********" + key[-4:]
    assert record["phone"] == "138****0000"
    assert record["household_address"] is None
    assert record["name"] == "张三" and record["birth_date"] == "1960-05-01"


@pytest.mark.django_db
def test_a_level_one_grant_masks_the_name_to_the_family_name(world) -> None:  # type: ignore[no-untyped-def]
    # given a grant showing only level 1 in clear
    client = _granted_client(world, max_grade="L1")
    # when it reads the name
    result = _read(client, [world.citizen_a.id_number], ["name"])
    # then the family name alone shows, and the result says it was masked
    assert result.records[world.citizen_a.id_number] == {"name": "张*"}
    assert result.masked == ["name"]


@pytest.mark.django_db
def test_a_client_without_a_grant_is_refused_and_the_refusal_logged(world) -> None:  # type: ignore[no-untyped-def]
    # given a client with no grant at all
    steward = factories.staff(roles=[Role.DATA_STEWARD], dept=world.market)
    client, _ = client_create(actor=steward, name="市场监管系统", department_id=world.market.pk)
    # when it reads
    with pytest.raises(PermissionDenied) as exc:
        _read(client, [world.citizen_a.id_number], ["name"])
    # then it is refused, and the refusal is on the log without subjects
    assert exc.value.extra["outcome"] == "no_grant"
    call = _last_call()
    assert (call.client_id, call.outcome, call.status_code) == (client.pk, "no_grant", 403)
    assert call.keys == [world.citizen_a.id_number]
    assert not call.subjects.exists()


@pytest.mark.django_db
def test_an_expired_grant_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    # given a grant that ended yesterday (Beijing time)
    client = _granted_client(world)
    AccessGrant.objects.filter(client=client).update(expires_on=today() - dt.timedelta(days=1))
    # when the client reads
    with pytest.raises(PermissionDenied):
        _read(client, [world.citizen_a.id_number], ["name"])
    # then the log says why
    assert (_last_call().outcome, _last_call().status_code) == ("grant_expired", 403)


@pytest.mark.django_db
def test_fields_beyond_the_grant_are_refused_and_nothing_is_read(world) -> None:  # type: ignore[no-untyped-def]
    # given a grant without marital status
    client = _granted_client(world)
    # when the client asks for it along with a granted field
    with pytest.raises(PermissionDenied) as exc:
        _read(client, [world.citizen_a.id_number], ["name", "marital_status"])
    # then the whole call is refused, naming the field
    assert exc.value.extra["fields"] == ["marital_status"]
    call = _last_call()
    assert call.outcome == "fields_not_granted"
    assert call.fields == ["name", "marital_status"]


@pytest.mark.django_db
def test_unknown_fields_purpose_and_key_counts_are_refused_and_logged(world) -> None:  # type: ignore[no-untyped-def]
    client = _granted_client(world)
    key = world.citizen_a.id_number
    cases_ = [
        ({"keys": [key], "fields": ["shoe_size"]}, "unknown_fields"),
        ({"keys": [key], "fields": ["name"], "purpose": "  "}, "no_purpose"),
        ({"keys": [], "fields": ["name"]}, "no_keys"),
        ({"keys": [f"K{i}" for i in range(101)], "fields": ["name"]}, "too_many_keys"),
        ({"keys": [key], "fields": ["name"], "hidden": True}, "covert_without_case"),
    ]
    for kwargs, outcome in cases_:
        # when the call is malformed this way
        with pytest.raises(ValidationFailed):
            _read(client, kwargs.pop("keys"), kwargs.pop("fields"), **kwargs)
        # then it is refused with 422 and logged under its reason
        assert (_last_call().outcome, _last_call().status_code) == (outcome, 422)
    assert len(_last_call().keys) == 1
    # and an unknown dataset is a 404
    with pytest.raises(NotFound):
        _read(client, [key], ["name"], dataset_code="no-such-dataset")
    assert _last_call().outcome == "unknown_dataset"


@pytest.mark.django_db
def test_a_disabled_client_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    client = _granted_client(world)
    admin = factories.staff(roles=[Role.SYSTEM_ADMIN], dept=world.civil)
    client = client_disable(actor=admin, client_id=client.pk)
    with pytest.raises(PermissionDenied):
        _read(client, [world.citizen_a.id_number], ["name"])
    assert _last_call().outcome == "client_disabled"


@pytest.fixture
def bank(world):  # type: ignore[no-untyped-def]
    """A bank registered by the system admin, granted names and birth dates of the population."""
    admin = factories.staff(roles=[Role.SYSTEM_ADMIN], dept=world.civil)
    client, _ = client_create(
        actor=admin,
        name="贷款审批系统",
        kind="third_party",
        organisation_name="杭州某银行",
    )
    grant = grant_request(
        client=client,
        dataset_code="population",
        fields=["name", "birth_date"],
        purpose="个人贷款资格审查",
        legal_basis="本人授权",
        expires_on=today() + dt.timedelta(days=90),
        requested_by=admin,
    )
    grant_decide(actor=_steward("330000-GA"), grant_id=grant.pk, approve=True)
    return client


@pytest.mark.django_db
def test_a_third_party_reads_under_consent_until_it_is_revoked(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given citizen A's consent for the bank to read name and birth date
    a = world.citizen_a
    consent = consent_grant(
        subject=a,
        client_id=bank.pk,
        dataset_code="population",
        fields=["name", "birth_date"],
        purpose="个人贷款资格审查",
        valid_until=today() + dt.timedelta(days=30),
    )
    # when the bank reads A
    result = _read(bank, [a.id_number], ["name", "birth_date"], purpose="个人贷款资格审查")
    # then it gets the data, and the log row points at the consent
    assert result.records[a.id_number]["birth_date"] == "1960-05-01"
    assert _last_call().consent_id == consent.pk

    # when A revokes the consent, the bank's next read is refused and logged
    consent_revoke(subject=a, consent_id=consent.pk)
    with pytest.raises(PermissionDenied) as exc:
        _read(bank, [a.id_number], ["name"], purpose="个人贷款资格审查")
    assert exc.value.extra["outcome"] == "no_consent"
    assert (_last_call().outcome, _last_call().status_code) == ("no_consent", 403)


@pytest.mark.django_db
def test_a_third_party_needs_every_persons_consent_for_every_field(world, bank) -> None:  # type: ignore[no-untyped-def]
    # given A's consent for the name only, and none from B
    a, b = world.citizen_a, world.citizen_b
    consent_grant(
        subject=a,
        client_id=bank.pk,
        dataset_code="population",
        fields=["name"],
        purpose="个人贷款资格审查",
        valid_until=today() + dt.timedelta(days=30),
    )
    # then reading A's birth date, or B at all, is refused; A's name alone is not
    with pytest.raises(PermissionDenied):
        _read(bank, [a.id_number], ["name", "birth_date"])
    with pytest.raises(PermissionDenied):
        _read(bank, [a.id_number, b.id_number], ["name"])
    assert _read(bank, [a.id_number], ["name"]).records[a.id_number] == {"name": "张三"}
    # and a consent past its date counts for nothing
    Consent.objects.filter(subject=a).update(valid_until=today() - dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        _read(bank, [a.id_number], ["name"])


@pytest.mark.django_db
def test_the_rate_limit_refuses_with_retry_after_and_logs_it(world) -> None:  # type: ignore[no-untyped-def]
    # given a client allowed two calls a minute
    client = _granted_client(world, rate=2)
    key = world.citizen_a.id_number
    _read(client, [key], ["name"])
    _read(client, [key], ["name"])
    # when it calls a third time within the minute
    with pytest.raises(TooManyAttempts) as exc:
        _read(client, [key], ["name"])
    # then it is refused with a time to wait, and logged
    assert 1 <= exc.value.extra["retry_after"] <= 61
    assert (_last_call().outcome, _last_call().status_code) == ("rate_limited", 429)
    assert SharingCall.objects.filter(client=client, status_code=200).count() == 2


def _trigger(sql_sqlite: str, sql_pg: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in [sql_sqlite] if connection.vendor == "sqlite" else sql_pg:
            cursor.execute(statement)


@pytest.mark.django_db
def test_when_the_log_cannot_be_written_the_call_fails_and_no_data_leaves(world) -> None:  # type: ignore[no-untyped-def]
    # given a granted client and a log table that refuses every insert
    client = _granted_client(world)
    before = SharingCall.objects.count()
    subjects_before = SharingCallSubject.objects.count()
    _trigger(
        "CREATE TRIGGER log_down BEFORE INSERT ON datahub_sharingcall "
        "BEGIN SELECT RAISE(ABORT, 'log down'); END",
        [
            "CREATE FUNCTION log_down() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'log down'; END $$",
            "CREATE TRIGGER log_down BEFORE INSERT ON datahub_sharingcall "
            "FOR EACH ROW EXECUTE FUNCTION log_down()",
        ],
    )
    try:
        # when the client reads
        with pytest.raises(SharingLogUnavailable) as exc:
            _read(client, [world.citizen_a.id_number], ["name"])
    finally:
        _trigger(
            "DROP TRIGGER log_down",
            ["DROP TRIGGER log_down ON datahub_sharingcall", "DROP FUNCTION log_down()"],
        )
    # then it fails with 503 and nothing was logged (nor returned)
    assert exc.value.status == 503
    assert SharingCall.objects.count() == before
    assert SharingCallSubject.objects.count() == subjects_before
    # and once the log is back, reads work and the chain is whole
    assert _read(client, [world.citizen_a.id_number], ["name"]).status_code == 200
    chain.seal_all(SharingCall)
    assert chain.verify(SharingCall).ok


@pytest.mark.django_db
def test_the_chain_verifies_after_granted_refused_and_prefill_calls(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given a mix of granted, refused and prefill calls
    client = _granted_client(world)
    _read(client, [world.citizen_a.id_number, world.citizen_b.id_number], ["name"])
    with pytest.raises(PermissionDenied):
        _read(client, [world.citizen_a.id_number], ["marital_status"])
    cases.case_apply(actor=world.citizen_a, implementation=instant)
    _read(client, [world.citizen_b.id_number], ["sex"], case_number="C-1", hidden=True)
    # then, sealed, the sharing chain verifies end to end
    assert chain.seal_all(SharingCall) == 4
    report = chain.verify(SharingCall)
    assert report.ok, report.reason
    assert report.entries == SharingCall.objects.count() == 4
    # and the covert call is flagged
    assert _last_call().hidden is True


@pytest.mark.django_db
def test_case_prefill_reads_through_share_read_as_the_prefill_client(world, instant) -> None:  # type: ignore[no-untyped-def]
    # given the platform's prefill client
    prefill = base_registries.PREFILL_CLIENT
    # when citizen A applies for an instant item (population prefill, e-licence issued)
    case = cases.case_apply(actor=world.citizen_a, implementation=instant)
    # then the population read is a sharing call of the prefill client for the case
    call = SharingCall.objects.get(case_number=case.number, dataset_code="population")
    assert call.client.name == prefill and call.consumer == prefill
    assert call.keys == [world.citizen_a.id_number] and call.status_code == 200
    assert case.number in call.purpose
    assert call.subjects.get().subject_key == world.citizen_a.id_number


@pytest.mark.django_db
def test_licence_prefill_reads_the_e_licence_store_by_holder(world) -> None:  # type: ignore[no-untyped-def]
    # given A holds a licence of the type an item asks for
    first = cases.case_apply(
        actor=world.citizen_a,
        implementation=factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE]),
    )
    licence = first.licence
    item = factories.implementation(
        dept=world.civil,
        name="凭证办理",
        materials=[{"name": "优待证", "source": "licence", "licence_type": licence.licence_type}],
        issues_licence=False,
    )
    # when A starts a case needing it
    case = cases.case_create_draft(actor=world.citizen_a, implementation=item)
    # then the licence was found through a logged read of the e-licence store by holder
    assert case.materials.get().licence_id == licence.pk
    call = SharingCall.objects.get(case_number=case.number, dataset_code="elicence")
    assert call.keys == [world.citizen_a.id_number]
    assert "licence_type" in call.fields and call.client.name == base_registries.PREFILL_CLIENT


@pytest.mark.django_db
def test_a_record_store_dataset_logs_the_person_from_its_subject_field(world) -> None:  # type: ignore[no-untyped-def]
    # given a generic dataset of subsidies keyed by number, about a citizen, unconditional
    dataset = Dataset.objects.create(
        code="subsidy",
        name="补贴发放",
        department=world.civil,
        key_field="number",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="holder",
        sharing_class=Dataset.SharingClass.UNCONDITIONAL,
    )
    for position, name in enumerate(["number", "holder", "amount"]):
        DatasetField.objects.create(dataset=dataset, name=name, label=name, position=position)
    a = world.citizen_a.id_number
    DatasetRecord.objects.create(
        dataset=dataset,
        key="S1",
        subject_key=a,
        data={"number": "S1", "holder": a, "amount": "300.00"},
        updated_at=dt.datetime.now(dt.UTC),
    )
    steward = factories.staff(roles=[Role.DATA_STEWARD], dept=world.market)
    client, _ = client_create(actor=steward, name="市场系统", department_id=world.market.pk)
    grant = grant_request(
        client=client,
        dataset_code="subsidy",
        fields=["number", "amount"],
        purpose="核查",
        legal_basis="规定",
        expires_on=today() + dt.timedelta(days=5),
    )
    assert grant.status == AccessGrant.Status.GRANTED  # unconditional: at once
    # when the client reads the amount of S1 (not the holder)
    result = share_read(
        client=client, dataset_code="subsidy", keys=["S1"], fields=["amount"], purpose="核查"
    )
    # then only the amount comes, and the log names the person the record is about
    assert result.records == {"S1": {"amount": "300.00"}}
    assert _last_call().subjects.get().subject_key == a
