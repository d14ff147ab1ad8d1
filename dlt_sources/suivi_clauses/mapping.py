"""Per-source column mappings: how a coordination's export headers map to the exchange format.

A source is a folder of the inbox (``data/inbox/suivi_clauses/<source>/``). Its optional mapping file
``<mappings dir>/<source>.yaml`` says, per exchange-format table, which files hold it (fnmatch patterns)
and which header means which field. Without a mapping, a file must be named after its table
(``participants.csv``, ``heures_2024.xlsx``...) and use the exchange-format field names as headers.
Headers are compared without case, accents or punctuation, so "Date de Début" matches "date_de_debut".
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .exchange_format import TABLE_NAMES, exchange_tables


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the problem."""


def header_key(header: str) -> str:
    """Comparison key of a column header: lower case, no accents, words joined by '_'."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class TableMapping:
    table: str
    file_patterns: tuple[str, ...]
    sheet: str | None = None
    #: header_key(exported header) → exchange-format field
    columns: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceMapping:
    source: str
    path: Path | None
    tables: tuple[TableMapping, ...]

    def tables_for(self, file_name: str) -> list[TableMapping]:
        """The tables a file holds: those whose mapping patterns match it (a workbook may hold one table per
        sheet), else the one named in the file name; empty when neither tells."""
        lower = file_name.lower()
        matched = [t for t in self.tables if any(fnmatch.fnmatch(lower, p.lower()) for p in t.file_patterns)]
        if matched:
            return matched
        stem = header_key(Path(file_name).stem)
        for name in sorted(TABLE_NAMES, key=len, reverse=True):
            if name in stem:
                return [next((t for t in self.tables if t.table == name), TableMapping(name, ()))]
        return []


def load_mapping(source: str, mappings_dir: Path) -> SourceMapping:
    path = mappings_dir / f"{source}.yaml"
    if not path.exists():
        return SourceMapping(source=source, path=None, tables=())
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: not valid YAML ({exc})") from exc
    if spec.get("source", source) != source:
        raise MappingError(f"{path}: 'source' is {spec.get('source')!r} but the file is named for {source!r}")
    tables = []
    known = exchange_tables()
    for name, table_spec in (spec.get("tables") or {}).items():
        if name not in known:
            raise MappingError(f"{path}: unknown table {name!r} (exchange-format tables: {', '.join(TABLE_NAMES)})")
        columns = {}
        for exported, target in (table_spec.get("columns") or {}).items():
            if target not in known[name].field_names:
                raise MappingError(
                    f"{path}: table {name}: column {exported!r} maps to {target!r}, which is not a field of "
                    f"{name} ({', '.join(known[name].field_names)})"
                )
            columns[header_key(exported)] = target
        patterns = table_spec.get("files") or []
        tables.append(TableMapping(name, tuple(patterns), table_spec.get("sheet"), columns))
    return SourceMapping(source=source, path=path, tables=tuple(tables))
