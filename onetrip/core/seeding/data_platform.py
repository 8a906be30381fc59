"""The demo province's data platform (part of `onetrip seed --scale demo`, after the cases):
enough catalog, ingestion, sharing, consent and correction history for someone trying the
platform to see each part working.

What it guarantees, all made through the data platform's services (so every grant, load,
consent, read and correction carries its audit entry and the sharing log its hash chain):
- the dataset 社会保险参保信息 (`social_insurance`, record store) of 浙江省人力资源和社会保障厅,
  registered by its data steward, with a schema of typed, graded fields;
- one load of it from a CSV export made in memory: the featured citizens and most of the
  demo's people, plus five deliberately bad rows (an invalid resident ID, an impossible date,
  an unknown enumeration value, an employer missing from the legal-entity registry, a
  duplicate key), so the steward sees a quality report and a problem-data list;
- 杭州市西湖区民政局's 社会救助业务系统 with access to population fields granted by the public
  security department's steward; 余杭区人力社保局's 就业创业服务系统 with a request waiting for
  that steward; the third party 浙江农商联合银行·普惠贷款审批系统 with a grant on name and
  marital status, 张三's consent for 个人消费贷款审批 (about 90 days) and one read under it;
- an open correction request of 李四 on his population record, waiting for the steward;
- the tokens of the 社会救助业务系统 and the bank in `demo-api-clients.txt` under VAR_DIR
  (mode 0600), a shell file one can source; it is the only place the secrets appear.

Idempotent: every part is looked up by its natural key (dataset code, client name, the
grant's client and dataset, the consent's person and client, ...) and made only when missing;
a second run adds nothing. The credentials file is rewritten only when it no longer matches
the database (missing, or naming credentials this database does not hold): the clients' live
credentials are then rotated so the new secrets can be written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import quote

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from onetrip.accounts.models import Department, Role, User
from onetrip.core.workdays import today
from onetrip.datahub import services as datahub
from onetrip.datahub.models import (
    AccessGrant,
    ApiClient,
    ClientCredential,
    Consent,
    CorrectionRequest,
    Dataset,
    DatasetField,
    Grade,
    IngestionLoad,
    SharingCall,
)

if TYPE_CHECKING:
    from onetrip.core.seeding.demo import Person, World

F = DatasetField.Type
M = DatasetField.Masking

CREDENTIALS_FILE = "demo-api-clients.txt"
SEED = 20190101 + 3  # demo.SEED + 3: its own random stream, the same on every run

# ------------------------------------------------------------------------- the dataset

DATASET_CODE = "social_insurance"
DATASET_OWNER = "330000-RLSB"  # 浙江省人力资源和社会保障厅
FILE_NAME = "社会保险参保信息_20251231.csv"

EMPLOYEE = "企业职工基本养老保险"
CIVIL_SERVICE = "机关事业单位养老保险"
RESIDENT = "城乡居民基本养老保险"
PAYING, SUSPENDED, RECEIVING, ENDED = "参保缴费", "暂停缴费", "待遇领取", "终止参保"
# The base a worker's contributions are counted on (yuan a month): Zhejiang's 2024 floor and
# ceiling.
BASE_FLOOR, BASE_CEILING = 4462, 24930

DATASET = {
    "code": DATASET_CODE,
    "name": "社会保险参保信息",
    "name_en": "Social insurance enrolment",
    "description": "全省基本养老保险参保人员的参保险种、参保时间、缴费基数、参保单位和参保状态，"
    "由省人力资源和社会保障厅按月归集。",
    "key_field": "resident_id",
    "key_field_label": "公民身份号码",
    "update_frequency": Dataset.Frequency.MONTHLY,
    "subject_kind": Dataset.SubjectKind.CITIZEN,
    "subject_field": "resident_id",
    "sharing_class": Dataset.SharingClass.CONDITIONAL,
    "opening_class": Dataset.OpeningClass.NOT_OPEN,
}
# The key field (made by dataset_create) gets its label, grade and masking; the others follow.
KEY_FIELD = {
    "name": "resident_id",
    "label": "公民身份号码",
    "label_en": "Resident ID",
    "type": F.RESIDENT_ID,
    "required": True,
    "grade": Grade.L3,
    "masking": M.RESIDENT_ID,
}
FIELDS: list[dict[str, Any]] = [
    {
        "name": "name",
        "label": "姓名",
        "label_en": "Name",
        "required": True,
        "max_length": 64,
        "grade": Grade.L2,
        "masking": M.NAME,
    },
    {
        "name": "insurance_type",
        "label": "参保险种",
        "label_en": "Insurance type",
        "type": F.ENUM,
        "required": True,
        "enum_values": [EMPLOYEE, CIVIL_SERVICE, RESIDENT],
        "grade": Grade.L2,
    },
    {
        "name": "insured_since",
        "label": "参保日期",
        "label_en": "Insured since",
        "type": F.DATE,
        "required": True,
        "grade": Grade.L2,
    },
    {
        "name": "contribution_base",
        "label": "月缴费基数（元）",
        "label_en": "Monthly contribution base (yuan)",
        "description": "职工按月申报的缴费工资基数；城乡居民养老保险不设缴费基数。",
        "type": F.DECIMAL,
        "grade": Grade.L3,
    },
    {
        "name": "employer_uscc",
        "label": "参保单位统一社会信用代码",
        "label_en": "Employer's USCC",
        "type": F.USCC,
        "grade": Grade.L1,
        "reference": "legal_entity",
    },
    {
        "name": "status",
        "label": "参保状态",
        "label_en": "Status",
        "type": F.ENUM,
        "required": True,
        "enum_values": [PAYING, SUSPENDED, RECEIVING, ENDED],
        "grade": Grade.L2,
    },
]
COLUMNS = ["resident_id", *(f["name"] for f in FIELDS)]
HEADER = [KEY_FIELD["label"], *(f["label"] for f in FIELDS)]

# What the featured citizens' records say (李四 and 陈晓明 work for the featured enterprise).
FEATURED_RECORDS = {
    "zhangsan": (EMPLOYEE, "1993-01-01", "", "", RECEIVING),
    "lisi": (EMPLOYEE, "2016-07-01", "8500.00", "featured_enterprise", PAYING),
    "wangfang": (RESIDENT, "2010-01-01", "", "", RECEIVING),
    "chenxiaoming": (EMPLOYEE, "2008-07-01", "15000.00", "featured_enterprise", PAYING),
}
# The bad rows of the export (and how many the quality report counts).
BAD_RESIDENT_ID = "330106199203150420"  # the check digit of 330106199203150422 mistyped
UNKNOWN_EMPLOYER = "91330106MA2J4R8W6E"  # a well-formed code no registered enterprise has
PROBLEM_ROWS = 5

# ------------------------------------------------------------------------- the clients


@dataclass(frozen=True)
class DemoClient:
    """An API client of the demo; `variable` names its token in the credentials file (empty:
    the token is not kept)."""

    name: str
    variable: str
    department: str = ""  # a department's system
    organisation_name: str = ""  # a third party
    organisation_uscc: str = ""
    note: str = ""


SOCIAL_ASSISTANCE = DemoClient(
    name="社会救助业务系统",
    variable="ONETRIP_DEMO_XH_MZ_TOKEN",
    department="330106-MZ",
    note="杭州市西湖区民政局的社会救助业务系统：可按公民身份号码读取人口库字段，用途“社会救助资格核验”。",
)
BANK = DemoClient(
    name="浙江农商联合银行·普惠贷款审批系统",
    variable="ONETRIP_DEMO_BANK_TOKEN",
    organisation_name="浙江农商联合银行",
    organisation_uscc="91330000MA2H7NQ37M",  # a demo code (valid check character)
    note="第三方：经本人授权后读取姓名、婚姻状况，用途“个人消费贷款审批”（张三已授权）。",
)
EMPLOYMENT_SERVICES = DemoClient(name="就业创业服务系统", variable="", department="330110-RLSB")
SAVED_CLIENTS = (SOCIAL_ASSISTANCE, BANK)

POPULATION = "population"
SOCIAL_ASSISTANCE_GRANT = {
    "fields": [
        "resident_id",
        "name",
        "sex",
        "birth_date",
        "household_address",
        "household_region",
        "marital_status",
    ],
    "purpose": "社会救助资格核验",
    "legal_basis": "《社会救助暂行办法》（国务院令第649号）",
    "max_grade": Grade.L3,
    "reason": "用于最低生活保障、特困人员供养等社会救助申请的家庭状况核验。",
}
BANK_GRANT = {
    "fields": ["name", "marital_status"],
    "purpose": "个人消费贷款审批（经本人授权）",
    "legal_basis": "《中华人民共和国个人信息保护法》第十三条第一款第一项（取得个人的同意）",
    "max_grade": Grade.L3,
    "reason": "仅限取得本人有效授权的查询。",
}
EMPLOYMENT_GRANT = {
    "fields": ["resident_id", "name", "birth_date", "household_region", "education"],
    "purpose": "就业困难人员认定",
    "legal_basis": "《中华人民共和国就业促进法》第五十二条",
}
CONSENT_PURPOSE = "个人消费贷款审批"
CONSENT_DAYS = 90
CORRECTION = {
    "field_name": "education",
    "proposed_value": "硕士研究生",
    "reason": "本人已于2020年6月取得硕士研究生学历（浙江大学），人口库文化程度仍登记为本科。",
}


# ------------------------------------------------------------------------- helpers


def credentials_path() -> Path:
    """Where the demo clients' tokens are written: next to the SQLite file, under VAR_DIR."""
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def _staff(username: str) -> User:
    return User.objects.get(username=username, kind=User.Kind.STAFF)


def _steward(department_code: str) -> User:
    from onetrip.core.seeding.demo import staff_username

    return _staff(staff_username(Department.objects.get(code=department_code), Role.DATA_STEWARD))


def _admin() -> User:
    from onetrip.core.seeding.demo import ADMIN_USERNAME

    return _staff(ADMIN_USERNAME)


def _citizen(key: str) -> User:
    from onetrip.core.seeding.demo import FEATURED_CITIZENS

    return User.objects.get(id_number=FEATURED_CITIZENS[key].resident_id)


# ------------------------------------------------------------------------- dataset and load


def _ensure_dataset() -> tuple[Dataset, bool]:
    """The social-insurance dataset with its schema, registered by its owner's steward."""
    dataset = Dataset.objects.filter(code=DATASET_CODE).first()
    if dataset is not None:
        return dataset, False
    steward = _steward(DATASET_OWNER)
    with transaction.atomic():  # the dataset and its whole schema, or nothing
        dataset = datahub.dataset_create(actor=steward, **DATASET)
        key = dataset.fields.get(name=KEY_FIELD["name"])
        datahub.dataset_field_save(actor=steward, dataset=dataset, field_id=key.pk, **KEY_FIELD)
        for spec in FIELDS:
            datahub.dataset_field_save(actor=steward, dataset=dataset, **spec)
    return dataset, True


def _age(person: Person) -> int:
    from onetrip.core.seeding.demo import REFERENCE_DATE

    born = person.birth_date
    return (
        REFERENCE_DATE.year
        - born.year
        - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))
    )


def _date_between(rng: random.Random, first: dt.date, last: dt.date) -> str:
    """The first of a month between the two dates (enrolment starts with a month)."""
    if last <= first:
        return first.replace(day=1).isoformat()
    day = first + dt.timedelta(days=rng.randint(0, (last - first).days))
    return day.replace(day=1).isoformat()


def _record(person: Person, rng: random.Random, employers: list[str]) -> list[str]:
    """One person's enrolment as the department exports it (text in column order)."""
    from onetrip.core.seeding.demo import REFERENCE_DATE

    age = _age(person)
    retired = age >= (60 if person.sex == "M" else 55)
    adult = dt.date(person.birth_date.year + 18, 12, 1)  # everyone in the world is 18+
    if retired:
        kind = EMPLOYEE if rng.random() < 0.65 else RESIDENT
        first = max(adult, dt.date(1991 if kind == EMPLOYEE else 2010, 1, 1))
        since = _date_between(rng, first, dt.date(2012, 12, 31))
        return [person.resident_id, person.name, kind, since, "", "", RECEIVING]
    roll = rng.random()
    kind = EMPLOYEE if roll < 0.62 else CIVIL_SERVICE if roll < 0.72 else RESIDENT
    if kind == RESIDENT:
        since = _date_between(rng, max(adult, dt.date(2010, 1, 1)), REFERENCE_DATE)
        status = PAYING if rng.random() < 0.9 else SUSPENDED
        return [person.resident_id, person.name, kind, since, "", "", status]
    since = _date_between(rng, max(adult, dt.date(1995, 1, 1)), REFERENCE_DATE)
    base = rng.randrange(BASE_FLOOR, BASE_CEILING // 2, 100)
    # Public bodies are not in the legal-entity registry, so their staff name no employer.
    employer = rng.choice(employers) if kind == EMPLOYEE else ""
    status = rng.choices([PAYING, SUSPENDED, ENDED], [88, 8, 4])[0]
    return [person.resident_id, person.name, kind, since, f"{base}.00", employer, status]


def export_rows(world: World) -> Iterator[list[str]]:
    """The rows of the department's export: the featured citizens, about nine in ten of the
    other people of the world (not everyone is insured), and the bad rows among them. A pure
    function of the world."""
    from onetrip.core.seeding.demo import FEATURED_ENTERPRISE_USCC

    rng = random.Random(SEED)
    employers = sorted(e.uscc for e in world.entities if e.status == "active")
    others = [p for p in world.people if not p.featured]
    # Three real people of working age whose rows come out wrong (they stay problem data
    # until the department corrects them and loads them again).
    working = [p for p in others if _age(p) < 55]
    wrong = rng.sample(working, 3) if len(working) >= 3 and len(others) >= 8 else []
    bad_date, bad_enum, bad_employer = wrong or (None, None, None)
    featured = {p.featured: p for p in world.people if p.featured}
    rows: list[list[str]] = []
    for key, (kind, since, base, employer, status) in FEATURED_RECORDS.items():
        person = featured.get(key)
        if person is not None:
            employer = FEATURED_ENTERPRISE_USCC if employer == "featured_enterprise" else employer
            rows.append([person.resident_id, person.name, kind, since, base, employer, status])
    for person in others:
        insured = rng.random() < 0.9
        if person is bad_date:
            row = _record(person, rng, employers)
            row[3] = f"{row[3][:4]}-02-30"  # a day February never has
        elif person is bad_enum:
            row = _record(person, rng, employers)
            row[2] = "新型农村社会养老保险"  # merged into 城乡居民基本养老保险 in 2014
        elif person is bad_employer:
            row = _record(person, rng, employers)
            row[2], row[4], row[5], row[6] = EMPLOYEE, "6800.00", UNKNOWN_EMPLOYER, PAYING
        elif insured:
            row = _record(person, rng, employers)
        else:
            continue
        rows.append(row)
    if wrong:
        # An invalid resident ID (a mistyped check digit) and a person exported twice.
        rows.insert(
            len(rows) // 3, [BAD_RESIDENT_ID, "周敏", RESIDENT, "2015-01-01", "", "", PAYING]
        )
        odd = {BAD_RESIDENT_ID, *(p.resident_id for p in wrong)}
        twice = list(next(r for r in rows[len(rows) // 2 :] if r[0] not in odd))
        twice[6] = SUSPENDED if twice[6] != SUSPENDED else PAYING
        rows.append(twice)
    yield from rows


def export_csv(world: World) -> bytes:
    """The export as a government system writes it: Chinese column labels, UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(export_rows(world))
    return buffer.getvalue().encode("utf-8-sig")


def _ensure_load(dataset: Dataset, world: World) -> IngestionLoad | None:
    """Load the export through ingestion unless a load of the dataset already succeeded.
    Outside any transaction: a load commits its progress as it goes."""
    if IngestionLoad.objects.filter(
        dataset=dataset, status=IngestionLoad.Status.SUCCEEDED
    ).exists():
        return None
    load = datahub.ingestion_start(
        actor=_steward(DATASET_OWNER),
        dataset_code=dataset.code,
        file=ContentFile(export_csv(world), name=FILE_NAME),
        file_name=FILE_NAME,
        mode=IngestionLoad.Mode.FULL,
    )
    load = datahub.ingestion_run(load_id=load.pk)
    if load.status != IngestionLoad.Status.SUCCEEDED:
        raise RuntimeError(f"the demo load of {dataset.code} failed: {load.error}")
    return load


# ------------------------------------------------------------------------- clients and tokens


def _find_client(spec: DemoClient) -> ApiClient | None:
    qs = ApiClient.objects.filter(name=spec.name)
    if spec.department:
        qs = qs.filter(kind=ApiClient.Kind.DEPARTMENT_SYSTEM, department__code=spec.department)
    else:
        qs = qs.filter(kind=ApiClient.Kind.THIRD_PARTY)
    return qs.order_by("id").first()


def _manager(spec: DemoClient) -> User:
    # A department's system is its data steward's; a third party only the system admin's.
    return _steward(spec.department) if spec.department else _admin()


def _create_client(spec: DemoClient) -> tuple[ApiClient, str]:
    if spec.department:
        return datahub.client_create(
            actor=_manager(spec),
            name=spec.name,
            kind=ApiClient.Kind.DEPARTMENT_SYSTEM,
            department_id=Department.objects.get(code=spec.department).pk,
        )
    return datahub.client_create(
        actor=_manager(spec),
        name=spec.name,
        kind=ApiClient.Kind.THIRD_PARTY,
        organisation_name=spec.organisation_name,
        organisation_uscc=spec.organisation_uscc,
    )


_TOKEN_LINE = re.compile(r"^(?:export\s+)?([A-Z0-9_]+)=([A-Za-z0-9_.\-]+)\s*$")


def _saved_tokens(path: Path) -> dict[str, str]:
    """variable -> token, as written in the credentials file (empty when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return {}
    return {m[1]: m[2] for line in text.splitlines() if (m := _TOKEN_LINE.match(line.strip()))}


def _token_live(client: ApiClient, token: str) -> bool:
    """Whether the token's credential is one of this client's that is not revoked (its
    secret is not checked here: only its hash is stored, and the key id is random)."""
    key_id = token.partition(".")[0]
    return ClientCredential.objects.filter(
        client=client, key_id=key_id, revoked_at__isnull=True
    ).exists()


def _ensure_clients(path: Path) -> tuple[dict[str, ApiClient], int, bool]:
    """The demo's API clients; returns them by name, how many were made, and whether the
    credentials file was (re)written. One transaction with the file: a client whose token
    could not be written does not stay behind with a secret nobody knows."""
    saved = _saved_tokens(path)
    clients: dict[str, ApiClient] = {}
    tokens: dict[str, str] = {}
    made = 0
    with transaction.atomic():
        for spec in (*SAVED_CLIENTS, EMPLOYMENT_SERVICES):
            client = _find_client(spec)
            if client is None:
                client, token = _create_client(spec)
                made += 1
                if spec.variable:
                    tokens[spec.variable] = token
            clients[spec.name] = client
        stale = [
            spec
            for spec in SAVED_CLIENTS
            if spec.variable not in tokens
            and not _token_live(clients[spec.name], saved.get(spec.variable, ""))
        ]
        if not tokens and not stale:
            return clients, made, False
        for spec in stale:
            # The file is gone or was written for another database: new secrets for it.
            _credential, tokens[spec.variable] = datahub.credential_rotate(
                actor=_manager(spec), client_id=clients[spec.name].pk
            )
        for spec in SAVED_CLIENTS:
            tokens.setdefault(spec.variable, saved.get(spec.variable, ""))
        _write_credentials(path, clients, tokens)
    return clients, made, True


def _write_credentials(path: Path, clients: dict[str, ApiClient], tokens: dict[str, str]) -> None:
    """Write the tokens as a shell file readable by its owner only (0600), replacing any
    older one in one step."""
    from onetrip.core.seeding.demo import FEATURED_CITIZENS, SITE_URL

    zhang = FEATURED_CITIZENS["zhangsan"].resident_id
    url = SITE_URL.rstrip("/")
    lines = [
        "# onetrip demo: tokens of the demo's sharing-API clients.",
        "# The secrets appear nowhere else (only their hashes are stored): keep this file private.",
        f"# Written {today().isoformat()} for the database {_database_name()}.",
        "#",
        f"# Use: . {path}",
        '#      curl -s -H "Authorization: Bearer $ONETRIP_DEMO_BANK_TOKEN" \\',
        f"#           -H 'X-Purpose: {quote(CONSENT_PURPOSE)}' \\",
        f"#           {url}/api/v1/share/population/records/{zhang}",
        f"# (X-Purpose: {CONSENT_PURPOSE}, percent-encoded; raw UTF-8 headers get lost.)",
        "",
    ]
    for spec in SAVED_CLIENTS:
        client = clients[spec.name]
        lines += [
            f"# {client.name} (API client {client.pk}): {spec.note}",
            f"{spec.variable}={tokens[spec.variable]}",
            "",
        ]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _database_name() -> str:
    from django.db import connection

    name = str(connection.settings_dict.get("NAME") or "")
    return f"{connection.vendor}:{name}"


# ------------------------------------------------------------------------- grants and uses


def _ensure_grant(
    client: ApiClient, spec: dict[str, Any], *, requested_by: User, decide: bool
) -> bool:
    """The client's request for population fields; approved by the owner's steward when
    `decide`. Made only when the client has no grant on the dataset yet."""
    if AccessGrant.objects.filter(client=client, dataset__code=POPULATION).exists():
        return False
    with transaction.atomic():
        grant = datahub.grant_request(
            client=client,
            dataset_code=POPULATION,
            fields=spec["fields"],
            purpose=spec["purpose"],
            legal_basis=spec["legal_basis"],
            expires_on=dt.date(today().year + 1, 12, 31),
            requested_by=requested_by,
        )
        if decide and grant.status == AccessGrant.Status.REQUESTED:
            datahub.grant_decide(
                actor=_steward(Dataset.objects.get(code=POPULATION).department.code),
                grant_id=grant.pk,
                approve=True,
                reason=spec["reason"],
                max_grade=spec["max_grade"],
            )
    return True


def _ensure_consent(bank: ApiClient) -> bool:
    zhang = _citizen("zhangsan")
    if Consent.objects.filter(subject=zhang, client=bank, dataset__code=POPULATION).exists():
        return False
    datahub.consent_grant(
        subject=zhang,
        client_id=bank.pk,
        dataset_code=POPULATION,
        fields=BANK_GRANT["fields"],
        purpose=CONSENT_PURPOSE,
        valid_until=today() + dt.timedelta(days=CONSENT_DAYS),
    )
    return True


def _ensure_bank_read(bank: ApiClient) -> bool:
    """One read by the bank under 张三's consent, so his vault shows a third party's access."""
    if SharingCall.objects.filter(client=bank, outcome="ok").exists():
        return False
    datahub.share_read(
        client=bank,
        dataset_code=POPULATION,
        keys=[_citizen("zhangsan").id_number],
        fields=BANK_GRANT["fields"],
        purpose=CONSENT_PURPOSE,
    )
    return True


def _ensure_correction() -> bool:
    lisi = _citizen("lisi")
    if CorrectionRequest.objects.filter(
        requester=lisi, dataset__code=POPULATION, field_name=CORRECTION["field_name"]
    ).exists():
        return False
    datahub.correction_request_file(
        requester=lisi, dataset_code=POPULATION, record_key=lisi.id_number, **CORRECTION
    )
    return True


# ------------------------------------------------------------------------- entry point


def seed_data_platform(
    world: World, *, say: Callable[[str], None] | None = None, credentials: Path | None = None
) -> dict[str, int]:
    """Seed the demo's data platform (see the module docstring) on top of the demo's base,
    registries and accounts; adds only what is missing. Says one summary line and where the
    clients' tokens are (never the tokens). Not inside a transaction: the load commits its
    progress as it goes."""
    say = say or (lambda line: sys.stdout.write(line + "\n"))
    path = credentials or credentials_path()
    counts: dict[str, int] = {}
    dataset, created = _ensure_dataset()
    counts["datasets_added"] = int(created)
    load = _ensure_load(dataset, world)
    counts["records_loaded"] = load.rows_good if load else 0
    counts["problem_rows"] = load.rows_problem if load else 0
    clients, counts["api_clients_added"], written = _ensure_clients(path)
    bank = clients[BANK.name]
    counts["grants_added"] = sum(
        [
            _ensure_grant(
                clients[SOCIAL_ASSISTANCE.name],
                SOCIAL_ASSISTANCE_GRANT,
                requested_by=_manager(SOCIAL_ASSISTANCE),
                decide=True,
            ),
            _ensure_grant(bank, BANK_GRANT, requested_by=_admin(), decide=True),
            _ensure_grant(
                clients[EMPLOYMENT_SERVICES.name],
                EMPLOYMENT_GRANT,
                requested_by=_manager(EMPLOYMENT_SERVICES),
                decide=False,
            ),
        ]
    )
    counts["consents_added"] = int(_ensure_consent(bank))
    counts["sharing_calls_added"] = int(_ensure_bank_read(bank))
    counts["corrections_added"] = int(_ensure_correction())
    if load is not None:
        loaded = (
            f"{dataset.name}: {load.rows_checked} rows checked, {load.rows_good} loaded, "
            f"{load.rows_problem} problem rows"
        )
    else:
        loaded = f"{dataset.name}: already loaded"
    say(
        f"data platform: {loaded}; API clients +{counts['api_clients_added']}, "
        f"access grants +{counts['grants_added']}, consents +{counts['consents_added']}, "
        f"correction requests +{counts['corrections_added']}"
    )
    if written:
        say(f"data platform: API client tokens written to {path} (keep it private)")
    return counts


def write_api_clients(stdout: TextIO) -> None:
    """Where the demo's sharing-API clients and their tokens are (for the logins table)."""
    path = credentials_path()
    if not path.exists():
        return
    stdout.write("\nSharing-API clients of the demo (tokens in " + str(path) + "):\n")
    for spec in SAVED_CLIENTS:
        stdout.write(f"  ${spec.variable:<26} {spec.name}\n")
