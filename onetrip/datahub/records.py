"""Record stores: where a dataset's records live, behind one registry keyed by
`Dataset.storage`. The core's base registries keep their typed tables (PopulationRecord,
LegalEntityRecord, ELicence); every other dataset lives in the generic DatasetRecord table.

Whatever the storage, a record is a dict keyed by DatasetField.name whose values are JSON-able:
dates as ISO strings, decimals as strings, a region foreign key as the region code. Stores only
read and write; who may read is decided by `services.sharing.share_read`, who may write by the
services that call `update` (corrections, ingestion)."""

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.db.models import Model
from django.utils import timezone

from onetrip.core.errors import NotFound, ValidationFailed, WrongState
from onetrip.datahub import base_registries
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    ELicence,
    LegalEntityRecord,
    PopulationRecord,
    RecordVersion,
)
from onetrip.plugins.registry import Registry

MAX_KEYS = 100  # one query reads up to this many keys


class RecordStore:
    """Interface of a record store."""

    key: ClassVar[str]
    read_only: ClassVar[bool] = False

    def get_many(
        self, dataset: Dataset, keys: list[str], fields: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The records with these keys (one query, at most MAX_KEYS keys), by key; keys with no
        record are absent. `fields` limits the values returned (None: every field)."""
        raise NotImplementedError

    def for_subject(
        self, dataset: Dataset, subject_key: str, fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """The records whose `dataset.subject_field` is this resident ID or USCC; each also
        carries its key field, whatever `fields` says."""
        raise NotImplementedError

    def update(
        self,
        dataset: Dataset,
        key: str,
        changes: dict[str, Any],
        *,
        correction: Any = None,
        load: Any = None,
    ) -> dict[str, Any]:
        """Change one record in the caller's transaction: a RecordVersion holding the old values
        is written first, then the new values. Returns the record as it now is."""
        raise NotImplementedError


record_stores: Registry[RecordStore] = Registry("record stores")


def store_for(dataset: Dataset) -> RecordStore:
    """The store holding `dataset`'s records."""
    return record_stores.get(dataset.storage)


def _check_keys(keys: list[str]) -> None:
    if len(keys) > MAX_KEYS:
        raise ValidationFailed(f"At most {MAX_KEYS} keys a call.", field="keys")


def _version(dataset: Dataset, key: str, old: dict[str, Any], correction: Any, load: Any) -> None:
    RecordVersion.objects.create(
        dataset=dataset,
        key=key,
        data=old,
        change=RecordVersion.Change.UPDATED,
        superseded_at=timezone.now(),
        correction=correction,
        load=load,
    )


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class TypedStore(RecordStore):
    """A base registry kept in its own model: each dataset field is a column (a region field
    is the foreign key's code)."""

    model: ClassVar[type[Model]]
    key_column: ClassVar[str]
    subject_column: ClassVar[str]
    # field name -> the column or lookup read for it (default: the field name).
    columns: ClassVar[dict[str, str]] = {}
    field_names: ClassVar[tuple[str, ...]]
    date_fields: ClassVar[frozenset[str]] = frozenset()
    decimal_fields: ClassVar[frozenset[str]] = frozenset()

    def _lookups(self, fields: list[str] | None) -> list[tuple[str, str]]:
        names = list(self.field_names) if fields is None else list(fields)
        unknown = [n for n in names if n not in self.field_names]
        if unknown:
            raise ValidationFailed(f"Unknown fields: {', '.join(unknown)}.", field="fields")
        return [(n, self.columns.get(n, n)) for n in names]

    def _rows(self, qs: Any, fields: list[str] | None) -> list[tuple[str, dict[str, Any]]]:
        """(key, record) pairs of the rows of `qs`, one query."""
        lookups = self._lookups(fields)
        key_lookup = self.columns.get(self.key_column, self.key_column)
        return [
            (row[0], {name: _to_json(v) for (name, _), v in zip(lookups, row[1:], strict=True)})
            for row in qs.values_list(key_lookup, *(c for _, c in lookups))
        ]

    def get_many(
        self, dataset: Dataset, keys: list[str], fields: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        _check_keys(keys)
        if not keys:
            return {}
        qs = self.model._default_manager.filter(**{f"{self.key_column}__in": keys}).order_by()
        return dict(self._rows(qs, fields))

    def for_subject(
        self, dataset: Dataset, subject_key: str, fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        qs = self.model._default_manager.filter(**{self.subject_column: subject_key})
        return [
            {**record, self.key_column: key}
            for key, record in self._rows(qs.order_by("pk"), fields)
        ]

    def _from_json(self, name: str, value: Any) -> tuple[str, Any]:
        """The model attribute and value that store `value` of field `name`."""
        if name in self.date_fields and isinstance(value, str):
            value = dt.date.fromisoformat(value) if value else None
        elif name in self.decimal_fields and value not in (None, ""):
            value = Decimal(str(value))
        return self.columns.get(name, name), value

    def update(
        self,
        dataset: Dataset,
        key: str,
        changes: dict[str, Any],
        *,
        correction: Any = None,
        load: Any = None,
    ) -> dict[str, Any]:
        if self.read_only:
            raise WrongState(f"Records of {dataset.code} cannot be changed here.")
        unknown = [n for n in changes if n not in self.field_names]
        if unknown:
            raise ValidationFailed(f"Unknown fields: {', '.join(unknown)}.", field="changes")
        if self.key_column in changes and changes[self.key_column] != key:
            raise ValidationFailed("A record's key cannot be changed.", field=self.key_column)
        row = (
            self.model._default_manager.select_for_update().filter(**{self.key_column: key}).first()
        )
        if row is None:
            raise NotFound(f"No record of {dataset.code} has the key {key}.")
        old = self.get_many(dataset, [key])[key]
        _version(dataset, key, old, correction, load)
        touched = []
        for name, value in changes.items():
            attribute, stored = self._from_json(name, value)
            setattr(row, attribute, stored)
            touched.append(attribute)
        row.save(update_fields=[*touched, "updated_at"] if hasattr(row, "updated_at") else touched)
        return {**old, **{n: _to_json(v) for n, v in changes.items()}}


@record_stores.register(Dataset.Storage.POPULATION)
class PopulationStore(TypedStore):
    model = PopulationRecord
    key_column = "resident_id"
    subject_column = "resident_id"
    columns = {"household_region": "household_region_id"}
    field_names = base_registries.field_names("population")
    date_fields = base_registries.fields_of_type("population", DatasetField.Type.DATE)


@record_stores.register(Dataset.Storage.LEGAL_ENTITY)
class LegalEntityStore(TypedStore):
    model = LegalEntityRecord
    key_column = "uscc"
    subject_column = "uscc"
    columns = {"region": "region_id"}
    field_names = base_registries.field_names("legal_entity")
    date_fields = base_registries.fields_of_type("legal_entity", DatasetField.Type.DATE)
    decimal_fields = base_registries.fields_of_type("legal_entity", DatasetField.Type.DECIMAL)


@record_stores.register(Dataset.Storage.ELICENCE)
class ELicenceStore(TypedStore):
    """Read-only: e-licences are issued and revoked by cases, never by a data load."""

    model = ELicence
    read_only = True
    key_column = "number"
    subject_column = "holder_id_number"
    # The licence type by its code, the issuer by its name: what a reader can use.
    columns = {"licence_type": "licence_type__code", "issuer": "issuer__name"}
    field_names = base_registries.field_names("elicence")
    date_fields = base_registries.fields_of_type("elicence", DatasetField.Type.DATE)


@record_stores.register(Dataset.Storage.RECORDS)
class GenericStore(RecordStore):
    """Records of any other dataset: one DatasetRecord row each, the values in `data`."""

    @staticmethod
    def _project(data: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
        if fields is None:
            return dict(data)
        return {name: data.get(name) for name in fields}

    def get_many(
        self, dataset: Dataset, keys: list[str], fields: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        _check_keys(keys)
        if not keys:
            return {}
        rows = DatasetRecord.objects.filter(dataset_id=dataset.pk, key__in=keys).values_list(
            "key", "data"
        )
        return {key: self._project(data, fields) for key, data in rows}

    def for_subject(
        self, dataset: Dataset, subject_key: str, fields: list[str] | None = None
    ) -> list[dict[str, Any]]:
        rows = (
            DatasetRecord.objects.filter(dataset_id=dataset.pk, subject_key=subject_key)
            .order_by("key")
            .values_list("key", "data")
        )
        return [{**self._project(data, fields), dataset.key_field: key} for key, data in rows]

    def update(
        self,
        dataset: Dataset,
        key: str,
        changes: dict[str, Any],
        *,
        correction: Any = None,
        load: Any = None,
    ) -> dict[str, Any]:
        known = set(dataset.fields.values_list("name", flat=True))
        unknown = [n for n in changes if n not in known]
        if unknown:
            raise ValidationFailed(f"Unknown fields: {', '.join(unknown)}.", field="changes")
        if dataset.key_field in changes and changes[dataset.key_field] != key:
            raise ValidationFailed("A record's key cannot be changed.", field=dataset.key_field)
        record = (
            DatasetRecord.objects.select_for_update().filter(dataset_id=dataset.pk, key=key).first()
        )
        if record is None:
            raise NotFound(f"No record of {dataset.code} has the key {key}.")
        _version(dataset, key, dict(record.data), correction, load)
        record.data = {**record.data, **{n: _to_json(v) for n, v in changes.items()}}
        record.updated_at = timezone.now()
        update_fields = ["data", "updated_at"]
        if dataset.subject_field and dataset.subject_field in changes:
            record.subject_key = str(changes[dataset.subject_field] or "")
            update_fields.append("subject_key")
        record.save(update_fields=update_fields)
        return dict(record.data)
