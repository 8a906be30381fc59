"""The vault's reads: every record about me, every access to my data (newest first, paged,
covert ones once their case is closed, my own cases' prefill included), and nothing of anyone
else's."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.accounts.models import Department
from onetrip.cases import services as cases
from onetrip.core.errors import ValidationFailed
from onetrip.core.workdays import today
from onetrip.datahub.models import ApiClient, Dataset, DatasetField, DatasetRecord
from onetrip.datahub.selectors.vault import vault_accesses, vault_records
from onetrip.datahub.services.sharing import client_create, grant_decide, grant_request, share_read
from onetrip.testing import factories


@pytest.fixture
def police(world) -> ApiClient:  # type: ignore[no-untyped-def]
    """The public security department's investigation system, granted population names."""
    admin = factories.staff(roles=["system_admin"])
    client, _token = client_create(
        actor=admin,
        name="公安侦查系统",
        kind=ApiClient.Kind.DEPARTMENT_SYSTEM,
        department_id=Department.objects.get(code="330000-GA").pk,
    )
    grant = grant_request(
        client=client,
        dataset_code="population",
        fields=["name", "household_address"],
        purpose="案件侦查",
        legal_basis="《刑事诉讼法》第五十四条",
        expires_on=today() + dt.timedelta(days=365),
        requested_by=admin,
    )
    grant_decide(actor=admin, grant_id=grant.pk, approve=True)
    return client


def _read(client, person, *, purpose="案件侦查", case_number="", hidden=False):  # type: ignore[no-untyped-def]
    return share_read(
        client=client,
        dataset_code="population",
        keys=[person.id_number],
        fields=["name"],
        purpose=purpose,
        case_number=case_number,
        hidden=hidden,
    )


def _open_case(world):  # type: ignore[no-untyped-def]
    """Citizen A's application waiting for intake (an open case)."""
    item = factories.implementation(dept=world.civil)
    return cases.case_apply(actor=world.citizen_a, implementation=item)


@pytest.mark.django_db
def test_records_are_every_record_about_me_and_nobody_elses(world) -> None:  # type: ignore[no-untyped-def]
    # given A's instantly approved case, which put an e-licence in A's name in the store
    item = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    case = cases.case_apply(actor=world.citizen_a, implementation=item)

    # when A and B open their vaults
    mine = {dataset.code: records for dataset, records in vault_records(user=world.citizen_a)}
    theirs = {dataset.code: records for dataset, records in vault_records(user=world.citizen_b)}

    # then A sees the population record and the licence, B only B's own population record
    assert set(mine) == {"population", "elicence"}
    assert [r["resident_id"] for r in mine["population"]] == [world.citizen_a.id_number]
    assert mine["population"][0]["name"] == "张三"
    assert [r["number"] for r in mine["elicence"]] == [case.licence.number]
    assert set(theirs) == {"population"}
    assert theirs["population"][0]["resident_id"] == world.citizen_b.id_number


@pytest.mark.django_db
def test_an_enterprise_sees_its_legal_entity_record(world) -> None:  # type: ignore[no-untyped-def]
    # when the enterprise opens its vault / then it sees its own legal-entity record only
    groups = vault_records(user=world.enterprise)
    assert [(d.code, [r["uscc"] for r in records]) for d, records in groups] == [
        ("legal_entity", [world.enterprise.id_number])
    ]
    # and staff have no vault
    assert vault_records(user=world.clerk) == []


@pytest.mark.django_db
def test_my_cases_prefill_shows_as_an_access_to_my_data(world) -> None:  # type: ignore[no-untyped-def]
    # given A applied, and the case's form was prefilled from the population registry
    case = _open_case(world)

    # when A looks at who used the data
    total, rows = vault_accesses(user=world.citizen_a)

    # then the prefill is there: the case, its purpose, the fields, as A's own case
    prefill = [r for r in rows if r.case_number == case.number]
    assert total >= 1 and prefill
    row = prefill[0]
    assert row.dataset_code == "population" and row.dataset_name == "人口基础信息"
    assert "household_address" in row.fields and "户籍地址" in row.field_labels
    assert row.own_case is True and row.hidden is False and row.outcome == "ok"
    assert row.purpose == f"办件 {case.number}: 老年人优待证办理"
    # and B sees none of it
    assert vault_accesses(user=world.citizen_b) == (0, [])


@pytest.mark.django_db
def test_a_covert_access_is_hidden_until_its_case_is_closed(world, police) -> None:  # type: ignore[no-untyped-def]
    # given A's open case, and a covert read of A's name serving it, plus an open read
    case = _open_case(world)
    before, _rows = vault_accesses(user=world.citizen_a)
    _read(police, world.citizen_a, case_number=case.number, hidden=True)
    _read(police, world.citizen_a, purpose="户籍核查")

    # when A looks while the case is open / then only the open read is added
    total, rows = vault_accesses(user=world.citizen_a)
    assert total == before + 1
    assert not any(r.hidden for r in rows)
    assert rows[0].purpose == "户籍核查" and rows[0].who == "公安侦查系统"
    assert rows[0].organisation == "浙江省公安厅"

    # when the case is closed (not accepted)
    cases.case_not_accept(actor=world.clerk, case=case, reason="材料不齐")

    # then the covert read shows, flagged as formerly covert
    total, rows = vault_accesses(user=world.citizen_a)
    assert total == before + 2
    covert = [r for r in rows if r.hidden]
    assert len(covert) == 1 and covert[0].case_number == case.number
    assert covert[0].purpose == "案件侦查"


@pytest.mark.django_db
def test_accesses_are_newest_first_and_paged(world, police) -> None:  # type: ignore[no-untyped-def]
    # given five reads of B's data
    for n in range(5):
        _read(police, world.citizen_b, purpose=f"核查 {n}")

    # when B pages through two at a time
    pages = [vault_accesses(user=world.citizen_b, offset=o, limit=2) for o in (0, 2, 4, 6)]

    # then the total is five on every page, newest first, and the pages do not overlap
    assert [total for total, _ in pages] == [5, 5, 5, 5]
    purposes = [row.purpose for _, rows in pages for row in rows]
    assert purposes == ["核查 4", "核查 3", "核查 2", "核查 1", "核查 0"]
    assert pages[3][1] == []


@pytest.mark.django_db
def test_the_period_limits_the_accesses(world, police) -> None:  # type: ignore[no-untyped-def]
    # given a read of B's data today
    _read(police, world.citizen_b)
    day = today()

    # when the period is today, from tomorrow, or until yesterday
    # then only the first finds it (dates are whole Beijing days)
    assert vault_accesses(user=world.citizen_b, since=day, until=day)[0] == 1
    assert vault_accesses(user=world.citizen_b, since=day + dt.timedelta(days=1))[0] == 0
    assert vault_accesses(user=world.citizen_b, until=day - dt.timedelta(days=1))[0] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"since": dt.date(2025, 3, 2), "until": dt.date(2025, 3, 1)}, "until"),
    ],
)
def test_bad_paging_or_period_is_refused(world, params, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as error:
        vault_accesses(user=world.citizen_a, **params)
    assert error.value.field == field


def _benefits_dataset(world):  # type: ignore[no-untyped-def]
    """A dataset of the generic record store about citizens: A has two records, B one."""
    dataset = Dataset.objects.create(
        code="elderly_allowance",
        name="高龄津贴发放",
        department=world.civil,
        key_field="payment_no",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="resident_id",
    )
    for position, (name, label, type_) in enumerate(
        [
            ("payment_no", "发放编号", DatasetField.Type.STRING),
            ("resident_id", "公民身份号码", DatasetField.Type.RESIDENT_ID),
            ("amount", "金额", DatasetField.Type.DECIMAL),
        ]
    ):
        DatasetField.objects.create(
            dataset=dataset, name=name, label=label, type=type_, position=position
        )
    for key, person, amount in [
        ("P1", world.citizen_a, "100.00"),
        ("P2", world.citizen_a, "120.00"),
        ("P3", world.citizen_b, "100.00"),
    ]:
        DatasetRecord.objects.create(
            dataset=dataset,
            key=key,
            subject_key=person.id_number,
            data={"payment_no": key, "resident_id": person.id_number, "amount": amount},
            updated_at=timezone.now(),
        )
    return dataset


@pytest.mark.django_db
def test_records_of_the_generic_store_are_found_by_subject(world) -> None:  # type: ignore[no-untyped-def]
    # given a department's own dataset with two records about A and one about B
    _benefits_dataset(world)

    # when each opens the vault
    mine = dict(vault_records(user=world.citizen_a))
    theirs = dict(vault_records(user=world.citizen_b))

    # then each sees their own records of it, and only those
    [(dataset, records)] = [(d, r) for d, r in mine.items() if d.code == "elderly_allowance"]
    assert [r["payment_no"] for r in records] == ["P1", "P2"]
    assert [f.name for f in dataset.fields.all()] == ["payment_no", "resident_id", "amount"]
    [other] = [r for d, r in theirs.items() if d.code == "elderly_allowance"]
    assert [r["payment_no"] for r in other] == ["P3"]
