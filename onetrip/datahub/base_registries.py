"""The core's base registries as datasets of the resource catalog: who owns each, and the
schema ingestion checks and sharing grades. The records live in the core's typed tables
(PopulationRecord, LegalEntityRecord, ELicence); these specs describe them."""

from typing import Any

from onetrip.datahub.models import Dataset, DatasetField, Grade

F = DatasetField.Type
M = DatasetField.Masking

# Owner departments at province level: (kind, abbr, name). Codes follow the catalog loader's
# "<region>-<abbr>" so the demo's departments are the same rows.
OWNERS: dict[str, tuple[str, str, str]] = {
    "public_security": ("public_security", "GA", "浙江省公安厅"),
    "market_regulation": ("market_regulation", "SCJG", "浙江省市场监督管理局"),
    "big_data": ("big_data", "SJ", "浙江省大数据发展管理局"),
}
PROVINCE = "330000"

# The platform's own client for case prefill: its reads are sharing calls like any other.
PREFILL_CLIENT = "一体化政务服务平台·办件预填"


def _f(name: str, label: str, label_en: str, type: str = F.STRING, **kw: Any) -> dict[str, Any]:
    return {"name": name, "label": label, "label_en": label_en, "type": type, **kw}


BASE_DATASETS: list[dict[str, Any]] = [
    {
        "code": "population",
        "name": "人口基础信息",
        "name_en": "Population registry",
        "description": "全省户籍人口基础信息（人口库）。",
        "owner": "public_security",
        "storage": Dataset.Storage.POPULATION,
        "key_field": "resident_id",
        "subject_kind": Dataset.SubjectKind.CITIZEN,
        "subject_field": "resident_id",
        "update_frequency": Dataset.Frequency.DAILY,
        "sharing_class": Dataset.SharingClass.CONDITIONAL,
        "opening_class": Dataset.OpeningClass.NOT_OPEN,
        "fields": [
            _f(
                "resident_id",
                "公民身份号码",
                "Resident ID",
                F.RESIDENT_ID,
                required=True,
                grade=Grade.L3,
                masking=M.RESIDENT_ID,
            ),
            _f(
                "name", "姓名", "Name", required=True, max_length=64, grade=Grade.L2, masking=M.NAME
            ),
            _f("sex", "性别", "Sex", F.ENUM, required=True, enum_values=["M", "F"], grade=Grade.L2),
            _f("birth_date", "出生日期", "Date of birth", F.DATE, required=True, grade=Grade.L2),
            _f("ethnicity", "民族", "Ethnicity", max_length=16, grade=Grade.L2),
            _f(
                "household_address",
                "户籍地址",
                "Household address",
                required=True,
                max_length=200,
                grade=Grade.L3,
            ),
            _f(
                "household_region",
                "户籍地区划",
                "Household region",
                F.REGION_CODE,
                required=True,
                grade=Grade.L2,
            ),
            _f(
                "marital_status",
                "婚姻状况",
                "Marital status",
                F.ENUM,
                required=True,
                enum_values=["unmarried", "married", "divorced", "widowed"],
                grade=Grade.L3,
            ),
            _f("phone", "联系电话", "Mobile number", F.PHONE, grade=Grade.L3, masking=M.PHONE),
            _f("education", "文化程度", "Education", max_length=32, grade=Grade.L2),
        ],
    },
    {
        "code": "legal_entity",
        "name": "法人基础信息",
        "name_en": "Legal-entity registry",
        "description": "全省市场主体及其他法人登记信息（法人库）。",
        "owner": "market_regulation",
        "storage": Dataset.Storage.LEGAL_ENTITY,
        "key_field": "uscc",
        "subject_kind": Dataset.SubjectKind.ENTERPRISE,
        "subject_field": "uscc",
        "update_frequency": Dataset.Frequency.DAILY,
        "sharing_class": Dataset.SharingClass.UNCONDITIONAL,
        "opening_class": Dataset.OpeningClass.CONDITIONAL,
        "fields": [
            _f("uscc", "统一社会信用代码", "USCC", F.USCC, required=True, grade=Grade.L1),
            _f("name", "名称", "Name", required=True, max_length=200, grade=Grade.L1),
            _f("entity_type", "类型", "Entity type", required=True, max_length=64, grade=Grade.L1),
            _f(
                "legal_representative",
                "法定代表人",
                "Legal representative",
                required=True,
                max_length=64,
                grade=Grade.L1,
            ),
            _f(
                "legal_representative_id",
                "法定代表人身份号码",
                "Representative's resident ID",
                F.RESIDENT_ID,
                grade=Grade.L3,
                masking=M.RESIDENT_ID,
            ),
            _f(
                "registered_address",
                "住所",
                "Registered address",
                required=True,
                max_length=200,
                grade=Grade.L1,
            ),
            _f("region", "登记地区划", "Region", F.REGION_CODE, required=True, grade=Grade.L1),
            _f(
                "status",
                "登记状态",
                "Status",
                F.ENUM,
                required=True,
                enum_values=["active", "revoked", "deregistered"],
                grade=Grade.L1,
            ),
            _f("business_scope", "经营范围", "Business scope", grade=Grade.L1),
            _f("established_on", "成立日期", "Established on", F.DATE, grade=Grade.L1),
            _f(
                "registered_capital",
                "注册资本（万元）",
                "Registered capital",
                F.DECIMAL,
                grade=Grade.L2,
            ),
        ],
    },
    {
        "code": "elicence",
        "name": "电子证照",
        "name_en": "E-licence store",
        "description": "办件产生的电子证照（证照库），由办件签发，不经归集。",
        "owner": "big_data",
        "storage": Dataset.Storage.ELICENCE,
        "key_field": "number",
        "subject_kind": Dataset.SubjectKind.CITIZEN,
        "subject_field": "holder_id_number",
        "update_frequency": Dataset.Frequency.REALTIME,
        "sharing_class": Dataset.SharingClass.CONDITIONAL,
        "opening_class": Dataset.OpeningClass.NOT_OPEN,
        "fields": [
            _f("number", "证照编号", "Licence number", required=True, grade=Grade.L2),
            _f("licence_type", "证照类型", "Licence type", required=True, grade=Grade.L1),
            _f(
                "holder_id_number",
                "持证主体代码",
                "Holder's ID or USCC",
                required=True,
                grade=Grade.L3,
                masking=M.RESIDENT_ID,
            ),
            _f("holder_name", "持证主体", "Holder", required=True, grade=Grade.L2, masking=M.NAME),
            _f("issuer", "发证机关", "Issuer", required=True, grade=Grade.L1),
            _f("issued_on", "发证日期", "Issued on", F.DATE, required=True, grade=Grade.L1),
            _f("valid_until", "有效期至", "Valid until", F.DATE, grade=Grade.L1),
            _f(
                "trust_level",
                "可信等级",
                "Trust level",
                F.ENUM,
                enum_values=["A", "B", "C", "D"],
                grade=Grade.L1,
            ),
            _f(
                "status", "状态", "Status", F.ENUM, enum_values=["valid", "revoked"], grade=Grade.L1
            ),
        ],
    },
]


def _spec_fields(code: str) -> list[dict[str, Any]]:
    return next(d for d in BASE_DATASETS if d["code"] == code)["fields"]


def field_names(code: str) -> tuple[str, ...]:
    """The fields of a base registry, in catalog order (its record store reads these)."""
    return tuple(f["name"] for f in _spec_fields(code))


def field_labels(code: str) -> dict[str, str]:
    """Field name -> label of a base registry (what prefilled forms show)."""
    return {f["name"]: f["label"] for f in _spec_fields(code)}


def fields_of_type(code: str, type: str) -> frozenset[str]:
    """The fields of a base registry with this DatasetField type."""
    return frozenset(f["name"] for f in _spec_fields(code) if f["type"] == type)
