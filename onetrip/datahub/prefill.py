"""Prefill sources: one class per base registry, behind one registry of plug-ins.

Each source says which fields it holds and fetches them for one subject. Sources only read;
the audited sharing call around every read is `datahub.services.share_fields`, so a new source
can never skip the audit."""

from typing import Any, ClassVar

from onetrip.plugins.registry import Registry


class PrefillSource:
    """Interface of a prefill source."""

    key: ClassVar[str]
    subject_kind: ClassVar[str]  # "citizen" or "enterprise"
    fields: ClassVar[dict[str, str]]  # field name -> label shown in forms

    def fetch(self, subject_key: str, fields: list[str]) -> dict[str, Any] | None:
        """The values of `fields` for the subject, or None when the registry has no record."""
        raise NotImplementedError


prefill_sources: Registry[PrefillSource] = Registry("prefill sources")


def _values(record: Any, fields: list[str], converters: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in fields:
        if name in ("household_region", "region"):  # the region code, without loading the row
            out[name] = getattr(record, f"{name}_id")
            continue
        out[name] = (
            converters[name](getattr(record, name)) if name in converters else getattr(record, name)
        )
    return out


@prefill_sources.register("population")
class PopulationSource(PrefillSource):
    subject_kind = "citizen"
    fields = {
        "name": "姓名",
        "resident_id": "公民身份号码",
        "sex": "性别",
        "birth_date": "出生日期",
        "ethnicity": "民族",
        "household_address": "户籍地址",
        "household_region": "户籍地区划",
        "marital_status": "婚姻状况",
        "phone": "联系电话",
        "education": "文化程度",
    }

    def fetch(self, subject_key: str, fields: list[str]) -> dict[str, Any] | None:
        from onetrip.datahub.models import PopulationRecord

        record = PopulationRecord.objects.filter(resident_id=subject_key).first()
        if record is None:
            return None
        return _values(
            record,
            fields,
            {"birth_date": lambda d: d.isoformat()},
        )


@prefill_sources.register("legal_entity")
class LegalEntitySource(PrefillSource):
    subject_kind = "enterprise"
    fields = {
        "name": "名称",
        "uscc": "统一社会信用代码",
        "entity_type": "类型",
        "legal_representative": "法定代表人",
        "registered_address": "住所",
        "region": "登记地区划",
        "status": "登记状态",
        "business_scope": "经营范围",
        "established_on": "成立日期",
        "registered_capital": "注册资本",
    }

    def fetch(self, subject_key: str, fields: list[str]) -> dict[str, Any] | None:
        from onetrip.datahub.models import LegalEntityRecord

        record = LegalEntityRecord.objects.filter(uscc=subject_key).first()
        if record is None:
            return None
        return _values(
            record,
            fields,
            {
                "established_on": lambda d: d.isoformat() if d else None,
                "registered_capital": lambda v: str(v) if v is not None else None,
            },
        )
