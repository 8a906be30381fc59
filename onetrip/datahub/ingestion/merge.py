"""Storing a checked load, set-based: the checked rows wait in temporary tables of this
connection (`Stage`: COPY on PostgreSQL, executemany on SQLite) and a handful of statements
move them into the dataset's storage in one transaction (`Store.apply`):

1. the old values of every record that changes go to RecordVersion ("updated") — first, so
   no change exists without its history;
2. the changed records are updated, the new ones inserted, unchanged ones left alone;
3. in a full load, records missing from the file (and not among its problem rows) go to
   RecordVersion ("deleted") and are removed.

A `Store` per `Dataset.Storage` (the `stores` registry) knows its table: the typed
PopulationRecord and LegalEntityRecord tables, or the generic DatasetRecord. Old values are
written in the JSON-able form the record stores use everywhere (`onetrip.datahub.records`):
keyed by field name, dates as ISO text, decimals as text, regions as their code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.core.errors import ValidationFailed
from onetrip.datahub.models import (
    Dataset,
    DatasetField,
    DatasetRecord,
    LegalEntityRecord,
    PopulationRecord,
    ProblemRecord,
    RecordVersion,
)
from onetrip.plugins.registry import Registry


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _distinct(a: str, b: str) -> str:
    return f"{a} IS DISTINCT FROM {b}" if _postgres() else f"{a} IS NOT {b}"


def _now_param() -> Any:
    now = timezone.now()
    return now if _postgres() else connection.ops.adapt_datetimefield_value(now)


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


# ------------------------------------------------------------------------------ staging


class Stage:
    """The temporary tables of one load on this connection: `good` (checked rows, text
    columns c0…cN as the store asks), `problems` and `keep` (keys of problem rows, which a
    full load must not delete). They live only as long as the connection: a killed process
    leaves nothing behind."""

    def __init__(self, load_id: int, columns: list[str]) -> None:
        self.columns = columns
        self.good = f"ingest_good_{load_id}"
        self.problems = f"ingest_problem_{load_id}"
        self.keep = f"ingest_keep_{load_id}"
        self.good_count = 0
        self.problem_count = 0

    def create(self) -> None:
        cols = ", ".join(f"{q(c)} TEXT" for c in self.columns)
        with connection.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(f"CREATE TEMPORARY TABLE {self.good} ({cols})")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.problems} (row_number INTEGER, key TEXT,"
                " data TEXT, reasons TEXT)"
            )
            cursor.execute(f"CREATE TEMPORARY TABLE {self.keep} (k TEXT)")

    def drop(self, cursor: Any = None) -> None:
        def run(c: Any) -> None:
            for table in (self.good, self.problems, self.keep):
                c.execute(f"DROP TABLE IF EXISTS {table}")

        if cursor is not None:
            run(cursor)
        else:
            with connection.cursor() as c:
                run(c)

    def _write(self, table: str, columns: list[str], rows: list[list[Any]]) -> None:
        if not rows:
            return
        names = ", ".join(q(c) for c in columns)
        with connection.cursor() as cursor:
            if _postgres():
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    write = copy.write_row
                    for row in rows:
                        write(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def add_good(self, rows: list[list[Any]]) -> None:
        self._write(self.good, self.columns, rows)
        self.good_count += len(rows)

    def add_problems(
        self, rows: list[tuple[int, str, dict[str, str], list[dict[str, str]]]]
    ) -> None:
        self._write(
            self.problems,
            ["row_number", "key", "data", "reasons"],
            [
                [
                    n,
                    key,
                    json.dumps(data, ensure_ascii=False),
                    json.dumps(reasons, ensure_ascii=False),
                ]
                for n, key, data, reasons in rows
            ],
        )
        self._write(self.keep, ["k"], [[key] for _n, key, _d, _r in rows if key])
        self.problem_count += len(rows)

    def ready(self, key_column: str) -> None:
        """Index and analyse the staged rows before the joins."""
        with connection.cursor() as cursor:
            if _postgres():
                cursor.execute(f"ANALYZE {self.good}")
                cursor.execute(f"ANALYZE {self.keep}")
            else:
                cursor.execute(f"CREATE INDEX {self.good}_k ON {self.good} ({q(key_column)})")
                cursor.execute(f"CREATE INDEX {self.keep}_k ON {self.keep} (k)")


# ------------------------------------------------------------------------------ stores


class Store:
    """Where a dataset's records live, and how a staged load gets there."""

    key: str
    # True when `stage_row` returns the checked values as they are (no call per row needed).
    stages_values_as_checked = False

    def stage_columns(self, dataset: Dataset, columns: list[str]) -> list[str]:
        raise NotImplementedError

    def stage_row(self, values: list[Any]) -> list[Any]:
        raise NotImplementedError

    def stage_key_column(self) -> str:
        raise NotImplementedError

    def prepare(self, dataset: Dataset, fields: list[DatasetField], columns: list[str]) -> None:
        """Get ready for a file with these columns (field names, file order)."""
        raise NotImplementedError

    def empty_value(self, field: DatasetField) -> Any:
        return None

    def stored_keys(self, dataset: Dataset) -> frozenset[str]:
        raise NotImplementedError

    def apply(self, *, dataset: Dataset, stage: Stage, load_id: int, full: bool) -> Counts:
        raise NotImplementedError


stores: Registry[Store] = Registry("ingestion record stores")


def store_for(dataset: Dataset, fields: list[DatasetField], columns: list[str]) -> Store:
    if dataset.storage not in stores:
        raise ValidationFailed(
            _("Records of %(dataset)s are not loaded from files.") % {"dataset": dataset.name},
            field="dataset",
        )
    store = stores.get(dataset.storage)
    store.prepare(dataset, fields, columns)
    return store


def _history_insert(change: str) -> str:
    return (
        f"INSERT INTO {q(RecordVersion._meta.db_table)}"
        " (dataset_id, key, data, change, superseded_at, load_id, correction_id)"
        f" SELECT %s, {{key}}, {{data}}, '{change}', %s, %s, NULL"
    )


class TypedStore(Store):
    """A core registry's own table (PopulationRecord, LegalEntityRecord): one column per
    field, the key a unique column."""

    model: type[models.Model]
    key_name: str
    stages_values_as_checked = True

    def prepare(self, dataset: Dataset, fields: list[DatasetField], columns: list[str]) -> None:
        meta = self.model._meta
        self.table = q(meta.db_table)
        self.columns = columns
        self.key_index = columns.index(dataset.key_field)
        self.model_fields: dict[str, models.Field] = {}
        for name in {f.name for f in fields} | set(columns):
            try:
                self.model_fields[name] = meta.get_field(name)
            except Exception:
                raise ValidationFailed(
                    _("The field %(field)s has no column in the registry's table.")
                    % {"field": name},
                    field="dataset",
                ) from None
        self.schema = [f.name for f in fields]
        self.key_column = q(meta.get_field(dataset.key_field).column)
        present = set(columns)
        missing = [
            mf.name
            for mf in meta.concrete_fields
            if not mf.primary_key
            and mf.name not in present
            and not mf.null
            and not mf.has_default()
            and not getattr(mf, "auto_now", False)
            and not isinstance(mf, models.CharField | models.TextField)
        ]
        if missing:
            raise ValidationFailed(
                _("Missing columns the registry cannot store a record without: %(columns)s.")
                % {"columns": ", ".join(missing)},
                field="file",
            )

    def stage_columns(self, dataset: Dataset, columns: list[str]) -> list[str]:
        return [f"c{i}" for i in range(len(columns))]

    def stage_key_column(self) -> str:
        return f"c{self.key_index}"

    def stage_row(self, values: list[Any]) -> list[Any]:
        return values

    def empty_value(self, field: DatasetField) -> Any:
        mf = self.model._meta.get_field(field.name)
        if not mf.null and isinstance(mf, models.CharField | models.TextField):
            return ""
        return None

    def stored_keys(self, dataset: Dataset) -> frozenset[str]:
        return frozenset(self.model._default_manager.values_list(self.key_name, flat=True))

    def _cast(self, mf: models.Field, expr: str) -> str:
        if not _postgres() or isinstance(
            mf, models.CharField | models.TextField | models.ForeignKey
        ):
            return expr
        return f"CAST({expr} AS {mf.db_type(connection)})"

    def _json_value(self, mf: models.Field, expr: str) -> str:
        """A column as its JSON-able value: dates ISO, decimals as text, regions as code."""
        if isinstance(mf, models.DateTimeField):
            return f"{expr}::text" if _postgres() else expr
        if isinstance(mf, models.DateField):
            return f"to_char({expr}, 'YYYY-MM-DD')" if _postgres() else expr
        if isinstance(mf, models.DecimalField):
            if _postgres():
                return f"{expr}::text"
            places = mf.decimal_places
            return f"CASE WHEN {expr} IS NULL THEN NULL ELSE printf('%%.{places}f', {expr}) END"
        return expr

    def _check_references_at_once(self, cursor: Any, stage: Stage) -> bool:
        """On PostgreSQL, when allowed (superuser), check the foreign keys of the staged rows
        (a region code) with one statement per key instead of one trigger query per written
        row (a million of them cost seconds at commit): the referenced rows are locked FOR KEY
        SHARE, as the triggers would, and must all exist; the caller then switches the row
        triggers off for its writes to the table (`session_replication_role`, as the province
        seed does). Returns whether it may."""
        keys = [
            (mf, i)
            for i, name in enumerate(self.columns)
            if isinstance(mf := self.model_fields[name], models.ForeignKey)
        ]
        if not _postgres() or not keys:
            return False
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if not cursor.fetchone()[0]:
            return False
        for mf, i in keys:
            target = mf.related_model._meta
            column = q(mf.target_field.column)
            cursor.execute(
                f"SELECT {column} FROM {q(target.db_table)} WHERE {column} IN"
                f" (SELECT DISTINCT s.c{i} FROM {stage.good} s) FOR KEY SHARE"
            )
            found = {row[0] for row in cursor.fetchall()}
            cursor.execute(f"SELECT DISTINCT s.c{i} FROM {stage.good} s WHERE s.c{i} IS NOT NULL")
            missing = sorted(row[0] for row in cursor.fetchall() if row[0] not in found)
            if missing:
                raise ValidationFailed(
                    _("%(field)s: %(values)s no longer exist; load the file again.")
                    % {"field": mf.name, "values": ", ".join(missing[:5])},
                    field="file",
                )
        return True

    def _drop_secondary_indexes(self, cursor: Any) -> list[str]:
        """A first load into an empty table (PostgreSQL): drop the non-unique indexes for the
        insert and build them again after it, in this transaction — a sorted build is several
        times faster than a million single inserts into each ("Populating a Database" in the
        PostgreSQL manual). The table is locked meanwhile, which costs nothing while it is
        empty; a kill rolls the DDL back with the rest. Returns the CREATE INDEX statements."""
        if not _postgres():
            return []
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND NOT i.indisprimary",
            [self.model._meta.db_table],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"DROP INDEX {q(name)}")
        return [definition for _name, definition in found]

    def _json_of(self, alias: str) -> str:
        parts = []
        for name in self.schema:
            mf = self.model_fields[name]
            parts.append(f"'{name}', {self._json_value(mf, f'{alias}.{q(mf.column)}')}")
        fn = "jsonb_build_object" if _postgres() else "json_object"
        return f"{fn}({', '.join(parts)})"

    def apply(self, *, dataset: Dataset, stage: Stage, load_id: int, full: bool) -> Counts:
        now = _now_param()
        t, s = self.table, stage.good
        key = f"s.c{self.key_index}"
        pairs = [
            (self.model_fields[name], f"s.c{i}")
            for i, name in enumerate(self.columns)
            if i != self.key_index
        ]
        changed = (
            " OR ".join(_distinct(f"t.{q(mf.column)}", self._cast(mf, expr)) for mf, expr in pairs)
            or "FALSE"
        )
        counts = Counts()
        with connection.cursor() as cursor:
            fk_checked = self._check_references_at_once(cursor, stage)
            # 1. History of the records this load changes, then the changes.
            cursor.execute(
                _history_insert("updated").format(
                    key=f"t.{self.key_column}", data=self._json_of("t")
                )
                + f" FROM {t} t JOIN {s} s ON t.{self.key_column} = {key} WHERE {changed}",
                [dataset.pk, now, load_id],
            )
            if fk_checked:  # for the writes to this table only (checked above)
                cursor.execute("SET LOCAL session_replication_role = replica")
            if pairs:
                sets = ", ".join(f"{q(mf.column)} = {self._cast(mf, expr)}" for mf, expr in pairs)
                cursor.execute(
                    f"UPDATE {t} AS t SET {sets}, updated_at = %s FROM {s} s"
                    f" WHERE t.{self.key_column} = {key} AND ({changed})",
                    [now],
                )
                counts.updated = cursor.rowcount
            # 2. New records.
            names, values, params = [], [], []
            position = {name: i for i, name in enumerate(self.columns)}
            for mf in self.model._meta.concrete_fields:
                if mf.primary_key:
                    continue
                names.append(q(mf.column))
                if mf.name in position:
                    values.append(self._cast(mf, f"s.c{position[mf.name]}"))
                elif getattr(mf, "auto_now", False) or getattr(mf, "auto_now_add", False):
                    values.append("%s")
                    params.append(now)
                elif mf.has_default():
                    values.append("%s")
                    params.append(mf.get_db_prep_save(mf.get_default(), connection))
                elif mf.null:
                    values.append("NULL")
                else:
                    values.append("''")
            # Every key already stored was just updated or is unchanged: it conflicts. (A
            # NOT EXISTS here would be planned against the table as it was before the insert:
            # on an empty table, a scan per row of everything inserted so far.)
            # In key order: the key's indexes then grow at one end instead of at random
            # pages (a million random inserts into indexes larger than the buffer cache).
            # Keys already stored conflict and are skipped; into an empty table (a first
            # load) the staged keys, unique, cannot conflict: the check is saved (~30 %).
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {t})")
            first_load = not cursor.fetchone()[0]
            conflicts = "" if first_load else f" ON CONFLICT ({self.key_column}) DO NOTHING"
            rebuild = self._drop_secondary_indexes(cursor) if first_load else []
            cursor.execute(
                f"INSERT INTO {t} ({', '.join(names)}) SELECT {', '.join(values)} FROM {s} s"
                f" WHERE TRUE ORDER BY {key}{conflicts}",
                params,
            )
            counts.inserted = cursor.rowcount
            if rebuild:
                # CREATE INDEX refuses a table with deferred foreign-key checks pending: run
                # them now (they would run at commit anyway).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for definition in rebuild:
                    cursor.execute(definition)
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if fk_checked:
                cursor.execute("SET LOCAL session_replication_role = origin")
            # 3. A full load removes what the file no longer holds, keeping it as history.
            if full:
                gone = (
                    f" FROM {t} t WHERE NOT EXISTS (SELECT 1 FROM {s} s"
                    f" WHERE {key} = t.{self.key_column}) AND NOT EXISTS"
                    f" (SELECT 1 FROM {stage.keep} k WHERE k.k = t.{self.key_column})"
                )
                cursor.execute(
                    _history_insert("deleted").format(
                        key=f"t.{self.key_column}", data=self._json_of("t")
                    )
                    + gone,
                    [dataset.pk, now, load_id],
                )
                cursor.execute(f"DELETE FROM {t} WHERE id IN (SELECT t.id{gone})")
                counts.deleted = cursor.rowcount
        counts.unchanged = stage.good_count - counts.inserted - counts.updated
        return counts


@stores.register(Dataset.Storage.POPULATION)
class PopulationStore(TypedStore):
    model = PopulationRecord
    key_name = "resident_id"


@stores.register(Dataset.Storage.LEGAL_ENTITY)
class LegalEntityStore(TypedStore):
    model = LegalEntityRecord
    key_name = "uscc"


@stores.register(Dataset.Storage.RECORDS)
class RecordStore(Store):
    """The generic record store: DatasetRecord rows holding the fields as JSON. A load sets
    the fields its file has and leaves the others of an existing record as they were."""

    def prepare(self, dataset: Dataset, fields: list[DatasetField], columns: list[str]) -> None:
        self.columns = columns
        self.key_index = columns.index(dataset.key_field)
        self.subject_index = (
            columns.index(dataset.subject_field) if dataset.subject_field in columns else None
        )

    def stage_columns(self, dataset: Dataset, columns: list[str]) -> list[str]:
        return ["k", "subj", "data"]

    def stage_key_column(self) -> str:
        return "k"

    def stage_row(self, values: list[Any]) -> list[Any]:
        subject = values[self.subject_index] if self.subject_index is not None else ""
        return [
            str(values[self.key_index]),
            str(subject or "")[:18],
            json.dumps(dict(zip(self.columns, values, strict=True)), ensure_ascii=False),
        ]

    def stored_keys(self, dataset: Dataset) -> frozenset[str]:
        return frozenset(
            DatasetRecord.objects.filter(dataset=dataset).values_list("key", flat=True)
        )

    def apply(self, *, dataset: Dataset, stage: Stage, load_id: int, full: bool) -> Counts:
        now = _now_param()
        t, s = q(DatasetRecord._meta.db_table), stage.good
        others = [c for i, c in enumerate(self.columns) if i != self.key_index]
        if _postgres():
            changed = "NOT (t.data @> s.data::jsonb)"
            merged = "t.data || s.data::jsonb"
        else:
            changed = (
                " OR ".join(f"(t.data ->> '$.{c}') IS NOT (s.data ->> '$.{c}')" for c in others)
                or "0"
            )
            merged = (
                "json_set(t.data, "
                + ", ".join(f"'$.{c}', json(s.data -> '$.{c}')" for c in self.columns)
                + ")"
            )
        subject = "s.subj" if self.subject_index is not None else "t.subject_key"
        counts = Counts()
        with connection.cursor() as cursor:
            cursor.execute(
                _history_insert("updated").format(key="t.key", data="t.data")
                + f" FROM {t} t JOIN {s} s ON t.key = s.k WHERE t.dataset_id = %s AND ({changed})",
                [dataset.pk, now, load_id, dataset.pk],
            )
            cursor.execute(
                f"UPDATE {t} AS t SET data = {merged}, subject_key = {subject}, updated_at = %s"
                f" FROM {s} s WHERE t.dataset_id = %s AND t.key = s.k AND ({changed})",
                [now, dataset.pk],
            )
            counts.updated = cursor.rowcount
            data = "s.data::jsonb" if _postgres() else "s.data"
            cursor.execute(
                f"INSERT INTO {t} (dataset_id, key, subject_key, data, updated_at)"
                f" SELECT %s, s.k, s.subj, {data}, %s FROM {s} s WHERE TRUE"
                " ON CONFLICT (dataset_id, key) DO NOTHING",
                [dataset.pk, now],
            )
            counts.inserted = cursor.rowcount
            if full:
                gone = (
                    f" FROM {t} t WHERE t.dataset_id = %s AND NOT EXISTS (SELECT 1 FROM {s} s"
                    f" WHERE s.k = t.key) AND NOT EXISTS"
                    f" (SELECT 1 FROM {stage.keep} k WHERE k.k = t.key)"
                )
                cursor.execute(
                    _history_insert("deleted").format(key="t.key", data="t.data") + gone,
                    [dataset.pk, now, load_id, dataset.pk],
                )
                cursor.execute(f"DELETE FROM {t} WHERE id IN (SELECT t.id{gone})", [dataset.pk])
                counts.deleted = cursor.rowcount
        counts.unchanged = stage.good_count - counts.inserted - counts.updated
        return counts


def store_problems(*, stage: Stage, dataset: Dataset, load_id: int) -> None:
    """Move the staged problem rows into ProblemRecord (in the storing transaction)."""
    cast = "::jsonb" if _postgres() else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(ProblemRecord._meta.db_table)}"
            " (load_id, dataset_id, row_number, key, data, reasons, status, resolved_by_id)"
            f" SELECT %s, %s, row_number, key, data{cast}, reasons{cast}, 'open', NULL"
            f" FROM {stage.problems}",
            [load_id, dataset.pk],
        )


def resolve_problems(*, stage: Stage, store: Store, dataset: Dataset, load_id: int) -> int:
    """Open problem records of earlier loads whose key this load stored become resolved."""
    # A join, not `key IN (SELECT …)`: a million staged keys do not fit a hashed subplan, and
    # PostgreSQL then rescans them for every open problem record.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(ProblemRecord._meta.db_table)} AS p SET status = 'resolved',"
            f" resolved_by_id = %s FROM {stage.good} s"
            f" WHERE p.key = s.{q(store.stage_key_column())} AND p.dataset_id = %s"
            " AND p.status = 'open' AND p.load_id <> %s",
            [load_id, dataset.pk, load_id],
        )
        return cursor.rowcount


def tune_transaction() -> None:
    """Give the storing transaction's joins of a million rows the memory to hash in one pass
    (PostgreSQL's default work_mem, 4 MB, splits them into batches on disk)."""
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # The storing transaction is what must survive a crash: wait for its WAL flush.
            cursor.execute("SET LOCAL synchronous_commit = on")


def checking_session(on: bool) -> None:
    """While a load is checked, its many small commits (a batch staged into temporary
    tables, a progress write) need not wait for the disk: losing one to a crash loses
    nothing (the load is then failed and rerun). Saves a WAL flush per batch."""
    if _postgres():
        with connection.cursor() as cursor:
            if on:
                cursor.execute("SET synchronous_commit = off")
            else:
                cursor.execute("RESET synchronous_commit")
