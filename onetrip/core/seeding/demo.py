"""The demo province (`onetrip seed --scale demo`): a small, realistic Zhejiang that one laptop
serves, the same every time it is seeded.

What it guarantees:
- the 102 regions, one department of every kind in the province, 杭州市, 西湖区 and 余杭区, the
  demo catalog with its implementations, and staff holding every role in every demo department
  (`xh-scjg-approver`: region slug, department abbreviation, role);
- 300 citizens in the population registry with resident IDs valid for python-stdnum (check
  digit, birth date, and an area code that existed in the birth year) and 80 enterprises in the
  legal-entity registry with valid unified social credit codes, each with an account;
- e-licences the applicants already hold (social security cards, marriage certificates,
  business licences ...), so items that need them can be completed by ID alone;
- a few hundred cases in every state of `CaseState`, made by the case service itself (so they
  obey its rules and carry their history), then back-dated over the last weeks so the clocks
  show green, yellow and red, some overdue;
- the data platform's demo content (`data_platform`): a loaded dataset with its problem data,
  API clients with grants, a consent, a third party's read and a correction request;
- the featured demo logins of `demo_logins()`, which are fixed, so docs and tests can use them.

Idempotent: a second run adds nothing (rows are keyed by natural keys: region and department
codes, usernames, ID numbers, licence numbers, the cases' idempotency keys). Deterministic:
Faker and `random` are seeded, and birth dates count from a fixed reference date."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from faker import Faker
from stdnum.cn import ric, uscc

from onetrip.accounts.models import Department, Region, Role, User
from onetrip.accounts.services import admin_flags
from onetrip.core.seeding import catalog_loader
from onetrip.core.workdays import SHANGHAI, subtract_working_days
from onetrip.core.workdays import today as local_today
from onetrip.datahub import services as datahub
from onetrip.datahub.models import ELicence, LegalEntityRecord, LicenceType, PopulationRecord

DEMO_PASSWORD = "demo12345"
SITE_URL = "http://127.0.0.1:8000/"
SEED = 20190101  # the day the 最多跑一次 regulation came into force
# Birth and establishment dates count from this fixed day, so the same people (and so the
# same resident IDs) are generated whatever day the seed runs.
REFERENCE_DATE = dt.date(2025, 12, 31)
DEFAULT_CITIZENS = 300
DEFAULT_ENTERPRISES = 80
DEFAULT_CASES = 300

XIHU, YUHANG, HANGZHOU, PROVINCE = "330106", "330110", "330100", "330000"
DEMO_COUNTIES = (XIHU, YUHANG)
CASE_KEY_PREFIX = "demo-"

# Staff usernames: <region slug>-<department abbreviation>-<role slug>.
ROLE_SLUGS: dict[str, str] = {
    Role.WINDOW_CLERK: "clerk",
    Role.APPROVER: "approver",
    Role.DEPARTMENT_ADMIN: "admin",
    Role.DATA_STEWARD: "steward",
    Role.INSPECTOR: "inspector",
    Role.CREDIT_OFFICER: "credit",
    Role.SUPERVISOR: "supervisor",
}
ADMIN_USERNAME = "admin"

# ---------------------------------------------------------------------------------------------
# Featured demo people and logins (fixed, so docs and tests can name them)


@dataclass(frozen=True)
class FeaturedCitizen:
    """A person the demo logins name. The resident ID is written out (valid for stdnum: its
    area code existed in the birth year, its sex digit and birth date match)."""

    resident_id: str
    name: str
    sex: str
    birth: dt.date
    household_region: str
    marital_status: str
    address: str
    phone: str
    education: str
    licences: tuple[str, ...]


FEATURED_CITIZENS = {
    # 66, household in 西湖区: 老年人优待证 is approved instantly at 西湖区. Born before 西湖区's
    # code existed (1983), so the ID carries 杭州市's code, as stdnum requires.
    "zhangsan": FeaturedCitizen(
        resident_id="330100196005120116",
        name="张三",
        sex="M",
        birth=dt.date(1960, 5, 12),
        household_region=XIHU,
        marital_status="married",
        address="浙江省杭州市西湖区文三路259号3幢2单元501室",
        phone="13805710001",
        education="高中",
        licences=("SBK", "JHZ", "BDCQZS"),
    ),
    # Household in 温州, lives in 西湖区 with a residence permit: 居住证签注 is instant there.
    "lisi": FeaturedCitizen(
        resident_id="330302199408200310",
        name="李四",
        sex="M",
        birth=dt.date(1994, 8, 20),
        household_region="330302",
        marital_status="unmarried",
        address="浙江省温州市鹿城区五马街88号",
        phone="13905770002",
        education="本科",
        licences=("SBK", "JZZ"),
    ),
    # 82, household in 余杭区: 高龄津贴 is instant at 余杭区 (ID from the former 余杭县 code).
    "wangfang": FeaturedCitizen(
        resident_id="330125194410030243",
        name="王芳",
        sex="F",
        birth=dt.date(1944, 10, 3),
        household_region=YUHANG,
        marital_status="widowed",
        address="浙江省杭州市余杭区五常大道181号",
        phone="13605710003",
        education="初中",
        licences=("SBK", "LNRYDZ"),
    ),
    # Legal representative of the featured enterprise.
    "chenxiaoming": FeaturedCitizen(
        resident_id="33010619850316053X",
        name="陈晓明",
        sex="M",
        birth=dt.date(1985, 3, 16),
        household_region=XIHU,
        marital_status="married",
        address="浙江省杭州市西湖区天目山路398号1幢1201室",
        phone="13705710004",
        education="硕士研究生",
        licences=("SBK", "JHZ"),
    ),
}
FEATURED_ENTERPRISE_NAME = "杭州云栖数智科技有限公司"
FEATURED_ENTERPRISE_USCC = "91330106MA2CFY8K0C"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    label: str
    username: str
    password: str
    note: str

    def __str__(self) -> str:
        return f"{self.username:<20} {self.label}：{self.note}"


def demo_logins() -> list[DemoLogin]:
    """The featured demo logins, the same on every machine; all use DEMO_PASSWORD."""
    c = FEATURED_CITIZENS
    return [
        DemoLogin(
            "citizen",
            "市民 张三（66岁，西湖区户籍）",
            c["zhangsan"].resident_id,
            DEMO_PASSWORD,
            "智能秒办：西湖区 老年人优待证办理；我的数据：社保记录、银行授权",
        ),
        DemoLogin(
            "citizen",
            "市民 李四（温州户籍，居住西湖区）",
            c["lisi"].resident_id,
            DEMO_PASSWORD,
            "智能秒办：西湖区 居住证签注；数据纠错待答复",
        ),
        DemoLogin(
            "citizen",
            "市民 王芳（82岁，余杭区户籍）",
            c["wangfang"].resident_id,
            DEMO_PASSWORD,
            "智能秒办：余杭区 高龄津贴申领",
        ),
        DemoLogin(
            "enterprise",
            f"企业 {FEATURED_ENTERPRISE_NAME}",
            FEATURED_ENTERPRISE_USCC,
            DEMO_PASSWORD,
            "智能秒办：西湖区 营业执照补领、换发",
        ),
        DemoLogin(
            "window_clerk",
            "窗口人员 西湖区",
            "xh-scjg-clerk",
            DEMO_PASSWORD,
            "受理西湖区的申请（一窗受理）",
        ),
        DemoLogin(
            "approver",
            "审批人员 西湖区市场监督管理局",
            "xh-scjg-approver",
            DEMO_PASSWORD,
            "办理本部门已受理的办件",
        ),
        DemoLogin(
            "department_admin",
            "部门管理员 西湖区市场监督管理局",
            "xh-scjg-admin",
            DEMO_PASSWORD,
            "维护本部门的实施清单（/admin/）",
        ),
        DemoLogin(
            "data_steward",
            "数据管理员 浙江省公安厅（人口库）",
            "zj-ga-steward",
            DEMO_PASSWORD,
            "审批人口库共享申请、答复数据纠错",
        ),
        DemoLogin(
            "data_steward",
            "数据管理员 浙江省市场监督管理局（法人库）",
            "zj-scjg-steward",
            DEMO_PASSWORD,
            "维护法人库目录、归集法人数据",
        ),
        DemoLogin(
            "data_steward",
            "数据管理员 浙江省人力资源和社会保障厅",
            "zj-rlsb-steward",
            DEMO_PASSWORD,
            "社会保险参保信息：质量报告与问题数据",
        ),
        DemoLogin(
            "data_steward",
            "数据管理员 浙江省大数据发展管理局",
            "zj-sj-steward",
            DEMO_PASSWORD,
            "电子证照目录",
        ),
        DemoLogin(
            "data_steward",
            "数据管理员 西湖区民政局",
            "xh-mz-steward",
            DEMO_PASSWORD,
            "本部门API客户端：社会救助业务系统",
        ),
        DemoLogin(
            "supervisor",
            "督查 浙江省人民政府办公厅",
            "zj-zf-supervisor",
            DEMO_PASSWORD,
            "全省办件与超期预警",
        ),
        DemoLogin(
            "system_admin", "系统管理员", ADMIN_USERNAME, DEMO_PASSWORD, "全部权限（/admin/）"
        ),
    ]


# ---------------------------------------------------------------------------------------------
# Valid identifiers


def _is_valid_ric(number: str) -> bool:
    try:
        ric.validate(number)
    except Exception:
        return False
    return True


@lru_cache(maxsize=4096)
def area_code_for(region_code: str, birth_year: int) -> str:
    """An area code for a resident ID of someone registered in `region_code` and born in
    `birth_year`, valid for stdnum: the county's own code when it existed that year, else a
    former code of the same place (余杭县, 余杭市 for 余杭区), else the city's, else 杭州市's."""
    names = {r["code"]: r["name"] for r in catalog_loader.read_regions()}
    stem = names.get(region_code, "")[:2]
    former = [
        code
        for code, carried in _numdb_names(region_code[:4]).items()
        if stem and code != region_code and any(name.startswith(stem) for name in carried)
    ]
    for code in [region_code, *former, region_code[:4] + "00", HANGZHOU]:
        if _is_valid_ric(resident_id(code, dt.date(birth_year, 7, 1), 1)):
            return code
    return HANGZHOU


@lru_cache(maxsize=64)
def _numdb_names(city_prefix: str) -> dict[str, list[str]]:
    """Every code under a city in stdnum's table, with the names it has carried (without the
    "[1983-2001]" validity prefixes)."""
    from stdnum import numdb

    db = numdb.get("cn/loc")
    out = {}
    for n in range(100):
        code = f"{city_prefix}{n:02d}"
        parts = db.info(code)
        county = parts[1][1].get("county", "") if len(parts) > 1 else ""
        if county:
            out[code] = [name.rsplit("]", 1)[-1] for name in county.split(",")]
    return out


def resident_id(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_code(base: str) -> str:
    """The 9-character organisation code (GB 11714): 8 characters and a check character."""
    total = sum(
        (int(ch) if ch.isdigit() else ord(ch) - 55) * w
        for ch, w in zip(base, _ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return base + {10: "X", 11: "0"}.get(check, str(check))


def _uscc(category: str, region_code: str, org_base: str) -> str:
    """A USCC: 9 (market regulation), category (1 company, 2 individual business, 3
    cooperative), the registration area, the organisation code and the check character."""
    body = f"9{category}{region_code}{_org_code(org_base)}"
    return body + uscc.calc_check_digit(body)


# ---------------------------------------------------------------------------------------------
# Generated people and enterprises (pure functions of the seed: no database involved)

XIHU_STREETS = (
    "文三路 文二路 文一路 教工路 学院路 天目山路 古墩路 西溪路 "
    "灵隐路 留下街 转塘街 紫金港路 万塘路 保俶路 曙光路 黄姑山路"
).split()
YUHANG_STREETS = (
    "五常大道 文一西路 良睦路 龙潭路 荆长大道 余杭塘路 "
    "高教路 良渚大道 仓兴街 闲林东路 瓶窑大道 径山路"
).split()
OTHER_STREETS = (
    "人民路 解放路 中山路 建设路 新华路 环城北路 江南大道 文化路 青年路 和平路 府前路 胜利路"
).split()
EDUCATION = ["小学", "初中", "高中", "中专", "大专", "本科", "硕士研究生", "博士研究生"]


@dataclass
class Person:
    resident_id: str
    name: str
    sex: str
    birth_date: dt.date
    household_region: str
    address: str
    marital_status: str
    phone: str
    education: str
    ethnicity: str = "汉族"
    licences: list[str] = field(default_factory=list)
    featured: str = ""


@dataclass
class Entity:
    uscc: str
    name: str
    entity_type: str
    representative: Person
    address: str
    region: str
    status: str
    scope: str
    established_on: dt.date
    capital: Decimal
    licences: list[str] = field(default_factory=list)
    featured: bool = False


@dataclass
class World:
    """What the seed generates, before anything is written."""

    regions: dict[str, Region]
    people: list[Person]
    entities: list[Entity]


def _address(rng: random.Random, region: Region) -> str:
    city = region.parent.name if region.parent else ""
    if region.code == XIHU:
        street = rng.choice(XIHU_STREETS)
    elif region.code == YUHANG:
        street = rng.choice(YUHANG_STREETS)
    else:
        street = rng.choice(OTHER_STREETS)
    address = f"浙江省{city}{region.name}{street}{rng.randint(1, 699)}号"
    if rng.random() < 0.7:
        building, unit = rng.randint(1, 30), rng.randint(1, 4)
        address += f"{building}幢{unit}单元{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
    return address


def _marital(rng: random.Random, age: int) -> str:
    if age < 23:
        return "unmarried" if rng.random() < 0.9 else "married"
    roll = rng.random()
    if age >= 70 and roll < 0.3:
        return "widowed"
    if roll < 0.72:
        return "married"
    if roll < 0.82:
        return "divorced"
    return "unmarried" if age < 45 else "married"


def generate_people(
    count: int, regions: dict[str, Region], fake: Faker, rng: random.Random
) -> list[Person]:
    """`count` people: the featured ones first, the rest mostly in 西湖区 and 余杭区."""
    people = []
    taken: set[str] = set()
    for key, f in FEATURED_CITIZENS.items():
        people.append(
            Person(
                f.resident_id,
                f.name,
                f.sex,
                f.birth,
                f.household_region,
                f.address,
                f.marital_status,
                f.phone,
                f.education,
                licences=list(f.licences),
                featured=key,
            )
        )
        taken.add(f.resident_id)
    others = sorted(c for c, r in regions.items() if r.level == "county" and c not in DEMO_COUNTIES)
    while len(people) < count:
        sex = "M" if rng.random() < 0.5 else "F"
        name = fake.name_male() if sex == "M" else fake.name_female()
        band = rng.random()
        age = (
            rng.randint(18, 59)
            if band < 0.5
            else rng.randint(60, 79)
            if band < 0.85
            else rng.randint(80, 94)
        )
        birth = dt.date(REFERENCE_DATE.year - age, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
        roll = rng.random()
        household = XIHU if roll < 0.6 else YUHANG if roll < 0.85 else rng.choice(others)
        area = area_code_for(household, birth.year)
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
        number = resident_id(area, birth, seq)
        if number in taken:
            continue
        taken.add(number)
        person = Person(
            resident_id=number,
            name=name,
            sex=sex,
            birth_date=birth,
            household_region=household,
            address=_address(rng, regions[household]),
            marital_status=_marital(rng, age),
            phone=fake.phone_number(),
            education=rng.choice(EDUCATION[1:] if age < 50 else EDUCATION[:6]),
            ethnicity="畲族" if rng.random() < 0.02 else "回族" if rng.random() < 0.01 else "汉族",
        )
        # E-licences they already hold.
        if rng.random() < 0.75:
            person.licences.append("SBK")
        if person.marital_status in ("married", "widowed", "divorced") and rng.random() < 0.9:
            person.licences.append("JHZ")
        if household not in DEMO_COUNTIES:
            person.licences.append("JZZ")  # they live in the demo counties on a residence permit
        if age >= 25 and rng.random() < 0.35:
            person.licences.append("BDCQZS")
        if age >= 60 and rng.random() < 0.3:
            person.licences.append("LNRYDZ")
        if rng.random() < 0.06:
            person.licences.append("CJRZ")
        if 22 <= age <= 60 and rng.random() < 0.05:
            person.licences.append("JSZGZS")
        people.append(person)
    return people


# (industry, scope, company name suffix, individual business suffix, licences held)
INDUSTRIES = [
    (
        "科技",
        "技术开发、技术服务、技术咨询；软件开发；信息系统集成服务",
        "科技有限公司",
        "电脑维修部",
        [],
    ),
    ("餐饮", "餐饮服务；食品销售；餐饮管理", "餐饮管理有限公司", "小吃店", ["SPJYXKZ"]),
    (
        "物流",
        "道路货物运输（不含危险货物）；国内货物运输代理；仓储服务",
        "物流有限公司",
        "货运部",
        ["DLYSJYXKZ"],
    ),
    ("建设", "建设工程施工；建筑劳务分包；住宅室内装饰装修", "建设有限公司", "装修队", []),
    ("贸易", "日用百货、服装鞋帽、针纺织品销售；货物进出口", "贸易有限公司", "百货商行", []),
    (
        "文化",
        "组织文化艺术交流活动；广告设计、代理；会议及展览服务",
        "文化传媒有限公司",
        "图文工作室",
        [],
    ),
    ("茶业", "茶叶种植；初级农产品收购；食用农产品销售", "茶业有限公司", "茶叶店", ["SPJYXKZ"]),
    ("美容", "生活美容服务；理发服务；化妆品零售", "美容美发有限公司", "美发店", ["GGCSWSXKZ"]),
    ("医疗", "诊所服务；医疗服务；健康咨询服务", "医疗管理有限公司", "诊所", ["YLJGZYXKZ"]),
    ("教育", "非学历文化艺术培训；教育咨询服务", "教育科技有限公司", "培训工作室", []),
]
ENTITY_TYPES = [
    ("有限责任公司", 45),
    ("个体工商户", 25),
    ("有限责任公司(自然人独资)", 10),
    ("个人独资企业", 8),
    ("股份有限公司", 5),
    ("农民专业合作社", 4),
    ("合伙企业", 3),
]
PLACE_WORDS = {
    XIHU: "西溪 云栖 之江 龙坞 留下 转塘 灵峰 北山 文三 紫金".split(),
    YUHANG: "良渚 五常 仓前 闲林 径山 瓶窑 黄湖 未来 中泰 百丈".split(),
}
BRAND_WORDS = (
    "瑞丰 宏达 博远 鑫源 智联 云帆 众诚 新锐 天祥 和泰 盛世 汇通 安泰 启明 君合 正德 "
    "卓越 嘉禾 恒信 华成 聚力 同创 弘毅 品尚 禾润 明德 海纳 长青 远航 致远 元和 景新"
).split()


def generate_entities(
    count: int, regions: dict[str, Region], people: list[Person], rng: random.Random
) -> list[Entity]:
    """`count` enterprises: the featured one first, the rest mostly in 西湖区 and 余杭区."""
    adults = [
        p for p in people if not p.featured and 25 <= REFERENCE_DATE.year - p.birth_date.year <= 70
    ]
    rep = next(p for p in people if p.featured == "chenxiaoming")
    entities = [
        Entity(
            uscc=FEATURED_ENTERPRISE_USCC,
            name=FEATURED_ENTERPRISE_NAME,
            entity_type="有限责任公司",
            representative=rep,
            address="浙江省杭州市西湖区云栖小镇云栖路66号2幢301室",
            region=XIHU,
            status="active",
            scope=INDUSTRIES[0][1],
            established_on=dt.date(2018, 6, 8),
            capital=Decimal("5000000.00"),
            licences=["YYZZ"],
            featured=True,
        )
    ]
    taken_names = {FEATURED_ENTERPRISE_NAME}
    taken_codes = {entities[0].uscc}
    others = sorted(c for c, r in regions.items() if r.level == "county" and c not in DEMO_COUNTIES)
    types, weights = zip(*ENTITY_TYPES, strict=True)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    clashes = 0
    while len(entities) < count:
        roll = rng.random()
        region = XIHU if roll < 0.55 else YUHANG if roll < 0.85 else rng.choice(others)
        r = regions[region]
        city = r.parent.name if r.parent else ""
        entity_type = rng.choices(types, weights)[0]
        industry, scope, company_suffix, shop_suffix, licences = rng.choice(INDUSTRIES)
        rep = rng.choice(adults)
        places = PLACE_WORDS.get(region, [r.name[:2]])
        # 杭州瑞丰科技有限公司 or 杭州良渚瑞丰科技有限公司 (brand, sometimes with a place).
        brand = rng.choice(BRAND_WORDS)
        if rng.random() < 0.5:
            brand = rng.choice(places) + brand
        if entity_type == "个体工商户":
            # 杭州市西湖区罗记小吃店; a county-level city goes alone: 建德市周记培训工作室.
            seat = r.name if r.name.endswith("市") else f"{city}{r.name}"
            name = f"{seat}{rep.name[0]}记{shop_suffix}"
            category = "2"
        elif entity_type == "农民专业合作社":
            seat = r.name if r.name.endswith("市") else f"{city}{r.name}"
            name = f"{seat}{rng.choice(places)}{industry}专业合作社"
            category = "3"
        elif entity_type == "个人独资企业":
            name = f"{city[:-1]}{brand}{industry}商行"
            category = "1"
        elif entity_type == "合伙企业":
            name = f"{city[:-1]}{brand}{industry}咨询合伙企业（有限合伙）"
            category = "1"
        else:
            name = f"{city[:-1]}{brand}{company_suffix}"
            category = "1"
        if name in taken_names:
            clashes += 1
            if clashes < 20:
                continue
            name = f"{name}（{len(entities)}）"  # only for very large --enterprises
        clashes = 0
        org = "MA2" + "".join(rng.choice(alphabet) for _ in range(5))
        code = _uscc(category, region, org)
        if code in taken_codes:
            continue
        taken_names.add(name)
        taken_codes.add(code)
        status = rng.choices(["active", "revoked", "deregistered"], [90, 5, 5])[0]
        capital = (
            Decimal(rng.choice([3, 5, 10, 20, 30, 50])) * 10_000
            if category == "2"
            else Decimal(rng.choice([10, 50, 100, 200, 500, 1000, 3000, 5000])) * 10_000
        )
        entities.append(
            Entity(
                uscc=code,
                name=name,
                entity_type=entity_type,
                representative=rep,
                address=_address(rng, r),
                region=region,
                status=status,
                scope=scope,
                established_on=dt.date(rng.randint(2000, 2024), 1, 1)
                + dt.timedelta(days=rng.randint(0, 364)),
                capital=capital,
                licences=["YYZZ"] + (licences if status == "active" else []),
            )
        )
    return entities


def generate_world(
    *, citizens: int = DEFAULT_CITIZENS, enterprises: int = DEFAULT_ENTERPRISES
) -> World:
    """The people and enterprises of the demo, a pure function of the seed."""
    regions = Region.objects.select_related("parent").in_bulk()
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    people = generate_people(max(citizens, len(FEATURED_CITIZENS)), regions, fake, rng)
    entities = generate_entities(max(enterprises, 1), regions, people, random.Random(SEED + 1))
    return World(regions=regions, people=people, entities=entities)


# ---------------------------------------------------------------------------------------------
# Writing: base data, staff, registries, accounts, e-licences


class _Out:
    def __init__(self, stdout: TextIO | None) -> None:
        self.stdout = stdout or sys.stdout
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        self.stdout.write(f"[{time.monotonic() - self.started:5.1f}s] {message}\n")
        if hasattr(self.stdout, "flush"):
            self.stdout.flush()


def _region_slugs() -> dict[str, str]:
    return {r["code"]: r["slug"] for r in catalog_loader.read_catalog()["demo_regions"]}


def staff_username(department: Department, role: str) -> str:
    slug = _region_slugs().get(department.region_id, department.region_id)
    abbr = department.code.rsplit("-", 1)[-1].lower()
    return f"{slug}-{abbr}-{ROLE_SLUGS[role]}"


def seed_staff(*, password_hash: str) -> int:
    """Staff for every role in every demo department, and the system admin. Adds only the
    usernames that are missing; returns how many were added."""
    departments = list(
        Department.objects.filter(region_id__in=catalog_loader.demo_region_codes()).order_by("code")
    )
    existing = set(User.objects.filter(kind=User.Kind.STAFF).values_list("username", flat=True))
    fake = Faker("zh_CN")
    fake.seed_instance(SEED + 2)
    new = []
    for dept in departments:
        for role in ROLE_SLUGS:
            name = fake.name()  # drawn even when the user exists, so names stay stable
            username = staff_username(dept, role)
            if username in existing:
                continue
            new.append(
                User(
                    username=username,
                    password=password_hash,
                    kind=User.Kind.STAFF,
                    display_name=name,
                    department=dept,
                    roles=[role],
                    **admin_flags([role]),
                )
            )
    if ADMIN_USERNAME not in existing:
        new.append(
            User(
                username=ADMIN_USERNAME,
                password=password_hash,
                kind=User.Kind.STAFF,
                display_name="系统管理员",
                department=Department.objects.filter(code=f"{PROVINCE}-ZF").first(),
                roles=[Role.SYSTEM_ADMIN],
                **admin_flags([Role.SYSTEM_ADMIN]),
            )
        )
    User.objects.bulk_create(new)
    return len(new)


def seed_base(*, stdout: TextIO | None = None, password_hash: str | None = None) -> dict[str, int]:
    """Regions, departments, licence types, the catalog with its implementations, and staff.
    Shared by the demo and the province seed. Idempotent."""
    out = _Out(stdout)
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["regions_written"] = catalog_loader.load_regions()
        counts.update(catalog_loader.load_catalog())
        counts["staff_added"] = seed_staff(
            password_hash=password_hash or make_password(DEMO_PASSWORD)
        )
        counts.update(datahub.base_registries_ensure())
    out(
        f"base: {Region.objects.count()} regions, {counts['departments']} departments, "
        f"{counts['items']} items, {counts['implementations']} implementations, "
        f"{counts['staff_added']} staff added"
    )
    return counts


def _issuer_code(kind_abbr: str, region_code: str) -> str:
    """The department that issued a licence held by someone of `region_code`."""
    if region_code in DEMO_COUNTIES:
        return f"{region_code}-{kind_abbr}"
    if region_code.startswith(HANGZHOU[:4]):
        return f"{HANGZHOU}-{kind_abbr}"
    return f"{PROVINCE}-{kind_abbr}"


def _write_registries(world: World, password_hash: str) -> dict[str, int]:
    regions = world.regions
    have_people = set(PopulationRecord.objects.values_list("resident_id", flat=True))
    PopulationRecord.objects.bulk_create(
        PopulationRecord(
            resident_id=p.resident_id,
            name=p.name,
            sex=p.sex,
            birth_date=p.birth_date,
            ethnicity=p.ethnicity,
            household_address=p.address,
            household_region=regions[p.household_region],
            marital_status=p.marital_status,
            phone=p.phone,
            education=p.education,
        )
        for p in world.people
        if p.resident_id not in have_people
    )
    have_entities = set(LegalEntityRecord.objects.values_list("uscc", flat=True))
    LegalEntityRecord.objects.bulk_create(
        LegalEntityRecord(
            uscc=e.uscc,
            name=e.name,
            entity_type=e.entity_type,
            legal_representative=e.representative.name,
            legal_representative_id=e.representative.resident_id,
            registered_address=e.address,
            region=regions[e.region],
            status=e.status,
            business_scope=e.scope,
            established_on=e.established_on,
            registered_capital=e.capital,
        )
        for e in world.entities
        if e.uscc not in have_entities
    )
    have_users = set(User.objects.exclude(id_number="").values_list("id_number", flat=True))
    users = [
        User(
            username=p.resident_id,
            id_number=p.resident_id,
            kind=User.Kind.CITIZEN,
            display_name=p.name,
            phone=p.phone,
            password=password_hash,
        )
        for p in world.people
        if p.resident_id not in have_users
    ] + [
        User(
            username=e.uscc,
            id_number=e.uscc,
            kind=User.Kind.ENTERPRISE,
            display_name=e.name,
            password=password_hash,
        )
        for e in world.entities
        if e.uscc not in have_users
    ]
    User.objects.bulk_create(users)
    return {
        "population_added": sum(p.resident_id not in have_people for p in world.people),
        "users_added": len(users),
    }


def _licence_specs(world: World) -> list[dict[str, Any]]:
    """The e-licences the demo's people and enterprises already hold. Number, verification
    code and age follow from holder and type alone (a hash), so they never shift when the
    world around them changes; issue dates count back from today so each is still valid."""
    catalog = catalog_loader.read_catalog()
    abbr = {k["kind"]: k["abbr"] for k in catalog["department_kinds"]}
    issuer_kind = {lt["code"]: lt["issuer_kind"] for lt in catalog["licence_types"]}
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    holders: list[tuple[str, str, str, list[str]]] = [
        (p.resident_id, p.name, p.household_region, p.licences) for p in world.people
    ] + [(e.uscc, e.name, e.region, e.licences) for e in world.entities]
    specs = []
    for holder_id, holder_name, region, codes in holders:
        for code in codes:
            digest = int.from_bytes(
                hashlib.sha256(f"{SEED}:{holder_id}:{code}".encode()).digest(), "big"
            )
            verification = ""
            for _ in range(16):
                digest, index = divmod(digest, len(alphabet))
                verification += alphabet[index]
            # A residence permit is issued where the holder lives (西湖区), not where the
            # household is registered.
            where = XIHU if code == "JZZ" else region
            specs.append(
                {
                    "number": f"{code}-{where}-D{digest % 10**10:010d}",
                    "type": code,
                    "holder_id_number": holder_id,
                    "holder_name": holder_name,
                    "issuer": _issuer_code(abbr[issuer_kind[code]], where),
                    "age_days": 20 + digest % 311,
                    "verification_code": verification,
                }
            )
    return specs


def _write_licences(world: World) -> int:
    specs = _licence_specs(world)
    have = set(
        ELicence.objects.filter(number__in=[s["number"] for s in specs]).values_list(
            "number", flat=True
        )
    )
    types = LicenceType.objects.in_bulk(field_name="code")
    issuers = Department.objects.in_bulk({s["issuer"] for s in specs}, field_name="code")
    today = local_today()
    new = []
    for s in specs:
        if s["number"] in have:
            continue
        lt = types[s["type"]]
        issued = today - dt.timedelta(
            days=s["age_days"] if (lt.validity_years or 99) > 1 else s["age_days"] % 200
        )
        valid_until = _plus_years(issued, lt.validity_years) if lt.validity_years else None
        new.append(
            ELicence(
                number=s["number"],
                licence_type=lt,
                holder_id_number=s["holder_id_number"],
                holder_name=s["holder_name"],
                issuer=issuers[s["issuer"]],
                issued_on=issued,
                valid_until=valid_until,
                verification_code=s["verification_code"],
                data={"source": "demo seed"},
            )
        )
    ELicence.objects.bulk_create(new)
    return len(new)


def _plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------------------------------------
# Cases, through the case service


STATE_MIX: list[tuple[str, int]] = [
    ("draft", 6),
    ("submitted", 10),
    ("not_accepted", 5),
    ("accepted", 25),
    ("supplement_requested", 6),
    ("approved", 6),
    ("rejected", 5),
    ("delivered", 22),
    ("archived", 15),
]
NOT_ACCEPTED_REASONS = [
    "申请事项不属于本机关职权范围，请向有管辖权的机关提出申请。",
    "经核查，申请人不符合本事项的申请条件。",
    "申请材料与登记信息不一致，且不属于可以补正的情形。",
]
REJECT_REASONS = [
    "经审查，申请人不符合法定条件，依法不予许可。",
    "现场核查发现实际情况与申请材料不符，依法不予批准。",
    "申请人未能在规定期限内提供符合要求的证明材料。",
]


@dataclass(frozen=True)
class _ImplSpec:
    code: str
    kind: str
    region: str
    level: str
    promised: int
    steps: int
    instant: bool
    window_only: bool
    required_licences: frozenset[str]


@dataclass
class CasePlan:
    """One demo case: who applies for what, the state it should reach and its timeline."""

    key: str
    target: str
    applicant: str  # resident ID or USCC
    implementation: str  # implementation code
    channel: str
    sla: str = "green"
    review_done: bool = False
    extend: bool = False
    resubmitted: bool = False
    late: bool = False
    seed: int = 0


def _impl_specs() -> list[_ImplSpec]:
    data = catalog_loader.read_catalog()
    regions = {r["code"]: r for r in catalog_loader.read_regions()}
    specs = []
    for item in data["items"]:
        impl = item["implementation"]
        for code in catalog_loader.demo_region_codes():
            if regions[code]["level"] != item["level"]:
                continue
            specs.append(
                _ImplSpec(
                    code=catalog_loader.implementation_code(item["code"], code, item["level"]),
                    kind=impl["applicant_kind"],
                    region=code,
                    level=item["level"],
                    promised=impl["promised_limit_days"],
                    steps=max(len(impl["processing_steps"]), 1),
                    instant=bool(impl["instant_rules"]),
                    window_only=impl["channels"] == ["window"],
                    required_licences=frozenset(
                        m["licence_type"]
                        for m in impl["materials"]
                        if m["source"] == "licence" and m["required"]
                    ),
                )
            )
    return specs


def _allocate(count: int, rng: random.Random) -> list[str]:
    """Target states in the proportions of STATE_MIX, every state at least once (count ≥ 9)."""
    total = sum(w for _, w in STATE_MIX)
    targets = [
        s
        for s, w in STATE_MIX
        for _ in range(max(1 if count >= len(STATE_MIX) else 0, count * w // total))
    ]
    while len(targets) < count:
        targets.append(STATE_MIX[len(targets) % len(STATE_MIX)][0])
    targets = targets[:count]
    rng.shuffle(targets)
    return targets


def plan_cases(world: World, count: int) -> list[CasePlan]:
    """The demo's cases as plans, a pure function of the seed and the world: the featured ones
    (fixed) and `count` others spread over every state."""
    rng = random.Random(SEED + 4)
    specs = _impl_specs()
    featured = {p.featured: p for p in world.people if p.featured}
    company = next(e for e in world.entities if e.featured)
    impl = {s.code: s for s in specs}
    plans = [
        CasePlan(
            "demo-f01", "delivered", featured["zhangsan"].resident_id, "4330106GG00204001", "web"
        ),
        CasePlan(
            "demo-f02", "accepted", featured["zhangsan"].resident_id, "4330106GG00902001", "mobile"
        ),
        CasePlan(
            "demo-f03", "delivered", featured["lisi"].resident_id, "4330106GG00101001", "mobile"
        ),
        CasePlan(
            "demo-f04", "delivered", featured["wangfang"].resident_id, "4330110JF00404002", "window"
        ),
        CasePlan("demo-f05", "accepted", company.uscc, "4330106XK00302002", "web", sla="yellow"),
        CasePlan("demo-f06", "supplement_requested", company.uscc, "4330106XK00405001", "web"),
    ]
    unknown = [p.implementation for p in plans if p.implementation not in impl]
    if unknown:
        raise ValueError(f"Featured cases name implementations the catalog lacks: {unknown}")
    people = [p for p in world.people if not p.featured]
    entities = [e for e in world.entities if not e.featured]
    # The first cases meant to stay accepted are overdue and due soon, so every demo has both.
    aims = ["red", "yellow"]
    for index, target in enumerate(_allocate(count, rng)):
        want_instant = target in ("delivered", "archived") and rng.random() < 0.45
        for _attempt in range(50):
            if rng.random() < 0.7 and people:
                person = rng.choice(people)
                number, held = person.resident_id, set(person.licences)
                home = person.household_region if person.household_region in DEMO_COUNTIES else XIHU
                regions = {home}
                kind = "citizen"
            else:
                entity = rng.choice(entities or [company])
                number, held = entity.uscc, set(entity.licences)
                home = entity.region if entity.region in DEMO_COUNTIES else XIHU
                regions = {home, HANGZHOU, PROVINCE}
                kind = "enterprise"
            candidates = [
                s
                for s in specs
                if s.kind in (kind, "both")
                and s.region in regions
                and s.required_licences <= held
                and s.instant == want_instant
            ]
            if candidates:
                break
        else:  # pragma: no cover - the demo catalog always has candidates
            continue
        spec = rng.choice(candidates)
        sla = rng.choices(["green", "yellow", "red"], [55, 25, 20])[0]
        if target == "accepted" and aims:
            sla = aims.pop(0)
        if spec.window_only:
            channel = "window"
        else:
            channel = rng.choices(["web", "mobile", "window"], [55, 30, 15])[0]
        plans.append(
            CasePlan(
                key=f"{CASE_KEY_PREFIX}{index + 1:04d}",
                target=target,
                applicant=number,
                implementation=spec.code,
                channel=channel,
                sla=sla,
                review_done=spec.steps > 1 and rng.random() < 0.5,
                extend=rng.random() < 0.35,
                resubmitted=rng.random() < 0.25,
                late=rng.random() < 0.1,
                seed=rng.randrange(1 << 30),
            )
        )
    return plans


def _pdf(name: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% onetrip demo material\n" + name.encode("utf-8") + b"\n%%EOF\n"
    return SimpleUploadedFile(f"{name[:60]}.pdf", body, content_type="application/pdf")


def _working_days_ago(days: int, today: dt.date) -> dt.date:
    day = subtract_working_days(today, max(days, 0)) if days > 0 else today
    while day.weekday() >= 5 and days > 0:
        day -= dt.timedelta(days=1)
    return day


class _CaseRunner:
    """Runs plans through `onetrip.cases.services` and back-dates what they made."""

    def __init__(self) -> None:
        from onetrip.catalog.models import ItemImplementation

        self.impls = {
            i.code: i
            for i in ItemImplementation.objects.select_related(
                "item", "licence_type", "department", "region"
            ).prefetch_related("materials")
        }
        self.users = {
            u.id_number: u
            for u in User.objects.filter(kind__in=[User.Kind.CITIZEN, User.Kind.ENTERPRISE])
        }
        self.staff = {
            u.username: u
            for u in User.objects.filter(kind=User.Kind.STAFF).select_related("department__region")
        }
        self.today = local_today()

    def sla_if_accepted(self, impl: Any, day: dt.date, extension: int) -> str:
        """The SLA state today of a case of `impl` accepted on `day` (and extended)."""
        from onetrip.cases import deadlines
        from onetrip.cases.models import Case, CaseState

        case = Case(implementation=impl, state=CaseState.ACCEPTED)
        deadlines.clock_start(case, on=day)
        if extension:
            deadlines.clock_extend(case, days=extension)
        return deadlines.sla_state(case, on=self.today).value

    def staff_for(self, impl: Any, role: str) -> User:
        return self.staff[staff_username(impl.department, role)]

    def run(self, plan: CasePlan) -> str:
        """Make the case of `plan`; returns the state it reached."""
        from onetrip.cases import services
        from onetrip.cases.models import CaseState

        rng = random.Random(plan.seed)
        impl = self.impls[plan.implementation]
        applicant = self.users[plan.applicant]
        clerk = self.staff_for(impl, Role.WINDOW_CLERK)
        approver = self.staff_for(impl, Role.APPROVER)
        actor = clerk if plan.channel == "window" else applicant
        materials = list(impl.materials.all())
        uploads = [m for m in materials if m.source == "upload"]
        files = {
            m.id: _pdf(m.name)
            for m in uploads
            if (m.required and not m.deferrable) or rng.random() < 0.5
        }
        steps = impl.steps
        extension = min(5, impl.max_extension_days) if plan.extend and impl.allows_extension else 0
        timeline = _Timeline(
            plan,
            promised=impl.promised_limit_days,
            today=self.today,
            rng=rng,
            sla_of=lambda day: self.sla_if_accepted(impl, day, extension),
        )

        if plan.target == CaseState.DRAFT:
            case = services.case_create_draft(
                actor=actor,
                implementation=impl,
                applicant=applicant,
                channel=plan.channel,
                idempotency_key=plan.key,
            )
            if uploads and plan.channel != "window" and rng.random() < 0.5:
                services.case_attach_material(
                    actor=actor, case=case, material=uploads[0], upload=_pdf(uploads[0].name)
                )
            self._backdate(case, timeline)
            return case.state

        case = services.case_apply(
            actor=actor,
            implementation=impl,
            applicant=applicant,
            channel=plan.channel,
            files=files,
            idempotency_key=plan.key,
        )
        if case.state == CaseState.DELIVERED:  # approved instantly (智能秒办)
            timeline.instant = True
            if plan.target == CaseState.ARCHIVED:
                case = services.case_archive(actor=clerk, case=case)
            self._backdate(case, timeline)
            return case.state
        if case.state != CaseState.SUBMITTED or plan.target == CaseState.SUBMITTED:
            self._backdate(case, timeline)
            return case.state
        if plan.target == CaseState.NOT_ACCEPTED:
            case = services.case_not_accept(
                actor=clerk, case=case, reason=rng.choice(NOT_ACCEPTED_REASONS)
            )
            self._backdate(case, timeline)
            return case.state

        case = services.case_accept(actor=clerk, case=case, note="材料齐全，予以受理")
        finishing = plan.target in (
            CaseState.APPROVED,
            CaseState.REJECTED,
            CaseState.DELIVERED,
            CaseState.ARCHIVED,
        )
        if len(steps) > 1 and (finishing or plan.review_done):
            case = services.case_complete_step(actor=approver, case=case, note="初审通过，提交审批")
        if plan.target == CaseState.ACCEPTED and extension:
            days = extension
            case = services.case_extend(
                actor=approver, case=case, days=days, reason="需组织现场核查，依法延长办理时限"
            )
        # A supplement answered pauses the clock; only for cases meant to be on time.
        wants_supplement = plan.target == CaseState.SUPPLEMENT_REQUESTED or (
            plan.target == CaseState.ACCEPTED and plan.resubmitted and plan.sla == "green"
        )
        if wants_supplement:
            items = [m.name for m in uploads[:2]] or ["申请人签字确认的申请表"]
            case = services.case_request_supplement(
                actor=approver,
                case=case,
                items=[f"{i}（请提供清晰完整的扫描件）" for i in items],
                note="请在15个工作日内补正",
            )
            if plan.target == CaseState.ACCEPTED:
                again = {m.id: _pdf(m.name) for m in uploads[:2]}
                case = services.case_resubmit(
                    actor=applicant if plan.channel != "window" else clerk,
                    case=case,
                    files=again,
                    note="已按要求补正",
                )
        if plan.target in (CaseState.ACCEPTED, CaseState.SUPPLEMENT_REQUESTED):
            self._backdate(case, timeline)
            return case.state

        if plan.target == CaseState.REJECTED:
            case = services.case_reject(
                actor=approver,
                case=case,
                reason=rng.choice(REJECT_REASONS),
                basis=impl.item.legal_basis,
            )
        else:
            case = services.case_approve(
                actor=approver, case=case, reason="经审查，申请材料齐全、符合法定形式，予以批准。"
            )
            if plan.target in (CaseState.DELIVERED, CaseState.ARCHIVED):
                method = rng.choices(["electronic", "express", "pickup"], [50, 30, 20])[0]
                tracking = f"SF{rng.randrange(10**11, 10**12)}" if method == "express" else ""
                case = services.case_deliver(
                    actor=approver if method == "electronic" else clerk,
                    case=case,
                    method=method,
                    tracking_number=tracking,
                )
        if plan.target == CaseState.ARCHIVED:
            case = services.case_archive(actor=clerk, case=case)
        self._backdate(case, timeline)
        return case.state

    def _backdate(self, case: Any, timeline: _Timeline) -> None:
        """Demo back-dating: the service made the case just now; move its history, clock and
        licence into the past along the plan's timeline, with plain updates (never done
        outside the seed)."""
        from onetrip.cases import deadlines
        from onetrip.cases.models import Case, CaseEvent

        events = list(CaseEvent.objects.filter(case_id=case.pk).order_by("id"))
        stamps = timeline.stamps([e.action for e in events])
        for event, at in zip(events, stamps, strict=True):
            event.at = at
        CaseEvent.objects.bulk_update(events, ["at"])
        first = {}
        for event in events:
            first.setdefault(event.action, event.at)
        case = Case.objects.select_related("implementation", "licence__licence_type").get(
            pk=case.pk
        )
        changes: dict[str, Any] = {
            "created_at": stamps[0],
            "updated_at": stamps[-1],
            "submitted_at": first.get("submit"),
            "accepted_at": first.get("accept"),
            "decided_at": first.get("approve") or first.get("reject"),
            "delivered_at": first.get("deliver"),
            "archived_at": first.get("archive"),
        }
        if case.accepted_at is not None:
            extension = case.extension_days
            deadlines.clock_start(case, on=first["accept"].astimezone(SHANGHAI).date())
            for event in events:
                day = event.at.astimezone(SHANGHAI).date()
                if event.action == "extend":
                    deadlines.clock_extend(case, days=extension)
                elif event.action == "request_supplement":
                    deadlines.clock_pause(case, on=day)
                elif event.action == "resubmit":
                    deadlines.clock_resume(case, on=day)
            for name in deadlines.CLOCK_FIELDS:
                changes[name] = getattr(case, name)
        Case.objects.filter(pk=case.pk).update(**changes)
        # The case's prefill reads keep their real time: the sharing log is hash-chained, and
        # back-dating its rows would break the chain `onetrip audit verify` checks.
        if case.licence_id and changes["decided_at"]:
            issued = changes["decided_at"].astimezone(SHANGHAI).date()
            years = case.licence.licence_type.validity_years
            ELicence.objects.filter(pk=case.licence_id).update(
                issued_on=issued, valid_until=_plus_years(issued, years) if years else None
            )


class _Timeline:
    """The days on which a planned case's steps happened, counted back from today in working
    days ("ago"); every later step is on the same day as the one before it or after it."""

    def __init__(
        self,
        plan: CasePlan,
        *,
        promised: int,
        today: dt.date,
        rng: random.Random,
        sla_of: Any,
    ) -> None:
        self.rng = rng
        self.instant = False
        target = plan.target

        def day(ago: int) -> dt.date:
            return _working_days_ago(ago, today)

        if target == "draft":
            self.days = {"create": day(rng.randint(0, 8))}
            return
        if target == "submitted":
            submit = accept = rng.randint(0, 2)
        elif target == "accepted":
            accept = self._accept_for_sla(plan.sla, sla_of, day)
            submit = accept + rng.randint(0, 1)
        else:
            submit = rng.randint(3, 25 if target == "supplement_requested" else 45)
            accept = max(submit - rng.randint(0, 1), 0)
        finishing = target in ("approved", "rejected", "delivered", "archived")
        took = promised + rng.randint(1, 3) if plan.late else rng.randint(0, max(promised, 0))
        decide = max(accept - took, 0) if finishing else 0
        review = rng.randint(decide, accept)
        extend = rng.randint(decide, review)
        supplement = rng.randint(decide, extend)
        resubmit = rng.randint(decide, supplement)
        deliver = max(decide - rng.randint(0, 2), 0)
        archive = max(deliver - rng.randint(1, 5), 0)
        self.days = {
            "create": day(submit),
            "submit": day(submit),
            "credit_refuse": day(submit),
            "accept": day(accept),
            "not_accept": day(accept),
            "complete_review": day(review),
            "extend": day(extend),
            "request_supplement": day(supplement),
            "resubmit": day(resubmit),
            "approve": day(decide),
            "reject": day(decide),
            "deliver": day(deliver),
            "archive": day(archive),
        }

    def _accept_for_sla(self, aim: str, sla_of: Any, day: Any) -> int:
        """How many working days ago to accept so the clock shows `aim` today."""
        matches = [ago for ago in range(0, 45) if sla_of(day(ago)) == aim]
        return self.rng.choice(matches) if matches else 0

    def stamps(self, actions: list[str]) -> list[dt.datetime]:
        """One moment per history line: on its planned day, in office hours, never going back
        in time; the steps of an instant approval are a second apart."""
        out: list[dt.datetime] = []
        for action in actions:
            day = self.days.get(action) or (out[-1].date() if out else self.days["create"])
            if self.instant and out and action in ("accept", "approve", "deliver"):
                moment = out[-1] + dt.timedelta(seconds=1)
            else:
                moment = dt.datetime.combine(
                    day, dt.time(self.rng.randint(9, 16), self.rng.randint(0, 59)), tzinfo=SHANGHAI
                )
            if out and moment <= out[-1]:
                moment = out[-1] + dt.timedelta(minutes=self.rng.randint(3, 40))
            out.append(moment)
        return out


def seed_cases(world: World, *, count: int) -> Counter[str]:
    """Make the planned cases that do not exist yet (by idempotency key), all in one
    transaction (one commit: on PostgreSQL a commit per case costs more than the case).
    Returns the states reached by the cases made now."""
    from onetrip.cases.models import Case

    plans = plan_cases(world, count)
    done = set(
        Case.objects.filter(idempotency_key__startswith=CASE_KEY_PREFIX).values_list(
            "idempotency_key", flat=True
        )
    )
    runner = _CaseRunner()
    reached: Counter[str] = Counter()
    with transaction.atomic():
        for plan in plans:
            if plan.key not in done:
                reached[runner.run(plan)] += 1
    return reached


def _deliver_outbox_quietly() -> int:
    """Deliver the notifications the demo's history queued (in-app messages land in the message
    centres), without logging a line per SMS."""
    from onetrip.notify.services import outbox_deliver

    notify_logger = logging.getLogger("onetrip.notify")
    level = notify_logger.level
    notify_logger.setLevel(logging.WARNING)
    sent = 0
    try:
        while True:
            batch = outbox_deliver(limit=500)
            sent += batch
            if batch == 0:
                break
    finally:
        notify_logger.setLevel(level)
    return sent


# ---------------------------------------------------------------------------------------------
# The command's entry point


def seed_demo(
    *,
    stdout: TextIO | None = None,
    citizens: int = DEFAULT_CITIZENS,
    enterprises: int = DEFAULT_ENTERPRISES,
    cases: int = DEFAULT_CASES,
) -> dict[str, int]:
    """Seed the demo province (see the module docstring for what it guarantees); adds only
    what is missing, so running it again changes nothing. Prints progress, the URL and the
    demo logins."""
    out = _Out(stdout)
    password_hash = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo account
    counts = seed_base(stdout=out.stdout, password_hash=password_hash)
    world = generate_world(citizens=citizens, enterprises=enterprises)
    with transaction.atomic():
        counts.update(_write_registries(world, password_hash))
        counts["licences_added"] = _write_licences(world)
    out(
        f"registries: {PopulationRecord.objects.count()} people, "
        f"{LegalEntityRecord.objects.count()} enterprises, {ELicence.objects.count()} e-licences; "
        f"{counts['users_added']} accounts added"
    )
    reached = seed_cases(world, count=cases)
    counts["cases_added"] = sum(reached.values())
    from onetrip.cases.models import Case

    by_state = Counter(Case.objects.values_list("state", flat=True))
    out(
        f"cases: {counts['cases_added']} added; by state: "
        + ", ".join(f"{state}={n}" for state, n in sorted(by_state.items()))
    )
    from onetrip.core.seeding.data_platform import seed_data_platform

    counts.update(seed_data_platform(world, say=out))
    counts["notifications_sent"] = _deliver_outbox_quietly()
    write_logins(out.stdout)
    return counts


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def write_logins(stdout: TextIO) -> None:
    """The URL and the table of featured demo logins."""
    logins = demo_logins()
    headers = ("角色 Role", "用户名 Username", "说明 Note")
    rows = [(x.label, x.username, x.note) for x in logins]
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(3)]
    stdout.write(f"\nonetrip demo province: {SITE_URL}\n")
    stdout.write(f"Password for every demo login: {DEMO_PASSWORD}\n\n")
    for row in [headers, tuple("-" * w for w in widths), *rows]:
        stdout.write(
            "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
    stdout.write(
        "\nEvery citizen logs in with the resident ID, every enterprise with its credit code, "
        "staff as <region>-<department>-<role> (e.g. yh-mz-approver); all with the password "
        "above.\n"
    )
    from onetrip.core.seeding.data_platform import write_api_clients

    write_api_clients(stdout)
