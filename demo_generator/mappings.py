"""Mapping files (demo_data/mappings/<source>.yaml) for the demo sources whose headers are not canonical.

They are the fictional tools' mappings, so they live with the demo data, not in exchange_format/mappings/ (the
production folder, for real tools); the demo points ``OBSERVATOIRE_MAPPINGS_DIR`` here."""

from __future__ import annotations

from pathlib import Path

import yaml

from demo_generator.reference import REPO_ROOT
from demo_generator.sources import FILE_STEMS, SHEETS, SOURCES, STYLES, TABLES, SourceSpec
from demo_generator.vocabulary import VOCABULARIES

MAPPINGS_DIR = REPO_ROOT / "demo_data" / "mappings"


def mapping_for(spec: SourceSpec) -> dict:
    tables = {}
    names = [*TABLES, "engagements_moa"] if spec.engagements else list(TABLES)
    if not spec.tracking:
        names = ["engagements_moa"]
    for table in names:
        columns = STYLES[spec.style].get(table)
        if columns is None:
            continue
        if spec.fmt == "xlsx" and table != "heures":
            entry = {"files": ["*suivi_clauses_92*.xlsx"], "sheet": SHEETS[table]}
        else:
            stem = FILE_STEMS[spec.style][table].replace("{year}", "*")
            entry = {"files": [f"{stem}.csv"]}
        entry["columns"] = {header: field for field, header in columns.items()}
        vocabulary = VOCABULARIES.get(spec.style)
        values, separators = {}, {}
        for field in columns:
            words = vocabulary.get(table, field) if vocabulary else None
            if words is not None:
                values[field] = words.values()
                if words.separator:
                    separators[field] = words.separator.strip()
        if values:
            entry["values"] = values
        if separators:
            entry["separators"] = separators
        if table == "heures" and spec.wide_hours:
            entry["months_as_columns"] = {"format": "%b %Y", "ignore": ["Total"]}
        tables[table] = entry
    out = {"source": spec.name, "description": spec.description}
    if spec.fmt == "csv":
        out["encoding"] = spec.encoding
    out["tables"] = tables
    return out


def render(spec: SourceSpec) -> str:
    header = (
        f"# Column mapping for the '{spec.name}' exports (written by `python -m demo_generator --write-mappings`).\n"
        f"# Encoding: {spec.encoding if spec.fmt == 'csv' else 'XLSX (title row above the header row)'}; "
        f"separator ';'.\n"
        "# values: the tool's labels -> exchange-format codes (compared without case, accents or punctuation;\n"
        "# labels the tool writes that are in no list are recorded as value issues).\n"
    )
    return header + yaml.safe_dump(mapping_for(spec), allow_unicode=True, sort_keys=False, width=200)


def write_mappings(directory: Path = MAPPINGS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in SOURCES.values():
        if spec.mapped:
            path = directory / f"{spec.name}.yaml"
            path.write_text(render(spec), encoding="utf-8")
            written.append(path)
    return written
