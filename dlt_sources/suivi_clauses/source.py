"""The clause-tracking dlt source (see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa

from observatoire.pseudonymisation import Pseudonymiser, load_key

from ..common import file_sha256
from .exchange_format import Field, Table, exchange_tables
from .mapping import MappingError, SourceMapping, TableMapping, header_key, load_mapping
from .readers import ExportReadError, Sheet, read_csv, read_xlsx
from .validation import InvalidValue, parse_field

log = logging.getLogger(__name__)

REJECTS_TABLE = "tracking_rejects"
AUDIT_TABLE = "tracking_load_audit"
BATCH_ROWS = 20_000
SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
MIN_AGE, MAX_AGE = 14, 80

ARROW_TYPES = {
    "string": pa.string(),
    "date": pa.date32(),
    "yearmonth": pa.date32(),
    "number": pa.float64(),
    "integer": pa.int64(),
}
METADATA_FIELDS = [
    ("source_name", pa.string()),
    ("source_file", pa.string()),
    ("source_sha256", pa.string()),
    ("line_number", pa.int64()),
]
REJECTS_SCHEMA = pa.schema(
    [
        *METADATA_FIELDS[:3],
        ("table_name", pa.string()),
        ("line_number", pa.int64()),
        ("column_name", pa.string()),
        ("reason", pa.string()),
        ("published_value", pa.string()),
    ]
)
AUDIT_SCHEMA = pa.schema(
    [
        ("source_name", pa.string()),
        ("source_file", pa.string()),
        ("source_sha256", pa.string()),
        ("table_name", pa.string()),
        ("status", pa.string()),
        ("rows_read", pa.int64()),
        ("rows_loaded", pa.int64()),
        ("rows_rejected", pa.int64()),
        ("error", pa.string()),
        ("mapping_file", pa.string()),
        ("processed_at", pa.timestamp("us", tz="UTC")),
    ]
)


def loaded_schema(table: Table) -> pa.Schema:
    """Columns written for ``table``: its non-personal fields, pseudonyms and derived fields, provenance."""
    columns: list[tuple[str, pa.DataType]] = []
    if table.name in ("participants", "contrats_travail", "sorties"):
        columns.append(("participant_pseudonym", pa.string()))
    if table.name == "participants":
        columns += [("beneficiary_pseudonym", pa.string()), ("age_at_entry", pa.int64())]
    columns += [(f.name, ARROW_TYPES[f.type]) for f in table.fields if f.personal is None]
    return pa.schema(columns + METADATA_FIELDS)


@dataclass
class _Buffer:
    schema: pa.Schema
    table_name: str

    def __post_init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in self.schema.names}

    def add(self, row: dict[str, Any]) -> None:
        for name, values in self.columns.items():
            values.append(row.get(name))

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def flush(self) -> Any:
        table = pa.table(self.columns, schema=self.schema)
        self.columns = {name: [] for name in self.schema.names}
        return dlt.mark.with_table_name(table, self.table_name)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class _FileLoader:
    """Reads, maps, validates and pseudonymises one file; yields raw rows, rejects and its audit row."""

    def __init__(self, path: Path, source: str, mapping: SourceMapping, pseudonymiser: Pseudonymiser | None):
        self.path, self.source, self.mapping, self.pseudonymiser = path, source, mapping, pseudonymiser
        self.sha256 = file_sha256(path)
        self.status: str | None = None
        self.provenance = {"source_name": source, "source_file": str(path), "source_sha256": self.sha256}

    def _audit(self, table: str | None, status: str, read: int, loaded: int, rejected: int, error: str | None) -> Any:
        self.status = status
        row = {
            **self.provenance,
            "table_name": table,
            "status": status,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "error": error,
            "mapping_file": str(self.mapping.path) if self.mapping.path else None,
            "processed_at": datetime.now(UTC),
        }
        return dlt.mark.with_table_name(pa.Table.from_pylist([row], schema=AUDIT_SCHEMA), AUDIT_TABLE)

    def _open(self, table: Table, sheet_name: str | None, columns: dict[str, str]) -> Sheet:
        if self.path.suffix.lower() == ".xlsx":
            expected = set(columns) | {header_key(name) for name in table.field_names}
            return read_xlsx(self.path, sheet_name, expected, header_key)
        return read_csv(self.path)

    def _column_fields(
        self, table: Table, header: list[str], columns: dict[str, str]
    ) -> tuple[dict[int, Field], list[str]]:
        fields = {f.name: f for f in table.fields}
        by_index: dict[int, Field] = {}
        unknown: list[str] = []
        for index, name in enumerate(header):
            key = header_key(name)
            target = columns.get(key) or (key if key in fields else None)
            if target is None:
                if name.strip():
                    unknown.append(name.strip())
            elif target not in {f.name for f in by_index.values()}:
                by_index[index] = fields[target]
        return by_index, unknown

    def load(self) -> Iterator[Any]:
        table_mappings = self.mapping.tables_for(self.path.name)
        if not table_mappings:
            yield self._audit(
                None,
                "failed",
                0,
                0,
                0,
                f"cannot tell which exchange-format table {self.path.name} holds: name the file after "
                f"its table (participants.csv, heures_2024.xlsx...) or add a 'files' pattern in "
                f"exchange_format/mappings/{self.source}.yaml",
            )
            return
        if self.path.suffix.lower() != ".xlsx":
            table_mappings = table_mappings[:1]  # a CSV holds one table
        statuses = []
        for table_mapping in table_mappings:
            yield from self._load_table(table_mapping)
            statuses.append(self.status)
        self.status = "loaded" if all(s in ("loaded", "empty") for s in statuses) else "failed"

    def _load_table(self, table_mapping: TableMapping) -> Iterator[Any]:
        table = exchange_tables()[table_mapping.table]
        try:
            sheet = self._open(table, table_mapping.sheet, table_mapping.columns)
        except (ExportReadError, OSError, UnicodeDecodeError) as exc:
            yield self._audit(table.name, "failed", 0, 0, 0, f"{self.path}: {exc}")
            return
        by_index, unknown = self._column_fields(table, sheet.header, table_mapping.columns)
        present = {f.name for f in by_index.values()}
        missing = [name for name in table.required if name not in present]
        if missing:
            inverse = {v: k for k, v in table_mapping.columns.items()}
            expected = ", ".join(
                f"{name}" + (f" (en-tête {inverse[name]!r})" if name in inverse else "") for name in missing
            )
            yield self._audit(
                table.name,
                "failed",
                0,
                0,
                0,
                f"{self.path}: colonnes obligatoires absentes de la table {table.name}: {expected}; "
                f"en-têtes lus: {', '.join(h for h in sheet.header if h)}. Renommez les colonnes ou "
                f"déclarez-les dans exchange_format/mappings/{self.source}.yaml",
            )
            return
        if unknown:
            log.info("%s: unknown columns ignored: %s", self.path, ", ".join(unknown))
        rows = _Buffer(loaded_schema(table), table.name)
        rejects = _Buffer(REJECTS_SCHEMA, REJECTS_TABLE)
        read = loaded = rejected = 0
        for line, cells in sheet.rows:
            read += 1
            record, errors = self._validate(table, by_index, cells)
            if not errors:
                errors = self._transform(table, record)
            if errors:
                rejected += 1
                for column, reason, value in errors:
                    rejects.add(
                        {
                            **self.provenance,
                            "table_name": table.name,
                            "line_number": line,
                            "column_name": column,
                            "reason": reason,
                            "published_value": value,
                        }
                    )
            else:
                loaded += 1
                rows.add({**record, **self.provenance, "line_number": line})
            if len(rows) >= BATCH_ROWS:
                yield rows.flush()
            if len(rejects) >= BATCH_ROWS:
                yield rejects.flush()
        if len(rows):
            yield rows.flush()
        if len(rejects):
            yield rejects.flush()
        note = f"colonnes inconnues ignorées: {', '.join(unknown)}" if unknown else None
        log.info("%s → %s: %d read, %d loaded, %d rejected", self.path, table.name, read, loaded, rejected)
        yield self._audit(table.name, "loaded" if read else "empty", read, loaded, rejected, note)

    @staticmethod
    def _validate(table: Table, by_index: dict[int, Field], cells: list[Any]) -> tuple[dict[str, Any], list[tuple]]:
        record: dict[str, Any] = {}
        errors: list[tuple[str, str, str | None]] = []
        for index, field in by_index.items():
            raw = cells[index] if index < len(cells) else None
            try:
                record[field.name] = parse_field(field, raw)
            except InvalidValue as exc:
                shown = None if field.personal else (None if raw is None else str(raw)[:200])
                errors.append((field.name, str(exc), shown))
        for field in table.fields:  # required fields whose column is absent were refused with the file
            record.setdefault(field.name, None)
        return record, errors

    def _transform(self, table: Table, record: dict[str, Any]) -> list[tuple]:
        """Cross-field rules, then pseudonymisation; returns errors (the record is changed in place)."""
        if table.name == "contrats_travail" and record["date_fin"] and record["date_fin"] < record["date_debut"]:
            return [("date_fin", "date de fin antérieure à la date de début", record["date_fin"].isoformat())]
        if table.name == "participants":
            birth, entry = record["date_naissance"], record["date_entree"]
            if birth > entry:
                return [("date_naissance", "date de naissance postérieure à la date d'entrée", None)]
            age = _age(birth, entry)
            if not MIN_AGE <= age <= MAX_AGE:
                return [("date_naissance", f"âge à l'entrée invraisemblable ({age} ans)", None)]
            record["age_at_entry"] = age
            record["beneficiary_pseudonym"] = self._pseudonymiser().beneficiary(record["nom"], record["prenom"], birth)
        if table.name in ("participants", "contrats_travail", "sorties"):
            record["participant_pseudonym"] = self._pseudonymiser().participant(self.source, record["id_participant"])
        for field in table.fields:
            if field.personal is not None:
                del record[field.name]
        return []

    def _pseudonymiser(self) -> Pseudonymiser:
        if self.pseudonymiser is None:
            self.pseudonymiser = Pseudonymiser(load_key())
        return self.pseudonymiser


def _export_files(inbox: Path) -> Iterator[tuple[str, Path]]:
    if not inbox.exists():
        return
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and not path.name.startswith((".", "~$")) and path.suffix.lower() in SUPPORTED_SUFFIXES:
            relative = path.relative_to(inbox)
            source = relative.parts[0] if len(relative.parts) > 1 else ""
            yield source, path


@dlt.resource(name="tracking_exports", write_disposition="append")
def tracking_exports(inbox: str, mappings_dir: str) -> Iterator[Any]:
    state = dlt.current.resource_state()
    seen: dict[str, str] = state.setdefault("seen_files", {})
    pseudonymiser: Pseudonymiser | None = None
    mappings: dict[str, SourceMapping] = {}
    for source, path in _export_files(Path(inbox)):
        if not source:
            log.warning("%s: tracking exports go in a folder per source (inbox/suivi_clauses/<source>/)", path)
            continue
        if source not in mappings:
            try:
                mappings[source] = load_mapping(source, Path(mappings_dir))
            except MappingError as exc:
                log.error("%s", exc)
                mappings[source] = exc  # type: ignore[assignment]
        mapping = mappings[source]
        loader = _FileLoader(
            path,
            source,
            mapping if isinstance(mapping, SourceMapping) else SourceMapping(source, None, ()),
            pseudonymiser,
        )
        if loader.sha256 in seen:
            continue
        if isinstance(mapping, MappingError):
            yield loader._audit(None, "failed", 0, 0, 0, f"mapping unusable, file not read: {mapping}")
            continue  # not marked as seen: it is read again once the mapping is fixed
        yield from loader.load()
        pseudonymiser = loader.pseudonymiser
        if loader.status in ("loaded", "empty"):
            # Failed files are not remembered: a mapping added later, or a fixed file, gets them read.
            seen[loader.sha256] = str(path)


@dlt.source(name="suivi_clauses", max_table_nesting=0)
def suivi_clauses_source(inbox: str = dlt.config.value, mappings_dir: str = dlt.config.value) -> Sequence[Any]:
    """Tracking exports under ``inbox`` (one folder per source), mapped with ``mappings_dir``/<source>.yaml."""
    return [tracking_exports(inbox, mappings_dir)]
