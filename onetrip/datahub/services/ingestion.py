"""Ingestion (归集): a data steward loads a file into a dataset of their department.

`ingestion_start` refuses a whole file that cannot be loaded (empty, too large, unknown
format, wrong encoding, unknown or missing columns, a header only, a damaged workbook, the
e-licence store) with one message and stores nothing; otherwise it keeps the file and queues
the load. The IngestionLoad row is the durable job: `ingestion_run` runs it in the foreground
(the `onetrip ingest` command), `ingestion_worker_loop` in the background.

A load has two phases:
- checking (the long one): every record is checked against the schema
  (`ingestion.checks`), good rows and problem rows go to temporary tables of this connection
  (`ingestion.merge.Stage`), and the progress (rows checked, heartbeat) is written every few
  thousand rows in short autocommit writes, so the page and the command show it;
- storing: ONE transaction moves the staged rows into the dataset with their history, keeps
  the problem records with every reason, resolves earlier problem records whose key is now
  stored, writes the quality report, the audit entry and the stewards' notification.

A process killed at any point leaves the dataset exactly as before the load (the storing
transaction never committed; the temporary tables die with the connection); the load is then
marked failed once its heartbeat is stale (`ingestion_fail_stale`), and the file can be
loaded again."""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import Region, User
from onetrip.audit.services import audit_record
from onetrip.core.errors import (
    DomainError,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
    WrongState,
)
from onetrip.core.services import service
from onetrip.datahub.ingestion import merge, readers
from onetrip.datahub.ingestion.checks import CheckContext, RecordChecker
from onetrip.datahub.models import Dataset, DatasetField, ELicence, IngestionLoad
from onetrip.datahub.selectors.catalog import access_dataset, data_stewards
from onetrip.notify.services import notification_queue

logger = logging.getLogger("onetrip.datahub.ingestion")
Status = IngestionLoad.Status
RUNNING = (Status.CHECKING, Status.STORING)
Progress = Callable[[IngestionLoad, int | None], None]


def _fields(dataset: Dataset) -> list[DatasetField]:
    return list(DatasetField.objects.filter(dataset=dataset).order_by("position", "id"))


def _dataset_for_load(actor: User | None, dataset_code: str) -> Dataset:
    """The dataset `actor` may load: a data steward of the owning department or the system
    admin (None: the system itself, e.g. a command run by the operator)."""
    if actor is None:
        dataset = Dataset.objects.select_related("department").filter(code=dataset_code).first()
        if dataset is None:
            raise NotFound(_("No dataset with this code."), field="dataset")
    else:
        dataset = access_dataset(user=actor, code=dataset_code, maintain=True)
    if dataset.storage == Dataset.Storage.ELICENCE:
        raise WrongState(
            _("E-licences are issued by cases, not loaded from files."), field="dataset"
        )
    return dataset


def _size_of(file: Any) -> int:
    size = getattr(file, "size", None)
    if size is None:
        size = File(file).size
    return int(size or 0)


def _head(file: Any, n: int = 8) -> bytes:
    with contextlib.suppress(AttributeError, OSError):
        file.seek(0)
    head = file.read(n)
    with contextlib.suppress(AttributeError, OSError):
        file.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def _open(load: IngestionLoad, fields: list[DatasetField]) -> readers.Table:
    return readers.readers.get(load.file_format).open(
        Path(load.file.path),
        encoding=load.encoding,
        fields=fields,
        key_field=load.dataset.key_field,
    )


@service
def ingestion_start(
    *,
    actor: User | None,
    dataset_code: str,
    file: Any,
    file_name: str,
    encoding: str = "auto",
    mode: str = IngestionLoad.Mode.INCREMENTAL,
) -> IngestionLoad:
    """Check the file as a whole and queue its load. Refuses, storing nothing: someone who
    is not a data steward of the owning department (NotFound / PermissionDenied), the
    e-licence store (WrongState), an unknown encoding or mode, a 0-byte file, a file over
    ONETRIP_INGEST_MAX_BYTES (PayloadTooLarge), a format other than CSV, JSON Lines or .xlsx
    (UnsupportedMediaType), and a file whose encoding, header or workbook is wrong, or that
    has a header and no records (ValidationFailed on "file"). On success the file is kept
    with the load, which waits in the queue (status "queued")."""
    dataset = _dataset_for_load(actor, dataset_code)
    encoding = readers.normalise_encoding(encoding)
    if mode not in IngestionLoad.Mode.values:
        raise ValidationFailed(_("Choose a full or an incremental load."), field="mode")
    size = _size_of(file)
    if size == 0:
        raise readers.refuse(_("The file is empty (0 bytes)."))
    limit = settings.ONETRIP_INGEST_MAX_BYTES
    if size > limit:
        raise PayloadTooLarge(
            _("The file is %(size)s MiB; at most %(limit)s MiB can be loaded at once.")
            % {"size": f"{size / 2**20:.1f}", "limit": f"{limit / 2**20:.0f}"},
            field="file",
        )
    name = Path(file_name or getattr(file, "name", "") or "data").name
    file_format = readers.format_of(name, _head(file))
    load = IngestionLoad(
        dataset=dataset,
        started_by=actor,
        file_name=name[:200],
        file_size=size,
        file_format=file_format,
        encoding=encoding,
        mode=mode,
        status=Status.QUEUED,
    )
    with contextlib.suppress(AttributeError, OSError):
        file.seek(0)
    load.file.save(f"{dataset.code}{Path(name).suffix.lower()}", File(file), save=False)
    try:
        table = _open(load, _fields(dataset))
        if table.close:
            table.close()
        load.encoding_detected = table.encoding.replace("-sig", "-bom") if table.encoding else ""
        load.save()
        audit_record(
            actor=actor,
            action="ingestion.queued",
            target=load,
            detail={
                "dataset": dataset.code,
                "file_name": load.file_name,
                "file_size": size,
                "format": file_format,
                "encoding": load.encoding_detected or encoding,
                "mode": mode,
            },
        )
    except BaseException:
        load.file.delete(save=False)
        raise
    return load


@service
def ingestion_rerun(*, actor: User | None, load_id: int) -> IngestionLoad:
    """Queue the file of a failed load again as a new load (same dataset, encoding, mode)."""
    old = IngestionLoad.objects.select_related("dataset").filter(pk=load_id).first()
    if old is None:
        raise NotFound(_("No load with this number."))
    _dataset_for_load(actor, old.dataset.code)
    if old.status != Status.FAILED:
        raise WrongState(_("Only a failed load can be run again."))
    load = IngestionLoad.objects.create(
        dataset=old.dataset,
        started_by=actor,
        file=old.file.name,
        file_name=old.file_name,
        file_size=old.file_size,
        file_format=old.file_format,
        encoding=old.encoding,
        encoding_detected=old.encoding_detected,
        mode=old.mode,
    )
    audit_record(
        actor=actor,
        action="ingestion.queued",
        target=load,
        detail={"dataset": old.dataset.code, "rerun_of": old.pk, "file_name": old.file_name},
    )
    return load


def ingestion_run(*, load_id: int, progress: Progress | None = None) -> IngestionLoad:
    """Run a queued load now, in this process, and return it finished: "succeeded" with its
    counts and quality report, or "failed" with the reason the whole file was refused
    (nothing stored). Not one transaction on purpose: progress is written as it goes, and
    only the storing phase is atomic. `progress(load, total_estimate)` is called after each
    batch of rows and at each change of phase. A load that is not queued is WrongState."""
    now = timezone.now()
    claimed = IngestionLoad.objects.filter(pk=load_id, status=Status.QUEUED).update(
        status=Status.CHECKING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        load = IngestionLoad.objects.filter(pk=load_id).first()
        if load is None:
            raise NotFound(_("No load with this number."))
        raise WrongState(
            _("This load is not waiting to run (it is %(status)s).")
            % {"status": load.get_status_display()}
        )
    return _execute(load_id, progress)


class _Heartbeat:
    """Keeps heartbeat_at fresh from a thread of its own (its own database connection)
    while the storing transaction runs, so a long load is never taken for a dead one."""

    def __init__(self, load_id: int) -> None:
        self.load_id = load_id
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _Heartbeat:
        interval = settings.ONETRIP_INGEST_HEARTBEAT_SECONDS
        if interval > 0:
            self.thread = threading.Thread(
                target=self._beat, args=(interval,), daemon=True, name=f"ingest-{self.load_id}"
            )
            self.thread.start()
        return self

    def _beat(self, interval: float) -> None:
        try:
            while not self.stop.wait(interval):
                with contextlib.suppress(DatabaseError):
                    IngestionLoad.objects.filter(pk=self.load_id, status__in=RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
        finally:
            connections.close_all()  # this thread's connections only

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _reference_keys(code: str) -> frozenset[str]:
    dataset = Dataset.objects.filter(code=code).first()
    if dataset is None:
        raise ValidationFailed(
            _("A field refers to the dataset %(code)s, which does not exist.") % {"code": code},
            field="dataset",
        )
    if dataset.storage == Dataset.Storage.ELICENCE:
        return frozenset(ELicence.objects.values_list("number", flat=True))
    return merge.stores.get(dataset.storage).stored_keys(dataset)


def _execute(load_id: int, progress: Progress | None) -> IngestionLoad:
    """Check and store a claimed load (status "checking")."""
    load = IngestionLoad.objects.select_related("dataset", "dataset__department", "started_by").get(
        pk=load_id
    )
    stage: merge.Stage | None = None
    table: readers.Table | None = None
    # Seconds spent in each part, for the command and the benchmark (not stored).
    timings: Counter[str] = Counter()
    paused_gc = False
    try:
        with _Heartbeat(load.pk):
            dataset = load.dataset
            fields = _fields(dataset)
            table = _open(load, fields)
            store = merge.store_for(dataset, fields, table.columns)
            checker = RecordChecker(
                fields=fields,
                headers=table.headers,
                columns=table.columns,
                key_field=dataset.key_field,
                context=CheckContext(
                    region_codes=lambda: frozenset(Region.objects.values_list("code", flat=True)),
                    reference_keys=_reference_keys,
                ),
                empty_value=store.empty_value,
            )
            stage = merge.Stage(load.pk, store.stage_columns(dataset, table.columns))
            stage.create()
            merge.checking_session(True)
            reasons: Counter[str] = Counter()
            stage_row = None if store.stages_values_as_checked else store.stage_row
            clock = time.perf_counter
            batches = _batches(table.rows, settings.ONETRIP_INGEST_BATCH_ROWS)
            # The loop makes millions of short-lived, acyclic lists: reference counting frees
            # them, while the cyclic collector's passes over the whole process would cost
            # more than the checks themselves (measured: several times slower).
            paused_gc = gc.isenabled()
            gc.disable()
            while True:
                t0 = clock()
                batch = next(batches, None)
                if batch is None:
                    break
                t1 = clock()
                good, problems = checker.check(batch)
                staged = good if stage_row is None else [stage_row(r) for r in good]
                t2 = clock()
                stage.add_good(staged)
                if problems:
                    stage.add_problems([(p.row_number, p.key, p.data, p.reasons) for p in problems])
                    for p in problems:
                        reasons.update({r["rule"] for r in p.reasons})
                t3 = clock()
                load.rows_checked += len(batch)
                load.rows_problem = stage.problem_count
                load.heartbeat_at = timezone.now()
                IngestionLoad.objects.filter(pk=load.pk).update(
                    rows_checked=load.rows_checked,
                    rows_problem=load.rows_problem,
                    heartbeat_at=load.heartbeat_at,
                )
                if progress:
                    progress(load, table.total_estimate)
                timings["read"] += t1 - t0
                timings["check"] += t2 - t1
                timings["stage"] += t3 - t2
                timings["progress"] += clock() - t3
            if paused_gc:
                gc.enable()
                paused_gc = False
            t0 = clock()
            stage.ready(store.stage_key_column())
            timings["stage"] += clock() - t0
            moved = IngestionLoad.objects.filter(pk=load.pk, status=Status.CHECKING).update(
                status=Status.STORING, heartbeat_at=timezone.now()
            )
            if not moved:
                raise WrongState(_("The load was stopped while its records were checked."))
            load.status = Status.STORING
            if progress:
                progress(load, table.total_estimate)
            t0 = clock()
            _store(load=load, stage=stage, store=store, reasons=dict(reasons))
            timings["store"] += clock() - t0
    except DomainError as exc:
        _fail(load, exc.detail)
    except BaseException as exc:
        _fail(load, _("The load stopped on an internal error: %(error)s") % {"error": exc})
        raise
    finally:
        if paused_gc:
            gc.enable()
        if table is not None and table.close:
            with contextlib.suppress(Exception):
                table.close()
        if stage is not None:
            with contextlib.suppress(DatabaseError):
                stage.drop()
            with contextlib.suppress(DatabaseError):
                merge.checking_session(False)
    load.refresh_from_db()
    load.timings = {k: round(v, 3) for k, v in timings.items()}  # type: ignore[attr-defined]
    if progress:
        progress(load, load.rows_checked)
    return load


@service
def _store(
    *, load: IngestionLoad, stage: merge.Stage, store: merge.Store, reasons: dict[str, int]
) -> None:
    """The storing phase, one transaction: history, records, problem records, resolved
    problems, the report, the audit entry and the stewards' notification commit together."""
    # One load of a dataset stores at a time: a second waits here for the first to commit,
    # then merges against what it stored (other writers of the dataset are not blocked).
    dataset = Dataset.objects.select_for_update(no_key=True).get(pk=load.dataset_id)
    full = load.mode == IngestionLoad.Mode.FULL and stage.good_count > 0
    merge.tune_transaction()
    merge.store_problems(stage=stage, dataset=dataset, load_id=load.pk)
    counts = store.apply(dataset=dataset, stage=stage, load_id=load.pk, full=full)
    resolved = merge.resolve_problems(stage=stage, store=store, dataset=dataset, load_id=load.pk)
    now = timezone.now()
    done = IngestionLoad.objects.filter(pk=load.pk, status=Status.STORING).update(
        status=Status.SUCCEEDED,
        rows_good=stage.good_count,
        rows_problem=stage.problem_count,
        rows_inserted=counts.inserted,
        rows_updated=counts.updated,
        rows_unchanged=counts.unchanged,
        rows_deleted=counts.deleted,
        reasons=reasons,
        finished_at=now,
        heartbeat_at=now,
        error="",
    )
    if not done:
        # Marked failed by the stale-load sweep meanwhile: roll everything back.
        raise WrongState(_("The load was stopped while it was being stored."))
    load.refresh_from_db()
    audit_record(
        actor=load.started_by,
        action="ingestion.loaded",
        target=load,
        detail={
            "dataset": dataset.code,
            "file_name": load.file_name,
            "mode": load.mode,
            "checked": load.rows_checked,
            "problem": load.rows_problem,
            "inserted": counts.inserted,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
            "deleted": counts.deleted,
            "resolved": resolved,
            "reasons": reasons,
        },
    )
    if load.rows_problem:
        _send_back(load)


def _send_back(load: IngestionLoad) -> None:
    """The problem-data list goes back to the owning department's data stewards."""
    dataset = load.dataset
    link = ""
    with contextlib.suppress(Exception):
        from django.urls import reverse

        link = reverse("workbench:data_load", kwargs={"load_id": load.pk})
    for steward in data_stewards(department_id=dataset.department_id):
        notification_queue(
            recipient=steward,
            event="ingestion.problem_data",
            title=_("Problem data in the load of %(dataset)s") % {"dataset": dataset.name},
            body=_(
                "%(problem)d of %(checked)d records of %(file)s failed the checks and were not "
                "stored. Please correct them and load them again."
            )
            % {
                "problem": load.rows_problem,
                "checked": load.rows_checked,
                "file": load.file_name,
            },
            link=link,
        )


@service
def _mark_failed(*, load_id: int, message: str, only_running: bool = False) -> bool:
    load = IngestionLoad.objects.select_related("dataset", "started_by").filter(pk=load_id).first()
    if load is None:
        return False
    qs = IngestionLoad.objects.filter(pk=load_id).exclude(status=Status.SUCCEEDED)
    if only_running:
        qs = qs.filter(status__in=RUNNING)
    if not qs.update(status=Status.FAILED, error=message[:4000], finished_at=timezone.now()):
        return False
    audit_record(
        actor=load.started_by,
        action="ingestion.failed",
        target=load,
        detail={"dataset": load.dataset.code, "file_name": load.file_name, "error": message},
    )
    return True


def _fail(load: IngestionLoad, message: str) -> None:
    try:
        _mark_failed(load_id=load.pk, message=message)
    except DatabaseError:  # the database is gone too: the stale-load sweep will do it
        logger.exception("could not mark load %s failed", load.pk)


def ingestion_fail_stale(*, stale_seconds: float | None = None) -> int:
    """Mark failed every load that is checking or storing but whose heartbeat is older than
    ONETRIP_INGEST_STALE_SECONDS: its process died. Nothing of it was stored (the storing
    transaction never committed), so the file can simply be loaded again. Returns how many."""
    stale = settings.ONETRIP_INGEST_STALE_SECONDS if stale_seconds is None else stale_seconds
    cutoff = timezone.now() - timezone.timedelta(seconds=stale)
    ids = list(
        IngestionLoad.objects.filter(status__in=RUNNING, heartbeat_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    failed = 0
    for load_id in ids:
        load = IngestionLoad.objects.get(pk=load_id)
        since = timezone.localtime(load.heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")
        message = _(
            "The process running this load stopped while %(phase)s (no sign of life since "
            "%(since)s). Nothing was stored; load the file again."
        ) % {"phase": load.get_status_display().lower(), "since": since}
        if _mark_failed(load_id=load_id, message=message, only_running=True):
            failed += 1
    return failed


def _claim_next() -> int | None:
    """Take the oldest queued load (SKIP LOCKED where the database has it, so several
    workers never take the same one)."""
    if not IngestionLoad.objects.filter(status=Status.QUEUED).exists():
        return None  # idle: no write transaction (SQLite would take its write lock)
    with transaction.atomic():
        qs = IngestionLoad.objects.filter(status=Status.QUEUED).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        load = qs.first()
        if load is None:
            return None
        now = timezone.now()
        IngestionLoad.objects.filter(pk=load.pk).update(
            status=Status.CHECKING, started_at=now, heartbeat_at=now
        )
        return load.pk


def ingestion_work_once() -> int | None:
    """Fail stale loads, then run the oldest queued load, if any; returns its id."""
    ingestion_fail_stale()
    load_id = _claim_next()
    if load_id is not None:
        _execute(load_id, None)
    return load_id


def ingestion_worker_loop(
    *, stop: Callable[[], bool] | None = None, interval: float | None = None
) -> None:
    """Run queued loads forever (or until `stop()` is true), one at a time, sleeping while
    the queue is empty. Several workers may run side by side."""
    interval = settings.ONETRIP_INGEST_POLL_SECONDS if interval is None else interval
    while stop is None or not stop():
        try:
            if ingestion_work_once() is None:
                time.sleep(interval)
        except Exception:  # keep the worker alive across a bad load or a database restart
            logger.exception("ingestion worker error")
            time.sleep(interval * 5)
        finally:
            if not connection.in_atomic_block:  # drop a broken or aged connection
                connection.close_if_unusable_or_obsolete()
