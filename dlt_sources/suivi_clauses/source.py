"""The clause-tracking dlt source (see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
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
from .readers import CSV_SEPARATORS, ExportReadError, Sheet, read_csv, read_xlsx
from .validation import InvalidValue, parse_field

log = logging.getLogger(__name__)

REJECTS_TABLE = "tracking_rejects"
AUDIT_TABLE = "tracking_load_audit"
BATCH_ROWS = 20_000
SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
MIN_AGE, MAX_AGE = 14, 80
#: Facts that cannot lie after the day of the load: table → (field, latest accepted value from today, reason).
NOT_IN_THE_FUTURE: dict[str, tuple[tuple[str, Callable[[date], date], str], ...]] = {
    "heures": (("mois", lambda today: today.replace(day=1), "mois dans le futur: heures pas encore réalisées"),),
    "participants": (("date_entree", lambda today: today, "date d'entrée dans le futur"),),
    "sorties": (("date_sortie", lambda today: today, "date de sortie dans le futur"),),
}

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


def _shape_error(sheet: Sheet, cells: list[Any]) -> str | None:
    """Why a CSV line cannot be split into the header's columns (None when it can). Lines shorter than the header
    are fine (exports drop trailing empty cells) unless the whole line is one cell holding another separator."""
    if sheet.separator is None:
        return None
    width = len(sheet.header)
    if len(cells) > width and any(str(cell).strip() for cell in cells[width:]):
        return (
            f"ligne de {len(cells)} champs pour {width} colonnes: séparateur {sheet.separator!r} dans une valeur "
            "non protégée par des guillemets"
        )
    if len(cells) == 1 < width:
        others = [sep for sep in CSV_SEPARATORS if sep != sheet.separator and sep in str(cells[0])]
        if others:
            return f"ligne non découpée: séparateur {others[0]!r} au lieu de {sheet.separator!r} (séparateurs mélangés)"
    return None


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class _FileLoader:
    """Reads, maps, validates and pseudonymises one file; yields raw rows, rejects and its audit row."""

    def __init__(self, path: Path, source: str, mapping: SourceMapping, pseudonymiser: Pseudonymiser | None):
        self.path, self.source, self.mapping, self.pseudonymiser = path, source, mapping, pseudonymiser
        self.sha256 = file_sha256(path)
        self.status: str | None = None
        self.loaded_tables: set[str] = set()
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

    def load(self, done: frozenset[str] = frozenset()) -> Iterator[Any]:
        """Audit, rows and rejects of the file's tables but those in ``done`` (loaded from this content before)."""
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
            if table_mapping.table in done:
                continue
            yield from self._load_table(table_mapping)
            statuses.append(self.status)
            if self.status != "failed":
                self.loaded_tables.add(table_mapping.table)
        self.status = "failed" if "failed" in statuses else "loaded"

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
        stopped = None
        try:
            for line, cells in sheet.rows:
                read += 1
                shape_error = _shape_error(sheet, cells)
                if shape_error:
                    errors: list[tuple] = [(None, shape_error, None)]
                else:
                    record, errors = self._validate(table, by_index, cells)
                    errors = errors or self._transform(table, record)
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
        except ExportReadError as exc:
            stopped = f"{exc}; lignes suivantes non lues: corrigez le fichier et déposez-le à nouveau"
        if len(rows):
            yield rows.flush()
        if len(rejects):
            yield rejects.flush()
        notes = [stopped, f"colonnes inconnues ignorées: {', '.join(unknown)}" if unknown else None]
        note = "; ".join(n for n in notes if n) or None
        status = "partial" if stopped else ("loaded" if read else "empty")
        log.info("%s → %s: %s, %d read, %d loaded, %d rejected", self.path, table.name, status, read, loaded, rejected)
        yield self._audit(table.name, status, read, loaded, rejected, note)

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
        today = date.today()
        for field_name, limit, reason in NOT_IN_THE_FUTURE.get(table.name, ()):
            value = record[field_name]
            if value is not None and value > limit(today):
                return [(field_name, reason, value.isoformat())]
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
    """(source, path) of every file of the inbox but hidden files and Office lock files (``~$...``)."""
    if not inbox.exists():
        return
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and not path.name.startswith((".", "~$")):
            relative = path.relative_to(inbox)
            source = relative.parts[0] if len(relative.parts) > 1 else ""
            yield source, path


def _refusal(source: str, path: Path) -> str | None:
    """Why a file of the inbox is not read at all (None when it is)."""
    if not source:
        return "les exports se déposent dans un dossier par source (inbox/suivi_clauses/<source>/): fichier non lu"
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return f"format {path.suffix or '(sans extension)'} non pris en charge: enregistrez le fichier en .xlsx ou .csv"
    return None


def _content_key(source: str, sha256: str) -> str:
    """A file is identified by its content within its source: the same bytes in two sources are two sets of rows
    (their keys hold the source), so each source loads them."""
    return f"{source}:{sha256}"


def _scope_legacy_keys(seen: dict[str, str], inbox: Path) -> None:
    """States written when content was identified across sources (keys are bare hashes) get their source."""
    for sha256 in [key for key in seen if ":" not in key]:
        path = Path(seen.pop(sha256))
        parts = path.relative_to(inbox).parts if path.is_relative_to(inbox) else (path.parent.name,)
        seen[_content_key(parts[0], sha256)] = str(path)


@dlt.resource(name="tracking_exports", write_disposition="append")
def tracking_exports(inbox: str, mappings_dir: str) -> Iterator[Any]:
    state = dlt.current.resource_state()
    #: content key (source and content hash) → path of the files whose every table is loaded
    seen: dict[str, str] = state.setdefault("seen_files", {})
    _scope_legacy_keys(seen, Path(inbox))
    #: content key → tables loaded from a workbook whose other sheets failed (read again for those only)
    partly_loaded: dict[str, list[str]] = state.setdefault("partly_loaded_files", {})
    #: paths already reported as copies of a loaded file
    duplicates: list[str] = state.setdefault("duplicate_files", [])
    pseudonymiser: Pseudonymiser | None = None
    mappings: dict[str, SourceMapping] = {}
    for source, path in _export_files(Path(inbox)):
        refusal = _refusal(source, path)
        if refusal:
            log.warning("%s: %s", path, refusal)
            refused = _FileLoader(path, source, SourceMapping(source, None, ()), None)
            yield refused._audit(None, "failed", 0, 0, 0, refusal)
            continue  # not remembered: the file is read once moved or converted
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
        content = _content_key(source, loader.sha256)
        if content in seen:
            if seen[content] != str(path) and str(path) not in duplicates:
                duplicates.append(str(path))
                reason = f"même contenu que {seen[content]}, déjà chargé: fichier ignoré"
                yield loader._audit(None, "duplicate_content", 0, 0, 0, reason)
            continue
        if isinstance(mapping, MappingError):
            yield loader._audit(None, "failed", 0, 0, 0, f"mapping unusable, file not read: {mapping}")
            continue  # not marked as seen: it is read again once the mapping is fixed
        done = frozenset(partly_loaded.get(content, ()))
        yield from loader.load(done)
        pseudonymiser = loader.pseudonymiser
        if loader.status != "failed":
            seen[content] = str(path)
            partly_loaded.pop(content, None)
        elif loader.loaded_tables:
            # Failed tables are not remembered: a mapping added later, or a fixed file, gets them read; the
            # tables already loaded from this content are not loaded twice.
            partly_loaded[content] = sorted(done | loader.loaded_tables)


@dlt.source(name="suivi_clauses", max_table_nesting=0)
def suivi_clauses_source(inbox: str = dlt.config.value, mappings_dir: str = dlt.config.value) -> Sequence[Any]:
    """Tracking exports under ``inbox`` (one folder per source), mapped with ``mappings_dir``/<source>.yaml."""
    return [tracking_exports(inbox, mappings_dir)]
