"""Reading a department's file: CSV (UTF-8 with or without BOM, or GBK/GB18030, detected or
chosen), JSON Lines and Excel .xlsx, one reader per format in the `readers` registry.

A reader opens the file, maps its header (field names or the Chinese labels of the dataset's
fields) to the schema, and hands out the rows as lists of text in column order. Whatever makes
the whole file unusable is refused with one message (`ValidationFailed`, field "file"): a wrong
encoding, unknown or missing columns, a header and nothing else, a damaged workbook. A single
bad row is not the reader's business: it goes to the checks and becomes problem data."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from onetrip.core.errors import UnsupportedMediaType, ValidationFailed
from onetrip.datahub.models import DatasetField
from onetrip.plugins.registry import Registry

# Encodings a user may choose; "gbk" is read as GB18030, its superset.
ENCODINGS = ("auto", "utf-8", "gb18030")
ENCODING_ALIASES = {"utf8": "utf-8", "utf-8-sig": "utf-8", "gbk": "gb18030", "gb2312": "gb18030"}
# Enough of the file to tell UTF-8 from GB18030: government exports put Chinese labels in the
# header and Chinese names in the first rows.
SNIFF_BYTES = 1024 * 1024
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}


def refuse(message: str) -> ValidationFailed:
    """A whole-file refusal: nothing of the file is stored."""
    return ValidationFailed(message, field="file")


def normalise_encoding(encoding: str) -> str:
    value = (encoding or "auto").strip().lower()
    value = ENCODING_ALIASES.get(value, value)
    if value not in ENCODINGS:
        raise ValidationFailed(
            _("Unknown encoding %(encoding)s: choose auto, utf-8 or gb18030.")
            % {"encoding": encoding},
            field="encoding",
        )
    return value


def format_of(file_name: str, head: bytes) -> str:
    """The reader key for a file, from its extension (checked against its first bytes)."""
    suffix = Path(file_name or "").suffix.lower()
    if suffix == ".xls":
        raise UnsupportedMediaType(
            _("Old Excel files (.xls) are not supported: save the sheet as .xlsx or CSV."),
            field="file",
        )
    fmt = EXTENSIONS.get(suffix)
    if fmt is None:
        raise UnsupportedMediaType(
            _("Files of type %(type)s cannot be loaded: use CSV, JSON Lines (.jsonl) or .xlsx.")
            % {"type": suffix or _("(no extension)")},
            field="file",
        )
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        raise refuse(_("This .xlsx file is damaged or is not an Excel workbook."))
    return fmt


@dataclass
class Table:
    """An opened file: its columns mapped to field names, and its rows as text."""

    headers: list[str]  # as written in the file
    columns: list[str]  # the DatasetField name of each header, same order
    encoding: str  # the encoding the file is read with ("" for .xlsx)
    total_estimate: int | None  # rows expected, for progress (None: unknown)
    rows: Iterator[tuple[int, Any]] = field(repr=False)  # (row number, list[str] | RowProblem)
    close: Any = field(default=None, repr=False)


@dataclass
class RowProblem:
    """A row the reader could read but not split into the columns (e.g. a JSON Lines line
    that is not an object). It is problem data with this reason."""

    raw: dict[str, str]
    rule: str
    message: str


class Reader:
    """One file format. `open` maps the header and returns the rows lazily."""

    key: str

    def open(
        self, path: Path, *, encoding: str, fields: list[DatasetField], key_field: str
    ) -> Table:
        raise NotImplementedError


readers: Registry[Reader] = Registry("ingestion file readers")


# ------------------------------------------------------------------------------ header


def header_lookup(fields: list[DatasetField]) -> dict[str, str]:
    """Header text (field name, Chinese label or English label, any case) -> field name."""
    lookup: dict[str, str] = {}
    for f in fields:
        for text in (f.label_en, f.label, f.name):
            if text:
                lookup[text.strip().lower()] = f.name
    return lookup


def map_header(
    headers: list[str], fields: list[DatasetField], *, key_field: str, encoding: str
) -> list[str]:
    """The field name of each header, or a refusal naming what does not fit."""
    lookup = header_lookup(fields)
    by_name = {f.name: f for f in fields}
    columns: list[str] = []
    unknown: list[str] = []
    for i, header in enumerate(headers):
        if not header:
            raise refuse(_("Column %(n)d of the header has no name.") % {"n": i + 1})
        name = lookup.get(header.lower())
        if name is None:
            unknown.append(header)
        columns.append(name or "")
    if unknown and len(unknown) == len(headers):
        shown = ", ".join(headers[:5])
        if encoding:
            raise refuse(
                _(
                    "The header matches no field of this dataset (read as %(encoding)s it says: "
                    "%(header)s). The file may be in another encoding (choose it explicitly) "
                    "or belong to another dataset."
                )
                % {"encoding": encoding.upper(), "header": shown}
            )
        raise refuse(
            _(
                "The header matches no field of this dataset (it says: %(header)s): the file "
                "may belong to another dataset."
            )
            % {"header": shown}
        )
    if unknown:
        raise refuse(
            _("Unknown columns: %(columns)s. This dataset's fields are: %(fields)s.")
            % {
                "columns": ", ".join(unknown),
                "fields": ", ".join(f"{f.label} ({f.name})" for f in fields),
            }
        )
    seen: set[str] = set()
    for header, name in zip(headers, columns, strict=True):
        if name in seen:
            raise refuse(
                _("Two columns are the field %(field)s (one of them is %(header)s).")
                % {"field": name, "header": header}
            )
        seen.add(name)
    missing = [f for f in fields if (f.required or f.name == key_field) and f.name not in seen]
    if missing:
        raise refuse(
            _("Missing required columns: %(columns)s.")
            % {"columns": ", ".join(f"{f.label} ({f.name})" for f in missing)}
        )
    if key_field not in by_name:
        raise refuse(
            _("The dataset's key field %(field)s is not in its schema.") % {"field": key_field}
        )
    return columns


def _clean_header(values: list[Any]) -> list[str]:
    headers = [("" if v is None else str(v)).replace("\ufeff", "").strip() for v in values]
    while headers and not headers[-1]:
        headers.pop()
    return headers


# ------------------------------------------------------------------------------ text files


def detect_encoding(path: Path, chosen: str) -> str:
    """The codec to read a text file with: "utf-8-sig" when it starts with a BOM, "utf-8" or
    "gb18030". `chosen` "auto" detects from the first MiB; an explicit choice is checked
    against it, so a GBK file read as UTF-8 (or the reverse) is refused at once."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"\x00" in head:
        raise refuse(
            _(
                "The file holds NUL bytes: it is not text in UTF-8 or GBK/GB18030 "
                "(perhaps UTF-16, or not a text file at all)."
            )
        )
    if head.startswith(codecs.BOM_UTF8):
        if chosen == "gb18030":
            raise refuse(
                _("The file starts with a UTF-8 byte order mark: it is UTF-8, not GB18030.")
            )
        return "utf-8-sig"
    utf8 = _decodes(head, "utf-8")
    if chosen == "utf-8":
        if not utf8:
            raise refuse(
                _(
                    "The file is not valid UTF-8 text: it may be GBK/GB18030. Choose that "
                    "encoding or automatic detection."
                )
            )
        return "utf-8"
    if chosen == "gb18030":
        if utf8 and not head.isascii():
            raise refuse(
                _("The file is UTF-8 text, not GB18030: choose UTF-8 or automatic detection.")
            )
        if not _decodes(head, "gb18030"):
            raise refuse(_("The file is not valid GBK/GB18030 text."))
        return "gb18030"
    if utf8:
        return "utf-8"
    if _decodes(head, "gb18030"):
        return "gb18030"
    raise refuse(_("The file is neither UTF-8 nor GBK/GB18030 text: it cannot be read."))


def _decodes(head: bytes, encoding: str) -> bool:
    # The sample may end inside a character: an incremental decoder keeps the tail pending.
    try:
        codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _count_lines(path: Path) -> int:
    n = 0
    with open(path, "rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            n += chunk.count(b"\n")
    return n


def _decode_refusal(exc: UnicodeDecodeError, encoding: str, line: int) -> ValidationFailed:
    other = "UTF-8" if encoding == "gb18030" else "GBK/GB18030"
    return refuse(
        _(
            "The file is not valid %(encoding)s text near line %(line)d: it may be in "
            "%(other)s. Nothing was stored."
        )
        % {"encoding": encoding.replace("-sig", "").upper(), "line": line, "other": other}
    )


@readers.register("csv")
class CsvReader(Reader):
    """Comma-separated values with a header row."""

    def open(
        self, path: Path, *, encoding: str, fields: list[DatasetField], key_field: str
    ) -> Table:
        codec = detect_encoding(path, encoding)
        raw = open(path, "rb")  # noqa: SIM115 - closed by Table.close or the row iterator
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader, None)
            first = None
            if header is not None:
                for values in reader:
                    if values and (len(values) > 1 or values[0].strip()):
                        first = (reader.line_num, values)
                        break
        except UnicodeDecodeError as exc:
            raw.close()
            raise _decode_refusal(exc, codec, reader.line_num + 1) from None
        except csv.Error as exc:
            raw.close()
            raise refuse(_("The CSV file cannot be read: %(error)s.") % {"error": exc}) from None
        if header is None:
            raw.close()
            raise refuse(_("The file is empty."))
        headers = _clean_header(header)
        try:
            columns = map_header(
                headers, fields, key_field=key_field, encoding=codec.replace("-sig", "")
            )
        except ValidationFailed:
            raw.close()
            raise
        if first is None:
            raw.close()
            raise refuse(_("The file has a header but no records."))

        def rows() -> Iterator[tuple[int, Any]]:
            try:
                yield first
                for values in reader:
                    if values and (len(values) > 1 or values[0].strip()):
                        yield reader.line_num, values
            except UnicodeDecodeError as exc:
                raise _decode_refusal(exc, codec, reader.line_num + 1) from None
            except csv.Error as exc:
                raise refuse(
                    _("The CSV file cannot be read near line %(line)d: %(error)s.")
                    % {"line": reader.line_num, "error": exc}
                ) from None
            finally:
                raw.close()

        return Table(
            headers=headers,
            columns=columns,
            encoding=codec,
            total_estimate=max(_count_lines(path) - 1, 1),
            rows=rows(),
            close=raw.close,
        )


def _json_text(value: Any) -> str | None:
    """A JSON value as the text a CSV cell would hold; None for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return None


@readers.register("jsonl")
class JsonLinesReader(Reader):
    """One JSON object per line; the first line's keys are the columns."""

    def open(
        self, path: Path, *, encoding: str, fields: list[DatasetField], key_field: str
    ) -> Table:
        codec = detect_encoding(path, encoding)
        raw = open(path, "rb")  # noqa: SIM115 - closed by Table.close or the row iterator
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline=None)
        line_no = 0
        first: Any = None
        try:
            for line in text:
                line_no += 1
                if line.strip():
                    try:
                        first = json.loads(line)
                    except ValueError:
                        first = None
                    break
        except UnicodeDecodeError as exc:
            raw.close()
            raise _decode_refusal(exc, codec, line_no + 1) from None
        if line_no == 0:
            raw.close()
            raise refuse(_("The file is empty."))
        if not isinstance(first, dict) or not first:
            raw.close()
            raise refuse(
                _("This is not a JSON Lines file: line %(line)d is not a JSON object.")
                % {"line": line_no}
            )
        headers = _clean_header(list(first))
        try:
            columns = map_header(
                headers, fields, key_field=key_field, encoding=codec.replace("-sig", "")
            )
        except ValidationFailed:
            raw.close()
            raise
        lookup = header_lookup(fields)
        position = {name: i for i, name in enumerate(columns)}
        first_line = line_no

        def split(obj: Any, line: str) -> Any:
            if not isinstance(obj, dict):
                return RowProblem(
                    {"line": line.strip()}, "format", _("The line is not a JSON object.")
                )
            values = [""] * len(columns)
            raw_text: dict[str, str] = {}
            for key, value in obj.items():
                cell = _json_text(value)
                raw_text[str(key)] = (
                    cell if cell is not None else json.dumps(value, ensure_ascii=False)
                )
                name = lookup.get(str(key).strip().lower())
                if name is None or name not in position:
                    return RowProblem(
                        raw_text
                        | {str(k): str(v) for k, v in obj.items() if str(k) not in raw_text},
                        "row_shape",
                        _("The key %(key)s is not a column of this file (see its first line).")
                        % {"key": key},
                    )
                if cell is None:
                    return RowProblem(
                        {str(k): json.dumps(v, ensure_ascii=False) for k, v in obj.items()},
                        "format",
                        _("The value of %(key)s is a list or an object, not a single value.")
                        % {"key": key},
                    )
                values[position[name]] = cell
            return values

        def rows() -> Iterator[tuple[int, Any]]:
            n = first_line
            try:
                yield n, split(first, "")
                for line in text:
                    n += 1
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                    except ValueError:
                        yield (
                            n,
                            RowProblem(
                                {"line": line.strip()}, "format", _("The line is not valid JSON.")
                            ),
                        )
                        continue
                    yield n, split(obj, line)
            except UnicodeDecodeError as exc:
                raise _decode_refusal(exc, codec, n + 1) from None
            finally:
                raw.close()

        total = _count_lines(path)
        if total <= first_line:
            # One record only: still a load (unlike a header-only CSV).
            total = 1
        return Table(
            headers=headers,
            columns=columns,
            encoding=codec,
            total_estimate=total,
            rows=rows(),
            close=raw.close,
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _damaged() -> ValidationFailed:
    return refuse(
        _("The Excel file is damaged or truncated: it cannot be read. Nothing was stored.")
    )


@readers.register("xlsx")
class XlsxReader(Reader):
    """The first sheet of an Excel workbook, header in its first non-empty row."""

    def open(
        self, path: Path, *, encoding: str, fields: list[DatasetField], key_field: str
    ) -> Table:
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:  # zipfile.BadZipFile, KeyError, XML errors: all mean "damaged"
            raise _damaged() from None
        try:
            sheet = workbook.worksheets[0]
            cells = sheet.iter_rows(values_only=True)
            header: list[str] = []
            row_no = 0
            for values in cells:
                row_no += 1
                header = _clean_header(list(values))
                if header:
                    break
            if not header:
                raise refuse(_("The file is empty."))
            columns = map_header(header, fields, key_field=key_field, encoding="")
            width = len(header)
            first = None
            for values in cells:
                row_no += 1
                texts = [_cell_text(v) for v in values]
                if any(t.strip() for t in texts):
                    first = (row_no, texts)
                    break
            if first is None:
                raise refuse(_("The file has a header but no records."))
            total = (sheet.max_row or 0) - row_no + 1 if sheet.max_row else None
        except ValidationFailed:
            workbook.close()
            raise
        except Exception:
            workbook.close()
            raise _damaged() from None

        def fit(texts: list[str]) -> list[str]:
            # Empty cells past the header are no extra values; real ones make the row too long.
            while len(texts) > width and not texts[-1].strip():
                texts.pop()
            if len(texts) < width:
                texts += [""] * (width - len(texts))
            return texts

        def rows() -> Iterator[tuple[int, Any]]:
            n = first[0]
            try:
                yield n, fit(first[1])
                for values in cells:
                    n += 1
                    texts = [_cell_text(v) for v in values]
                    if any(t.strip() for t in texts):
                        yield n, fit(texts)
            except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError):
                raise _damaged() from None
            except Exception as exc:  # lxml / ElementTree parse errors of a cut sheet
                if type(exc).__name__ in {"ParseError", "XMLSyntaxError"}:
                    raise _damaged() from None
                raise
            finally:
                workbook.close()

        return Table(
            headers=header,
            columns=columns,
            encoding="",
            total_estimate=max(total, 1) if total else None,
            rows=rows(),
            close=workbook.close,
        )
