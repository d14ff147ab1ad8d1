"""The clause-tracking dlt source (see the package docstring)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dlt
import numpy as np
import pyarrow as pa

from observatoire.pseudonymisation import Pseudonymiser, load_key

from ..common import file_sha256, in_worker_processes
from .columnar import ARROW_TYPES, ages, cross_field_pass, parse_batch
from .exchange_format import Field, Table, exchange_tables
from .mapping import MappingError, SourceMapping, TableMapping, header_key, load_mapping
from .readers import CSV_SEPARATORS, ExportReadError, Sheet, open_workbook, read_csv, read_xlsx
from .residence import postal_index, resolve_residences
from .validation import InvalidValue, ValueIssue, age, cross_field_errors, parse_field
from .wide_months import melt_months, month_of_header

log = logging.getLogger(__name__)

#: What a month header of a wide hours sheet counts as when the header row is searched.
MONTH_HEADER = "(mois)"
REJECTS_TABLE = "tracking_rejects"
VALUE_ISSUES_TABLE = "tracking_value_issues"
AUDIT_TABLE = "tracking_load_audit"
BATCH_ROWS = 20_000
SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
#: Tables whose participant id is replaced by a pseudonym (the id never reaches DuckDB).
PSEUDONYMISED_TABLES = ("participants", "contrats_travail", "sorties")
#: Residence given as postal code + town: resolved to commune_residence before the two are dropped.
RESIDENCE_FIELDS = ("commune_residence", "code_postal_residence", "commune_residence_libelle")
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
#: Values kept with an issue (unknown label, invalid SIRET, residence not resolved): the row is loaded.
VALUE_ISSUES_SCHEMA = pa.schema(
    [
        *METADATA_FIELDS[:3],
        ("table_name", pa.string()),
        ("line_number", pa.int64()),
        ("column_name", pa.string()),
        ("field_name", pa.string()),
        ("issue_kind", pa.string()),
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
        ("values_with_issue", pa.int64()),
        ("error", pa.string()),
        ("mapping_file", pa.string()),
        ("processed_at", pa.timestamp("us", tz="UTC")),
    ]
)


def loaded_schema(table: Table) -> pa.Schema:
    """Columns written for ``table``: its non-personal fields, pseudonyms and derived fields, provenance."""
    columns: list[tuple[str, pa.DataType]] = []
    if table.name in PSEUDONYMISED_TABLES:
        columns.append(("participant_pseudonym", pa.string()))
    if table.name == "participants":
        columns += [("beneficiary_pseudonym", pa.string()), ("age_at_entry", pa.int64())]
    columns += [(f.name, ARROW_TYPES[f.type]) for f in table.fields if f.personal is None]
    return pa.schema(columns + METADATA_FIELDS)


def _rejects_table(rejects: list[dict[str, Any]]) -> Any:
    return dlt.mark.with_table_name(pa.Table.from_pylist(rejects, schema=REJECTS_SCHEMA), REJECTS_TABLE)


def _value_issues_table(issues: list[dict[str, Any]]) -> Any:
    return dlt.mark.with_table_name(pa.Table.from_pylist(issues, schema=VALUE_ISSUES_SCHEMA), VALUE_ISSUES_TABLE)


def _top_reasons(reasons: Counter[str], count: int = 3) -> str:
    return "; ".join(f"{reason} ({rows} ligne{'s' if rows > 1 else ''})" for reason, rows in reasons.most_common(count))


def table_status(read: int, loaded: int, rejected: int, stopped: bool) -> str:
    """What happened to a file's table: ``empty`` (no row), ``rejected`` (every row refused), ``partial`` (some rows
    refused, or reading stopped at an unreadable line), ``loaded`` (every row loaded)."""
    if not read:
        return "partial" if stopped else "empty"
    if not loaded:
        return "rejected"
    return "partial" if rejected or stopped else "loaded"


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


class _FileLoader:
    """Reads, maps, validates and pseudonymises one file; yields raw rows, rejects, value issues and its audit."""

    def __init__(
        self,
        path: Path,
        source: str,
        mapping: SourceMapping,
        pseudonymiser: Pseudonymiser | None,
        row_by_row: bool = False,
        mappings_dir: Path | None = None,
        reference_dir: Path | None = None,
    ):
        self.path, self.source, self.mapping, self.pseudonymiser = path, source, mapping, pseudonymiser
        self.row_by_row = row_by_row
        self.mapping_file = mapping.path or (mappings_dir or Path("mappings")) / f"{source}.yaml"
        self.reference_dir = reference_dir
        self.workbook: Any = None  # an XLSX file is opened once for all its sheets
        self.sha256 = file_sha256(path)
        self.status: str | None = None
        self.table_statuses: list[str] = []
        self.loaded_tables: set[str] = set()
        self.provenance = {"source_name": source, "source_file": str(path), "source_sha256": self.sha256}

    def _audit(
        self,
        table: str | None,
        status: str,
        read: int,
        loaded: int,
        rejected: int,
        error: str | None,
        issues: int = 0,
    ) -> Any:
        self.status = status
        row = {
            **self.provenance,
            "table_name": table,
            "status": status,
            "rows_read": read,
            "rows_loaded": loaded,
            "rows_rejected": rejected,
            "values_with_issue": issues,
            "error": error,
            "mapping_file": str(self.mapping.path) if self.mapping.path else None,
            "processed_at": datetime.now(UTC),
        }
        return dlt.mark.with_table_name(pa.Table.from_pylist([row], schema=AUDIT_SCHEMA), AUDIT_TABLE)

    def _open(self, table: Table, table_mapping: TableMapping) -> Sheet:
        if self.path.suffix.lower() == ".xlsx":
            expected = set(table_mapping.columns) | {header_key(name) for name in table.field_names}
            key = header_key
            months = table_mapping.months_as_columns
            if months:  # a wide sheet's header row holds months, not field names: a month header counts too
                expected = set(table_mapping.columns) | {MONTH_HEADER}
                key = lambda text: MONTH_HEADER if month_of_header(text, months.format) else header_key(text)  # noqa: E731
            if self.workbook is None:
                self.workbook = open_workbook(self.path)
            return read_xlsx(self.path, table_mapping.sheet, expected, key, self.workbook)
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
                f"impossible de savoir quelle table du format d'échange contient {self.path.name}: nommez le fichier "
                f"d'après sa table (participants.csv, heures_2024.xlsx...) ou ajoutez un motif 'files' dans "
                f"{self.mapping_file}",
            )
            return
        if self.path.suffix.lower() != ".xlsx":
            table_mappings = table_mappings[:1]  # a CSV holds one table
        try:
            for table_mapping in table_mappings:
                if table_mapping.table in done:
                    continue
                yield from self._load_table(table_mapping)
                self.table_statuses.append(self.status or "failed")
                if self.status not in ("failed", "rejected"):
                    self.loaded_tables.add(table_mapping.table)
        finally:
            if self.workbook is not None:
                self.workbook.close()
                self.workbook = None
        statuses = set(self.table_statuses)
        if "failed" in statuses:
            self.status = "failed"
        elif statuses <= {"rejected", "empty"} and "rejected" in statuses:
            self.status = "rejected"
        else:
            self.status = "loaded"

    def _load_table(self, table_mapping: TableMapping) -> Iterator[Any]:
        table = exchange_tables()[table_mapping.table]
        try:
            sheet = self._open(table, table_mapping)
        except (ExportReadError, OSError, UnicodeDecodeError) as exc:
            yield self._audit(table.name, "failed", 0, 0, 0, f"{self.path}: {exc}")
            return
        ignored: list[str] = []
        if table_mapping.months_as_columns:
            sheet, ignored = melt_months(sheet, table_mapping.months_as_columns, set(table_mapping.columns))
        by_index, unknown = self._column_fields(table, sheet.header, table_mapping.columns)
        unknown += ignored
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
                f"en-têtes lus: {', '.join(str(h) for h in sheet.header if h)}. Renommez les colonnes ou "
                f"déclarez-les dans {self.mapping_file}",
            )
            return
        if unknown:
            log.info("%s: colonnes inconnues ignorées: %s", self.path, ", ".join(unknown))
        batch: list[tuple[int, list[Any]]] = []
        rejects: list[dict[str, Any]] = []
        issues: list[dict[str, Any]] = []
        reasons: Counter[str] = Counter()
        read = loaded = rejected = issue_count = 0
        stopped = None
        rows = iter(sheet.rows)
        while True:
            try:
                for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH_ROWS:
                        break
            except ExportReadError as exc:
                stopped = f"{exc}; lignes suivantes non lues: corrigez le fichier et déposez-le à nouveau"
            if not batch:
                break
            rows_table, batch_rejects, batch_issues = self._load_batch(table, table_mapping, sheet, by_index, batch)
            read += len(batch)  # rows of the table: a wide hours sheet gives one per month cell
            loaded += rows_table.num_rows
            rejected += len(batch) - rows_table.num_rows
            issue_count += len(batch_issues)
            batch = []
            if rows_table.num_rows:
                yield dlt.mark.with_table_name(rows_table, table.name)
            reasons.update(reject["reason"] for reject in batch_rejects)
            rejects += batch_rejects
            issues += batch_issues
            if len(rejects) >= BATCH_ROWS:
                yield _rejects_table(rejects)
                rejects = []
            if len(issues) >= BATCH_ROWS:
                yield _value_issues_table(issues)
                issues = []
            if stopped:
                break
        if rejects:
            yield _rejects_table(rejects)
        if issues:
            yield _value_issues_table(issues)
        status = table_status(read, loaded, rejected, bool(stopped))
        notes = [
            stopped,
            f"motifs de rejet principaux: {_top_reasons(reasons)}" if reasons else None,
            f"colonnes inconnues ignorées: {', '.join(unknown)}" if unknown else None,
        ]
        note = "; ".join(n for n in notes if n) or None
        log.info("%s → %s: %s, %d lus, %d chargés, %d rejetés", self.path, table.name, status, read, loaded, rejected)
        yield self._audit(table.name, status, read, loaded, rejected, note, issue_count)

    def _load_batch(
        self,
        table: Table,
        table_mapping: TableMapping,
        sheet: Sheet,
        by_index: dict[int, Field],
        batch: list[tuple[int, list[Any]]],
    ) -> tuple[pa.Table, list[dict[str, Any]], list[dict[str, Any]]]:
        """The loaded rows (one Arrow table, in line order), the rejects and the value issues of a batch of
        (line, cells).

        Workbook rows and CSV lines with as many cells as the header are validated column-wise (``columnar``);
        the other CSV lines (shorter or longer: their shape is checked first) and every row the column-wise pass
        does not accept go through the per-row path, which writes the rejects with their reasons."""
        today = date.today()
        schema = loaded_schema(table)
        passed = np.zeros(len(batch), dtype=bool)
        loaded: list[pa.Table] = []
        issues: list[dict[str, Any]] = []
        if self.row_by_row:
            regular: list[int] = []
        elif sheet.separator is None:  # a workbook: no line to split, every row can be taken column-wise
            regular = list(range(len(batch)))
        else:  # CSV lines with as many cells as the header
            width = len(sheet.header)
            regular = [position for position, (_, cells) in enumerate(batch) if len(cells) == width]
        if regular:
            rows = [batch[position][1] for position in regular]
            columns, valid, column_issues = parse_batch(
                table, by_index, rows, sheet.separator is not None, table_mapping.vocabularies
            )
            residence_issues = self._resolve_residence(table, columns)
            valid &= cross_field_pass(table.name, columns, today)
            for index, found in column_issues.items():
                for position, issue in zip(found.positions, found.issues, strict=True):
                    if valid[position]:
                        line = batch[regular[position]][0]
                        issues += self._issue(table, sheet, line, index, found.field, issue, rows[position])
            issues += [
                self._residence_issue(table, sheet, by_index, batch[regular[position]][0], reason)
                for position, reason in residence_issues
                if valid[position]
            ]
            keep = pa.array(valid)
            lines = pa.array([batch[position][0] for position in regular], pa.int64()).filter(keep)
            columns = {name: column.filter(keep) for name, column in columns.items()}
            loaded.append(self._columns_table(table, schema, columns, lines))
            passed[np.array(regular)[valid]] = True
        records: list[dict[str, Any]] = []
        rejects: list[dict[str, Any]] = []
        for position in np.flatnonzero(~passed):
            line, cells = batch[position]
            record, errors, row_issues = self._row(table, table_mapping, sheet, by_index, cells, today)
            if errors:
                rejects += [
                    {
                        **self.provenance,
                        "table_name": table.name,
                        "line_number": line,
                        "column_name": column,
                        "reason": reason,
                        "published_value": value,
                    }
                    for column, reason, value in errors
                ]
            else:
                records.append({**record, **self.provenance, "line_number": line})
                for index, field, issue in row_issues:
                    if index is None:
                        issues.append(self._residence_issue(table, sheet, by_index, line, str(issue)))
                    else:
                        issues += self._issue(table, sheet, line, index, field, issue, cells)
        issues.sort(key=lambda issue: (issue["line_number"], issue["field_name"], issue["published_value"] or ""))
        if records:
            loaded.append(pa.Table.from_pylist(records, schema=schema))
            if len(loaded) > 1:
                return pa.concat_tables(loaded).sort_by("line_number"), rejects, issues
        return (loaded[0] if loaded else schema.empty_table()), rejects, issues

    def _issue(
        self, table: Table, sheet: Sheet, line: int, index: int, field: Field, issue: ValueIssue, cells: list[Any]
    ) -> list[dict[str, Any]]:
        """A value kept with an issue, one row per published value (each unknown label of a multi-valued cell);
        the published value is stored for non-personal fields only."""
        cell = cells[index] if index < len(cells) else None
        values = issue.values if issue.values else [None if cell is None else str(cell).strip()[:200]]
        return [
            {
                **self.provenance,
                "table_name": table.name,
                "line_number": line,
                "column_name": str(sheet.header[index]),
                "field_name": field.name,
                "issue_kind": issue.kind,
                "reason": str(issue),
                "published_value": None if field.personal else value,
            }
            for value in values
        ]

    def _residence_issue(
        self, table: Table, sheet: Sheet, by_index: dict[int, Field], line: int, reason: str
    ) -> dict[str, Any]:
        """A residence given as postal code + town that names no single commune (its values are not stored)."""
        column = next((str(sheet.header[i]) for i, f in by_index.items() if f.name == "code_postal_residence"), None)
        return {
            **self.provenance,
            "table_name": table.name,
            "line_number": line,
            "column_name": column,
            "field_name": "commune_residence",
            "issue_kind": "commune_non_resolue",
            "reason": reason,
            "published_value": None,
        }

    def _resolve_residence(self, table: Table, columns: dict[str, pa.Array]) -> list[tuple[int, str]]:
        """commune_residence completed from postal code + town (participants) in place; the rows left unresolved."""
        if table.name != "participants" or columns["code_postal_residence"].null_count == len(
            columns["commune_residence"]
        ):
            return []
        index = postal_index(self._reference_dir())
        communes, issues = resolve_residences(
            index,
            columns["commune_residence"].to_pylist(),
            columns["code_postal_residence"].to_pylist(),
            columns["commune_residence_libelle"].to_pylist(),
        )
        columns["commune_residence"] = pa.array(communes, pa.string())
        return issues

    def _reference_dir(self) -> Path:
        if self.reference_dir is None:
            from observatoire.settings import load_settings

            self.reference_dir = load_settings().reference_dir
        return self.reference_dir

    def _columns_table(
        self, table: Table, schema: pa.Schema, columns: dict[str, pa.Array], lines: pa.Array
    ) -> pa.Table:
        """The loaded rows from typed columns: pseudonyms and age added, personal columns left out."""
        size = len(lines)
        derived: dict[str, pa.Array] = {"line_number": lines}
        for name, value in self.provenance.items():
            derived[name] = pa.repeat(pa.scalar(value, pa.string()), size)
        if table.name == "participants":
            birth = columns["date_naissance"]
            derived["age_at_entry"] = ages(birth, columns["date_entree"])
            beneficiary = self._pseudonymiser().beneficiary
            identities = zip(columns["nom"].to_pylist(), columns["prenom"].to_pylist(), birth.to_pylist(), strict=True)
            pseudonyms = [beneficiary(*identity) for identity in identities]
            derived["beneficiary_pseudonym"] = pa.array(pseudonyms, pa.string())
        if table.name in PSEUDONYMISED_TABLES:
            ids = columns["id_participant"].dictionary_encode()  # a participant has several contracts
            participant = self._pseudonymiser().participant
            pseudonyms = [participant(self.source, value) for value in ids.dictionary.to_pylist()]
            derived["participant_pseudonym"] = pa.array(pseudonyms, pa.string()).take(ids.indices)
        # personal columns are not in the schema: they are left out here
        return pa.Table.from_arrays([derived.get(name, columns.get(name)) for name in schema.names], schema=schema)

    def _row(
        self,
        table: Table,
        table_mapping: TableMapping,
        sheet: Sheet,
        by_index: dict[int, Field],
        cells: list[Any],
        today: date,
    ) -> tuple[dict[str, Any], list[tuple], list[tuple]]:
        """One line by the per-row path: the loaded record (pseudonymised, personal fields removed), the errors that
        reject it, and the issues of the values it is kept with: (column index or None, field, reason, kind)."""
        shape_error = _shape_error(sheet, cells)
        if shape_error:
            return {}, [(None, shape_error, None)], []
        record, errors, issues = self._validate(table, table_mapping, by_index, cells)
        if not errors and table.name == "participants" and record.get("code_postal_residence"):
            columns = {name: pa.array([record[name]], pa.string()) for name in RESIDENCE_FIELDS}
            for _, reason in self._resolve_residence(table, columns):
                issues.append((None, None, ValueIssue(None, reason, "commune_non_resolue")))
            record["commune_residence"] = columns["commune_residence"][0].as_py()
        errors = errors or cross_field_errors(table.name, record, today)
        if not errors:
            self._pseudonymise(table, record)
        return record, errors, issues

    @staticmethod
    def _validate(
        table: Table, table_mapping: TableMapping, by_index: dict[int, Field], cells: list[Any]
    ) -> tuple[dict[str, Any], list[tuple], list[tuple]]:
        record: dict[str, Any] = {}
        errors: list[tuple[str, str, str | None]] = []
        issues: list[tuple[int | None, Field | None, ValueIssue]] = []
        for index, field in by_index.items():
            raw = cells[index] if index < len(cells) else None
            try:
                record[field.name] = parse_field(field, raw, table_mapping.vocabulary(field))
            except ValueIssue as exc:
                record[field.name] = exc.kept
                issues.append((index, field, exc))
            except InvalidValue as exc:
                shown = None if field.personal else (None if raw is None else str(raw)[:200])
                errors.append((field.name, str(exc), shown))
        for field in table.fields:  # required fields whose column is absent were refused with the file
            record.setdefault(field.name, None)
        return record, errors, issues

    def _pseudonymise(self, table: Table, record: dict[str, Any]) -> None:
        """Pseudonyms and age added to a valid record, personal fields removed (in place)."""
        if table.name == "participants":
            birth = record["date_naissance"]
            record["age_at_entry"] = age(birth, record["date_entree"])
            record["beneficiary_pseudonym"] = self._pseudonymiser().beneficiary(record["nom"], record["prenom"], birth)
        if table.name in PSEUDONYMISED_TABLES:
            record["participant_pseudonym"] = self._pseudonymiser().participant(self.source, record["id_participant"])
        for field in table.fields:
            if field.personal is not None:
                del record[field.name]

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


def _mapping_digest(mapping: SourceMapping | MappingError) -> str:
    """What a file's reading depends on besides its content: the mapping file's bytes."""
    path = mapping.path if isinstance(mapping, SourceMapping) else None
    return file_sha256(path) if path and path.exists() else ""


#: A file whose content is that of a file read before it in the same run: decided once that one is read.
_SAME_CONTENT_AS_EARLIER = object()


def _needs_pseudonyms(loader: _FileLoader) -> bool:
    return any(t.table in PSEUDONYMISED_TABLES for t in loader.mapping.tables_for(loader.path.name))


@dataclass
class _FileLoad:
    """A file to read, and what its reading is remembered under in the resource state."""

    loader: _FileLoader
    done: frozenset[str]
    content: str
    mapping_digest: str

    @property
    def size_bytes(self) -> int:
        return self.loader.path.stat().st_size


def _read_file(load: _FileLoad) -> Generator[Any, None, _FileLoader]:
    """In a worker process: a file's dlt items, then (returned) its loader after reading (statuses, tables loaded)."""
    yield from load.loader.load(load.done)
    return load.loader


def _read_files(loads: list[_FileLoad], workers: int | None) -> Iterator[tuple[Iterator[Any], _FileLoader]]:
    """Each file's items and loader, in their order: read by worker processes
    (:func:`dlt_sources.common.in_worker_processes`), or in this process, streamed."""
    results = in_worker_processes(
        _read_file, loads, workers, size=lambda load: load.size_bytes, name=lambda load: str(load.loader.path)
    )
    for load, result in zip(loads, results, strict=True):
        if result is None:
            yield load.loader.load(load.done), load.loader
        else:
            yield iter(result), result.outcome


@dlt.resource(name="tracking_exports", write_disposition="append")
def tracking_exports(
    inbox: str,
    mappings_dir: str,
    row_by_row: bool = False,
    reference_dir: str | None = None,
    workers: int | None = None,
) -> Iterator[Any]:
    state = dlt.current.resource_state()
    #: content key (source and content hash) → path of the files whose every table is loaded
    seen: dict[str, str] = state.setdefault("seen_files", {})
    _scope_legacy_keys(seen, Path(inbox))
    #: content key → tables loaded from a workbook whose other sheets failed (read again for those only)
    partly_loaded: dict[str, list[str]] = state.setdefault("partly_loaded_files", {})
    #: content key → digest of the mapping a file was read with when every row was rejected: read again once the
    #: mapping changes (nothing of it was loaded, so nothing is loaded twice)
    rejected_with: dict[str, str] = state.setdefault("rejected_files", {})
    #: paths already reported as copies of a loaded file
    duplicates: list[str] = state.setdefault("duplicate_files", [])
    mappings: dict[str, SourceMapping | MappingError] = {}

    def decide(source: str, path: Path) -> _FileLoad | Any | None:
        """What to do with a file: a _FileLoad, an audit row to write (refused, copy, mapping unusable), or None."""
        refusal = _refusal(source, path)
        if refusal:
            log.warning("%s: %s", path, refusal)
            refused = _FileLoader(path, source, SourceMapping(source, None, ()), None)
            return refused._audit(None, "failed", 0, 0, 0, refusal)  # not remembered: read once moved or converted
        if source not in mappings:
            try:
                mappings[source] = load_mapping(source, Path(mappings_dir))
            except MappingError as exc:
                log.error("%s", exc)
                mappings[source] = exc
        mapping = mappings[source]
        loader = _FileLoader(
            path,
            source,
            mapping if isinstance(mapping, SourceMapping) else SourceMapping(source, None, ()),
            None,
            row_by_row,
            Path(mappings_dir),
            Path(reference_dir) if reference_dir else None,
        )
        content = _content_key(source, loader.sha256)
        if content in seen:
            if seen[content] != str(path) and str(path) not in duplicates:
                duplicates.append(str(path))
                reason = f"même contenu que {seen[content]}, déjà chargé: fichier ignoré"
                return loader._audit(None, "duplicate_content", 0, 0, 0, reason)
            return None
        if isinstance(mapping, MappingError):
            # not marked as seen: it is read again once the mapping is fixed
            return loader._audit(None, "failed", 0, 0, 0, f"mapping inutilisable, fichier non lu: {mapping}")
        digest = _mapping_digest(mapping)
        if rejected_with.get(content) == digest:
            return None  # every row rejected with this very mapping: read again when the mapping or the file changes
        return _FileLoad(loader, frozenset(partly_loaded.get(content, ())), content, digest)

    def remember(load: _FileLoad) -> None:
        loader, content = load.loader, load.content
        if loader.status == "rejected":
            rejected_with[content] = load.mapping_digest
        elif loader.status != "failed":
            seen[content] = str(loader.path)
            partly_loaded.pop(content, None)
            rejected_with.pop(content, None)
        elif loader.loaded_tables:
            # Failed tables are not remembered: a mapping added later, or a fixed file, gets them read; the
            # tables already loaded from this content are not loaded twice.
            partly_loaded[content] = sorted(load.done | loader.loaded_tables)

    # First every file's decision, then the reading of those to read (in worker processes when it pays). A file
    # with the same content as one read before it in this run is decided once that one's outcome is known.
    plan: list[tuple[str, Path, _FileLoad | Any | None]] = []
    to_read: set[str] = set()
    for source, path in _export_files(Path(inbox)):
        decision = decide(source, path)
        if isinstance(decision, _FileLoad) and decision.content in to_read:
            decision = _SAME_CONTENT_AS_EARLIER
        elif isinstance(decision, _FileLoad):
            to_read.add(decision.content)
        plan.append((source, path, decision))
    loads = [decision for _, _, decision in plan if isinstance(decision, _FileLoad)]
    if any(_needs_pseudonyms(load.loader) for load in loads):
        pseudonymiser = Pseudonymiser(load_key())  # read once; a missing key stops the run before any file is read
        for load in loads:
            load.loader.pseudonymiser = pseudonymiser
    read = _read_files(loads, workers)
    for source, path, decision in plan:
        if decision is _SAME_CONTENT_AS_EARLIER:
            decision = decide(source, path)
            if isinstance(decision, _FileLoad):
                decision.loader.pseudonymiser = loads[0].loader.pseudonymiser
                yield from decision.loader.load(decision.done)
                remember(decision)
                continue
        if isinstance(decision, _FileLoad):
            items, decision.loader = next(read)
            yield from items
            remember(decision)
        elif decision is not None:
            yield decision
    read.close()  # the worker processes, if any, stop here


@dlt.source(name="suivi_clauses", max_table_nesting=0)
def suivi_clauses_source(
    inbox: str = dlt.config.value,
    mappings_dir: str = dlt.config.value,
    row_by_row: bool = False,
    reference_dir: str | None = None,
    workers: int | None = None,
) -> Sequence[Any]:
    """Tracking exports under ``inbox`` (one folder per source), mapped with ``mappings_dir``/<source>.yaml.
    ``row_by_row`` validates every line by the per-row path only (slower, same outcome: the reference the
    column-wise path is tested against). ``reference_dir`` holds the postal-code base used when a source gives the
    residence as postal code + town (default: the configured reference folder). ``workers``: processes reading
    files side by side (default: :func:`dlt_sources.common.worker_count`; 1 reads them in this process); the items
    handed to dlt, in their order, are the same either way."""
    return [tracking_exports(inbox, mappings_dir, row_by_row, reference_dir, workers)]
