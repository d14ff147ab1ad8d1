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

from .exchange_format import TABLE_NAMES, Field, Table, exchange_tables
from .vocabulary import Vocabulary, build_vocabulary, check_declared_codes


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and the problem."""


def header_key(header: str) -> str:
    """Comparison key of a column header: lower case, no accents, words joined by '_'."""
    text = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class MonthColumns:
    """A wide hours sheet: one column per month. ``format`` reads a month header (strptime directives; %b and %B
    also accept French month names); ``ignore`` lists headers that are neither mapped nor months (a total)."""

    format: str
    ignore: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TableMapping:
    table: str
    file_patterns: tuple[str, ...]
    sheet: str | None = None
    #: header_key(exported header) → exchange-format field
    columns: dict[str, str] = field(default_factory=dict)
    #: field → its labels (declared in ``values``, with the seed's codes and labels)
    vocabularies: dict[str, Vocabulary] = field(default_factory=dict)
    months_as_columns: MonthColumns | None = None

    def vocabulary(self, exchange_field: Field) -> Vocabulary | None:
        return self.vocabularies.get(exchange_field.name)


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
        raise MappingError(f"{path}: YAML invalide ({exc})") from exc
    if spec.get("source", source) != source:
        raise MappingError(
            f"{path}: 'source' vaut {spec.get('source')!r} mais le fichier porte le nom de la source {source!r}"
        )
    tables = []
    known = exchange_tables()
    for name, table_spec in (spec.get("tables") or {}).items():
        if name not in known:
            raise MappingError(
                f"{path}: table inconnue {name!r} (tables du format d'échange: {', '.join(TABLE_NAMES)})"
            )
        columns = {}
        for exported, target in (table_spec.get("columns") or {}).items():
            if target not in known[name].field_names:
                raise MappingError(
                    f"{path}: table {name}: la colonne {exported!r} va vers {target!r}, qui n'est pas un champ de "
                    f"{name} ({', '.join(known[name].field_names)})"
                )
            columns[header_key(exported)] = target
        patterns = table_spec.get("files") or []
        tables.append(
            TableMapping(
                name,
                tuple(patterns),
                table_spec.get("sheet"),
                columns,
                _vocabularies(path, known[name], table_spec),
                _month_columns(path, name, table_spec.get("months_as_columns")),
            )
        )
    return SourceMapping(source=source, path=path, tables=tuple(tables))


def _vocabularies(path: Path, table: Table, table_spec: dict) -> dict[str, Vocabulary]:
    """Every coded field's vocabulary for this table: declared labels over the seed's codes and labels."""
    values = table_spec.get("values") or {}
    separators = table_spec.get("separators") or {}
    fields = {f.name: f for f in table.fields}
    for name in [*values, *separators]:
        if name not in fields:
            raise MappingError(
                f"{path}: table {table.name}: 'values'/'separators' pour {name!r}, qui n'en est pas un champ"
            )
    vocabularies = {}
    for exchange_field in table.fields:
        declared = values.get(exchange_field.name) or {}
        if not isinstance(declared, dict):
            raise MappingError(
                f"{path}: {table.name}.{exchange_field.name}: 'values' attend des lignes 'libellé: code'"
            )
        vocabulary = build_vocabulary(exchange_field, declared, separators.get(exchange_field.name))
        if vocabulary is None:
            if declared:
                raise MappingError(
                    f"{path}: table {table.name}: {exchange_field.name} n'est pas un champ codé (pas de 'values')"
                )
            continue
        wrong = check_declared_codes(exchange_field, declared)
        if wrong:
            raise MappingError(
                f"{path}: table {table.name}: 'values' de {exchange_field.name} donne des codes qui n'existent pas "
                f"({'; '.join(wrong)}); codes possibles: {', '.join(sorted(vocabulary.codes))}"
            )
        vocabularies[exchange_field.name] = vocabulary
    return vocabularies


def _month_columns(path: Path, table: str, spec: object) -> MonthColumns | None:
    if spec is None:
        return None
    if table != "heures" or not isinstance(spec, dict) or not spec.get("format"):
        raise MappingError(f"{path}: 'months_as_columns' s'applique à la table heures et demande un 'format'")
    return MonthColumns(str(spec["format"]), frozenset(header_key(h) for h in spec.get("ignore") or ()))
