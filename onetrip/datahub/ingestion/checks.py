"""The per-field quality checks of ingestion, one small checker class per DatasetField.Type in
the `checkers` registry, compiled once per load into a fast per-record function.

Each checker gives two things: `fast(field, context)`, a function from a stripped, non-empty
text to its normalised value (ISO dates, canonical decimals, upper-case IDs) that raises `Bad`
when the value fails; and `reasons(field, value, context)`, the words for a value that failed,
used only for problem rows. Good rows (almost all of them) pay for the fast path alone: a
million records are checked in seconds. The rules and the messages follow
`onetrip.accounts.identifiers` (python-stdnum semantics); those validators cost ~200 µs a
resident ID, so the fast path here computes the same checks from precomputed tables and asks
them only for the words about a number that fails.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from onetrip.core.errors import DomainError
from onetrip.datahub.models import DatasetField
from onetrip.plugins.registry import Registry

T = DatasetField.Type


class Bad(Exception):
    """A value failed its field's check (the fast path's signal; no message)."""


# Raised as a class, so each failure gets a fresh instance (a reused instance would collect
# the tracebacks of every failure).
BAD = Bad


def reason(rule: str, field: str, message: str) -> dict[str, str]:
    return {"rule": rule, "field": field, "message": message}


@dataclass
class CheckContext:
    """What checks look up, loaded once per load: the region codes and the stored keys of
    datasets that fields refer to."""

    region_codes: Callable[[], frozenset[str]]
    reference_keys: Callable[[str], frozenset[str]]
    _cache: dict[str, Any] = field(default_factory=dict)

    def regions(self) -> frozenset[str]:
        if "regions" not in self._cache:
            self._cache["regions"] = self.region_codes()
        return self._cache["regions"]

    def references(self, code: str) -> frozenset[str]:
        key = f"ref:{code}"
        if key not in self._cache:
            self._cache[key] = self.reference_keys(code)
        return self._cache[key]


class Checker:
    """Checks one type of field."""

    key: str

    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        return str

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return []


checkers: Registry[Checker] = Registry("ingestion field checks")


def _label(field: DatasetField) -> str:
    return field.label or field.name


@checkers.register(T.STRING)
class StringChecker(Checker):
    """Any text; its length is checked for every type (max_length)."""


@checkers.register(T.INTEGER)
class IntegerChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        def check(v: str) -> int:
            body = v[1:] if v[0] in "+-" else v
            if body.isascii() and body.isdigit():
                return int(v)
            raise BAD

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [_("%(value)s is not a whole number.") % {"value": value}]


@checkers.register(T.DECIMAL)
class DecimalChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        def check(v: str) -> str:
            if not v.isascii() or "e" in v.lower() or "_" in v:
                raise BAD
            try:
                number = Decimal(v)
            except InvalidOperation:
                raise BAD from None
            if not number.is_finite():
                raise BAD
            return format(number, "f")

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [_("%(value)s is not a decimal number (e.g. 1234.50).") % {"value": value}]


def parse_date(v: str) -> str:
    """YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD -> ISO text; raises Bad."""
    n = len(v)
    if n == 10:
        sep = v[4]
        if sep != v[7] or sep not in "-/":
            raise BAD
        iso = v if sep == "-" else v.replace("/", "-")
    elif n == 8 and v.isdigit():
        iso = f"{v[:4]}-{v[4:6]}-{v[6:]}"
    else:
        raise BAD
    if not (iso[:4].isdigit() and iso[5:7].isdigit() and iso[8:].isdigit()):
        raise BAD
    try:
        dt.date.fromisoformat(iso)
    except ValueError:
        raise BAD from None
    return iso


@checkers.register(T.DATE)
class DateChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        return parse_date

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [
            _("%(value)s is not a date (write YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD).")
            % {"value": value}
        ]


@checkers.register(T.DATETIME)
class DateTimeChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        def check(v: str) -> str:
            if len(v) < 16:
                raise BAD
            date = parse_date(v[:10])
            rest = v[10:]
            if rest[0] not in " T":
                raise BAD
            try:
                return dt.datetime.fromisoformat(f"{date}T{rest[1:]}").isoformat()
            except ValueError:
                raise BAD from None

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [
            _("%(value)s is not a date and time (write YYYY-MM-DD HH:MM:SS).") % {"value": value}
        ]


BOOLEANS = {
    **dict.fromkeys(("1", "true", "t", "yes", "y", "是", "√"), True),
    **dict.fromkeys(("0", "false", "f", "no", "n", "否", "×"), False),
}


@checkers.register(T.BOOLEAN)
class BooleanChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        def check(v: str) -> bool:
            try:
                return BOOLEANS[v.lower()]
            except KeyError:
                raise BAD from None

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [
            _("%(value)s is not yes or no (write 1/0, true/false or 是/否).") % {"value": value}
        ]


@checkers.register(T.ENUM)
class EnumChecker(Checker):
    """One of the field's enum values; a value differing only in case is taken as that one."""

    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        allowed = {str(v): str(v) for v in field.enum_values or []}
        folded = {k.lower(): k for k in allowed}

        def check(v: str) -> str:
            found = allowed.get(v) or folded.get(v.lower())
            if found is None:
                raise BAD
            return found

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [
            _("%(value)s is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(str(v) for v in field.enum_values or [])}
        ]


# --------------------------------------------------------------------- resident ID (GB 11643)


@lru_cache(maxsize=2)
def _birth_dates(today: dt.date) -> frozenset[str]:
    """Every possible birth date in a resident ID, YYYYMMDD from 1880 to `today`."""
    day = dt.date(1880, 1, 1)
    one = dt.timedelta(days=1)
    out = []
    while day <= today:
        out.append(day.strftime("%Y%m%d"))
        day += one
    return frozenset(out)


_area_cache: dict[str, bool] = {}


def _area_in_use(number: str) -> bool:
    """Whether the ID's area code existed in its birth year (python-stdnum's numdb), cached by
    area and year: a province has a few thousand such pairs, a file a million IDs."""
    key = number[:10]
    known = _area_cache.get(key)
    if known is None:
        from stdnum.cn import ric

        try:
            ric.get_birth_place(number)
            known = True
        except Exception:  # InvalidComponent; KeyError for areas numdb lists without a county
            known = False
        _area_cache[key] = known
    return known


_RIC_CHECK = "10X98765432"


def resident_id_checker(today: dt.date | None = None) -> Callable[[str], str]:
    """The same verdict as `accounts.identifiers.validate_resident_id`, in about a
    microsecond: length and digits, check digit (ISO 7064 MOD 11-2: the weights are powers of
    2, and 13 ≡ 2 mod 11, so the weighted sum is int(first 17, base 13) × 2), a real birth
    date from 1880 to today, an area code in use in the birth year."""
    dates = _birth_dates(today or dt.date.today())
    areas = _area_cache

    def check(v: str) -> str:
        if len(v) != 18:
            raise BAD
        body = v[:17]
        if not (body.isdigit() and body.isascii()):
            raise BAD
        last = v[17]
        if last == "x":
            v = body + "X"
            last = "X"
        if _RIC_CHECK[2 * int(body, 13) % 11] != last:
            raise BAD
        if v[6:14] not in dates or not (areas.get(v[:10]) or _area_in_use(v)):
            raise BAD
        return v

    return check


def resident_id_fast(v: str) -> str:
    """`resident_id_checker()` for one value (tests and one-off checks)."""
    return resident_id_checker()(v)


@checkers.register(T.RESIDENT_ID)
class ResidentIdChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        return resident_id_checker()

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        from onetrip.accounts.identifiers import validate_resident_id

        try:
            validate_resident_id(value, field=field.name)
        except DomainError as exc:
            return [exc.detail]
        except Exception:  # python-stdnum's KeyError for an area without county data
            return [
                _("The area code %(code)s in this resident ID is not a known administrative area.")
                % {"code": value[:6]}
            ]
        return [_("%(value)s is not a valid resident ID.") % {"value": value}]


# ------------------------------------------------------------------------------- USCC (GB 32100)

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The check is sum(index(c_i) × 3^i) mod 31; 34 ≡ 3 (mod 31), so reading the 17 characters
# backwards as a base-34 number (each mapped to its index as a base-34 digit) gives the sum.
_USCC_DIGITS = str.maketrans(
    {c: "0123456789abcdefghijklmnopqrstu"[i] for i, c in enumerate(_USCC_ALPHABET)}
)
_USCC_SET = frozenset(_USCC_ALPHABET)


def uscc_fast(v: str) -> str:
    """The verdict of python-stdnum's cn.uscc.validate: 18 characters, 8 digits, then
    characters of the code's alphabet, and the check character."""
    if len(v) != 18:
        raise BAD
    v = v.upper()
    if not v[:8].isdigit() or not _USCC_SET.issuperset(v[8:]):
        raise BAD
    total = int(v[:17].translate(_USCC_DIGITS)[::-1], 34)
    if _USCC_ALPHABET[-total % 31] != v[17]:
        raise BAD
    return v


@checkers.register(T.USCC)
class UsccChecker(Checker):
    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        return uscc_fast

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        from onetrip.accounts.identifiers import validate_uscc

        try:
            validate_uscc(value, field=field.name)
        except DomainError as exc:
            return [exc.detail]
        return [_("%(value)s is not a valid unified social credit code.") % {"value": value}]


# ---------------------------------------------------------------------------------- the rest

_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


@checkers.register(T.PHONE)
class PhoneChecker(Checker):
    """A mainland mobile number, 11 digits from 13x to 19x; spaces, dashes and +86 dropped."""

    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        match = _MOBILE.fullmatch

        def check(v: str) -> str:
            found = match(v)
            if found is None:
                found = match(v.replace(" ", "").replace("-", ""))
                if found is None:
                    raise BAD
            return found.group(1)

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [
            _("%(value)s is not a mobile number (11 digits starting 13 to 19).") % {"value": value}
        ]


@checkers.register(T.REGION_CODE)
class RegionCodeChecker(Checker):
    """A code of an administrative area the platform knows (accounts.Region)."""

    def fast(self, field: DatasetField, context: CheckContext) -> Callable[[str], Any]:
        codes = context.regions()

        def check(v: str) -> str:
            if v not in codes:
                raise BAD
            return v

        return check

    def reasons(self, field: DatasetField, value: str, context: CheckContext) -> list[str]:
        return [_("%(value)s is not a known region code.") % {"value": value}]


RULE_OF_TYPE = {
    T.STRING: "text",
    T.INTEGER: "integer",
    T.DECIMAL: "decimal",
    T.DATE: "date",
    T.DATETIME: "datetime",
    T.BOOLEAN: "boolean",
    T.ENUM: "enum",
    T.RESIDENT_ID: "resident_id",
    T.USCC: "uscc",
    T.REGION_CODE: "region_code",
    T.PHONE: "phone",
}


# ------------------------------------------------------------------------------ compilation


@dataclass
class Problem:
    row_number: int
    key: str
    data: dict[str, str]  # the row as read: header -> text
    reasons: list[dict[str, str]]


class RecordChecker:
    """The checks of one load, compiled for the file's columns. `check` takes a batch of
    (row number, values) and returns the good rows (normalised values in column order) and
    the problems; it remembers keys across batches for the duplicate check."""

    def __init__(
        self,
        *,
        fields: list[DatasetField],
        headers: list[str],
        columns: list[str],
        key_field: str,
        context: CheckContext,
        empty_value: Callable[[DatasetField], Any] = lambda f: None,
    ) -> None:
        by_name = {f.name: f for f in fields}
        self.headers = headers
        self.columns = columns
        self.fields = [by_name[c] for c in columns]
        self.key_field = key_field
        self.key_index = columns.index(key_field)
        self.context = context
        self.checkers = [checkers.get(f.type) for f in self.fields]
        for f in self.fields:
            if f.reference:
                context.references(f.reference)  # fail early when the dataset is unknown
        empties = [empty_value(f) for f in self.fields]
        self.functions = [
            self._compile(f, c, empty)
            for f, c, empty in zip(self.fields, self.checkers, empties, strict=True)
        ]
        self.check_row = self._compile_row(empties)
        self.seen: dict[Any, int] = {}

    def _compile_row(self, empties: list[Any]) -> Callable[[list[str]], list[Any]]:
        """One function checking a whole row, written for this file's columns: the fields'
        checks inlined, so a good row costs one call plus the type checks themselves (a
        closure per value would double the time of a million rows). The generated source
        holds only column numbers and length limits; values come in through its namespace."""
        namespace: dict[str, Any] = {"Bad": Bad}
        names = [f"v{i}" for i in range(len(self.fields))]
        lines = ["def check_row(values):", f"    {', '.join(names)}, = values"]
        for i, (f, checker) in enumerate(zip(self.fields, self.checkers, strict=True)):
            fast = checker.fast(f, self.context)
            limit = int(f.max_length or 0)
            refs = self.context.references(f.reference) if f.reference else None
            namespace.update({f"fast{i}": fast, f"empty{i}": empties[i], f"refs{i}": refs})
            body = []
            if limit:
                body.append(f"if len(v{i}) > {limit}: raise Bad")
            if fast is not str:
                body.append(f"v{i} = fast{i}(v{i})")
            if refs is not None:
                body.append(f"if str(v{i}) not in refs{i}: raise Bad")
            lines.append(f"    v{i} = v{i}.strip()")
            lines.append(f"    if v{i}:")
            lines += [f"        {line}" for line in body or ["pass"]]
            lines.append("    else:")
            required = f.required or f.name == self.key_field
            lines.append("        raise Bad" if required else f"        v{i} = empty{i}")
        lines.append(f"    return [{', '.join(names)}]")
        exec(compile("\n".join(lines), "<ingestion checks>", "exec"), namespace)  # noqa: S102
        return namespace["check_row"]

    def _compile(self, f: DatasetField, checker: Checker, empty: Any) -> Callable[[str], Any]:
        fast = checker.fast(f, self.context)
        required = f.required or f.name == self.key_field
        limit = f.max_length or 0
        refs = self.context.references(f.reference) if f.reference else None
        # One value's check, for the problem rows (the good path uses `check_row`).
        if not limit and refs is None:

            def check(value: str) -> Any:
                v = value.strip()
                if not v:
                    if required:
                        raise BAD
                    return empty
                return fast(v)

        else:

            def check(value: str) -> Any:
                v = value.strip()
                if not v:
                    if required:
                        raise BAD
                    return empty
                if limit and len(v) > limit:
                    raise BAD
                out = fast(v)
                if refs is not None and str(out) not in refs:
                    raise BAD
                return out

        return check

    def _explain(self, f: DatasetField, checker: Checker, value: str) -> list[dict[str, str]]:
        v = value.strip()
        if not v:
            if f.required or f.name == self.key_field:
                return [
                    reason("required", f.name, _("%(field)s is required.") % {"field": _label(f)})
                ]
            return []
        out: list[dict[str, str]] = []
        if f.max_length and len(v) > f.max_length:
            out.append(
                reason(
                    "max_length",
                    f.name,
                    _("%(field)s is longer than %(limit)d characters.")
                    % {"field": _label(f), "limit": f.max_length},
                )
            )
        try:
            normal = checker.fast(f, self.context)(v)
        except Bad:
            rule = RULE_OF_TYPE.get(f.type, f.type)
            for message in checker.reasons(f, v, self.context) or [_("Invalid value.")]:
                out.append(
                    reason(
                        rule,
                        f.name,
                        _("%(field)s: %(reason)s") % {"field": _label(f), "reason": message},
                    )
                )
            return out
        if f.reference and str(normal) not in self.context.references(f.reference):
            out.append(
                reason(
                    "reference",
                    f.name,
                    _("%(field)s: %(value)s is not a key of the dataset %(dataset)s.")
                    % {"field": _label(f), "value": v, "dataset": f.reference},
                )
            )
        return out

    def _raw(self, values: list[str]) -> dict[str, str]:
        raw = dict(zip(self.headers, values, strict=False))
        for i, extra in enumerate(values[len(self.headers) :], start=1):
            raw[_("(extra column %(n)d)") % {"n": i}] = extra
        return raw

    def check(self, rows: list[tuple[int, Any]]) -> tuple[list[list[Any]], list[Problem]]:
        check_row = self.check_row
        width = len(self.functions)
        key_index = self.key_index
        seen = self.seen
        good: list[list[Any]] = []
        problems: list[Problem] = []
        for row_number, values in rows:
            if type(values) is list and len(values) == width:
                try:
                    out = check_row(values)
                except Bad:
                    problems.append(self._problem(row_number, values))
                    continue
                first = seen.setdefault(out[key_index], row_number)
                if first == row_number:
                    good.append(out)
                else:
                    problems.append(self._problem(row_number, values))
            else:
                problems.append(self._problem(row_number, values))
        return good, problems

    def _problem(self, row_number: int, values: Any) -> Problem:
        if not isinstance(values, list):  # the reader's RowProblem
            return Problem(row_number, "", values.raw, [reason(values.rule, "", values.message)])
        if len(values) != len(self.functions):
            key = values[self.key_index].strip() if len(values) > self.key_index else ""
            return Problem(
                row_number,
                key[:64],
                self._raw(values),
                [
                    reason(
                        "row_shape",
                        "",
                        _("The row has %(n)d values; the header has %(m)d columns.")
                        % {"n": len(values), "m": len(self.functions)},
                    )
                ],
            )
        reasons: list[dict[str, str]] = []
        for f, checker, value in zip(self.fields, self.checkers, values, strict=True):
            reasons += self._explain(f, checker, value)
        key_field = self.fields[self.key_index]
        raw_key = values[self.key_index].strip()
        try:
            key = self.functions[self.key_index](values[self.key_index])
        except Bad:
            key = raw_key
        if key and not any(r["field"] == key_field.name for r in reasons):
            first = self.seen.setdefault(key, row_number)
            if first != row_number:
                reasons.append(
                    reason(
                        "duplicate_key",
                        key_field.name,
                        _("%(field)s %(key)s appears more than once: first at row %(row)d.")
                        % {"field": _label(key_field), "key": key, "row": first},
                    )
                )
        return Problem(row_number, str(key)[:64], self._raw(values), reasons)
