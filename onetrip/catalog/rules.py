"""Instant-approval conditions as data: parsed, validated and evaluated without `eval`.

A rule is {"all": [condition, ...]} or {"any": [...]}; a condition is
{"fact": name, "op": operator, "value": literal}. Facts are the ones named in FACTS, computed
from the base registries at submission (see cases.facts)."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

# The facts a rule may name, with the Python type of their value.
FACTS: dict[str, type] = {
    "age": int,
    "sex": str,
    "marital_status": str,
    "household_region": str,
    "household_in_region": bool,
    "has_open_case_same_item": bool,
    "has_valid_licence_same_type": bool,
    "entity_status": str,
    "entity_type": str,
    "entity_years": int,
    "entity_in_region": bool,
}

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}
_ORDERED = {">", ">=", "<", "<="}


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Any

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if self.fact not in facts or facts[self.fact] is None:
            return False  # an unknown fact never approves anything
        return OPERATORS[self.op](facts[self.fact], self.value)

    def describe(self) -> str:
        return f"{self.fact} {self.op} {self.value!r}"


@dataclass(frozen=True)
class Conditions:
    mode: str  # "all" or "any"
    items: tuple[Condition, ...]

    def holds(self, facts: Mapping[str, Any]) -> bool:
        results = (c.holds(facts) for c in self.items)
        return all(results) if self.mode == "all" else any(results)


def parse_conditions(data: Any) -> Conditions:
    """Check a rule's JSON and return it parsed; ValueError says what is wrong and where."""
    if not isinstance(data, dict) or len(data) != 1 or next(iter(data)) not in ("all", "any"):
        raise ValueError('A rule is an object with one key, "all" or "any", holding a list.')
    mode, raw = next(iter(data.items()))
    if not isinstance(raw, list) or not raw:
        raise ValueError(f'"{mode}" must hold a non-empty list of conditions.')
    items = []
    for index, cond in enumerate(raw, start=1):
        where = f"condition {index}"
        if not isinstance(cond, dict) or set(cond) != {"fact", "op", "value"}:
            raise ValueError(f'{where}: needs exactly the keys "fact", "op" and "value".')
        fact, op, value = cond["fact"], cond["op"], cond["value"]
        if fact not in FACTS:
            raise ValueError(f"{where}: unknown fact {fact!r}; known: {', '.join(sorted(FACTS))}.")
        if op not in OPERATORS:
            raise ValueError(f"{where}: unknown operator {op!r}; known: {', '.join(OPERATORS)}.")
        expected = FACTS[fact]
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not all(_is_type(v, expected) for v in value):
                raise ValueError(f"{where}: {op!r} needs a list of {expected.__name__} values.")
        else:
            if not _is_type(value, expected):
                raise ValueError(f"{where}: {fact!r} is compared with a {expected.__name__}.")
            if op in _ORDERED and expected is bool:
                raise ValueError(f"{where}: {op!r} cannot compare a yes/no fact.")
        items.append(Condition(fact, op, value))
    return Conditions(mode, tuple(items))


def _is_type(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def first_rule_that_holds(rules: list[Any], facts: Mapping[str, Any]) -> Any | None:
    """The first active rule whose conditions hold on `facts`, or None."""
    for rule in rules:
        if rule.is_active and parse_conditions(rule.conditions).holds(facts):
            return rule
    return None


_CODE = re.compile(r"^(XK|QR|CJ|JF|JL|BA|QT|GG)\d{8}$")
STEP_NAMES = ("review", "approval")


def check_item_code(code: str, item_type: str) -> None:
    """A basic code is the 2-letter type, a 5-digit main item and a 3-digit sub-item."""
    if not _CODE.match(code or ""):
        raise ValidationError(
            {"code": "An item code is 2 type letters and 8 digits, e.g. XK00123001."}
        )
    if code[:2] != item_type:
        raise ValidationError(
            {"code": f"The code starts with {code[:2]} but the type is {item_type}."}
        )


def check_processing_steps(steps: Any) -> None:
    if not isinstance(steps, list) or any(s not in STEP_NAMES for s in steps):
        raise ValidationError(
            {"processing_steps": f"A list of steps from: {', '.join(STEP_NAMES)}."}
        )


def check_registry_field(path: str) -> None:
    from onetrip.datahub.prefill import prefill_sources

    source, _, field = (path or "").partition(".")
    if source not in prefill_sources or field not in prefill_sources.get(source).fields:
        raise ValidationError({"registry_field": f"No registry field {path!r}."})
