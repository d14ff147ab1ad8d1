"""Reading generated exports the way a loader would: declared encoding/separator, mapping YAML, XLSX sheets."""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import json
from pathlib import Path

import yaml
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "exchange_format" / "schemas"
MAPPINGS = ROOT / "exchange_format" / "mappings"


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


def read_canonical(out: Path, entry: dict) -> tuple[str, list[dict[str, str]]]:
    """(table, rows keyed by exchange-format field) through the source's mapping."""
    source_mapping = mapping(entry["source"])
    table = table_of(entry, source_mapping)
    header, rows = read_rows(out, entry)
    if source_mapping is None:
        names = header
    else:
        columns = source_mapping["tables"][table]["columns"]
        names = [columns[h] for h in header]
    return table, [dict(zip(names, r, strict=True)) for r in rows]


def load_sources(out: Path) -> dict[str, dict[str, list[dict[str, str]]]]:
    """source -> table -> rows (all files of a table concatenated)."""
    data: dict[str, dict[str, list[dict[str, str]]]] = {}
    for entry in manifest(out)["files"]:
        if entry["table"] == "decp":
            continue
        table, rows = read_canonical(out, entry)
        data.setdefault(entry["source"], {}).setdefault(table, []).extend(rows)
    return data
