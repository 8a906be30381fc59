"""Province-scale seed (`onetrip seed --scale province`): a million citizens, a hundred
thousand enterprises and a million cases, loaded in bulk.

On PostgreSQL rows go in through COPY (psycopg 3 `cursor.copy`), generated in Python as they
are written; on SQLite the same rows go in with `executemany` (slow, for tests with small
counts). Nothing the migrations own is dropped or recreated: indexes and constraints stay and
are maintained while loading, and the tables are ANALYZEd afterwards. Where allowed, the
per-row foreign-key triggers are skipped during the load and every foreign key is checked with
one anti-join per column before commit instead (minutes saved at a million rows).

What it guarantees:
- every resident ID is valid for `python-stdnum` (check digit, real birth date, an area code
  that existed in the birth year) and unique; every USCC has valid check characters;
- every applicant has a User row (username = ID number) sharing one precomputed password hash;
- accepted cases carry `limit_days`, `clock_started_on`, `deadline`, `statutory_deadline` and
  `yellow_from` exactly as `cases.deadlines` computes them, a share of them overdue (red) and a
  share due soon (yellow); paused cases (supplement requested) keep the days used;
- each case has one or two CaseEvent rows (submission and the latest transition);
- one department gets a large share of the cases, so the staff queue is measured at scale.

Rows get explicit primary keys above the current maximum, and the sequences are reset after.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Max

from onetrip.accounts.models import Region, Role, User
from onetrip.cases import deadlines
from onetrip.cases.models import Case, CaseEvent, CaseState, Channel, CreditOutcome, DeliveryMethod
from onetrip.catalog.models import InstantApprovalRule, ItemImplementation
from onetrip.core.seeding.demo import DEMO_PASSWORD
from onetrip.core.workdays import SHANGHAI, add_working_days, is_working_day
from onetrip.datahub.models import LegalEntityRecord, PopulationRecord

# Every province-seeded applicant and the staff log in with the demo password (one hash,
# computed once).
PROVINCE_PASSWORD = DEMO_PASSWORD
RANDOM_SEED = 20_190_101
# Share of all cases that goes to the busiest department (the staff queue benchmark's).
HOT_DEPARTMENT_SHARE = 0.3
BATCH = 5_000

# Final state of a case -> weight. Open states are about a third, like a live province.
STATE_WEIGHTS: dict[str, float] = {
    CaseState.DRAFT: 0.02,
    CaseState.SUBMITTED: 0.05,
    CaseState.NOT_ACCEPTED: 0.02,
    CaseState.ACCEPTED: 0.22,
    CaseState.SUPPLEMENT_REQUESTED: 0.03,
    CaseState.APPROVED: 0.03,
    CaseState.REJECTED: 0.03,
    CaseState.DELIVERED: 0.35,
    CaseState.ARCHIVED: 0.25,
}
# Of the accepted (clock running) cases: which SLA state to aim for.
SLA_WEIGHTS = {"green": 0.6, "yellow": 0.25, "red": 0.15}

# The last transition of a case in each final state: action, from state.
LAST_EVENT: dict[str, tuple[str, str]] = {
    CaseState.NOT_ACCEPTED: ("not_accept", CaseState.SUBMITTED),
    CaseState.ACCEPTED: ("accept", CaseState.SUBMITTED),
    CaseState.SUPPLEMENT_REQUESTED: ("request_supplement", CaseState.ACCEPTED),
    CaseState.APPROVED: ("approve", CaseState.ACCEPTED),
    CaseState.REJECTED: ("reject", CaseState.ACCEPTED),
    CaseState.DELIVERED: ("deliver", CaseState.APPROVED),
    CaseState.ARCHIVED: ("archive", CaseState.DELIVERED),
}

ETHNICITIES = ["汉族"] * 97 + ["畲族", "回族", "土家族"]
EDUCATION = ["小学", "初中", "高中", "中专", "大专", "本科", "硕士研究生", "博士研究生"]
STREETS = [
    "解放",
    "人民",
    "中山",
    "延安",
    "建设",
    "文化",
    "新华",
    "凤起",
    "体育场",
    "湖滨",
    "钱江",
    "西湖",
    "环城",
    "东方",
    "学院",
    "江南",
    "滨江",
    "青年",
    "友谊",
    "和平",
]
ENTITY_TYPES = [
    "有限责任公司",
    "有限责任公司(自然人独资)",
    "股份有限公司",
    "个人独资企业",
    "合伙企业",
    "农民专业合作社",
]
SCOPES = [
    "技术开发、技术服务",
    "货物进出口",
    "餐饮服务",
    "日用百货销售",
    "建设工程施工",
    "道路货物运输",
    "软件开发",
    "服装制造",
    "农产品种植与销售",
    "物业管理",
]


@dataclass
class Counts:
    citizens: int = 0
    enterprises: int = 0
    cases: int = 0
    events: int = 0
    by_state: dict[str, int] = field(default_factory=dict)


# The seed asks for the same few thousand (start, days) pairs a million times.
_add_working_days = lru_cache(maxsize=None)(add_working_days)

# --------------------------------------------------------------------------------------------
# Loading rows: COPY on PostgreSQL, executemany elsewhere.


class _TableLoader:
    """Writes whole rows of one model's table. Rows are dicts keyed by column name; columns
    not given take the model field's default, so a field added later with a default does not
    break the seed, and a new NOT NULL field without one fails loudly."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.defaults = [self._default(f) for f in self.fields]
        self.pairs = list(zip(self.columns, self.defaults, strict=True))
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]
        self.postgres = connection.vendor == "postgresql"

    @staticmethod
    def _default(f: models.Field) -> Any:
        if f.has_default():
            return f.get_default()
        if f.null:
            return None
        if isinstance(f, (models.CharField, models.TextField)):
            return ""
        return _MISSING

    def _tuple(self, row: dict[str, Any]) -> list[Any]:
        get = row.get
        out = [get(column, default) for column, default in self.pairs]
        if _MISSING in out:
            column = self.columns[out.index(_MISSING)]
            raise ValueError(f"{self.table}.{column}: no value and no default")
        return out

    def row(self, values: dict[str, Any]) -> list[Any]:
        """A compact row in column order, to keep many rows in memory before loading."""
        return self._tuple(values)

    def load(self, rows: Iterable[dict[str, Any] | list[Any]]) -> int:
        """Write the rows (dicts, or lists made by `row`); returns how many."""
        if self.postgres:
            return self._copy(rows)
        return self._insert(rows)

    def _copy(self, rows: Iterable[dict[str, Any]]) -> int:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        n = 0
        json_positions = self.json_positions
        # Start the generator before COPY begins: its set-up queries cannot run on the
        # connection while a COPY is in progress (psycopg would wait for ever). After the
        # first row, generators must not touch the database.
        rows = iter(rows)
        first = next(rows, None)
        if first is None:
            return 0
        rows = itertools.chain([first], rows)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            with raw.copy(
                f"COPY {connection.ops.quote_name(self.table)} ({cols}) FROM STDIN"
            ) as copy:
                for row in rows:
                    values = self._tuple(row) if isinstance(row, dict) else list(row)
                    for i in json_positions:
                        value = values[i]
                        text = _EMPTY_JSON.get(type(value)) if not value else None
                        values[i] = text or json.dumps(value, ensure_ascii=False)
                    copy.write_row(values)
                    n += 1
        return n

    def _insert(self, rows: Iterable[dict[str, Any]]) -> int:
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({cols}) VALUES ({marks})"
        n = 0
        batch: list[list[Any]] = []
        with connection.cursor() as cursor:
            for row in rows:
                values = self._tuple(row) if isinstance(row, dict) else row
                batch.append(
                    [
                        f.get_db_prep_save(v, connection)
                        for f, v in zip(self.fields, values, strict=True)
                    ]
                )
                if len(batch) >= BATCH:
                    cursor.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                n += len(batch)
        return n


_MISSING = object()
_EMPTY_JSON = {dict: "{}", list: "[]"}  # most JSON values are empty: skip json.dumps


def _defer_row_checks(say: Callable[[str], None]) -> bool:
    """On PostgreSQL, when allowed (superuser), skip the per-row foreign-key triggers for the
    rest of this transaction (`session_replication_role = replica`): ten million single-row
    lookups at commit cost minutes. `_check_foreign_keys` then checks every foreign key of
    the loaded tables with one anti-join each before commit. Returns whether it did."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        say("foreign keys checked row by row (not allowed to defer them to a bulk check)")
        return False
    return True


def _check_foreign_keys(model_list: list[type[models.Model]], say: Callable[[str], None]) -> None:
    """Every foreign key of the loaded tables points at an existing row (one anti-join per
    key); raises, and so rolls the load back, if one does not."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in model_list:
            for f in model._meta.concrete_fields:
                if not f.is_relation or not f.db_constraint:
                    continue
                target = f.target_field
                cursor.execute(
                    f"SELECT count(*) FROM {qn(model._meta.db_table)} t "
                    f"WHERE t.{qn(f.column)} IS NOT NULL AND NOT EXISTS ("
                    f"SELECT 1 FROM {qn(target.model._meta.db_table)} r "
                    f"WHERE r.{qn(target.column)} = t.{qn(f.column)})"
                )
                orphans = cursor.fetchone()[0]
                if orphans:
                    raise RuntimeError(
                        f"{orphans} rows of {model._meta.db_table}.{f.column} point nowhere"
                    )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    say("foreign keys checked in bulk: " + ", ".join(m._meta.db_table for m in model_list))


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --------------------------------------------------------------------------------------------
# Identifiers.


def _resident_id(area: str, birth: dt.date, seq: int) -> str:
    from stdnum.cn import ric

    body = f"{area}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(digits: str) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and their check character."""
    check = 11 - sum(int(d) * w for d, w in zip(digits, _ORG_WEIGHTS, strict=True)) % 11
    return digits + ("X" if check == 10 else "0" if check == 11 else str(check))


def _uscc(region: str, serial: int) -> str:
    from stdnum.cn import uscc

    body = "91" + region + _org_code(f"{serial:08d}")
    return body + uscc.calc_check_digit(body)


def _years_valid(code: str) -> Callable[[int], bool]:
    """Whether python-stdnum accepts `code` as the area of a resident ID issued in a year:
    its `cn.ric.get_birth_place` rule, with the database looked up once per code."""
    from stdnum import numdb

    info = {k: v for _, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    if not info.get("county"):
        return lambda year: False
    ranges: list[tuple[int | None, int | None]] = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return lambda year: True
        start, end = county[1:].split("]")[0].split("-")
        ranges.append((int(start) if start else None, int(end) if end else None))
    return lambda year: any(
        (lo is None or year >= lo) and (hi is None or year <= hi) for lo, hi in ranges
    )


def _area_codes_by_year(counties: list[Region], years: range) -> dict[str, dict[int, str]]:
    """For each county: the area code a person born in each year carries in the resident ID.
    The county's own code where it existed that year (python-stdnum checks this), else the
    city's code (e.g. 330100), which always did."""
    out: dict[str, dict[int, str]] = {}
    for county in counties:
        own, city = county.code, county.code[:4] + "00"
        own_valid, city_valid = _years_valid(own), _years_valid(city)
        by_year: dict[int, str] = {}
        for year in years:
            if own_valid(year):
                by_year[year] = own
            elif city_valid(year):
                by_year[year] = city
        out[county.code] = by_year
    return out


# --------------------------------------------------------------------------------------------
# Row generators.


def _names(rng: random.Random) -> Callable[[bool], str]:
    from faker.providers.person.zh_CN import Provider

    surnames = list(Provider.last_names)
    weights = list(Provider.last_names.values())
    male = list(Provider.first_names_male)
    female = list(Provider.first_names_female)
    cum = list(_accumulate(weights))

    def name(is_male: bool) -> str:
        surname = _pick(rng, surnames, cum)
        pool = male if is_male else female
        given = rng.choice(pool)
        if rng.random() < 0.6:
            given += rng.choice(pool)[0]
        return surname + given

    return name


def _pick(rng: random.Random, items: list[Any], cum_weights: list[float]) -> Any:
    """`rng.choices(items, cum_weights=...)[0]` without building a list each time."""
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1])]


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for v in values:
        total += v
        yield total


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


@dataclass
class _People:
    """What the case generator needs about applicants: (user id, name, id number, phone)."""

    citizens: list[tuple[int, str, str, str]]
    enterprises: list[tuple[int, str, str, str]]


def _applicant_users(
    people: list[tuple[int, str, str, str]], *, kind: str, password_hash: str, now: dt.datetime
) -> Iterator[dict[str, Any]]:
    for user_id, name, number, phone in people:
        yield {
            "id": user_id,
            "password": password_hash,
            "username": number,
            "is_active": True,
            "date_joined": now,
            "kind": kind,
            "id_number": number,
            "display_name": name,
            "phone": phone,
            "roles": [],
        }


def _population_records(
    n: int,
    *,
    rng: random.Random,
    counties: list[Region],
    taken: set[str],
    first_user_id: int,
    first_record_id: int,
    now: dt.datetime,
    out: list[tuple[int, str, str, str]],
) -> Iterator[dict[str, Any]]:
    """Population records of adults with valid, unique resident IDs; each person's future
    user id, name, ID and phone are appended to `out`."""
    today = now.date()
    years = range(today.year - 90, today.year - 17)
    area_by_year = _area_codes_by_year(counties, years)
    name_of = _names(rng)
    city_names = {r.code: r.name for r in Region.objects.filter(level=Region.Level.CITY)}
    start = dt.date(today.year - 90, 1, 1).toordinal()
    end = dt.date(today.year - 18, today.month, min(today.day, 28)).toordinal()
    made = 0
    while made < n:
        county = rng.choice(counties)
        birth = dt.date.fromordinal(rng.randint(start, end))
        area = area_by_year[county.code].get(birth.year)
        if area is None:
            continue
        seq = rng.randrange(1000)
        rid = _resident_id(area, birth, seq)
        if rid in taken:
            continue
        taken.add(rid)
        is_male = seq % 2 == 1
        name = name_of(is_male)
        age = today.year - birth.year
        phone = _phone(rng)
        city = city_names.get(county.code[:4] + "00", "")
        if age < 25 and rng.random() < 0.8:
            marital = "unmarried"
        else:
            marital = rng.choices(
                ["married", "unmarried", "divorced", "widowed"], [80, 8, 7, 5 + max(age - 60, 0)]
            )[0]
        yield {
            "id": first_record_id + made,
            "resident_id": rid,
            "name": name,
            "sex": "M" if is_male else "F",
            "birth_date": birth,
            "ethnicity": rng.choice(ETHNICITIES),
            "household_address": f"浙江省{city}{county.name}{rng.choice(STREETS)}"
            f"{rng.choice('路街')}{rng.randint(1, 999)}号",
            "household_region_id": county.code,
            "marital_status": marital,
            "phone": phone,
            "education": rng.choice(EDUCATION),
            "updated_at": now,
        }
        out.append((first_user_id + made, name, rid, phone))
        made += 1


def _legal_entity_records(
    n: int,
    *,
    rng: random.Random,
    counties: list[Region],
    taken: set[str],
    first_user_id: int,
    first_record_id: int,
    now: dt.datetime,
    representatives: list[tuple[int, str, str, str]],
    out: list[tuple[int, str, str, str]],
) -> Iterator[dict[str, Any]]:
    """Legal-entity records with valid, unique USCCs; each entity's future user id, name,
    USCC and phone are appended to `out`."""
    from faker.providers.company.zh_CN import Provider as Company

    prefixes = list(Company.company_prefixes)
    suffixes = list(Company.company_suffixes) + ["贸易有限公司", "建设有限公司", "餐饮有限公司"]
    city_names = {r.code: r.name for r in Region.objects.filter(level=Region.Level.CITY)}
    made = 0
    serial = rng.randrange(10_000_000, 20_000_000)
    first_day = dt.date(1995, 1, 1).toordinal()
    last_day = now.date().toordinal() - 30
    while made < n:
        county = rng.choice(counties)
        serial += rng.randint(1, 7)
        code = _uscc(county.code, serial)
        if code in taken:
            continue
        taken.add(code)
        city = city_names.get(county.code[:4] + "00", "")
        name = f"{city.removesuffix('市')}{rng.choice(prefixes)}{rng.choice(suffixes)}"
        rep = rng.choice(representatives) if representatives else (0, "张伟", "", "")
        phone = _phone(rng)
        yield {
            "id": first_record_id + made,
            "uscc": code,
            "name": name,
            "entity_type": rng.choice(ENTITY_TYPES),
            "legal_representative": rep[1],
            "legal_representative_id": rep[2],
            "registered_address": f"浙江省{city}{county.name}{rng.choice(STREETS)}"
            f"{rng.choice('路街')}{rng.randint(1, 999)}号",
            "region_id": county.code,
            "status": rng.choices(["active", "revoked", "deregistered"], [92, 3, 5])[0],
            "business_scope": "、".join(rng.sample(SCOPES, 2)),
            "established_on": dt.date.fromordinal(rng.randint(first_day, last_day)),
            "registered_capital": rng.choice([10, 30, 50, 100, 200, 500, 1000]) * 10_000,
            "updated_at": now,
        }
        out.append((first_user_id + made, name, code, phone))
        made += 1


@dataclass
class _Impl:
    id: int
    department_id: int
    region_id: str
    applicant_kind: str
    promised: int
    statutory: int
    code: str
    steps: int
    instant_rule: tuple[int, str] | None


class _Clock:
    """`cases.deadlines` applied to one reusable Case per implementation, memoised: the
    seeded deadline fields are exactly the ones the case service would have stored."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, dt.date], tuple[dt.date, dt.date, dt.date]] = {}
        # Loaded now: no query may run while rows are being copied.
        self._cases = {
            pk: Case(implementation=impl)
            for pk, impl in ItemImplementation.objects.in_bulk().items()
        }

    def running(self, impl: _Impl, started: dt.date) -> tuple[dt.date, dt.date, dt.date]:
        """Deadline, statutory deadline and start of yellow of a clock started on `started`."""
        key = (impl.id, started)
        hit = self._memo.get(key)
        if hit is None:
            case = self._cases[impl.id]
            deadlines.clock_start(case, on=started)
            hit = self._memo[key] = (case.deadline, case.statutory_deadline, case.yellow_from)
        return hit


def _implementations() -> list[_Impl]:
    rules: dict[int, tuple[int, str]] = {}
    for rule in InstantApprovalRule.objects.filter(is_active=True).order_by("id"):
        rules.setdefault(rule.implementation_id, (rule.id, rule.name))
    out = []
    for impl in ItemImplementation.objects.filter(is_active=True).order_by("id"):
        out.append(
            _Impl(
                id=impl.id,
                department_id=impl.department_id,
                region_id=impl.region_id,
                applicant_kind=impl.applicant_kind,
                promised=impl.promised_limit_days,
                statutory=impl.statutory_limit_days,
                code=impl.code,
                steps=len(impl.steps),
                instant_rule=rules.get(impl.id),
            )
        )
    return out


def hot_department_id(impls: list[_Impl] | None = None) -> int:
    """The department that gets HOT_DEPARTMENT_SHARE of the cases: the one with the most
    citizen-facing implementations that take working days (ties: the lowest id)."""
    impls = impls if impls is not None else _implementations()
    score: dict[int, int] = {}
    for impl in impls:
        if impl.promised > 0 and impl.applicant_kind != "enterprise":
            score[impl.department_id] = score.get(impl.department_id, 0) + 1
    if not score:
        for impl in impls:
            score[impl.department_id] = score.get(impl.department_id, 0) + 1
    return min(score, key=lambda d: (-score[d], d))


def _generate_cases(
    n: int,
    *,
    rng: random.Random,
    impls: list[_Impl],
    people: _People,
    staff_by_department: dict[int, list[int]],
    first_case_id: int,
    first_event_id: int,
    now: dt.datetime,
    events: list[list[Any]],
    event_loader: _TableLoader,
    counts: Counts,
) -> Iterator[dict[str, Any]]:
    """Case rows; their history rows are appended to `events` (compact, loaded after)."""
    today = now.date()
    clock = _Clock()
    hot = hot_department_id(impls)
    hot_impls = [i for i in impls if i.department_id == hot]
    cold_impls = [i for i in impls if i.department_id != hot] or hot_impls
    rng.shuffle(cold_impls)
    # A long tail over the other implementations (a few items take most of the volume).
    cold_cum = list(_accumulate([1 / (k + 1) ** 0.7 for k in range(len(cold_impls))]))
    states = list(STATE_WEIGHTS)
    state_cum = list(_accumulate(list(STATE_WEIGHTS.values())))
    sla_names = list(SLA_WEIGHTS)
    sla_cum = list(_accumulate(list(SLA_WEIGHTS.values())))
    channels = [Channel.WEB, Channel.MOBILE, Channel.WINDOW, Channel.KIOSK]
    channel_cum = list(_accumulate([25, 55, 15, 5]))
    credit = [CreditOutcome.NORMAL, CreditOutcome.PRIORITY, CreditOutcome.STRICT]
    credit_cum = list(_accumulate([90, 8, 2]))
    methods = [DeliveryMethod.ELECTRONIC, DeliveryMethod.EXPRESS, DeliveryMethod.PICKUP]
    method_cum = list(_accumulate([80, 15, 5]))
    # Working days of the past year and a bit, newest first.
    past_workdays = [
        today - dt.timedelta(days=d)
        for d in range(0, 400)
        if is_working_day(today - dt.timedelta(days=d))
    ]
    office_open = dt.time(8, 30)
    starts_by_sla: dict[int, dict[str, list[dt.date]]] = {}

    def at(day: dt.date) -> dt.datetime:
        """A moment in office hours on `day`; today, a moment that has already passed."""
        moment = dt.datetime.combine(day, office_open, SHANGHAI) + dt.timedelta(
            seconds=rng.randrange(9 * 3600)
        )
        if moment >= now:
            midnight = dt.datetime.combine(day, dt.time(0), SHANGHAI)
            moment = midnight + (now - midnight) * rng.random()
        return moment

    event_id = first_event_id

    def event(
        case_id: int, actor: int | None, action: str, src: str, dst: str, when: dt.datetime
    ) -> None:
        nonlocal event_id
        events.append(
            event_loader.row(
                {
                    "id": event_id,
                    "case_id": case_id,
                    "actor_id": actor,
                    "action": action,
                    "from_state": src,
                    "to_state": dst,
                    "note": "",
                    "at": when,
                }
            )
        )
        event_id += 1

    minute = dt.timedelta(minutes=1)
    for k in range(n):
        case_id = first_case_id + k
        if hot_impls and rng.random() < HOT_DEPARTMENT_SHARE:
            impl = rng.choice(hot_impls)
        else:
            impl = _pick(rng, cold_impls, cold_cum)
        pool = people.enterprises if impl.applicant_kind == "enterprise" else people.citizens
        if impl.applicant_kind == "both" and people.enterprises and rng.random() < 0.2:
            pool = people.enterprises
        pool = pool or people.citizens or people.enterprises  # e.g. a seed without enterprises
        applicant_id, applicant_name, applicant_number, _ = rng.choice(pool)
        state = _pick(rng, states, state_cum)
        if impl.promised == 0 and state in (CaseState.ACCEPTED, CaseState.SUPPLEMENT_REQUESTED):
            state = CaseState.DELIVERED  # on-the-spot items never wait on a clock
        staff = staff_by_department.get(impl.department_id) or [None]
        actor = rng.choice(staff)
        if state == CaseState.ACCEPTED:
            starts = starts_by_sla.get(impl.id)
            if starts is None:
                starts = starts_by_sla[impl.id] = _starts_by_sla(impl, clock, today, past_workdays)
            wanted = _pick(rng, sla_names, sla_cum)
            # On some days no start gives a yellow case (e.g. a 1-day limit on a Saturday).
            day = rng.choice(starts[wanted] or starts["red"])
        else:
            # Anything that is not waiting on a running clock began a week or more ago.
            day = rng.choice(past_workdays[impl.promised + 5 :] or past_workdays)
        accepted = state not in (CaseState.DRAFT, CaseState.SUBMITTED, CaseState.NOT_ACCEPTED)
        # Most delivered cases of an instant item were approved by its rule on submission.
        instant = (
            impl.instant_rule is not None
            and state in (CaseState.DELIVERED, CaseState.ARCHIVED)
            and rng.random() < 0.8
        )
        # The timeline is built back from the day of acceptance (or of submission).
        anchor = at(day)
        if instant:
            submitted = accepted_at = anchor
            created = submitted - dt.timedelta(seconds=rng.randrange(20, 600))
        elif accepted:
            accepted_at = anchor
            submitted = accepted_at - dt.timedelta(seconds=rng.randrange(300, 2 * 86_400))
            created = submitted - dt.timedelta(seconds=rng.randrange(60, 1800))
        else:
            submitted = anchor
            created = submitted - dt.timedelta(seconds=rng.randrange(60, 1800))
        channel = _pick(rng, channels, channel_cum)
        row: dict[str, Any] = {
            "id": case_id,
            "number": case_number(impl.region_id, created, case_id),
            "implementation_id": impl.id,
            "department_id": impl.department_id,
            "region_id": impl.region_id,
            "applicant_id": applicant_id,
            "applicant_name": applicant_name,
            "applicant_id_number": applicant_number,
            "submitted_by_id": actor if channel == Channel.WINDOW else None,
            "channel": channel,
            "state": state,
            "form_data": {},
            "prefilled": {},
            "facts": {},
            "supplement_notice": [],
            "created_at": created,
        }
        if state == CaseState.DRAFT:
            last_at = created
            event(case_id, applicant_id, "create", "", CaseState.DRAFT, created)
        else:
            last_at = submitted
            row["submitted_at"] = submitted
            row["credit_outcome"] = _pick(rng, credit, credit_cum)
            event(case_id, applicant_id, "submit", CaseState.DRAFT, CaseState.SUBMITTED, submitted)
        if state == CaseState.NOT_ACCEPTED:
            row["not_accepted_reason"] = "不属于本机关职权范围"
            last_at += dt.timedelta(hours=rng.randint(1, 48))
        elif accepted:
            last_at = accepted_at
            row["accepted_at"] = accepted_at
            row["acceptance_number"] = "SL" + row["number"]
            row["limit_days"] = impl.promised
            deadline, statutory, yellow = clock.running(impl, day)
            row["deadline"] = deadline
            row["statutory_deadline"] = statutory
            if state == CaseState.ACCEPTED:
                row["clock_started_on"] = day
                row["yellow_from"] = yellow
                row["current_step"] = rng.randrange(max(impl.steps, 1))
            elif state == CaseState.SUPPLEMENT_REQUESTED:
                # Paused: the working days used so far are kept, the clock has no start.
                used = rng.randint(0, max(impl.promised - 1, 0))
                row["days_used"] = used
                row["supplement_notice"] = ["请补充提交清晰的申请材料扫描件"]
                last_at = max(at(_add_working_days(day, used)), last_at + minute)
            else:
                # Decided within the limit: approved, rejected, delivered or archived. The
                # clock fields stay as they were at the decision, as the case service leaves
                # them.
                if instant:
                    row["instant_rule_id"], row["instant_rule_name"] = impl.instant_rule
                    row["decision_reason"] = f"智能秒办：{impl.instant_rule[1]}"
                else:
                    used = rng.randint(0, impl.promised)
                    decided_on = _add_working_days(day, used)
                    last_at = max(at(decided_on), last_at + 10 * minute)
                row["clock_started_on"] = day
                row["yellow_from"] = yellow
                row["decided_at"] = last_at
                row["decided_by_id"] = None if instant else actor
                row["current_step"] = max(impl.steps - 1, 0)
                if state == CaseState.REJECTED:
                    row["decision_reason"] = "申请材料不符合法定条件"
                    row["decision_basis"] = "《中华人民共和国行政许可法》第三十八条"
                if state in (CaseState.DELIVERED, CaseState.ARCHIVED):
                    method = DeliveryMethod.ELECTRONIC
                    if not instant:
                        method = _pick(rng, methods, method_cum)
                        last_at += minute * rng.randrange(1, 600)
                    row["delivery_method"] = method
                    if method == DeliveryMethod.EXPRESS:
                        row["tracking_number"] = f"SF{rng.randrange(10**12):012d}"
                    row["delivered_at"] = last_at
                if state == CaseState.ARCHIVED:
                    # Archived within ten days, and not after now.
                    gap = min(dt.timedelta(days=rng.randint(1, 10)), (now - last_at) / 2)
                    last_at += max(gap, dt.timedelta(seconds=1))
                    row["archived_at"] = last_at
        row["updated_at"] = last_at
        if state in LAST_EVENT:
            action, from_state = LAST_EVENT[state]
            event(case_id, None if instant else actor, action, from_state, state, last_at)
        counts.by_state[state] = counts.by_state.get(state, 0) + 1
        yield row
    counts.events = event_id - first_event_id


def _starts_by_sla(
    impl: _Impl, clock: _Clock, today: dt.date, past_workdays: list[dt.date]
) -> dict[str, list[dt.date]]:
    """The clock starts (working days, newest first) that put a case of `impl` in each SLA
    state today, judged on the fields `cases.deadlines` computes, as the staff queue does."""
    out: dict[str, list[dt.date]] = {"green": [], "yellow": [], "red": []}
    for start in past_workdays[: impl.promised + 25]:
        deadline, _, yellow_from = clock.running(impl, start)
        if today > deadline:
            out["red"].append(start)
        elif today >= yellow_from:
            out["yellow"].append(start)
        else:
            out["green"].append(start)
    return out


def case_number(region_code: str, created: dt.datetime, case_id: int) -> str:
    """Seeded case numbers: region, date, 'P' (province seed) and the row id, so they never
    meet the numbers the case service gives out."""
    return f"{region_code}{created.astimezone(SHANGHAI):%Y%m%d}P{case_id:08d}"


# --------------------------------------------------------------------------------------------
# The seed.


def _base(stdout: TextIO, password_hash: str) -> None:
    """Regions, departments, the catalog and staff, exactly as the demo seed makes them."""
    from onetrip.core.seeding.demo import seed_base

    seed_base(stdout=stdout, password_hash=password_hash)


def seed_province(
    *,
    stdout: TextIO,
    citizens: int = 1_000_000,
    enterprises: int = 100_000,
    cases: int = 1_000_000,
    seed: int = RANDOM_SEED,
) -> Counts:
    """Load a province's worth of applicants and cases in bulk on top of the demo base
    (regions, departments, catalog, staff). Adds to what is there; meant for a fresh database.
    Prints a progress line per step and the elapsed time."""
    if cases and not (citizens or enterprises):
        raise ValueError("Cases need applicants: seed at least one citizen or enterprise.")
    started = time.monotonic()

    def say(message: str) -> None:
        stdout.write(f"[{time.monotonic() - started:7.1f}s] {message}\n")
        if hasattr(stdout, "flush"):
            stdout.flush()

    say(
        f"province seed: {citizens:,} citizens, {enterprises:,} enterprises, {cases:,} cases "
        f"on {connection.vendor}"
    )
    password_hash = make_password(PROVINCE_PASSWORD)
    _base(stdout, password_hash)
    say("base data ready (regions, departments, catalog, staff)")
    rng = random.Random(seed)
    now = dt.datetime.now(SHANGHAI).replace(microsecond=0)
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).order_by("code"))
    if not counties:
        raise RuntimeError("No county regions: the base seed did not load the regions.")
    impls = _implementations()
    if not impls:
        raise RuntimeError("No service implementations: the base seed did not load the catalog.")
    counts = Counts()
    taken: set[str] = set(User.objects.exclude(id_number="").values_list("id_number", flat=True))
    taken.update(PopulationRecord.objects.values_list("resident_id", flat=True))
    taken.update(LegalEntityRecord.objects.values_list("uscc", flat=True))
    people = _People(citizens=[], enterprises=[])
    users = _TableLoader(User)

    with transaction.atomic():
        checked_in_bulk = _defer_row_checks(say)
        first_user = _next_id(User)
        counts.citizens = _TableLoader(PopulationRecord).load(
            _population_records(
                citizens,
                rng=rng,
                counties=counties,
                taken=taken,
                first_user_id=first_user,
                first_record_id=_next_id(PopulationRecord),
                now=now,
                out=people.citizens,
            )
        )
        say(f"population records: {counts.citizens:,}")
        users.load(
            _applicant_users(
                people.citizens, kind=User.Kind.CITIZEN, password_hash=password_hash, now=now
            )
        )
        say(f"citizen accounts: {len(people.citizens):,}")
        counts.enterprises = _TableLoader(LegalEntityRecord).load(
            _legal_entity_records(
                enterprises,
                rng=rng,
                counties=counties,
                taken=taken,
                first_user_id=first_user + citizens,
                first_record_id=_next_id(LegalEntityRecord),
                now=now,
                representatives=people.citizens,
                out=people.enterprises,
            )
        )
        say(f"legal-entity records: {counts.enterprises:,}")
        users.load(
            _applicant_users(
                people.enterprises, kind=User.Kind.ENTERPRISE, password_hash=password_hash, now=now
            )
        )
        say(f"enterprise accounts: {len(people.enterprises):,}")
        if checked_in_bulk:
            _check_foreign_keys([User, PopulationRecord, LegalEntityRecord], say)
        _reset_sequences([User, PopulationRecord, LegalEntityRecord])
    taken.clear()

    staff_by_department: dict[int, list[int]] = {}
    for user_id, department_id, roles in User.objects.filter(
        kind=User.Kind.STAFF, department__isnull=False
    ).values_list("id", "department_id", "roles"):
        if Role.APPROVER in (roles or []):
            staff_by_department.setdefault(department_id, []).append(user_id)

    event_loader = _TableLoader(CaseEvent)
    events: list[list[Any]] = []
    with transaction.atomic():
        checked_in_bulk = _defer_row_checks(say)
        counts.cases = _TableLoader(Case).load(
            _generate_cases(
                cases,
                rng=rng,
                impls=impls,
                people=people,
                staff_by_department=staff_by_department,
                first_case_id=_next_id(Case),
                first_event_id=_next_id(CaseEvent),
                now=now,
                events=events,
                event_loader=event_loader,
                counts=counts,
            )
        )
        say(f"cases: {counts.cases:,}")
        event_loader.load(events)
        say(f"case events: {counts.events:,}")
        events.clear()
        if checked_in_bulk:
            _check_foreign_keys([Case, CaseEvent], say)
        _reset_sequences([Case, CaseEvent])

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (User, PopulationRecord, LegalEntityRecord, Case, CaseEvent):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cursor.execute("ANALYZE")
    say("analyzed")
    say(
        "cases by state: "
        + ", ".join(f"{s}={counts.by_state.get(s, 0):,}" for s in STATE_WEIGHTS)
        + f"; busiest department id={hot_department_id(impls)}"
    )
    say(
        f"done in {time.monotonic() - started:.1f}s; applicants log in with their ID number "
        f"and the password {PROVINCE_PASSWORD!r}"
    )
    return counts
