"""Reading generated exports the way a loader would: declared encoding/separator, mapping YAML, XLSX sheets."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import json
import re
from functools import cache
from pathlib import Path

import yaml
from openpyxl import load_workbook

from demo_generator.vocabulary import FRENCH_MONTHS
from demo_generator.writers import EXTRA_FIELDS
from dlt_sources.suivi_clauses.exchange_format import exchange_tables
from dlt_sources.suivi_clauses.mapping import load_mapping
from dlt_sources.suivi_clauses.vocabulary import UnknownLabel, Vocabulary, build_vocabulary, label_key

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "exchange_format" / "schemas"
MAPPINGS = ROOT / "demo_data" / "mappings"


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def schema_fields(table: str) -> dict[str, dict]:
    schema = json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))
    return {f["name"]: f for f in schema["fields"]}


def mapping(source: str) -> dict | None:
    path = MAPPINGS / f"{source}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def table_of(entry: dict, source_mapping: dict | None) -> str:
    """Which exchange-format table a file holds, found as the loader will (mapping patterns or file name)."""
    name = Path(entry["path"]).name.lower()
    if source_mapping is None:
        hits = [t for t in schema_tables() if t in name]
        assert len(hits) == 1, (name, hits)
        return hits[0]
    hits = [
        t
        for t, spec in source_mapping["tables"].items()
        if any(fnmatch.fnmatch(name, p.lower()) for p in spec["files"])
        and (entry.get("sheet") is None or spec.get("sheet") == entry["sheet"])
    ]
    assert len(hits) == 1, (name, hits)
    return hits[0]


def all_fields(table: str) -> set[str]:
    """The schema's fields and those of the extended mapping format (mapping_spec.md)."""
    return set(schema_fields(table)) | set(EXTRA_FIELDS.get(table, ()))


@cache
def vocabularies(source: str, table: str) -> dict[str, Vocabulary]:
    """The loader's own vocabularies of a source's table (mapping ``values`` over codes, seed labels, universal
    spellings); without a mapping, what the loader recognises with no entry."""
    for table_mapping in load_mapping(source, MAPPINGS).tables:
        if table_mapping.table == table:
            return dict(table_mapping.vocabularies)
    out = {}
    for exchange_field in exchange_tables()[table].fields:
        vocabulary = build_vocabulary(exchange_field)
        if vocabulary is not None:
            out[exchange_field.name] = vocabulary
    return out


def coded_fields(table: str) -> set[str]:
    return set(vocabularies("(no mapping)", table))


@cache
def recognised_without_mapping(table: str, field: str) -> dict[str, str | None]:
    """label_key -> code, for what the loader reads in ``field`` with no mapping entry."""
    return dict(vocabularies("(no mapping)", table)[field].labels)


class ValueReader:
    """Translates a source's labels to codes with the loader's vocabularies. Unknown labels become "" (the known
    labels of a multi-valued cell are kept) and are collected in ``issues`` as (field, label)."""

    def __init__(self, source: str, table: str) -> None:
        self.table, self.vocabularies = table, vocabularies(source, table)
        self.issues: list[tuple[str, str]] = []

    def one(self, field: str, label: str) -> str | None:
        """The code of one label ("" for a label meaning unknown), None when the vocabulary does not know it."""
        labels = self.vocabularies[field].labels
        key = label_key(label)
        if key not in labels:
            return None
        return labels[key] or ""

    def __call__(self, field: str, text: str) -> str:
        if not text.strip():
            return ""
        try:
            return self.vocabularies[field].translate(text) or ""
        except UnknownLabel as unknown:
            self.issues += [(field, label) for label in unknown.labels]
            return unknown.kept or ""


FRENCH_MONTH_NUMBERS = {label_key(m): i + 1 for i, m in enumerate(FRENCH_MONTHS)}


def month_column(header: str, fmt: str) -> str | None:
    """ "janv. 2024" -> "01/2024" for the generator's wide sheets (format "%b %Y"); None for other headers."""
    assert fmt == "%b %Y", fmt
    parts = header.rsplit(" ", 1)
    if len(parts) != 2 or not parts[1].isdigit() or label_key(parts[0]) not in FRENCH_MONTH_NUMBERS:
        return None
    return f"{FRENCH_MONTH_NUMBERS[label_key(parts[0])]:02d}/{parts[1]}"


def hours_text(text: str) -> str:
    """Hours as a decimal-comma number: "151h40" and "151:40" become "151,666...", others unchanged."""
    match = re.fullmatch(r"\s*(\d+)\s*[h:]\s*(\d{2})?\s*", text)
    if not match:
        return text
    return str(int(match.group(1)) + int(match.group(2) or 0) / 60).replace(".", ",")


def schema_tables() -> list[str]:
    return sorted(p.stem for p in SCHEMAS.glob("*.json"))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return (f"{value:.2f}".rstrip("0").rstrip(".")).replace(".", ",")
    return str(value)


def read_rows(out: Path, entry: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows) as text, using the encoding and separator the manifest declares."""
    path = out / entry["path"]
    if entry["format"] == "xlsx":
        book = load_workbook(path, read_only=True)
        sheet = book[entry["sheet"]]
        rows = list(sheet.iter_rows(values_only=True))
        book.close()
        header = [str(h) for h in rows[entry["header_row"] - 1] if h is not None]
        body = []
        mois_col = None
        for i, h in enumerate(header):
            if h in ("Mois",):
                mois_col = i
        for r in rows[entry["header_row"] :]:
            r = tuple(r) + (None,) * (len(header) - len(r))  # read-only mode trims trailing empty cells
            texts = [_cell_text(v) for v in r]
            if mois_col is not None and isinstance(r[mois_col], dt.datetime):
                texts[mois_col] = r[mois_col].strftime("%m/%Y")
            body.append(texts)
        return header, body
    with path.open(encoding=entry["encoding"], newline="") as handle:
        reader = csv.reader(handle, delimiter=entry["separator"])
        header = next(reader)
        return header, list(reader)


def read_canonical(
    out: Path, entry: dict, issues: list[tuple[str, str]] | None = None, translate: bool = True
) -> tuple[str, list[dict[str, str]]]:
    """(table, rows keyed by exchange-format field) through the source's mapping: headers renamed, wide hours
    sheets melted to (id_contrat, mois, heures), labels translated to codes (``translate``); unknown labels are
    appended to ``issues`` as (field, label)."""
    source_mapping = mapping(entry["source"])
    table = table_of(entry, source_mapping)
    header, rows = read_rows(out, entry)
    table_mapping = source_mapping["tables"][table] if source_mapping else {}
    columns = table_mapping.get("columns", {h: h for h in header})
    wide = table_mapping.get("months_as_columns")
    if wide:
        months = {i: month_column(h, wide["format"]) for i, h in enumerate(header)}
        ignored = set(wide.get("ignore", ()))
        assert all(months[i] or h in columns or h in ignored for i, h in enumerate(header)), header
        key = next(i for i, h in enumerate(header) if columns.get(h) == "id_contrat")
        melted = [
            {"id_contrat": r[key], "mois": months[i], "heures": r[i]}
            for r in rows
            for i in range(len(header))
            if months[i] and r[i].strip()
        ]
        records = melted
    else:
        names = [columns[h] for h in header]
        records = [dict(zip(names, r, strict=True)) for r in rows]
    if table == "heures":
        for r in records:
            r["heures"] = hours_text(r["heures"])
    if translate:
        reader = ValueReader(entry["source"], table)
        fields = [f for f in (records[0] if records else {}) if f in coded_fields(table)]
        for r in records:
            for f in fields:
                r[f] = reader(f, r[f])
        if issues is not None:
            issues += reader.issues
    return table, records


def load_sources(out: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """source -> table -> rows (all files of a table concatenated)."""
    data: dict[str, dict[str, list[dict[str, str]]]] = {}
    for entry in manifest(out)["files"]:
        if entry["table"] == "decp":
            continue
        table, rows = read_canonical(out, entry)
        data.setdefault(entry["source"], {}).setdefault(table, []).extend(rows)
    return data
