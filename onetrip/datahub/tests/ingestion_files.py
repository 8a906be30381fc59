"""Test files for the ingestion tests: people of the population registry as CSV, JSON Lines
or .xlsx bytes, and a helper that starts and runs a load the way the worker would."""

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from onetrip.accounts.models import Department
from onetrip.datahub import services
from onetrip.datahub.models import IngestionLoad
from onetrip.testing import factories


@pytest.fixture
def english():  # type: ignore[no-untyped-def]
    """The tests read the messages in English (the msgids), whatever the default language."""
    with translation.override("en"):
        yield


POPULATION_FIELDS = [
    "resident_id",
    "name",
    "sex",
    "birth_date",
    "ethnicity",
    "household_address",
    "household_region",
    "marital_status",
    "phone",
    "education",
]
POPULATION_LABELS = {
    "resident_id": "公民身份号码",
    "name": "姓名",
    "sex": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "household_address": "户籍地址",
    "household_region": "户籍地区划",
    "marital_status": "婚姻状况",
    "phone": "联系电话",
    "education": "文化程度",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def person(i: int, **overrides: str) -> dict[str, str]:
    """A valid person of the population registry (area 330100 existed from 1949 on)."""
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
    row = {
        "resident_id": factories.resident_id(area="330100", birth=birth, seq=i % 997 + 1),
        "name": SURNAMES[i % len(SURNAMES)] + "小" + "明红刚丽"[i % 4],
        "sex": "MF"[i % 2],
        "birth_date": birth.isoformat(),
        "ethnicity": "汉族",
        "household_address": f"浙江省杭州市西湖区文三路{i}号",
        "household_region": "330106",
        "marital_status": "married",
        "phone": f"138{i:08d}",
        "education": "本科",
    }
    row.update(overrides)
    return row


def people(n: int, start: int = 0) -> list[dict[str, str]]:
    rows = [person(i) for i in range(start, start + n)]
    assert len({r["resident_id"] for r in rows}) == n, "test people must have distinct IDs"
    return rows


def csv_bytes(
    rows: list[dict[str, Any]],
    *,
    encoding: str = "utf-8",
    labels: bool = True,
    columns: list[str] | None = None,
    header: list[str] | None = None,
) -> bytes:
    columns = columns or POPULATION_FIELDS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header or [POPULATION_LABELS.get(c, c) if labels else c for c in columns])
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue().encode(encoding)


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def xlsx_bytes(rows: list[dict[str, Any]], *, labels: bool = True) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([POPULATION_LABELS[c] if labels else c for c in POPULATION_FIELDS])
    for row in rows:
        values: list[Any] = []
        for c in POPULATION_FIELDS:
            value: Any = row.get(c, "")
            if c == "birth_date" and value:
                value = dt.datetime.fromisoformat(value)  # a real Excel date cell
            values.append(value)
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def police() -> Department:
    """The population registry's owner (created by base_registries_ensure)."""
    return Department.objects.get(code="330000-GA")


def steward(dept: Department | None = None):  # type: ignore[no-untyped-def]
    return factories.staff(roles=["data_steward"], dept=dept or police())


def upload(body: bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/octet-stream")


def load_file(
    actor: Any,
    body: bytes,
    name: str = "people.csv",
    *,
    dataset: str = "population",
    **kwargs: Any,
) -> IngestionLoad:
    """Start a load and run it now, as the worker would."""
    load = services.ingestion_start(
        actor=actor, dataset_code=dataset, file=upload(body, name), file_name=name, **kwargs
    )
    return services.ingestion_run(load_id=load.pk)
