"""What a case fetches from the base registries, and the facts rules are evaluated on.

Only the fields the item's materials and rules need are fetched (data minimisation); every
fetch is an audited sharing call whose purpose is the case."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from onetrip.accounts.models import User
from onetrip.catalog.models import ItemImplementation, Material
from onetrip.catalog.rules import parse_conditions
from onetrip.datahub import services as datahub
from onetrip.datahub.models import ELicence

# Which registry fields each fact is computed from.
FACT_SOURCES: dict[str, tuple[str, str]] = {
    "age": ("population", "birth_date"),
    "sex": ("population", "sex"),
    "marital_status": ("population", "marital_status"),
    "household_region": ("population", "household_region"),
    "household_in_region": ("population", "household_region"),
    "entity_status": ("legal_entity", "status"),
    "entity_type": ("legal_entity", "entity_type"),
    "entity_years": ("legal_entity", "established_on"),
    "entity_in_region": ("legal_entity", "region"),
}
SOURCE_FOR_KIND = {User.Kind.CITIZEN: "population", User.Kind.ENTERPRISE: "legal_entity"}


@dataclass
class Prefill:
    """What the registries said about the applicant for one case."""

    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> field -> value
    licences: dict[str, ELicence] = field(default_factory=dict)  # licence type code -> licence
    licence_types_checked: set[str] = field(default_factory=set)
    found: bool = True

    def value(self, path: str) -> Any:
        source, _, name = path.partition(".")
        return (self.values.get(source) or {}).get(name)


def fields_needed(
    implementation: ItemImplementation, materials: list[Material], rules: list[Any]
) -> dict[str, list[str]]:
    """Registry fields needed by the materials and the rules, by source."""
    needed: dict[str, set[str]] = {}
    for material in materials:
        if material.source == Material.Source.REGISTRY:
            source, _, name = material.registry_field.partition(".")
            needed.setdefault(source, set()).add(name)
    for rule in rules:
        for condition in parse_conditions(rule.conditions).items:
            if condition.fact in FACT_SOURCES:
                source, name = FACT_SOURCES[condition.fact]
                needed.setdefault(source, set()).add(name)
    for source in needed:
        needed[source].add("name")
    return {source: sorted(names) for source, names in needed.items()}


def fetch_prefill(
    *,
    actor: User,
    applicant: User,
    implementation: ItemImplementation,
    materials: list[Material],
    rules: list[Any],
    case_number: str,
) -> Prefill:
    """Fetch, as logged sharing calls for `case_number`, the fields and licences the case needs."""
    prefill = Prefill()
    purpose = f"办件 {case_number}: {implementation.item.name}"
    own_source = SOURCE_FOR_KIND.get(applicant.kind)
    for source, names in fields_needed(implementation, materials, rules).items():
        if source != own_source:
            continue  # a citizen has no legal-entity record and vice versa
        values = datahub.share_fields(
            actor=actor,
            source_key=source,
            subject_key=applicant.id_number,
            fields=names,
            purpose=purpose,
            case_number=case_number,
        )
        if values is None:
            prefill.found = False
        else:
            prefill.values[source] = values
    licence_types = [m.licence_type.code for m in materials if m.source == Material.Source.LICENCE]
    if implementation.licence_type_id and any(
        c.fact == "has_valid_licence_same_type"
        for r in rules
        for c in parse_conditions(r.conditions).items
    ):
        licence_types.append(implementation.licence_type.code)
    if licence_types:
        prefill.licence_types_checked = set(licence_types)
        prefill.licences = datahub.find_licences(
            actor=actor,
            holder_id_number=applicant.id_number,
            licence_type_codes=sorted(set(licence_types)),
            purpose=purpose,
            case_number=case_number,
        )
    return prefill


def compute_facts(
    *, prefill: Prefill, implementation: ItemImplementation, on: dt.date, has_open_case: bool
) -> dict[str, Any]:
    """The facts instant-approval rules are evaluated on (see catalog.rules.FACTS)."""
    facts: dict[str, Any] = {"has_open_case_same_item": has_open_case}
    region_prefix = implementation.region.code_prefix
    person = prefill.values.get("population") or {}
    if person.get("birth_date"):
        born = dt.date.fromisoformat(person["birth_date"])
        facts["age"] = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for name in ("sex", "marital_status"):
        if name in person:
            facts[name] = person[name]
    if person.get("household_region"):
        facts["household_region"] = person["household_region"]
        facts["household_in_region"] = person["household_region"].startswith(region_prefix)
    entity = prefill.values.get("legal_entity") or {}
    if "status" in entity:
        facts["entity_status"] = entity["status"]
    if "entity_type" in entity:
        facts["entity_type"] = entity["entity_type"]
    if entity.get("established_on"):
        est = dt.date.fromisoformat(entity["established_on"])
        facts["entity_years"] = on.year - est.year - ((on.month, on.day) < (est.month, est.day))
    if entity.get("region"):
        facts["entity_in_region"] = entity["region"].startswith(region_prefix)
    # Only a fact when the store was asked; never "no licence" for a question not asked.
    if (
        implementation.licence_type_id
        and implementation.licence_type.code in prefill.licence_types_checked
    ):
        facts["has_valid_licence_same_type"] = implementation.licence_type.code in prefill.licences
    return facts
