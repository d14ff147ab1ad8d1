"""Great Expectations 1.x suites for the warehouse, stored as JSON and run on pandas DataFrames.

Why pandas and not GX's SQL datasource: GX 1.24 on DuckDB through SQLAlchemy (duckdb-engine) fails
every expectation with an ``IndexError`` inside GX (docs/architecture.md, "Stack constraints"), which would make a
broken suite look like bad data. So :func:`validate_table` opens the DuckDB file ``read_only=True``, reads only the
columns the suite mentions into pandas, and validates that DataFrame with an ephemeral GX context.

``import great_expectations`` takes 6-13 s: it is imported lazily, only inside :func:`get_gx_context`
(called by :func:`validate_table`). Importing this module, loading suites and turning a report into
Dagster metadata never import GX, so Dagster definitions stay fast to load.

Suite file format (one file per DuckDB relation, ``expectations/suites/<schema>.<table>.json``)::

    {
      "name": "raw_decp.decp_records",
      "table": "raw_decp.decp_records",
      "description": "optional free text",
      "expectations": [
        {"type": "expect_column_values_to_not_be_null",      # GX 1.x expectation type (snake case)
         "kwargs": {"column": "source_file"},                  # passed unchanged to the GX class
         "severity": "error",                                  # "error" blocks downstream, "warning" reports
         "notes": "why this rule exists"}                      # optional
      ]
    }

``type`` maps 1:1 to a GX class (``expect_column_values_to_not_be_null`` →
``great_expectations.expectations.ExpectColumnValuesToNotBeNull``); the supported types are listed
in :data:`SUPPORTED_EXPECTATIONS`. ``expect_column_values_to_be_valid_siret`` is the project's own GX
expectation (:mod:`expectations.siret_expectation`, registered by :func:`get_gx_context`).

An ``in_set``/``not_in_set`` expectation may take its values from a column of another relation of the same
DuckDB file instead of ``kwargs.value_set`` (e.g. the COG département codes)::

    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "dep"},
     "value_set_from": {"table": "raw_reference.cog_departements", "column": "dep"}}

The runner reads the distinct non-null values of that column and passes them to GX as ``value_set``.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from observatoire.warehouse import WarehouseUnavailableError, connect_reader

if TYPE_CHECKING:  # pragma: no cover - typing only, never imported at runtime here
    import pandas as pd

__all__ = [
    "SEVERITIES",
    "SUITES_DIR",
    "SUPPORTED_EXPECTATIONS",
    "ExpectationResult",
    "ExpectationSpec",
    "ExpectationsError",
    "SchemaMismatchError",
    "Suite",
    "SuiteError",
    "TableNotFoundError",
    "ValidationReport",
    "get_gx_context",
    "list_suites",
    "load_suite",
    "validate_table",
]

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SEVERITIES = ("error", "warning")
PARTIAL_UNEXPECTED_COUNT = 5
_DATASOURCE_NAME = "observatoire_duckdb_frames"
_BATCH_DEFINITION_NAME = "whole_dataframe"
_RELATION_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

# Expectation type → (GX 1.x class name, kwargs that must be present). The class names are checked
# against GX's registry by the test-suite; add a row here to allow a new expectation type in suites.
SUPPORTED_EXPECTATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "expect_column_to_exist": ("ExpectColumnToExist", ("column",)),
    "expect_column_values_to_not_be_null": ("ExpectColumnValuesToNotBeNull", ("column",)),
    "expect_column_values_to_be_null": ("ExpectColumnValuesToBeNull", ("column",)),
    "expect_column_values_to_be_unique": ("ExpectColumnValuesToBeUnique", ("column",)),
    "expect_compound_columns_to_be_unique": ("ExpectCompoundColumnsToBeUnique", ("column_list",)),
    "expect_column_values_to_be_in_set": ("ExpectColumnValuesToBeInSet", ("column", "value_set")),
    "expect_column_values_to_not_be_in_set": ("ExpectColumnValuesToNotBeInSet", ("column", "value_set")),
    "expect_column_values_to_be_between": ("ExpectColumnValuesToBeBetween", ("column",)),
    "expect_column_values_to_match_regex": ("ExpectColumnValuesToMatchRegex", ("column", "regex")),
    "expect_column_values_to_not_match_regex": ("ExpectColumnValuesToNotMatchRegex", ("column", "regex")),
    "expect_column_value_lengths_to_equal": ("ExpectColumnValueLengthsToEqual", ("column", "value")),
    "expect_column_value_lengths_to_be_between": ("ExpectColumnValueLengthsToBeBetween", ("column",)),
    "expect_column_pair_values_a_to_be_greater_than_b": (
        "ExpectColumnPairValuesAToBeGreaterThanB",
        ("column_A", "column_B"),
    ),
    "expect_table_row_count_to_be_between": ("ExpectTableRowCountToBeBetween", ()),
    "expect_column_values_to_be_valid_siret": ("ExpectColumnValuesToBeValidSiret", ("column",)),
}
_VALUE_SET_TYPES = ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set")
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_BOUND_KWARGS = ("min_value", "max_value")


# ----------------------------------------------------------------------------------------- errors
class ExpectationsError(Exception):
    """Base class of the errors raised by this module."""


class SuiteError(ExpectationsError, ValueError):
    """A suite file is missing, is not valid JSON, or holds an invalid expectation (names the file)."""


class TableNotFoundError(ExpectationsError, LookupError):
    """The DuckDB file or the relation a suite targets does not exist (yet)."""


class SchemaMismatchError(ExpectationsError, LookupError):
    """The relation exists but lacks columns the suite refers to."""


# ------------------------------------------------------------------------------------------ suites
@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite file, before it is turned into a GX expectation."""

    type: str
    kwargs: Mapping[str, Any]
    severity: str = "error"
    notes: str | None = None
    value_set_from: tuple[str, str] | None = None  # (relation, column) holding the value_set

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns of the table this expectation reads."""
        cols = [self.kwargs[k] for k in _COLUMN_KWARGS if k in self.kwargs]
        cols.extend(self.kwargs.get("column_list", ()))
        return tuple(cols)

    @property
    def label(self) -> str:
        """Short human label of the column(s): ``col``, ``a, b`` or ``(table)``."""
        return ", ".join(self.columns) or "(table)"


@dataclass(frozen=True)
class Suite:
    """A suite loaded from ``expectations/suites/<relation>.json``."""

    name: str
    table: str
    expectations: tuple[ExpectationSpec, ...]
    description: str | None = None
    path: Path | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Distinct columns referenced by the suite, in first-use order (the only ones read)."""
        seen: dict[str, None] = {}
        for spec in self.expectations:
            for col in spec.columns:
                seen.setdefault(col, None)
        return tuple(seen)

    @property
    def schema_and_name(self) -> tuple[str, str]:
        schema, _, name = self.table.rpartition(".")
        return schema or "main", name


def list_suites(directory: Path = SUITES_DIR) -> list[Path]:
    """The suite files of ``directory``, sorted by name."""
    return sorted(directory.glob("*.json"))


def _resolve_suite_path(path_or_name: str | Path) -> Path:
    if isinstance(path_or_name, Path):
        return path_or_name
    text = str(path_or_name)
    if text.endswith(".json") or os.sep in text or "/" in text:
        return Path(text)
    return SUITES_DIR / f"{text}.json"


def load_suite(path_or_name: str | Path) -> Suite:
    """Load and check a suite file, without importing GX.

    ``path_or_name`` is a path to a JSON file, or a relation name such as ``"marts.fct_contracts"``
    looked up in :data:`SUITES_DIR`. Raises :class:`SuiteError` naming the file when the JSON, the
    layout, an expectation type, a severity or a required kwarg is invalid.
    """
    path = _resolve_suite_path(path_or_name)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        known = ", ".join(p.stem for p in list_suites()) or "none"
        raise SuiteError(f"suite file {path} does not exist (known suites: {known})") from exc
    except json.JSONDecodeError as exc:
        raise SuiteError(f"suite file {path} is not valid JSON: {exc}") from exc

    def fail(message: str) -> SuiteError:
        return SuiteError(f"suite file {path}: {message}")

    if not isinstance(raw, dict):
        raise fail("top level must be a JSON object")
    unknown = set(raw) - {"name", "table", "description", "expectations"}
    if unknown:
        raise fail(f"unknown top-level keys {sorted(unknown)}")
    table = raw.get("table")
    if not isinstance(table, str) or not _RELATION_RE.match(table):
        raise fail(f"'table' must be a relation name like 'schema.table', got {table!r}")
    name = raw.get("name", table)
    if not isinstance(name, str) or not name:
        raise fail("'name' must be a non-empty string")
    items = raw.get("expectations")
    if not isinstance(items, list) or not items:
        raise fail("'expectations' must be a non-empty list")

    specs = []
    for index, item in enumerate(items):
        where = f"expectation #{index}"
        if not isinstance(item, dict):
            raise fail(f"{where} must be a JSON object")
        extra = set(item) - {"type", "kwargs", "severity", "notes", "value_set_from"}
        if extra:
            raise fail(f"{where} has unknown keys {sorted(extra)}")
        etype = item.get("type")
        if etype not in SUPPORTED_EXPECTATIONS:
            raise fail(
                f"{where} has unknown or unsupported expectation type {etype!r}; "
                f"supported: {', '.join(sorted(SUPPORTED_EXPECTATIONS))}"
            )
        kwargs = item.get("kwargs", {})
        if not isinstance(kwargs, dict):
            raise fail(f"{where} ({etype}): 'kwargs' must be a JSON object")
        value_set_from = _value_set_source(item.get("value_set_from"), etype, kwargs, fail, where)
        missing = [
            k
            for k in SUPPORTED_EXPECTATIONS[etype][1]
            if k not in kwargs and not (k == "value_set" and value_set_from is not None)
        ]
        if missing:
            raise fail(f"{where} ({etype}) lacks required kwargs {missing}")
        if "column_list" in kwargs and not (
            isinstance(kwargs["column_list"], list) and all(isinstance(c, str) for c in kwargs["column_list"])
        ):
            raise fail(f"{where} ({etype}): 'column_list' must be a list of column names")
        if etype in {
            "expect_column_values_to_be_between",
            "expect_column_value_lengths_to_be_between",
        } and not any(kwargs.get(k) is not None for k in _BOUND_KWARGS):
            raise fail(f"{where} ({etype}) needs 'min_value' and/or 'max_value'")
        if "regex" in kwargs:
            try:
                re.compile(kwargs["regex"])
            except (re.error, TypeError) as exc:
                raise fail(f"{where} ({etype}): invalid regex {kwargs['regex']!r}: {exc}") from exc
        severity = item.get("severity", "error")
        if severity not in SEVERITIES:
            raise fail(f"{where} ({etype}): severity must be one of {SEVERITIES}, got {severity!r}")
        notes = item.get("notes")
        if notes is not None and not isinstance(notes, str):
            raise fail(f"{where} ({etype}): 'notes' must be a string")
        specs.append(
            ExpectationSpec(type=etype, kwargs=kwargs, severity=severity, notes=notes, value_set_from=value_set_from)
        )

    description = raw.get("description")
    return Suite(name=name, table=table, expectations=tuple(specs), description=description, path=path)


def _value_set_source(raw: Any, etype: str, kwargs: Mapping[str, Any], fail: Any, where: str) -> tuple[str, str] | None:
    """Check an expectation's ``value_set_from`` and return it as (relation, column)."""
    if raw is None:
        return None
    if etype not in _VALUE_SET_TYPES:
        raise fail(f"{where} ({etype}): 'value_set_from' only goes with {' or '.join(_VALUE_SET_TYPES)}")
    if "value_set" in kwargs:
        raise fail(f"{where} ({etype}): give 'kwargs.value_set' or 'value_set_from', not both")
    if not isinstance(raw, dict) or set(raw) != {"table", "column"}:
        raise fail(f'{where} ({etype}): \'value_set_from\' must be {{"table": "schema.table", "column": "name"}}')
    table, column = raw["table"], raw["column"]
    if not isinstance(table, str) or not _RELATION_RE.match(table) or not isinstance(column, str) or not column:
        raise fail(f"{where} ({etype}): 'value_set_from' needs a relation name and a column name, got {raw!r}")
    return table, column


# ----------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ExpectationResult:
    """Outcome of one expectation (GX ``ExpectationValidationResult`` flattened)."""

    index: int
    type: str
    column: str
    severity: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    missing_count: int | None = None
    partial_unexpected: tuple[Any, ...] = ()
    observed_value: Any = None
    mostly: float | None = None
    notes: str | None = None
    error: str | None = None  # GX raised while evaluating: a suite/type problem, not a data problem


@dataclass
class ValidationReport:
    """What :func:`validate_table` returns."""

    suite_name: str
    table: str
    success: bool
    row_count: int
    elapsed_seconds: float
    results: list[ExpectationResult]
    validated_at: str
    duckdb_path: str
    gx_result: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success]

    @property
    def failed_errors(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "error"]

    @property
    def failed_warnings(self) -> list[ExpectationResult]:
        return [r for r in self.failed if r.severity == "warning"]

    def result_for(self, type_: str, column: str | None = None) -> ExpectationResult:
        """The single result of ``type_`` (on ``column``, a label such as ``"a, b"`` for lists)."""
        found = [r for r in self.results if r.type == type_ and (column is None or r.column == column)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} results match {type_} on {column!r} in suite {self.suite_name}")
        return found[0]

    def to_markdown(self) -> str:
        """A Markdown table with one row per expectation, failures first."""
        lines = [
            "| status | severity | expectation | column | unexpected | % | sample |",
            "|---|---|---|---|---:|---:|---|",
        ]
        for r in sorted(self.results, key=lambda r: (r.success, r.severity != "error", r.index)):
            status = "✅" if r.success else ("❌" if r.severity == "error" else "⚠️")
            pct = "" if r.unexpected_percent is None else f"{r.unexpected_percent:.2f}"
            count = "" if r.unexpected_count is None else str(r.unexpected_count)
            sample = r.error or ", ".join(repr(v) for v in r.partial_unexpected)
            if r.observed_value is not None and not r.partial_unexpected and not r.error:
                sample = f"observed {r.observed_value!r}"
            cells = [status, r.severity, f"`{r.type}`", _md(r.column), count, pct, _md(sample)]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines)

    def to_metadata(self) -> dict[str, int | float | str | bool]:
        """Flat dict for Dagster check metadata (``results_markdown`` should be shown as Markdown)."""
        meta: dict[str, int | float | str | bool] = {
            "suite": self.suite_name,
            "table": self.table,
            "success": self.success,
            "row_count": self.row_count,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "expectations_evaluated": len(self.results),
            "expectations_passed": len(self.results) - len(self.failed),
            "failed_error_count": len(self.failed_errors),
            "failed_warning_count": len(self.failed_warnings),
            "failed_errors": "; ".join(f"{r.type}({r.column})" for r in self.failed_errors),
            "failed_warnings": "; ".join(f"{r.type}({r.column})" for r in self.failed_warnings),
            "validated_at": self.validated_at,
            "results_markdown": self.to_markdown(),
        }
        for r in self.failed:
            if r.unexpected_count is not None:
                meta[f"unexpected_count[{r.type}({r.column})]"] = r.unexpected_count
        return meta

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (without the raw GX result)."""
        data = asdict(self)
        data.pop("gx_result")
        for item in data["results"]:
            item["partial_unexpected"] = list(item["partial_unexpected"])
        return data

    def write_json(self, directory: str | Path) -> Path:
        """Write ``<directory>/<table>.json`` (summary + GX result) atomically; return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / f"{self.table}.json"
        payload = {"summary": self.to_dict(), "gx_result": self.gx_result}
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=_json_default)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


def _md(text: str) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= 120 else text[:117] + "..."


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON-friendly Python value for a GX partial-unexpected/observed value."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):  # pandas Timestamp, datetime, date
        try:
            if value != value:  # NaT
                return None
        except (TypeError, ValueError):
            pass
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    try:  # pandas NA
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover
        pass
    return str(value)


# ---------------------------------------------------------------------------------------------- GX
def get_gx_context() -> Any:
    """A fresh ephemeral GX context (imports GX: slow the first time in a process).

    Progress bars are switched off and analytics disabled (unless ``GX_ANALYTICS_ENABLED`` is set).
    A context may be reused across :func:`validate_table` calls in one process.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    import expectations.siret_expectation  # noqa: F401  (defining its classes registers the SIRET expectation)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch_definition(context: Any, asset_name: str) -> Any:
    try:
        datasource = context.data_sources.get(_DATASOURCE_NAME)
    except LookupError:
        datasource = context.data_sources.add_pandas(name=_DATASOURCE_NAME)
    try:
        asset = datasource.get_asset(asset_name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name=asset_name)
    try:
        return asset.get_batch_definition(_BATCH_DEFINITION_NAME)
    except LookupError:
        return asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION_NAME)


def _build_gx_suite(suite: Suite, frame: pd.DataFrame, value_sets: Mapping[int, list[Any]]) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.metadata_types import FailureSeverity

    gx_suite = gx.ExpectationSuite(name=suite.name)
    for index, spec in enumerate(suite.expectations):
        kwargs = _coerce_kwargs(spec, frame)
        if index in value_sets:
            kwargs["value_set"] = value_sets[index]
        try:
            expectation = ExpectationConfiguration(
                type=spec.type,
                kwargs=kwargs,
                meta={"observatoire_index": index, "severity": spec.severity},
                notes=spec.notes,
                severity=FailureSeverity.CRITICAL if spec.severity == "error" else FailureSeverity.WARNING,
            ).to_domain_obj()
        except Exception as exc:  # pydantic validation of the GX class
            raise SuiteError(
                f"suite file {suite.path or suite.name}: expectation #{index} ({spec.type}) is rejected by GX: {exc}"
            ) from exc
        gx_suite.add_expectation(expectation)
    return gx_suite


def _coerce_kwargs(spec: ExpectationSpec, frame: pd.DataFrame) -> dict[str, Any]:
    """Make JSON kwargs comparable with the DataFrame: ISO date strings → Timestamps on date columns."""
    import pandas as pd

    kwargs = dict(spec.kwargs)
    column = kwargs.get("column")
    if column in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
        for key in _BOUND_KWARGS:
            if isinstance(kwargs.get(key), str):
                kwargs[key] = pd.Timestamp(kwargs[key])
    return kwargs


def _exception_message(exception_info: Any) -> str | None:
    """GX puts either one ``{raised_exception, exception_message}`` dict or a dict of them per metric."""
    if not isinstance(exception_info, dict):
        return None
    if "raised_exception" in exception_info:
        if exception_info.get("raised_exception"):
            return str(exception_info.get("exception_message") or "GX raised an exception")
        return None
    for value in exception_info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


# ----------------------------------------------------------------------------------------- DuckDB
def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _read_frame(duckdb_path: Path, suite: Suite) -> tuple[pd.DataFrame, int, dict[int, list[Any]]]:
    """Read the suite's columns of its relation (read-only), the row count and the ``value_set_from`` sets
    (expectation index → distinct non-null values)."""
    schema, name = suite.schema_and_name
    if not duckdb_path.exists():
        raise TableNotFoundError(
            f"table {suite.table} cannot be validated: DuckDB file {duckdb_path} does not exist (run the load first)"
        )
    try:
        con = connect_reader(duckdb_path)
    except (duckdb.Error, WarehouseUnavailableError) as exc:
        raise ExpectationsError(f"cannot read {duckdb_path} to validate {suite.table}: {exc}") from exc
    try:
        rows = con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? and table_catalog = current_database()",
            [schema, name],
        ).fetchall()
        if not rows:
            raise TableNotFoundError(
                f"table {suite.table} does not exist in {duckdb_path}: run the load first "
                f"(suite {suite.path or suite.name})"
            )
        existing = {r[0] for r in rows}
        missing = [c for c in suite.columns if c not in existing]
        if missing:
            raise SchemaMismatchError(
                f"table {suite.table} in {duckdb_path} lacks columns {missing} used by suite "
                f"{suite.path or suite.name}; it has {sorted(existing)}"
            )
        relation = f"{_quote(schema)}.{_quote(name)}"
        row_count = con.execute(f"select count(*) from {relation}").fetchone()[0]  # type: ignore[index]
        if suite.columns:
            select = ", ".join(_quote(c) for c in suite.columns)
            frame = con.execute(f"select {select} from {relation}").df()
        else:  # table-level expectations only: a frame of the right length without data
            frame = con.execute(f"select 1 as _row from {relation}").df()
        value_sets = {
            index: _read_value_set(con, duckdb_path, suite, index, relation)
            for index, spec in enumerate(suite.expectations)
            if spec.value_set_from is not None
        }
        return frame, int(row_count), value_sets
    finally:
        con.close()


def _read_value_set(
    con: duckdb.DuckDBPyConnection, duckdb_path: Path, suite: Suite, index: int, checked_relation: str
) -> list[Any]:
    """The values of expectation ``index``'s ``value_set_from`` column that occur in the checked column.

    Membership gives the same answer with this intersection as with the whole reference column, and GX copies
    the value set for every metric it computes (37,496 COG communes would take seconds per expectation)."""
    spec = suite.expectations[index]
    table, column = spec.value_set_from  # type: ignore[misc]
    schema, _, name = table.rpartition(".")
    where = f"expectation #{index} of suite {suite.path or suite.name} takes its values from {table}.{column}"
    existing = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ? and table_catalog = current_database()",
            [schema or "main", name],
        ).fetchall()
    }
    if not existing:
        raise TableNotFoundError(f"{where}, which does not exist in {duckdb_path}: run its load first")
    if column not in existing:
        raise SchemaMismatchError(f"{where}, but {table} has no such column; it has {sorted(existing)}")
    reference = f"{_quote(schema or 'main')}.{_quote(name)}"
    rows = con.execute(
        f"select distinct {_quote(column)} from {reference} where {_quote(column)} in "
        f"(select {_quote(spec.kwargs['column'])} from {checked_relation})"
    )
    return sorted(r[0] for r in rows.fetchall())


# ------------------------------------------------------------------------------------------ public
def validate_table(duckdb_path: str | Path, suite: Suite | str | Path, *, context: Any = None) -> ValidationReport:
    """Validate ``suite.table`` of the DuckDB file ``duckdb_path`` with GX 1.x on pandas.

    ``suite`` may be a :class:`Suite` or anything :func:`load_suite` accepts. ``context`` is an
    optional GX context from :func:`get_gx_context` to reuse (a new ephemeral one otherwise).
    ``report.success`` is False only if an ``error``-severity expectation fails (or cannot be
    evaluated); failing ``warning`` expectations are reported but keep it True.

    Raises :class:`TableNotFoundError` if the file or relation is missing, :class:`SchemaMismatchError`
    if a column is missing, :class:`SuiteError` if GX rejects an expectation's kwargs.
    """
    started = time.perf_counter()
    if not isinstance(suite, Suite):
        suite = load_suite(suite)
    duckdb_path = Path(duckdb_path)
    frame, row_count, value_sets = _read_frame(duckdb_path, suite)

    if context is None:
        context = get_gx_context()
    gx_suite = _build_gx_suite(suite, frame, value_sets)
    batch = _batch_definition(context, suite.table).get_batch(batch_parameters={"dataframe": frame})
    gx_result = batch.validate(
        gx_suite,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT},
    )

    results = [_to_result(suite, r) for r in gx_result.results]
    results.sort(key=lambda r: r.index)
    if len(results) != len(suite.expectations):  # defensive: GX must return one result per expectation
        raise ExpectationsError(
            f"GX returned {len(results)} results for {len(suite.expectations)} expectations of {suite.name}"
        )
    success = all(r.success for r in results if r.severity == "error")
    return ValidationReport(
        suite_name=suite.name,
        table=suite.table,
        success=success,
        row_count=row_count,
        elapsed_seconds=time.perf_counter() - started,
        results=results,
        validated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duckdb_path=str(duckdb_path),
        gx_result=_summarise_value_sets(
            json.loads(json.dumps(gx_result.to_json_dict(), default=_json_default)), suite, value_sets
        ),
    )


def _summarise_value_sets(gx_json: dict[str, Any], suite: Suite, value_sets: Mapping[int, list[Any]]) -> dict[str, Any]:
    """Replace the value sets read from another relation by a one-line description in GX's JSON result."""
    for item in gx_json.get("results", []):
        config = item.get("expectation_config") or {}
        index = (config.get("meta") or {}).get("observatoire_index")
        if index in value_sets and "value_set" in config.get("kwargs", {}):
            table, column = suite.expectations[index].value_set_from  # type: ignore[misc]
            config["kwargs"]["value_set"] = (
                f"the values of {table}.{column} ({len(value_sets[index])} of them occur in the checked column)"
            )
    return gx_json


def _to_result(suite: Suite, gx_res: Any) -> ExpectationResult:
    config = gx_res.expectation_config
    # GX does not keep the suite order in results: the index travels in the expectation's meta.
    index = int(config.meta["observatoire_index"])
    spec = suite.expectations[index]
    result: Mapping[str, Any] = gx_res.result or {}
    error = _exception_message(gx_res.exception_info)
    percent = result.get("unexpected_percent")
    return ExpectationResult(
        index=index,
        type=spec.type,
        column=spec.label,
        severity=spec.severity,
        success=bool(gx_res.success) and error is None,
        element_count=_int_or_none(result.get("element_count")),
        unexpected_count=_int_or_none(result.get("unexpected_count")),
        unexpected_percent=None if percent is None else float(percent),
        missing_count=_int_or_none(result.get("missing_count")),
        partial_unexpected=tuple(_plain(v) for v in result.get("partial_unexpected_list") or ()),
        observed_value=_plain(result.get("observed_value")),
        mostly=spec.kwargs.get("mostly"),
        notes=spec.notes,
        error=error,
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m expectations.runner DB [SUITE ...] [--out DIR]``: validate, print, exit 1 on error."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("duckdb_path", type=Path)
    parser.add_argument("suites", nargs="*", help="suite names or files (default: every suite)")
    parser.add_argument("--out", type=Path, help="directory for the JSON results")
    args = parser.parse_args(argv)
    names: Iterable[str | Path] = args.suites or list_suites()
    context = None
    status = 0
    for name in names:
        suite = load_suite(name)
        try:
            if context is None:
                context = get_gx_context()
            report = validate_table(args.duckdb_path, suite, context=context)
        except ExpectationsError as exc:
            print(f"[ERROR] {suite.table}: {exc}")
            status = 1
            continue
        verdict = "PASS" if report.success else "FAIL"
        print(f"[{verdict}] {suite.table}: {report.row_count} rows, {report.elapsed_seconds:.2f}s")
        print(report.to_markdown())
        if args.out:
            report.write_json(args.out)
        status = status or (0 if report.success else 1)
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
