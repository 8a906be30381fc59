"""Masking (脱敏) of shared values above a grant's grade, by each field's DatasetField.masking
(RULES: resident IDs keep the first 6 and last 4 characters, mobile numbers the first 3 and
last 4, names the family name; anything else is hidden entirely)."""

from collections.abc import Callable, Mapping
from typing import Any

from onetrip.accounts.identifiers import mask_name, mask_resident_id
from onetrip.datahub.models import GRADE_ORDER, DatasetField

M = DatasetField.Masking


def mask_phone(number: str) -> str:
    """Keep the first 3 and last 4 characters: 13812345678 → 138****5678."""
    return number[:3] + "*" * (len(number) - 7) + number[-4:] if len(number) > 7 else "*" * 4


_MASKS: dict[str, Callable[[str], str]] = {
    M.RESIDENT_ID: mask_resident_id,
    M.PHONE: mask_phone,
    M.NAME: mask_name,
}


def mask_value(value: Any, masking: str) -> Any:
    """`value` as shown above the grant's grade. "full" (and any unknown rule) hides it
    entirely: None, so not even its length or type leaks."""
    if value is None or value == "":
        return value
    mask = _MASKS.get(masking)
    return mask(str(value)) if mask is not None else None


def above_grade(field_grade: str, clear_up_to: str) -> bool:
    """Whether a field of `field_grade` is graded above a grant that shows `clear_up_to`."""
    return GRADE_ORDER.get(field_grade, len(GRADE_ORDER)) > GRADE_ORDER.get(clear_up_to, 0)


def mask_record(
    record: dict[str, Any],
    fields: Mapping[str, DatasetField],
    clear_up_to: Mapping[str, str],
) -> tuple[dict[str, Any], list[str]]:
    """The record with every field graded above its clear grade (`clear_up_to`: field name →
    the highest grade shown in clear for it) masked, and the names of the masked fields."""
    out, masked = dict(record), []
    for name, value in record.items():
        field = fields.get(name)
        if field is None or not above_grade(field.grade, clear_up_to.get(name, "")):
            continue
        out[name] = mask_value(value, field.masking)
        masked.append(name)
    return out, masked
