"""Writing tables as real exports look: CSV (`;`, chosen encoding, decimal comma) or XLSX (typed cells).

Values arrive in canonical form (days as int, numbers as float, codes as str); the writer formats them per the
exchange-format field type. XLSX output is made byte-reproducible (fixed document dates, fixed zip timestamps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from openpyxl import Workbook

from demo_generator.reference import REPO_ROOT
from demo_generator.timeaxis import DateStrings, month_string, to_date

SCHEMAS = REPO_ROOT / "exchange_format" / "schemas"
FIXED_TIME = dt.datetime(2025, 1, 1, 0, 0, 0)


#: Alternative layouts of the exchange format that a tool exports instead of ours: residence as postal code + town
#: name (resolved to the INSEE code by the loader), QPV as an oui/non flag. Always last in the generator's rows,
#: wherever the published schema lists them (rows are positional); a source's style says whether it exports them.
EXTRA_FIELDS = {"participants": ("code_postal_residence", "commune_residence_libelle", "resident_qpv")}


@cache
def field_types(table: str) -> dict[str, str]:
    schema = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    types = {name: "string" for name in EXTRA_FIELDS.get(table, ())}
    return types | {f["name"]: f["type"] for f in schema["fields"]}


@cache
def required_fields(table: str) -> frozenset[str]:
    schema = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    return frozenset(f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required"))


@cache
def field_names(table: str) -> list[str]:
    """The fields of the generator's rows of ``table``: the schema's (its order), then EXTRA_FIELDS."""
    schema = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    extra = EXTRA_FIELDS.get(table, ())
    return [f["name"] for f in schema["fields"] if f["name"] not in extra] + list(extra)


def decimal_comma(value: float, group: bool = False) -> str:
    if value is None or value == "":
        return ""
    text = f"{value:,.2f}" if group else f"{value:.2f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(",", " ").replace(".", ",")


class TextFormatter:
    """Canonical values -> export strings, per field type."""

    def __init__(self, dates: DateStrings, group_thousands: bool) -> None:
        self.dates, self.group = dates, group_thousands

    def column(self, ftype: str, field: str) -> Callable[[object], str]:
        """A formatter for one column (chosen once per file, not per value)."""
        if ftype == "date":
            table, first = self.dates.table, self.dates.first
            return lambda v: "" if v is None or v == "" else table[int(v) - first]
        if ftype == "yearmonth":
            return lambda v: "" if v is None or v == "" else month_string(int(v))
        if ftype == "number":
            group = self.group and field == "montant_ht"
            return lambda v: "" if v is None or v == "" else decimal_comma(float(v), group)
        return lambda v: "" if v is None else str(v)

    def __call__(self, ftype: str, field: str, value) -> str:
        if value is None or value == "":
            return ""
        if ftype == "date":
            return self.dates(value)
        if ftype == "yearmonth":
            return month_string(int(value))
        if ftype == "number":
            return decimal_comma(float(value), self.group and field == "montant_ht")
        return str(value)


class CsvWriter:
    def __init__(self, path: Path, encoding: str, headers: list[str], crlf: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.handle = path.open("w", encoding=encoding, newline="", errors="strict")
        self.writer = csv.writer(self.handle, delimiter=";", lineterminator="\r\n" if crlf else "\n")
        self.writer.writerow(headers)
        self.rows = 0

    def write(self, row: list[str]) -> None:
        self.writer.writerow(row)
        self.rows += 1

    def close(self) -> None:
        self.handle.close()


def xlsx_value(ftype: str, value):
    """Typed cell values, as a spreadsheet holds them: real dates, numbers; identifiers stay text."""
    if value is None or value == "":
        return None
    if ftype == "date":
        return dt.datetime.combine(to_date(value), dt.time())
    if ftype == "yearmonth":
        return dt.datetime(int(value) // 12, int(value) % 12 + 1, 1)
    if ftype in ("number",):
        return float(value)
    if ftype == "integer":
        return int(value)
    return str(value)


class XlsxBook:
    """A write-only workbook: one sheet per table, a title row above the header row."""

    def __init__(self, path: Path, title: str) -> None:
        self.path, self.title = path, title
        self.book = Workbook(write_only=True)
        self.book.properties.creator = "demo_generator"
        self.book.properties.created = FIXED_TIME
        self.book.properties.modified = FIXED_TIME
        self.counts: dict[str, int] = {}

    def add_sheet(self, name: str, headers: list[str], types: list[str], rows: Iterable[list]) -> int:
        from openpyxl.cell import WriteOnlyCell

        sheet = self.book.create_sheet(name)
        sheet.append([f"{self.title} - {name}"])
        sheet.append(headers)
        formats = {"date": "DD/MM/YYYY", "yearmonth": "MM/YYYY"}
        count = 0
        for row in rows:
            cells = []
            for ftype, value in zip(types, row, strict=True):
                if ftype in formats and value not in (None, ""):
                    cell = WriteOnlyCell(sheet, value=xlsx_value(ftype, value))
                    cell.number_format = formats[ftype]
                    cells.append(cell)
                else:
                    cells.append(xlsx_value(ftype, value))
            sheet.append(cells)
            count += 1
        self.counts[name] = count
        return count

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        self.book.save(buffer)
        normalise_zip(buffer.getvalue(), self.path)


def normalise_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed timestamps and docProps dates so that the same content gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _fix_core_dates(content)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)


def _fix_core_dates(content: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + stamp + rb"\g<2>", content)
