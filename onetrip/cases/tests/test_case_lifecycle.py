"""Each transition of the case service and each refusal."""

import datetime

import pytest

from onetrip.cases import services
from onetrip.cases.models import Case, CaseEvent, CaseState, SlaState
from onetrip.cases.selectors import available_actions, sla_state
from onetrip.core.errors import MaterialsMissing, PermissionDenied, ValidationFailed, WrongState
from onetrip.datahub.models import ELicence, SharingCall
from onetrip.notify.models import OutboxMessage
from onetrip.testing import factories

pytestmark = pytest.mark.django_db

UPLOAD = {"name": "申请表", "source": "upload"}


def _submitted(world, **kwargs):
    impl = factories.implementation(dept=world.civil, materials=[UPLOAD], **kwargs)
    material = impl.materials.get()
    case = services.case_apply(
        actor=world.citizen_a, implementation=impl, files={material.id: factories.pdf_upload()}
    )
    return case


def test_apply_prefills_through_audited_sharing_calls(world):
    # given an item whose materials come from the population registry
    impl = factories.implementation(dept=world.civil)
    # when the citizen creates a draft
    case = services.case_create_draft(actor=world.citizen_a, implementation=impl)
    # then the fields were fetched and each fetch was logged with the case as purpose
    assert case.prefilled["population"]["household_address"].startswith("浙江省杭州市")
    call = SharingCall.objects.get(case_number=case.number, dataset_code="population")
    assert call.keys == [world.citizen_a.id_number]
    assert set(call.fields) >= {"household_address", "resident_id"}
    assert case.number in call.purpose
    assert case.materials.count() == 2


def test_submit_lists_every_missing_material_at_once(world):
    # given an item with two uploads
    impl = factories.implementation(
        dept=world.civil, materials=[UPLOAD, {"name": "照片", "source": "upload"}]
    )
    case = services.case_create_draft(actor=world.citizen_a, implementation=impl)
    # when submitted without either
    with pytest.raises(MaterialsMissing) as exc:
        services.case_submit(actor=world.citizen_a, case=case)
    # then one notice names both, and the case is still a draft
    assert exc.value.missing == ["申请表", "照片"]
    case.refresh_from_db()
    assert case.state == CaseState.DRAFT


def test_instant_approval_issues_and_delivers_licence_in_one_request(world):
    # given a senior citizen of the county and an item with the senior rule
    senior = world.citizen_a  # born 1960, household 330106
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    # when the citizen applies
    case = services.case_apply(actor=senior, implementation=impl)
    # then the case is approved, licensed and delivered by the rule, with no human step
    assert case.state == CaseState.DELIVERED
    assert case.instant_rule_name == "规则"
    assert case.facts["age"] >= 60 and case.facts["household_in_region"] is True
    licence = ELicence.objects.get(case_number=case.number)
    assert licence.holder_id_number == senior.id_number and len(licence.verification_code) == 16
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", "actor"))
    assert actions == [
        ("create", senior.id),
        ("submit", senior.id),
        ("accept", None),
        ("approve", None),
        ("deliver", None),
    ]
    assert OutboxMessage.objects.filter(recipient=senior, event="case.approved").exists()


def test_instant_rule_that_does_not_hold_sends_case_to_people(world):
    # given a young citizen
    young = factories.citizen(name="王五", birth=datetime.date(1995, 1, 1))
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    # when applying
    case = services.case_apply(actor=young, implementation=impl)
    # then the case waits for acceptance and no licence exists
    assert case.state == CaseState.SUBMITTED
    assert case.facts["age"] < 60
    assert not ELicence.objects.filter(case_number=case.number).exists()


def test_household_elsewhere_is_not_instantly_approved(world):
    outsider = factories.citizen(name="赵六", household_region="330203")
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    case = services.case_apply(actor=outsider, implementation=impl)
    assert case.state == CaseState.SUBMITTED and case.facts["household_in_region"] is False


def test_full_lifecycle_accept_steps_approve_deliver_archive(world):
    case = _submitted(world)
    assert case.state == CaseState.SUBMITTED
    case = services.case_accept(actor=world.clerk, case=case, note="材料齐全")
    assert case.state == CaseState.ACCEPTED and case.acceptance_number.startswith("SL")
    assert case.deadline is not None and sla_state(case) == SlaState.GREEN
    assert available_actions(user=world.approver, case=case) == [
        "request_supplement",
        "complete_step",
    ]
    case = services.case_complete_step(actor=world.approver, case=case, note="审查通过")
    assert case.current_step == 1
    assert "approve" in available_actions(user=world.approver, case=case)
    case = services.case_approve(actor=world.approver, case=case, reason="符合条件")
    assert case.state == CaseState.APPROVED and case.licence is not None
    assert case.decision_basis.startswith("《")
    case = services.case_deliver(
        actor=world.clerk, case=case, method="express", tracking_number="SF123"
    )
    assert case.state == CaseState.DELIVERED
    case = services.case_archive(actor=world.clerk, case=case)
    assert case.state == CaseState.ARCHIVED
    transitions = list(case.events.values_list("from_state", "to_state"))
    assert transitions[-5:] == [
        ("submitted", "accepted"),
        ("accepted", "accepted"),
        ("accepted", "approved"),
        ("approved", "delivered"),
        ("delivered", "archived"),
    ]


def test_not_accepted_needs_reason_and_is_final_until_archived(world):
    case = _submitted(world)
    with pytest.raises(ValidationFailed):
        services.case_not_accept(actor=world.clerk, case=case, reason=" ")
    case = services.case_not_accept(actor=world.clerk, case=case, reason="不属于本机关职责")
    assert case.state == CaseState.NOT_ACCEPTED
    with pytest.raises(WrongState):
        services.case_accept(actor=world.clerk, case=case)


def test_reject_needs_reason_and_basis(world):
    case = services.case_accept(actor=world.clerk, case=_submitted(world, steps=["approval"]))
    with pytest.raises(ValidationFailed) as exc:
        services.case_reject(actor=world.approver, case=case, reason="不符合", basis="")
    assert exc.value.field == "basis"
    case = services.case_reject(
        actor=world.approver, case=case, reason="不符合条件", basis="《条例》第五条"
    )
    assert case.state == CaseState.REJECTED and case.licence is None


def test_clerk_cannot_approve_and_approver_cannot_accept(world):
    case = _submitted(world)
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=world.approver, case=case)
    case = services.case_accept(actor=world.clerk, case=case)
    with pytest.raises(PermissionDenied):
        services.case_complete_step(actor=world.clerk, case=case)


def test_approver_of_other_department_cannot_act(world):
    case = services.case_accept(actor=world.clerk, case=_submitted(world))
    with pytest.raises(PermissionDenied):
        services.case_complete_step(actor=world.market_approver, case=case)
    case.refresh_from_db()
    assert case.current_step == 0


def test_cannot_approve_before_last_step(world):
    case = services.case_accept(actor=world.clerk, case=_submitted(world))
    with pytest.raises(WrongState):
        services.case_approve(actor=world.approver, case=case)


def test_wrong_state_is_refused_and_writes_nothing(world):
    case = _submitted(world)
    events = case.events.count()
    with pytest.raises(WrongState):
        services.case_deliver(actor=world.clerk, case=case, method="electronic")
    assert case.events.count() == events
    assert Case.objects.get(pk=case.pk).state == CaseState.SUBMITTED


def test_express_delivery_needs_tracking_number(world):
    case = services.case_accept(actor=world.clerk, case=_submitted(world, steps=["approval"]))
    case = services.case_approve(actor=world.approver, case=case)
    with pytest.raises(ValidationFailed) as exc:
        services.case_deliver(actor=world.clerk, case=case, method="express")
    assert exc.value.field == "tracking_number"


def test_same_idempotency_key_creates_one_case(world):
    impl = factories.implementation(dept=world.civil, rules=[factories.SENIOR_RULE])
    first = services.case_apply(actor=world.citizen_a, implementation=impl, idempotency_key="k-1")
    again = services.case_apply(actor=world.citizen_a, implementation=impl, idempotency_key="k-1")
    assert first.created and not again.created
    assert again.pk == first.pk
    assert Case.objects.filter(applicant=world.citizen_a).count() == 1
    assert ELicence.objects.filter(holder_id_number=world.citizen_a.id_number).count() == 1


def test_enterprise_cannot_apply_for_citizen_item(world):
    impl = factories.implementation(dept=world.civil)
    with pytest.raises(ValidationFailed):
        services.case_apply(actor=world.enterprise, implementation=impl)
    assert not Case.objects.exists()


def test_clerk_applies_on_behalf_at_window(world):
    impl = factories.implementation(dept=world.civil, materials=[UPLOAD])
    material = impl.materials.get()
    case = services.case_apply(
        actor=world.clerk,
        applicant=world.citizen_b,
        implementation=impl,
        channel="window",
        files={material.id: factories.pdf_upload()},
    )
    assert case.applicant == world.citizen_b and case.submitted_by == world.clerk
    assert case.channel == "window"
    with pytest.raises(PermissionDenied):
        services.case_apply(
            actor=world.citizen_a, applicant=world.citizen_b, implementation=impl, channel="window"
        )
