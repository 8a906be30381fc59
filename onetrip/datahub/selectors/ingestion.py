"""Reads of ingestion (归集): loads and their quality reports, the problem data sent back to
a department, and the problem-data ratio over time.

A load and its problem rows are seen by the data stewards of the owning department and the
system admin; for anyone else they do not exist (NotFound). The ratio series is also open to
supervisors, who watch it as an indicator."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from onetrip.accounts.models import Role, User
from onetrip.core.errors import NotFound, PermissionDenied
from onetrip.datahub.ingestion.readers import header_lookup
from onetrip.datahub.models import Dataset, DatasetField, IngestionLoad, ProblemRecord
from onetrip.datahub.selectors.catalog import (
    access_dataset,
    can_maintain_dataset,
    is_platform_admin,
    maintainable_datasets,
)


def access_load(*, user: User, load_id: int) -> IngestionLoad:
    """The load `load_id` if `user` may see it (a data steward of the owning department or
    the system admin); NotFound otherwise, so nobody learns another department's loads."""
    load = (
        IngestionLoad.objects.select_related("dataset", "dataset__department", "started_by")
        .filter(pk=load_id)
        .first()
    )
    if load is None or not user.is_authenticated or not can_maintain_dataset(user, load.dataset):
        raise NotFound(_("No load with this number."))
    return load


def loads_of_dataset(*, user: User, dataset_code: str) -> QuerySet[IngestionLoad]:
    """The loads of a dataset `user` maintains, newest first."""
    dataset = access_dataset(user=user, code=dataset_code, maintain=True)
    return (
        IngestionLoad.objects.filter(dataset=dataset)
        .select_related("started_by", "dataset")
        .order_by("-created_at", "-id")
    )


def problem_rows_csv(*, load: IngestionLoad) -> bytes:
    """Every problem row of `load` (already checked with `access_load`) as CSV in UTF-8 with a
    BOM, so Excel opens it right: the file's columns, then the row number and the reasons.
    The department corrects the rows in it and loads them again."""
    fields = list(DatasetField.objects.filter(dataset=load.dataset).order_by("position", "id"))
    lookup = header_lookup(fields)
    position = {f.name: i for i, f in enumerate(fields)}
    headers: dict[str, None] = {}
    rows = list(
        ProblemRecord.objects.filter(load=load)
        .order_by("row_number", "id")
        .values_list("row_number", "data", "reasons")
    )
    for _n, data, _r in rows:
        for header in data:
            headers.setdefault(header, None)
    # The file's columns in schema order (a JSON object keeps no order on PostgreSQL).
    columns = sorted(
        headers,
        key=lambda h: (position.get(lookup.get(h.strip().lower(), ""), len(position)), h),
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*columns, _("Row number"), _("Reasons")])
    for row_number, data, reasons in rows:
        writer.writerow(
            [
                *(data.get(c, "") for c in columns),
                row_number,
                "; ".join(r.get("message", "") for r in reasons),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def problem_records_open(*, user: User) -> QuerySet[ProblemRecord]:
    """The open problem data (问题数据) of the datasets `user` maintains, to correct and
    load again: by dataset, then load, then row."""
    return (
        ProblemRecord.objects.filter(
            status=ProblemRecord.Status.OPEN, dataset__in=maintainable_datasets(user)
        )
        .select_related("dataset", "load")
        .order_by("dataset__code", "-load_id", "row_number")
    )


def _may_watch_all(user: User) -> bool:
    return is_platform_admin(user) or user.has_role(Role.SUPERVISOR)


def problem_ratio_series(
    *, user: User, dataset_code: str | None = None, department_id: int | None = None
) -> list[dict[str, Any]]:
    """The problem-data ratio per month over the succeeded loads, oldest first: each point
    {"period": "2026-11", "month": date, "checked", "problem", "ratio", "percent"}. For one
    dataset, one department's datasets, or (no filter) everything `user` may watch: a data
    steward their department's datasets; the system admin and supervisors everything."""
    loads = IngestionLoad.objects.filter(status=IngestionLoad.Status.SUCCEEDED)
    if dataset_code:
        if _may_watch_all(user):
            dataset = Dataset.objects.filter(code=dataset_code).first()
            if dataset is None:
                raise NotFound(_("No dataset with this code."), field="dataset")
        else:
            dataset = access_dataset(user=user, code=dataset_code, maintain=True)
        loads = loads.filter(dataset=dataset)
    if department_id is not None:
        if not _may_watch_all(user) and department_id != user.department_id:
            raise PermissionDenied(_("Only your own department's figures are shown to you."))
        loads = loads.filter(dataset__department_id=department_id)
    if not _may_watch_all(user):
        mine = maintainable_datasets(user)
        loads = loads.filter(Q(dataset__in=mine))
    points = (
        loads.annotate(month=TruncMonth("finished_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(checked=Sum("rows_checked"), problem=Sum("rows_problem"))
        .order_by("month")
    )
    series = []
    for point in points:
        checked = point["checked"] or 0
        problem = point["problem"] or 0
        ratio = problem / checked if checked else 0.0
        month = point["month"]
        series.append(
            {
                "period": f"{month:%Y-%m}",
                "month": month.date() if hasattr(month, "date") else month,
                "checked": checked,
                "problem": problem,
                "ratio": ratio,
                "percent": f"{ratio * 100:.2f}",
            }
        )
    return series
