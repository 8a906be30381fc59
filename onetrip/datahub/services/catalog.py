"""Maintenance of the resource catalog (数据资源目录): datasets and their field schemas.

Only a data steward of the owning department (or the system admin) changes a dataset; each
change is audited in the same transaction. New datasets live in the generic record store; the
base registries' schemas describe typed tables, so they only get fields those tables have."""

import re
from typing import Any

from django.db import models
from django.db.models import Max

from onetrip.accounts.models import Department, User
from onetrip.audit.services import audit_record
from onetrip.core.errors import PermissionDenied, ValidationFailed
from onetrip.core.services import service
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    ELicence,
    Grade,
    LegalEntityRecord,
    PopulationRecord,
)
from onetrip.datahub.selectors.catalog import (
    can_create_dataset,
    can_maintain_dataset,
    is_platform_admin,
)

# The typed tables behind storage-bound datasets: a field must be one of their columns.
STORAGE_TABLES: dict[str, type[models.Model]] = {
    Dataset.Storage.POPULATION: PopulationRecord,
    Dataset.Storage.LEGAL_ENTITY: LegalEntityRecord,
    Dataset.Storage.ELICENCE: ELicence,
}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_-]{1,63}$")
# The type a subject field must have, by subject kind (it holds a resident ID or a USCC).
SUBJECT_TYPES = {
    Dataset.SubjectKind.CITIZEN: DatasetField.Type.RESIDENT_ID,
    Dataset.SubjectKind.ENTERPRISE: DatasetField.Type.USCC,
}
DATASET_ATTRS = (
    "name",
    "name_en",
    "description",
    "key_field",
    "update_frequency",
    "subject_kind",
    "subject_field",
    "sharing_class",
    "opening_class",
)
FIELD_ATTRS = (
    "name",
    "label",
    "label_en",
    "description",
    "type",
    "required",
    "enum_values",
    "max_length",
    "grade",
    "masking",
    "reference",
)


def table_columns(dataset: Dataset) -> set[str] | None:
    """The column names of a storage-bound dataset's table; None for the record store."""
    model = STORAGE_TABLES.get(dataset.storage)
    if model is None:
        return None
    return {f.name for f in model._meta.concrete_fields if not f.primary_key}


def _mandatory_columns(dataset: Dataset) -> set[str]:
    """Columns of a storage-bound dataset's table that a row cannot be stored without."""
    model = STORAGE_TABLES.get(dataset.storage)
    if model is None:
        return set()
    return {
        f.name
        for f in model._meta.concrete_fields
        if not f.primary_key and not f.null and not f.blank and not f.has_default()
    }


def _require_maintainer(actor: User, dataset: Dataset) -> None:
    if not can_maintain_dataset(actor, dataset):
        raise PermissionDenied(
            "Only a data steward of the owning department maintains this dataset.",
            field="dataset",
        )


def _check_choice(errors: list[dict[str, str]], field: str, value: str, choices: Any) -> None:
    if value not in choices.values:
        errors.append({"field": field, "message": f"Unknown value: {value!r}."})


def _raise(errors: list[dict[str, str]]) -> None:
    if errors:
        first = errors[0]
        raise ValidationFailed(first["message"], field=first["field"], errors=errors)


def _check_dataset_values(values: dict[str, Any], errors: list[dict[str, str]]) -> None:
    if not values["name"].strip():
        errors.append({"field": "name", "message": "A dataset needs a name."})
    elif len(values["name"]) > 128:
        errors.append({"field": "name", "message": "At most 128 characters."})
    if len(values["name_en"]) > 200:
        errors.append({"field": "name_en", "message": "At most 200 characters."})
    _check_choice(errors, "update_frequency", values["update_frequency"], Dataset.Frequency)
    _check_choice(errors, "subject_kind", values["subject_kind"], Dataset.SubjectKind)
    _check_choice(errors, "sharing_class", values["sharing_class"], Dataset.SharingClass)
    _check_choice(errors, "opening_class", values["opening_class"], Dataset.OpeningClass)
    if values["subject_kind"] != Dataset.SubjectKind.NONE and not values["subject_field"]:
        errors.append(
            {
                "field": "subject_field",
                "message": "A dataset about people names the field holding their ID.",
            }
        )
    if values["subject_kind"] == Dataset.SubjectKind.NONE and values["subject_field"]:
        errors.append(
            {
                "field": "subject_field",
                "message": "A dataset not about people has no subject field.",
            }
        )


@service
def dataset_create(
    *,
    actor: User,
    code: str,
    name: str,
    key_field: str,
    key_field_label: str = "",
    name_en: str = "",
    description: str = "",
    update_frequency: str = Dataset.Frequency.DAILY,
    subject_kind: str = Dataset.SubjectKind.NONE,
    subject_field: str = "",
    sharing_class: str = Dataset.SharingClass.CONDITIONAL,
    opening_class: str = Dataset.OpeningClass.NOT_OPEN,
    department: Department | None = None,
) -> Dataset:
    """Register a dataset of the actor's department in the generic record store, with its key
    field as the first field of its schema (a resident ID or USCC when the key is also the
    subject field). Only a data steward registers, and only for their own department; the
    system admin names any department."""
    if not can_create_dataset(actor):
        raise PermissionDenied("Only a data steward registers datasets.", field="dataset")
    if department is None or not is_platform_admin(actor):
        department = actor.department
    if department is None:
        raise ValidationFailed("The dataset needs an owning department.", field="department")
    code = (code or "").strip().lower()
    key_field = (key_field or "").strip()
    subject_field = (subject_field or "").strip()
    values = {
        "name": (name or "").strip(),
        "name_en": (name_en or "").strip(),
        "description": (description or "").strip(),
        "key_field": key_field,
        "update_frequency": update_frequency,
        "subject_kind": subject_kind,
        "subject_field": subject_field,
        "sharing_class": sharing_class,
        "opening_class": opening_class,
    }
    errors: list[dict[str, str]] = []
    if not CODE_RE.match(code):
        errors.append(
            {
                "field": "code",
                "message": "Use 2–64 lower-case letters, digits, '-' or '_', "
                "starting with a letter.",
            }
        )
    elif Dataset.objects.filter(code=code).exists():
        errors.append({"field": "code", "message": "A dataset with this code exists."})
    if not NAME_RE.match(key_field):
        errors.append(
            {
                "field": "key_field",
                "message": "Use lower-case letters, digits and '_', starting with a letter.",
            }
        )
    _check_dataset_values(values, errors)
    # At registration the schema holds only the key, so a subject field can only be the key.
    if subject_field and subject_field != key_field:
        errors.append(
            {
                "field": "subject_field",
                "message": "At registration the subject field can only be the key field; "
                "add the field, then choose it.",
            }
        )
    _raise(errors)
    dataset = Dataset.objects.create(
        code=code, department=department, storage=Dataset.Storage.RECORDS, **values
    )
    key_type = SUBJECT_TYPES.get(subject_kind) if subject_field else None
    DatasetField.objects.create(
        dataset=dataset,
        name=key_field,
        label=(key_field_label or "").strip()[:64] or key_field,
        type=key_type or DatasetField.Type.STRING,
        required=True,
        max_length=None if key_type else 64,
        position=0,
    )
    audit_record(
        actor=actor,
        action="dataset.create",
        target=dataset,
        detail={"code": code, "department": department.code, **values},
    )
    return dataset


@service
def dataset_update(*, actor: User, dataset: Dataset, **changes: Any) -> Dataset:
    """Change a dataset's description and classes (name, name_en, description, key_field,
    update_frequency, subject_kind, subject_field, sharing_class, opening_class). The key and
    subject fields must be fields of its schema (the subject field typed as a resident ID or
    USCC); a base registry's key and subject are those of its table and stay. Audited with
    the old and new values."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    _require_maintainer(actor, dataset)
    unknown = sorted(set(changes) - set(DATASET_ATTRS))
    if unknown:
        raise ValidationFailed(f"Unknown dataset attributes: {unknown}.", field=unknown[0])
    values = {attr: getattr(dataset, attr) for attr in DATASET_ATTRS}
    for attr, value in changes.items():
        values[attr] = (value or "").strip() if isinstance(value, str) or value is None else value
    errors: list[dict[str, str]] = []
    _check_dataset_values(values, errors)
    fields = {f.name: f for f in dataset.fields.all()}
    if dataset.storage != Dataset.Storage.RECORDS:
        for attr in ("key_field", "subject_kind", "subject_field"):
            if values[attr] != getattr(dataset, attr):
                errors.append(
                    {
                        "field": attr,
                        "message": "A base registry's key and subject are fixed by its table.",
                    }
                )
    else:
        key = fields.get(values["key_field"])
        if key is None:
            errors.append(
                {"field": "key_field", "message": "The key must be a field of the dataset."}
            )
        elif not key.required:
            errors.append({"field": "key_field", "message": "The key field must be required."})
        if values["subject_field"]:
            subject = fields.get(values["subject_field"])
            wanted = SUBJECT_TYPES.get(values["subject_kind"])
            if subject is None:
                errors.append(
                    {
                        "field": "subject_field",
                        "message": "The subject field must be a field of the dataset.",
                    }
                )
            elif wanted and subject.type != wanted:
                errors.append(
                    {
                        "field": "subject_field",
                        "message": f"The subject field must be of type {wanted.label}.",
                    }
                )
    _raise(errors)
    before = {attr: getattr(dataset, attr) for attr in DATASET_ATTRS}
    changed = [attr for attr in DATASET_ATTRS if values[attr] != before[attr]]
    if not changed:
        return dataset
    for attr in changed:
        setattr(dataset, attr, values[attr])
    dataset.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="dataset.update",
        target=dataset,
        detail={
            "code": dataset.code,
            "changes": {attr: [before[attr], values[attr]] for attr in changed},
        },
    )
    return dataset


def _clean_enum_values(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = raw.splitlines()
    return [str(v).strip() for v in raw if str(v).strip()]


@service
def dataset_field_save(
    *,
    actor: User,
    dataset: Dataset,
    name: str,
    label: str,
    field_id: int | None = None,
    label_en: str = "",
    description: str = "",
    type: str = DatasetField.Type.STRING,
    required: bool = False,
    enum_values: list[str] | str | None = None,
    max_length: int | None = None,
    grade: str = Grade.L2,
    masking: str = DatasetField.Masking.FULL,
    reference: str = "",
) -> DatasetField:
    """Add a field to a dataset's schema (no `field_id`) or change one. Guarantees: names are
    identifiers unique in the dataset; an enumeration lists its values; a reference names a
    dataset of the catalog; the key and subject fields keep their name, stay required and
    keep a type fit for a subject; a base registry only gets fields its table has, with
    their name and type fixed. Audited with the old and new values."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    _require_maintainer(actor, dataset)
    existing: DatasetField | None = None
    if field_id is not None:
        existing = DatasetField.objects.filter(dataset=dataset, pk=field_id).first()
        if existing is None:
            raise ValidationFailed("No such field in this dataset.", field="field")
    values: dict[str, Any] = {
        "name": (name or "").strip(),
        "label": (label or "").strip(),
        "label_en": (label_en or "").strip(),
        "description": (description or "").strip(),
        "type": type,
        "required": bool(required),
        "enum_values": _clean_enum_values(enum_values),
        "max_length": max_length,
        "grade": grade,
        "masking": masking,
        "reference": (reference or "").strip(),
    }
    errors: list[dict[str, str]] = []
    if not NAME_RE.match(values["name"]):
        errors.append(
            {
                "field": "name",
                "message": "Use lower-case letters, digits and '_', starting with a letter.",
            }
        )
    elif (
        DatasetField.objects.filter(dataset=dataset, name=values["name"])
        .exclude(pk=field_id)
        .exists()
    ):
        errors.append({"field": "name", "message": "The dataset has a field with this name."})
    if not values["label"]:
        errors.append({"field": "label", "message": "A field needs a label."})
    elif len(values["label"]) > 64:
        errors.append({"field": "label", "message": "At most 64 characters."})
    if len(values["label_en"]) > 128:
        errors.append({"field": "label_en", "message": "At most 128 characters."})
    if len(values["description"]) > 300:
        errors.append({"field": "description", "message": "At most 300 characters."})
    _check_choice(errors, "type", values["type"], DatasetField.Type)
    _check_choice(errors, "grade", values["grade"], Grade)
    _check_choice(errors, "masking", values["masking"], DatasetField.Masking)
    if values["type"] == DatasetField.Type.ENUM:
        if not values["enum_values"]:
            errors.append(
                {"field": "enum_values", "message": "List the allowed values, one per line."}
            )
        elif len(set(values["enum_values"])) != len(values["enum_values"]):
            errors.append({"field": "enum_values", "message": "A value is listed twice."})
    elif values["enum_values"]:
        errors.append(
            {"field": "enum_values", "message": "Only a field of type 'one of a list' has values."}
        )
    if values["max_length"] is not None and (
        not isinstance(values["max_length"], int) or values["max_length"] < 1
    ):
        errors.append({"field": "max_length", "message": "Give a positive whole number."})
    if values["reference"] and not Dataset.objects.filter(code=values["reference"]).exists():
        errors.append(
            {"field": "reference", "message": "No dataset with this code in the catalog."}
        )
    columns = table_columns(dataset)
    if columns is not None:
        if existing is None and values["name"] not in columns:
            errors.append(
                {
                    "field": "name",
                    "message": f"The {dataset.get_storage_display()} has no column "
                    f"{values['name']!r}: a base registry only gets fields its table has.",
                }
            )
        if existing is not None and values["name"] != existing.name:
            errors.append(
                {"field": "name", "message": "A base registry's field names are its columns."}
            )
        if existing is not None and values["type"] != existing.type:
            errors.append(
                {"field": "type", "message": "A base registry's field types are its columns'."}
            )
    if existing is not None and existing.name in (dataset.key_field, dataset.subject_field):
        if values["name"] != existing.name:
            errors.append(
                {"field": "name", "message": "The key and subject fields keep their names."}
            )
        if existing.name == dataset.key_field and not values["required"]:
            errors.append({"field": "required", "message": "The key field is always required."})
        wanted = SUBJECT_TYPES.get(dataset.subject_kind)
        if existing.name == dataset.subject_field and wanted and values["type"] != wanted:
            errors.append(
                {"field": "type", "message": f"The subject field must be of type {wanted.label}."}
            )
    if (
        existing is not None
        and values["name"] != existing.name
        and DatasetRecord.objects.filter(dataset=dataset).exists()
    ):
        errors.append(
            {
                "field": "name",
                "message": "The dataset holds records: a field is not renamed under them.",
            }
        )
    _raise(errors)
    if existing is None:
        position = (dataset.fields.aggregate(m=Max("position"))["m"] or 0) + 1
        field = DatasetField.objects.create(dataset=dataset, position=position, **values)
        audit_record(
            actor=actor,
            action="dataset_field.add",
            target=dataset,
            detail={"code": dataset.code, "field": values["name"], "values": values},
        )
        return field
    before = {attr: getattr(existing, attr) for attr in FIELD_ATTRS}
    changed = [attr for attr in FIELD_ATTRS if values[attr] != before[attr]]
    if not changed:
        return existing
    for attr in changed:
        setattr(existing, attr, values[attr])
    existing.save(update_fields=changed)
    audit_record(
        actor=actor,
        action="dataset_field.change",
        target=dataset,
        detail={
            "code": dataset.code,
            "field": existing.name,
            "changes": {attr: [before[attr], values[attr]] for attr in changed},
        },
    )
    return existing


@service
def dataset_field_delete(*, actor: User, dataset: Dataset, field_id: int) -> None:
    """Remove a field from a dataset's schema; later loads no longer check or store it. The
    key and subject fields stay: records are found by them."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    _require_maintainer(actor, dataset)
    field = DatasetField.objects.filter(dataset=dataset, pk=field_id).first()
    if field is None:
        raise ValidationFailed("No such field in this dataset.", field="field")
    if field.name in (dataset.key_field, dataset.subject_field):
        raise ValidationFailed(
            "The key and subject fields cannot be removed: records are found by them.",
            field="field",
        )
    if field.name in _mandatory_columns(dataset):
        raise ValidationFailed(
            "The base registry's table needs this column: it cannot be removed.", field="field"
        )
    detail = {attr: getattr(field, attr) for attr in FIELD_ATTRS}
    field.delete()
    audit_record(
        actor=actor,
        action="dataset_field.delete",
        target=dataset,
        detail={"code": dataset.code, "field": detail["name"], "values": detail},
    )
