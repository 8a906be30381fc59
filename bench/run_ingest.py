"""`onetrip bench ingest`: a million population records loaded from a CSV file, on PostgreSQL.

Runs inside a Django process whose DATABASE_URL is the bench database (the management command
`bench` sees to that). Steps: create and migrate the database if needed, load the regions and
put the base registries in the catalog; write a CSV of N people (valid resident IDs, the
population dataset's 10 fields, ~0.1 % deliberately bad rows of several kinds) to a temporary
folder; empty the population registry; then load the file exactly as `onetrip ingest` does
(`ingestion_start` + `ingestion_run`: file checks and copy, record checks, staging, one
storing transaction) and time each phase. A second load of the same people with 10 % of them
changed measures the update path (history rows written first, then the updates).

Prints one JSON document: records, seconds in total and per phase, records per second,
problem rows, and whether the issue's target (≥ 50,000 records/s, 1 M in ≤ 20 s) is met.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/onetrip_bench_ingest"
TARGET_RECORDS_PER_SECOND = 50_000
LABELS = [
    "公民身份号码",
    "姓名",
    "性别",
    "出生日期",
    "民族",
    "户籍地址",
    "户籍地区划",
    "婚姻状况",
    "联系电话",
    "文化程度",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"
ETHNICITIES = ["汉族"] * 30 + ["畲族", "回族", "满族", "苗族"]
MARITAL = ["unmarried", "married", "married", "married", "divorced", "widowed"]
EDUCATION = ["小学", "初中", "高中", "大专", "本科", "硕士", ""]


@dataclass
class Options:
    records: int = 1_000_000
    bad_share: float = 0.001
    keep_files: bool = False


def _core() -> Any:
    name = "onetrip_bench_run_core"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH_DIR / "run_core.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def ensure_database(url: str, out: TextIO) -> None:
    _core().ensure_database(url, out)


def prepare_database(out: TextIO) -> None:
    from django.core.management import call_command

    from onetrip.accounts.models import Region
    from onetrip.core.seeding.catalog_loader import load_regions
    from onetrip.datahub.services import base_registries_ensure

    call_command("migrate", verbosity=0, interactive=False)
    if Region.objects.count() < 100:
        out.write(f"loaded {load_regions()} regions\n")
    base_registries_ensure()


def _area_days(regions: list[str], count: int, rng: random.Random) -> list[tuple[str, str]]:
    """`count` distinct (area code, birth date) pairs valid for python-stdnum (the area
    existed in the birth year)."""
    from stdnum.cn import ric

    pairs: set[tuple[str, str]] = set()
    start = dt.date(1940, 1, 1)
    span = (dt.date(2015, 12, 31) - start).days
    valid: dict[tuple[str, int], bool] = {}
    while len(pairs) < count:
        area = rng.choice(regions)
        day = start + dt.timedelta(days=rng.randrange(span))
        key = (area, day.year)
        if key not in valid:
            body = f"{area}{day:%Y%m%d}001"
            try:
                valid[key] = ric.is_valid(body + ric.calc_check_digit(body + "0"))
            except KeyError:  # numdb lists some areas without county data
                valid[key] = False
        if valid[key]:
            pairs.add((area, day.strftime("%Y%m%d")))
    return sorted(pairs)


def write_people(path: Path, n: int, bad_share: float, *, changed_share: float = 0.0) -> int:
    """Write the CSV; returns how many rows were made bad on purpose. Deterministic: the same
    n gives the same people, so a second file with `changed_share` changes some of them."""
    from stdnum.cn import ric

    from onetrip.accounts.models import Region

    rng = random.Random(20_240_101)
    counties = list(Region.objects.filter(level="county").values_list("code", flat=True))
    pairs = _area_days(counties, n // 1000 + 1, rng)
    change = random.Random(7)
    bad_every = int(1 / bad_share) if bad_share else 0
    bad = 0
    kinds = ["check_digit", "date", "sex", "region", "duplicate", "required"]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LABELS)
        previous = ""
        for i in range(n):
            area, born = pairs[i // 1000]
            body = f"{area}{born}{i % 1000:03d}"
            number = body + ric.calc_check_digit(body + "0")
            row = [
                number,
                SURNAMES[i % len(SURNAMES)]
                + GIVEN[(i // 7) % len(GIVEN)]
                + GIVEN[i % 29 % len(GIVEN)],
                "MF"[i % 2],
                f"{born[:4]}-{born[4:6]}-{born[6:]}",
                ETHNICITIES[i % len(ETHNICITIES)],
                f"浙江省某市某区幸福路{i % 997}号{i % 31}幢{i % 17 + 1}室",
                counties[i % len(counties)],
                MARITAL[i % len(MARITAL)],
                f"1{3 + i % 7}{i:09d}"[:11],
                EDUCATION[i % len(EDUCATION)],
            ]
            if changed_share and change.random() < changed_share:
                row[5] = row[5] + "（迁）"
            if bad_every and i % bad_every == bad_every // 2:
                kind = kinds[bad % len(kinds)]
                if kind == "check_digit":
                    row[0] = number[:17] + ("0" if number[17] != "0" else "1")
                elif kind == "date":
                    row[3] = f"{born[:4]}-02-30"
                elif kind == "sex":
                    row[2] = "未知"
                elif kind == "region":
                    row[6] = "339999"
                elif kind == "duplicate":
                    row[0] = previous
                else:
                    row[1] = ""
                bad += 1
            previous = number
            writer.writerow(row)
    return bad


def _reset(out: TextIO) -> None:
    """Empty the population registry and earlier load results (bench database only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE datahub_populationrecord, datahub_recordversion, datahub_problemrecord"
        )
        cursor.execute("DELETE FROM datahub_ingestionload")
        cursor.execute("VACUUM ANALYZE datahub_populationrecord")
    out.write("population registry emptied\n")


def _load(path: Path, name: str, out: TextIO) -> dict[str, Any]:
    from onetrip.datahub.models import PopulationRecord
    from onetrip.datahub.services import ingestion_run, ingestion_start

    marks: dict[str, float] = {}
    last = [0.0]

    def progress(load: Any, total: int | None) -> None:
        now = time.perf_counter()
        marks.setdefault(load.status, now)
        if now - last[0] > 2:
            last[0] = now
            out.write(f"  {name}: {load.status} {load.rows_checked:,}/{total or 0:,}\n")

    t0 = time.perf_counter()
    with path.open("rb") as f:
        load = ingestion_start(actor=None, dataset_code="population", file=f, file_name=path.name)
    t1 = time.perf_counter()
    load = ingestion_run(load_id=load.pk, progress=progress)
    t2 = time.perf_counter()
    if load.status != "succeeded":
        raise RuntimeError(f"the load failed: {load.error}")
    storing_from = marks.get("storing", t2)
    total = t2 - t0
    result = {
        "records": load.rows_checked,
        "seconds_total": round(total, 2),
        "records_per_second": round(load.rows_checked / total),
        "phases_seconds": {
            "start (file checks, copy into storage)": round(t1 - t0, 2),
            "checking (read, check, stage)": round(storing_from - t1, 2),
            "storing (one transaction)": round(t2 - storing_from, 2),
        },
        "seconds_by_part": getattr(load, "timings", {}),  # read, check, stage, progress, store
        "problem_rows": load.rows_problem,
        "problem_ratio": round(load.problem_ratio, 5),
        "reasons": load.reasons,
        "inserted": load.rows_inserted,
        "updated": load.rows_updated,
        "unchanged": load.rows_unchanged,
        "deleted": load.rows_deleted,
        "registry_rows_after": PopulationRecord.objects.count(),
    }
    # The file is copied into media storage by ingestion_start: remove it after the bench.
    load.file.delete(save=False)
    return result


def run(database_url: str, opts: Options, out: TextIO) -> dict[str, Any]:
    from django.db import connection

    if connection.vendor != "postgresql":
        raise RuntimeError("the ingest benchmark runs on PostgreSQL")
    prepare_database(out)
    folder = Path(tempfile.mkdtemp(prefix="onetrip-bench-ingest-"))
    try:
        path = folder / "population.csv"
        t0 = time.perf_counter()
        bad = write_people(path, opts.records, opts.bad_share)
        changed_path = folder / "population-changed.csv"
        write_people(changed_path, opts.records, opts.bad_share, changed_share=0.1)
        generated = time.perf_counter() - t0
        out.write(f"wrote {opts.records:,} records twice in {generated:.1f} s\n")
        _reset(out)
        initial = _load(path, "initial", out)
        reload = _load(changed_path, "reload", out)
        met = (
            initial["records_per_second"] >= TARGET_RECORDS_PER_SECOND
            if opts.records >= 1_000_000
            else None
        )
        return {
            "benchmark": "ingest",
            "database": connection.settings_dict["NAME"],
            "records": opts.records,
            "fields": len(LABELS),
            "file_bytes": path.stat().st_size,
            "bad_rows_written": bad,
            "generate_seconds": round(generated, 1),
            "initial_load": initial,
            "reload_10pct_changed": reload,
            "target": {
                "min_records_per_second": TARGET_RECORDS_PER_SECOND,
                "max_seconds_for_1m": 20,
                "met": met,
            },
        }
    finally:
        if opts.keep_files:
            out.write(f"files kept in {folder}\n")
        else:
            shutil.rmtree(folder, ignore_errors=True)
