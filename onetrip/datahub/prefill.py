"""Prefill sources: the base registries a case form can be filled from, behind one registry
of plug-ins, each saying which fields it offers (with the label forms show).

Sources hold no read of their own: every read is a sharing call through
`datahub.services.share_fields` → `sharing.share_read` on the dataset of the same code, so a
new source can never skip the grant check or the audit."""

from typing import ClassVar

from onetrip.plugins.registry import Registry


class PrefillSource:
    """Interface of a prefill source."""

    key: ClassVar[str]
    subject_kind: ClassVar[str]  # "citizen" or "enterprise"
    fields: ClassVar[dict[str, str]]  # field name -> label shown in forms


prefill_sources: Registry[PrefillSource] = Registry("prefill sources")


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
