"""Correction requests (数据纠错): a person asks the owning department to fix a field of a
record about them; its data steward accepts (the record changes, the old value kept as a
version) or rejects with a reason, within a deadline in working days; the person is told."""

import datetime as dt

import pytest
from django.utils import timezone

from onetrip.accounts.models import Department
from onetrip.audit.models import AuditEntry
from onetrip.cases import services as cases
from onetrip.core.errors import NotFound, PermissionDenied, ValidationFailed, WrongState
from onetrip.core.workdays import today
from onetrip.datahub.models import (
    CorrectionRequest,
    Dataset,
    DatasetField,
    DatasetRecord,
    LegalEntityRecord,
    PopulationRecord,
    RecordVersion,
)
from onetrip.datahub.selectors.vault import access_correction, correction_queue, corrections_of
from onetrip.datahub.services.vault import (
    correction_accept,
    correction_deadline,
    correction_reject,
    correction_request_file,
)
from onetrip.notify.models import OutboxMessage
from onetrip.testing import factories

NEW_ADDRESS = "浙江省杭州市西湖区文三路90号"


@pytest.fixture
def stewards(world):  # type: ignore[no-untyped-def]
    """Data stewards of the population's owner (public security) and of market regulation."""
    world.ga_steward = factories.staff(
        roles=["data_steward"], dept=Department.objects.get(code="330000-GA")
    )
    world.scjg_steward = factories.staff(
        roles=["data_steward"], dept=Department.objects.get(code="330000-SCJG")
    )
    return world


def _file(world, **overrides) -> CorrectionRequest:  # type: ignore[no-untyped-def]
    args = {
        "requester": world.citizen_a,
        "dataset_code": "population",
        "record_key": world.citizen_a.id_number,
        "field_name": "household_address",
        "proposed_value": NEW_ADDRESS,
        "reason": "已迁入新址，见户口簿",
    }
    return correction_request_file(**{**args, **overrides})


def _messages(user, event: str) -> int:  # type: ignore[no-untyped-def]
    return OutboxMessage.objects.filter(recipient=user, event=event).count()


@pytest.mark.django_db
def test_filed_accepted_record_changed_old_value_kept_requester_told(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    person = PopulationRecord.objects.get(resident_id=world.citizen_a.id_number)
    old_address = person.household_address

    # given A's request to correct the household address
    request = _file(world)
    assert request.status == CorrectionRequest.Status.OPEN
    assert request.current_value == old_address
    assert request.number.startswith("JC")
    # and the owning department's steward, not the other one, was told
    assert _messages(world.ga_steward, "correction.filed") >= 1
    assert _messages(world.scjg_steward, "correction.filed") == 0

    # when the steward of the owning department accepts it
    decided = correction_accept(steward=world.ga_steward, correction_id=request.pk)

    # then the record holds the new value
    assert decided.status == CorrectionRequest.Status.ACCEPTED
    assert decided.decided_by == world.ga_steward and decided.decided_at is not None
    record = PopulationRecord.objects.get(resident_id=world.citizen_a.id_number)
    assert record.household_address == NEW_ADDRESS
    # and the old value is kept as a version pointing at the request
    version = RecordVersion.objects.get(correction=request)
    assert version.key == world.citizen_a.id_number and version.dataset.code == "population"
    assert version.data["household_address"] == old_address
    # and A was notified, and both steps are audited about A
    assert _messages(world.citizen_a, "correction.accept") >= 1
    actions = AuditEntry.objects.filter(subject_key=world.citizen_a.id_number).values_list(
        "action", flat=True
    )
    assert {"correction.file", "correction.accept"} <= set(actions)


@pytest.mark.django_db
def test_reject_needs_a_reason_and_leaves_the_record(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    request = _file(world)

    # when the steward rejects without a reason / then refused
    with pytest.raises(ValidationFailed) as error:
        correction_reject(steward=world.ga_steward, correction_id=request.pk, reason="  ")
    assert error.value.field == "reason"

    # when with a reason
    decided = correction_reject(
        steward=world.ga_steward, correction_id=request.pk, reason="户籍档案记载无误"
    )

    # then rejected with the reason, the record untouched, no version, A told
    assert decided.status == CorrectionRequest.Status.REJECTED
    assert decided.decision_reason == "户籍档案记载无误"
    record = PopulationRecord.objects.get(resident_id=world.citizen_a.id_number)
    assert record.household_address != NEW_ADDRESS
    assert not RecordVersion.objects.exists()
    assert _messages(world.citizen_a, "correction.reject") >= 1
    assert AuditEntry.objects.filter(action="correction.reject").count() == 1


@pytest.mark.django_db
def test_deciding_twice_is_wrong_state(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    request = _file(world)
    correction_accept(steward=world.ga_steward, correction_id=request.pk)

    # when decided again either way / then refused, the record changed once
    with pytest.raises(WrongState):
        correction_accept(steward=world.ga_steward, correction_id=request.pk)
    with pytest.raises(WrongState):
        correction_reject(steward=world.ga_steward, correction_id=request.pk, reason="重复")
    assert RecordVersion.objects.count() == 1


@pytest.mark.django_db
def test_only_a_steward_of_the_owning_department_decides(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    request = _file(world)
    ga_approver = factories.staff(roles=["approver"], dept=Department.objects.get(code="330000-GA"))

    # when another department's steward, a non-steward of the owner, or A decides
    # then each is refused and the request stays open
    for outsider in (world.scjg_steward, ga_approver, world.citizen_a):
        with pytest.raises(PermissionDenied):
            correction_accept(steward=outsider, correction_id=request.pk)
        with pytest.raises(PermissionDenied):
            correction_reject(steward=outsider, correction_id=request.pk, reason="无权")
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.OPEN
    # and the system admin may
    admin = factories.staff(roles=["system_admin"])
    assert correction_accept(steward=admin, correction_id=request.pk).status == "accepted"


@pytest.mark.django_db
def test_requests_are_seen_by_the_requester_and_the_owners_stewards_only(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    request = _file(world)

    # then A and the owner's steward find it; B, the other steward and a clerk do not
    assert access_correction(user=world.citizen_a, number=request.number) == request
    assert access_correction(user=world.ga_steward, number=request.number) == request
    for outsider in (world.citizen_b, world.scjg_steward, world.clerk):
        with pytest.raises(NotFound):
            access_correction(user=outsider, number=request.number)
    assert list(corrections_of(user=world.citizen_a)) == [request]
    assert list(corrections_of(user=world.citizen_b)) == []
    assert list(correction_queue(steward=world.ga_steward)) == [request]
    assert list(correction_queue(steward=world.scjg_steward)) == []
    assert list(correction_queue(steward=world.clerk)) == []


@pytest.mark.django_db
def test_the_queue_puts_the_earliest_deadline_first(stewards, settings) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # given a request with 10 working days, then one with 2
    settings.ONETRIP_CORRECTION_DAYS = 10
    later = _file(world)
    settings.ONETRIP_CORRECTION_DAYS = 2
    sooner = _file(world, field_name="education", proposed_value="大学本科")

    # when the steward opens the queue / then the sooner deadline comes first
    assert sooner.deadline < later.deadline
    assert list(correction_queue(steward=world.ga_steward)) == [sooner, later]
    # and an answered request leaves the queue
    correction_accept(steward=world.ga_steward, correction_id=sooner.pk)
    assert list(correction_queue(steward=world.ga_steward)) == [later]


@pytest.mark.django_db
def test_the_deadline_counts_working_days_across_national_day(stewards) -> None:  # type: ignore[no-untyped-def]
    # given 5 working days; 1-8 October 2025 are holidays and Saturday 11 October is worked
    # when a request is filed on Tuesday 30 September 2025
    # then it is due on Tuesday 14 October (9, 10, 11, 13, 14), not on 7 October
    assert correction_deadline(dt.date(2025, 9, 30)) == dt.date(2025, 10, 14)
    # and a request filed today gets today's deadline by the same rule
    assert _file(stewards).deadline == correction_deadline(today())


@pytest.mark.django_db
def test_the_number_of_days_is_a_setting(stewards, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONETRIP_CORRECTION_DAYS = 1
    # Friday 26 September 2025 + 1 working day: Sunday 28 September is a swapped working day
    assert correction_deadline(dt.date(2025, 9, 26)) == dt.date(2025, 9, 28)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"field_name": "salary"}, "field_name"),
        ({"field_name": "resident_id", "proposed_value": "330106196005010011"}, "field_name"),
        ({"field_name": "birth_date", "proposed_value": "1960-13-01"}, "proposed_value"),
        ({"field_name": "marital_status", "proposed_value": "single"}, "proposed_value"),
        ({"field_name": "phone", "proposed_value": "12345"}, "proposed_value"),
        ({"field_name": "household_region", "proposed_value": "999999"}, "proposed_value"),
        ({"field_name": "name", "proposed_value": ""}, "proposed_value"),
        ({"field_name": "name", "proposed_value": "张三"}, "proposed_value"),
        ({"field_name": "ethnicity", "proposed_value": "汉" * 17}, "proposed_value"),
        ({"reason": " "}, "reason"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(stewards, overrides, field) -> None:  # type: ignore[no-untyped-def]
    # given a request with one bad part / when filed / then refused naming the part
    with pytest.raises(ValidationFailed) as error:
        _file(stewards, **overrides)
    assert error.value.field == field
    assert not CorrectionRequest.objects.exists()


@pytest.mark.django_db
def test_a_record_about_someone_else_is_not_found(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # when A asks to correct B's record, a key that does not exist, or an unknown dataset
    for overrides in (
        {"record_key": world.citizen_b.id_number},
        {"record_key": "330106199901019999"},
        {"dataset_code": "nope"},
    ):
        with pytest.raises(NotFound):
            _file(world, **overrides)
    # and staff cannot file at all
    with pytest.raises(PermissionDenied):
        _file(world, requester=world.clerk)
    assert not CorrectionRequest.objects.exists()


@pytest.mark.django_db
def test_a_second_open_request_on_the_same_field_waits(stewards) -> None:  # type: ignore[no-untyped-def]
    _file(stewards)
    with pytest.raises(WrongState):
        _file(stewards, proposed_value="浙江省杭州市西湖区文三路91号")


@pytest.mark.django_db
def test_e_licences_are_not_corrected_here(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # given A's e-licence from an instantly approved case
    item = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    licence = cases.case_apply(actor=world.citizen_a, implementation=item).licence

    # when A asks to correct its holder name / then refused: the issuing case corrects it
    with pytest.raises(WrongState):
        _file(
            world,
            dataset_code="elicence",
            record_key=licence.number,
            field_name="holder_name",
            proposed_value="张叁",
        )


@pytest.mark.django_db
def test_an_enterprise_corrects_its_legal_entity_record(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # given the enterprise's request to correct its registered capital (a decimal)
    with pytest.raises(ValidationFailed):
        _file(
            world,
            requester=world.enterprise,
            dataset_code="legal_entity",
            record_key=world.enterprise.id_number,
            field_name="registered_capital",
            proposed_value="一百万",
        )
    request = _file(
        world,
        requester=world.enterprise,
        dataset_code="legal_entity",
        record_key=world.enterprise.id_number,
        field_name="registered_capital",
        proposed_value="100.50",
    )

    # when market regulation's steward accepts it (public security's may not)
    with pytest.raises(PermissionDenied):
        correction_accept(steward=world.ga_steward, correction_id=request.pk)
    correction_accept(steward=world.scjg_steward, correction_id=request.pk)

    # then the registry holds the new value and the old one (none) is kept
    record = LegalEntityRecord.objects.get(uscc=world.enterprise.id_number)
    assert str(record.registered_capital) == "100.50"
    assert RecordVersion.objects.get(correction=request).data["registered_capital"] is None


@pytest.mark.django_db
def test_the_value_is_checked_and_stored_as_a_load_would_store_it(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # given requests written the way people write: a phone with +86 and dashes, a date with /
    phone = _file(world, field_name="phone", proposed_value="+86 139-1234-5678")
    birth = _file(world, field_name="birth_date", proposed_value="1960/05/02")

    # when both are accepted
    correction_accept(steward=world.ga_steward, correction_id=phone.pk)
    correction_accept(steward=world.ga_steward, correction_id=birth.pk)

    # then the registry holds the normalised values, and each old value has its version
    record = PopulationRecord.objects.get(resident_id=world.citizen_a.id_number)
    assert record.phone == "13912345678"
    assert record.birth_date == dt.date(1960, 5, 2)
    assert RecordVersion.objects.get(correction=phone).data["phone"] == "13800000000"
    assert RecordVersion.objects.get(correction=birth).data["birth_date"] == "1960-05-01"


@pytest.mark.django_db
def test_a_record_of_the_generic_store_is_corrected_by_its_owner(stewards) -> None:  # type: ignore[no-untyped-def]
    world = stewards
    # given a civil affairs dataset in the generic store with a record about A
    dataset = Dataset.objects.create(
        code="elderly_allowance",
        name="高龄津贴发放",
        department=world.civil,
        key_field="payment_no",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="resident_id",
    )
    for position, (name, type_) in enumerate(
        [("payment_no", "string"), ("resident_id", "resident_id"), ("amount", "decimal")]
    ):
        DatasetField.objects.create(
            dataset=dataset, name=name, label=name, type=type_, position=position
        )
    DatasetRecord.objects.create(
        dataset=dataset,
        key="P1",
        subject_key=world.citizen_a.id_number,
        data={"payment_no": "P1", "resident_id": world.citizen_a.id_number, "amount": "100.00"},
        updated_at=timezone.now(),
    )
    civil_steward = factories.staff(roles=["data_steward"], dept=world.civil)

    # when A asks for the amount to be corrected, and B tries the same record
    with pytest.raises(NotFound):
        _file(
            world,
            requester=world.citizen_b,
            dataset_code="elderly_allowance",
            record_key="P1",
            field_name="amount",
            proposed_value="150",
            reason="少发",
        )
    request = _file(
        world,
        dataset_code="elderly_allowance",
        record_key="P1",
        field_name="amount",
        proposed_value="150",
        reason="少发",
    )

    # then civil affairs' steward (not public security's) corrects it, the old value kept
    with pytest.raises(PermissionDenied):
        correction_accept(steward=world.ga_steward, correction_id=request.pk)
    correction_accept(steward=civil_steward, correction_id=request.pk)
    assert DatasetRecord.objects.get(dataset=dataset, key="P1").data["amount"] == "150"
    assert RecordVersion.objects.get(correction=request).data["amount"] == "100.00"
