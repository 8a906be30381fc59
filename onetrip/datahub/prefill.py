"""Prefill sources: the base registries a case form can be filled from, behind one registry
of plug-ins, each saying which fields it offers (with the label forms show).

Sources hold no read of their own: every read is a sharing call through
`datahub.services.share_fields` → `sharing.share_read` on the dataset of the same code, so a
new source can never skip the grant check or the audit."""

from typing import ClassVar

from onetrip.datahub.base_registries import field_labels
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
    fields = field_labels("population")


@prefill_sources.register("legal_entity")
class LegalEntitySource(PrefillSource):
    subject_kind = "enterprise"
    fields = field_labels("legal_entity")
