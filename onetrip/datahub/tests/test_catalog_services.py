"""Maintenance of the resource catalog: only the owning department's data steward (or the
system admin) changes a dataset, every change is audited, bad values are refused per field,
and the base registries keep the schema of their tables."""

import pytest

from onetrip.accounts.models import Role
from onetrip.audit.models import AuditEntry
from onetrip.core.errors import PermissionDenied, ValidationFailed
from onetrip.datahub import services
from onetrip.datahub.models import Dataset, DatasetField, DatasetRecord, Grade
from onetrip.testing import factories


@pytest.fixture
def stewards(world):  # type: ignore[no-untyped-def]
    """A data steward of 西湖区民政局, one of 余杭区市场监管局, the public-security steward
    owning the population registry, and a civil-affairs approver (not a steward)."""

    class S:
        civil = factories.staff(roles=[Role.DATA_STEWARD], dept=world.civil)
        market = factories.staff(roles=[Role.DATA_STEWARD], dept=world.market)
        police = factories.staff(
            roles=[Role.DATA_STEWARD], dept=Dataset.objects.get(code="population").department
        )
        admin = factories.staff(roles=[Role.SYSTEM_ADMIN], dept=world.market)

    return S


def _create(actor, **kw):  # type: ignore[no-untyped-def]
    values = {"code": "low-income", "name": "低收入家庭名录", "key_field": "family_no"}
    values.update(kw)
    return services.dataset_create(actor=actor, **values)


def _errors(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {e["field"]: e["message"] for e in exc.value.extra.get("errors", [])}


# --------------------------------------------------------------------------- dataset_create


def test_a_steward_registers_a_dataset_of_their_department_with_its_key_field(
    world, stewards
) -> None:  # type: ignore[no-untyped-def]
    # given the civil-affairs steward
    # when they register a dataset about citizens keyed by the resident ID
    dataset = _create(
        stewards.civil,
        key_field="resident_id",
        key_field_label="身份证号",
        subject_kind=Dataset.SubjectKind.CITIZEN,
        subject_field="resident_id",
        sharing_class=Dataset.SharingClass.UNCONDITIONAL,
        update_frequency=Dataset.Frequency.MONTHLY,
    )
    # then it belongs to their department, lives in the record store, and its schema holds
    # the key field, required and typed as a resident ID
    assert dataset.department == world.civil
    assert dataset.storage == Dataset.Storage.RECORDS
    assert dataset.sharing_class == "unconditional"
    key = dataset.fields.get()
    assert (key.name, key.label, key.type, key.required) == (
        "resident_id",
        "身份证号",
        DatasetField.Type.RESIDENT_ID,
        True,
    )
    # and the registration is in the audit log
    entry = AuditEntry.objects.get(action="dataset.create")
    assert entry.actor == stewards.civil
    assert entry.object_id == str(dataset.pk)


def test_a_steward_cannot_register_for_another_department(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # when the civil steward names the market department as owner
    dataset = _create(stewards.civil, department=world.market)
    # then the dataset is still their own department's
    assert dataset.department == world.civil


def test_the_system_admin_registers_for_any_department(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.admin, department=world.civil)
    assert dataset.department == world.civil


def test_staff_without_the_steward_role_cannot_register(world) -> None:  # type: ignore[no-untyped-def]
    # given an approver and a citizen
    for user in (world.approver, world.citizen_a):
        # when they try to register a dataset, then they are refused and nothing is stored
        with pytest.raises(PermissionDenied):
            _create(user)
    assert not Dataset.objects.filter(code="low-income").exists()
    assert not AuditEntry.objects.filter(action="dataset.create").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"code": "population"}, "code"),  # taken by the base registry
        ({"name": "  "}, "name"),
        ({"key_field": "家庭编号"}, "key_field"),
        ({"update_frequency": "hourly"}, "update_frequency"),
        ({"sharing_class": "sometimes"}, "sharing_class"),
        ({"opening_class": "ajar"}, "opening_class"),
        ({"subject_kind": "alien"}, "subject_kind"),
        ({"subject_kind": "citizen"}, "subject_field"),  # about people but no ID field
        ({"subject_field": "family_no"}, "subject_field"),  # a subject but kind "none"
        ({"subject_kind": "citizen", "subject_field": "head_id"}, "subject_field"),  # not key
    ],
)
def test_bad_registrations_are_refused_on_their_field(world, stewards, values, field) -> None:  # type: ignore[no-untyped-def]
    # when a registration carries one bad value
    with pytest.raises(ValidationFailed) as exc:
        _create(stewards.civil, **values)
    # then the refusal names the field, and nothing was stored
    assert field in _errors(exc)
    assert not Dataset.objects.filter(department=world.civil).exists()


# --------------------------------------------------------------------------- dataset_update


def test_the_owner_steward_updates_classes_and_the_change_is_audited(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a civil dataset
    dataset = _create(stewards.civil)
    # when its steward opens it for conditional opening, weekly
    services.dataset_update(
        actor=stewards.civil,
        dataset=dataset,
        opening_class=Dataset.OpeningClass.CONDITIONAL,
        update_frequency=Dataset.Frequency.WEEKLY,
        description="每周更新",
    )
    # then the values are stored and the audit entry names the old and new values
    dataset.refresh_from_db()
    assert (dataset.opening_class, dataset.update_frequency, dataset.description) == (
        "conditional",
        "weekly",
        "每周更新",
    )
    entry = AuditEntry.objects.get(action="dataset.update")
    assert entry.detail["changes"]["opening_class"] == ["not_open", "conditional"]


def test_an_update_that_changes_nothing_writes_no_audit_entry(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    services.dataset_update(actor=stewards.civil, dataset=dataset, name=dataset.name)
    assert not AuditEntry.objects.filter(action="dataset.update").exists()


def test_a_steward_of_another_department_cannot_update(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a civil dataset
    dataset = _create(stewards.civil)
    # when the market steward or a civil approver changes it, then they are refused
    for user in (stewards.market, world.approver):
        with pytest.raises(PermissionDenied):
            services.dataset_update(actor=user, dataset=dataset, name="改名")
    dataset.refresh_from_db()
    assert dataset.name == "低收入家庭名录"


def test_the_subject_field_must_be_a_field_of_the_right_type(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a dataset with a text field and a resident-ID field
    dataset = _create(stewards.civil)
    services.dataset_field_save(actor=stewards.civil, dataset=dataset, name="head", label="户主")
    services.dataset_field_save(
        actor=stewards.civil,
        dataset=dataset,
        name="head_id",
        label="户主身份证号",
        type=DatasetField.Type.RESIDENT_ID,
    )
    # when the subject is set to the text field, to a missing field, or the key to a
    # missing field, then each is refused on its field
    for changes, field in [
        ({"subject_kind": "citizen", "subject_field": "head"}, "subject_field"),
        ({"subject_kind": "citizen", "subject_field": "nobody"}, "subject_field"),
        ({"key_field": "nothing"}, "key_field"),
        ({"key_field": "head"}, "key_field"),  # not required
    ]:
        with pytest.raises(ValidationFailed) as exc:
            services.dataset_update(actor=stewards.civil, dataset=dataset, **changes)
        assert field in _errors(exc), changes
    # while the resident-ID field is accepted as the subject
    services.dataset_update(
        actor=stewards.civil, dataset=dataset, subject_kind="citizen", subject_field="head_id"
    )
    dataset.refresh_from_db()
    assert dataset.subject_field == "head_id"


def test_a_base_registrys_key_and_subject_stay_those_of_its_table(world, stewards) -> None:  # type: ignore[no-untyped-def]
    population = Dataset.objects.get(code="population")
    # when its steward tries to move the key or the subject, then it is refused
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_update(actor=stewards.police, dataset=population, key_field="phone")
    assert "key_field" in _errors(exc)
    # while its description and classes can change
    services.dataset_update(
        actor=stewards.police, dataset=population, sharing_class="unconditional"
    )
    population.refresh_from_db()
    assert population.sharing_class == "unconditional"


def test_unknown_attributes_are_refused(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    with pytest.raises(ValidationFailed):
        services.dataset_update(actor=stewards.civil, dataset=dataset, storage="population")


# --------------------------------------------------------------------------- fields


def test_the_steward_adds_and_edits_a_field_with_every_attribute(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a dataset of the record store
    dataset = _create(stewards.civil)
    # when its steward adds an enumeration field
    field = services.dataset_field_save(
        actor=stewards.civil,
        dataset=dataset,
        name="assistance_kind",
        label="救助类别",
        label_en="Kind of assistance",
        description="低保、特困或低边",
        type=DatasetField.Type.ENUM,
        required=True,
        enum_values="低保\n特困\n\n低边\n",
        grade=Grade.L3,
        masking=DatasetField.Masking.FULL,
        reference="",
    )
    # then it is stored after the key, with its values as a list
    assert field.position > dataset.fields.get(name="family_no").position
    assert field.enum_values == ["低保", "特困", "低边"]
    assert field.grade == "L3"
    # when the steward changes its grade and masking
    services.dataset_field_save(
        actor=stewards.civil,
        dataset=dataset,
        field_id=field.pk,
        name="assistance_kind",
        label="救助类别",
        type=DatasetField.Type.ENUM,
        required=True,
        enum_values=["低保", "特困", "低边"],
        grade=Grade.L4,
        masking=DatasetField.Masking.NAME,
    )
    # then the change is stored and audited with only what changed
    field.refresh_from_db()
    assert (field.grade, field.masking, field.label_en) == ("L4", "name", "")
    entry = AuditEntry.objects.get(action="dataset_field.change")
    assert set(entry.detail["changes"]) == {"grade", "masking", "label_en", "description"}
    assert AuditEntry.objects.filter(action="dataset_field.add").count() == 1


def test_a_reference_names_a_dataset_of_the_catalog(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    field = services.dataset_field_save(
        actor=stewards.civil,
        dataset=dataset,
        name="head_id",
        label="户主身份证号",
        type=DatasetField.Type.RESIDENT_ID,
        reference="population",
    )
    assert field.reference == "population"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "Head Name"}, "name"),
        ({"name": "family_no"}, "name"),  # the key exists already
        ({"label": ""}, "label"),
        ({"label": "长" * 65}, "label"),
        ({"description": "x" * 301}, "description"),
        ({"type": "blob"}, "type"),
        ({"type": "enum"}, "enum_values"),  # no values
        ({"type": "enum", "enum_values": ["a", "a"]}, "enum_values"),
        ({"enum_values": ["a"]}, "enum_values"),  # values on a text field
        ({"max_length": 0}, "max_length"),
        ({"grade": "secret"}, "grade"),
        ({"masking": "blur"}, "masking"),
        ({"reference": "no-such-dataset"}, "reference"),
    ],
)
def test_bad_fields_are_refused_on_their_attribute(world, stewards, values, field) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    arguments = {"name": "head", "label": "户主", **values}
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_field_save(actor=stewards.civil, dataset=dataset, **arguments)
    assert field in _errors(exc)
    assert dataset.fields.count() == 1


def test_the_key_field_keeps_its_name_and_stays_required(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    key = dataset.fields.get(name="family_no")
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_field_save(
            actor=stewards.civil,
            dataset=dataset,
            field_id=key.pk,
            name="family_number",
            label="家庭编号",
            required=False,
        )
    assert set(_errors(exc)) >= {"name", "required"}


def test_a_field_is_not_renamed_under_stored_records(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a dataset with a field and a stored record
    dataset = _create(stewards.civil)
    head = services.dataset_field_save(
        actor=stewards.civil, dataset=dataset, name="head", label="户主"
    )
    DatasetRecord.objects.create(
        dataset=dataset,
        key="F1",
        data={"family_no": "F1", "head": "张三"},
        updated_at="2025-01-01T00:00Z",
    )
    # when the steward renames the field, then it is refused
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_field_save(
            actor=stewards.civil, dataset=dataset, field_id=head.pk, name="head_name", label="户主"
        )
    assert "name" in _errors(exc)


def test_a_base_registry_only_gets_fields_its_table_has(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given the population registry, whose table has no "blood_type" column
    population = Dataset.objects.get(code="population")
    before = population.fields.count()
    # when its steward adds such a field, then it is refused clearly on the name
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_field_save(
            actor=stewards.police, dataset=population, name="blood_type", label="血型"
        )
    assert "has no column 'blood_type'" in _errors(exc)["name"]
    assert population.fields.count() == before
    # and an existing column keeps its type
    phone = population.fields.get(name="phone")
    with pytest.raises(ValidationFailed) as exc:
        services.dataset_field_save(
            actor=stewards.police,
            dataset=population,
            field_id=phone.pk,
            name="phone",
            label="联系电话",
            type=DatasetField.Type.STRING,
            grade=Grade.L3,
        )
    assert "type" in _errors(exc)


def test_a_removed_column_of_a_base_registry_can_come_back(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given the population registry without its education field
    population = Dataset.objects.get(code="population")
    education = population.fields.get(name="education")
    services.dataset_field_delete(actor=stewards.police, dataset=population, field_id=education.pk)
    assert not population.fields.filter(name="education").exists()
    # when the steward adds it again, then it is accepted: the table has the column
    services.dataset_field_save(
        actor=stewards.police, dataset=population, name="education", label="文化程度"
    )
    assert population.fields.filter(name="education").exists()


def test_a_steward_of_another_department_cannot_touch_fields(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given the population registry of public security
    population = Dataset.objects.get(code="population")
    phone = population.fields.get(name="phone")
    # when the civil steward adds, edits or removes a field, then each is refused
    with pytest.raises(PermissionDenied):
        services.dataset_field_save(
            actor=stewards.civil, dataset=population, name="education", label="x"
        )
    with pytest.raises(PermissionDenied):
        services.dataset_field_save(
            actor=stewards.civil,
            dataset=population,
            field_id=phone.pk,
            name="phone",
            label="x",
            type=phone.type,
        )
    with pytest.raises(PermissionDenied):
        services.dataset_field_delete(actor=stewards.civil, dataset=population, field_id=phone.pk)
    phone.refresh_from_db()
    assert phone.label == "联系电话"


# --------------------------------------------------------------------------- field delete


def test_the_steward_removes_a_field_and_it_is_audited(world, stewards) -> None:  # type: ignore[no-untyped-def]
    dataset = _create(stewards.civil)
    head = services.dataset_field_save(
        actor=stewards.civil, dataset=dataset, name="head", label="户主"
    )
    services.dataset_field_delete(actor=stewards.civil, dataset=dataset, field_id=head.pk)
    assert not dataset.fields.filter(name="head").exists()
    entry = AuditEntry.objects.get(action="dataset_field.delete")
    assert entry.detail["field"] == "head"


def test_key_subject_and_mandatory_columns_cannot_be_removed(world, stewards) -> None:  # type: ignore[no-untyped-def]
    population = Dataset.objects.get(code="population")
    for name in ("resident_id", "name", "birth_date"):
        field = population.fields.get(name=name)
        with pytest.raises(ValidationFailed):
            services.dataset_field_delete(
                actor=stewards.police, dataset=population, field_id=field.pk
            )
        assert population.fields.filter(name=name).exists()


def test_a_field_of_another_dataset_is_not_found(world, stewards) -> None:  # type: ignore[no-untyped-def]
    # given a civil dataset and a field of the population registry
    dataset = _create(stewards.civil)
    foreign = Dataset.objects.get(code="population").fields.get(name="phone")
    # when the civil steward deletes or edits it through their own dataset, then it is refused
    with pytest.raises(ValidationFailed):
        services.dataset_field_delete(actor=stewards.civil, dataset=dataset, field_id=foreign.pk)
    with pytest.raises(ValidationFailed):
        services.dataset_field_save(
            actor=stewards.civil, dataset=dataset, field_id=foreign.pk, name="phone", label="x"
        )
    assert DatasetField.objects.filter(pk=foreign.pk).exists()
