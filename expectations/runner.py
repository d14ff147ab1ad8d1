"""Great Expectations 1.x suites of the warehouse, validated on pandas DataFrames read from DuckDB in batches.

A suite is GX's own ``ExpectationSuite`` JSON, one file per DuckDB relation, named after it:
``expectations/suites/<schema>.<table>.json`` holds the suite ``"name": "<schema>.<table>"``. GX parses and
checks it (:func:`load_suite`) and evaluates it (a validation definition on a pandas dataframe batch). This
module does only what GX does not do here:

* choose the batch: the relation's columns that the expectations use, read from the DuckDB file opened
  read-only (GX's SQL datasource fails on DuckDB, see README.md); a relation of more than :data:`BATCH_ROWS`
  rows is never held whole in pandas (issue 15: 7.3 GB for the national hours fact): row-wise expectations run
  on frames of that many rows and their results are summed as GX would count them on one frame, uniqueness
  expectations run on one frame of their own columns; a column the suite's ``meta.read_as`` names is read as
  that DuckDB expression (the raw DECP record's JSON text as its first characters: GX hashing and pandas
  converting 1.9 M JSON texts took 12 of the suite's 18 s on the national preset);
* give GX the suite parameters ``{"$PARAMETER": "<schema>__<table>__<column>"}`` of ``value_set`` kwargs: the
  values of that warehouse column which occur in the checked column (same answer as the whole column, and GX
  copies a value set for every metric it computes);
* compare ISO date bounds with DATE columns, which pandas holds as ``datetime64``;
* register the project's SIRET expectation (:mod:`expectations.siret_expectation`);
* turn GX's result into what the Dagster checks and the quality page use (:mod:`expectations.report`).

An expectation's GX ``severity`` says whether it blocks: ``critical`` (reported as ``error``) fails the check
and blocks downstream assets, ``warning`` is reported only. ``import great_expectations`` takes seconds: it
happens in :func:`load_suite` and :func:`get_gx_context`, never when this module is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from expectations.report import COLUMN_KWARGS, SEVERITY_LABELS, ExpectationResult, ValidationReport, to_result
from observatoire.process_memory import release_freed_memory
from observatoire.warehouse import WarehouseUnavailableError, connect_reader, sql_identifier, sql_literal

if TYPE_CHECKING:  # pragma: no cover - typing only, GX is imported lazily
    import pandas as pd
    from great_expectations import ExpectationSuite

__all__ = [
    "SUITES_DIR",
    "ExpectationResult",
    "ExpectationsError",
    "SchemaMismatchError",
    "SuiteError",
    "TableNotFoundError",
    "ValidationReport",
    "get_gx_context",
    "list_suites",
    "load_suite",
    "validate_table",
]

SUITES_DIR = Path(__file__).resolve().parent / "suites"
PARTIAL_UNEXPECTED_COUNT = 5
#: A relation of more rows is validated in frames of this many rows (memory stays bounded, issue 15).
BATCH_ROWS = 500_000
#: Key of a suite's ``meta``: column → DuckDB expression read in its place (:func:`_frames`).
READ_AS = "read_as"
#: The column dlt gives every raw row: the load that wrote it. A relation that has it keeps its row-wise results per
#: load (:class:`_RowWiseCache`).
LOAD_ID_COLUMN = "_dlt_load_id"
#: Changes when what a kept row-wise result means changes (this module's merging, GX's result format).
ROW_WISE_CACHE_VERSION = 1
#: Expectations whose outcome on a row depends on that row alone: validated batch by batch, results summed.
#: Any other (uniqueness, table-level) sees its columns whole.
ROW_WISE_EXPECTATIONS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_valid_siret",
        "expect_column_value_lengths_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
_DATASOURCE_NAME = "observatoire_duckdb_frames"
_RELATION_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$")


class ExpectationsError(Exception):
    """Base class of the errors raised by this module."""


class SuiteError(ExpectationsError, ValueError):
    """A suite file is missing, is not valid JSON, or holds an expectation GX rejects (names the file)."""


class TableNotFoundError(ExpectationsError, LookupError):
    """The DuckDB file or the relation a suite targets does not exist (yet)."""


class SchemaMismatchError(ExpectationsError, LookupError):
    """The relation exists but lacks columns the suite refers to."""


# ------------------------------------------------------------------------------------------ suites
def list_suites(directory: Path = SUITES_DIR) -> list[Path]:
    """The suite files of ``directory``, sorted by name."""
    return sorted(directory.glob("*.json"))


def load_suite(path_or_name: str | Path) -> ExpectationSuite:
    """The GX suite of a file, or of a relation name such as ``"marts.fct_contracts"`` (looked up in
    :data:`SUITES_DIR`). Raises :class:`SuiteError` naming the file when it is not a GX suite named after its
    file, or when GX rejects an expectation (unknown type, missing or invalid kwargs, severity other than
    ``critical``/``warning``)."""
    path = Path(path_or_name) if str(path_or_name).endswith(".json") else SUITES_DIR / f"{path_or_name}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        known = ", ".join(p.stem for p in list_suites()) or "none"
        raise SuiteError(f"suite file {path} does not exist (known suites: {known})") from exc
    except json.JSONDecodeError as exc:
        raise SuiteError(f"suite file {path} is not valid JSON: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("expectations"), list) or not raw["expectations"]:
        raise SuiteError(f"suite file {path}: expected a GX ExpectationSuite with a non-empty 'expectations' list")
    if raw.get("name") != path.stem or not _RELATION_RE.match(path.stem):
        raise SuiteError(
            f"suite file {path}: 'name' must be the relation it validates, 'schema.table', and the file name "
            f"without .json; got {raw.get('name')!r}"
        )
    read_as = (raw.get("meta") or {}).get(READ_AS, {})
    if not isinstance(read_as, dict) or not all(isinstance(v, str) and v.strip() for v in read_as.values()):
        raise SuiteError(f"suite file {path}: meta.{READ_AS} must map a column to a DuckDB expression, got {read_as!r}")
    get_gx_context()  # imports GX and registers the SIRET expectation
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    expectations = []
    for index, item in enumerate(raw["expectations"]):
        kind = item.get("type") if isinstance(item, dict) else None
        try:
            if item.get("severity", "critical") not in SEVERITY_LABELS:
                raise ValueError(f"severity must be one of {sorted(SEVERITY_LABELS)}, got {item['severity']!r}")
            expectation = ExpectationConfiguration(**item).to_domain_obj()
        except Exception as exc:  # GX raises its own errors, pydantic's, TypeError and ValueError
            raise SuiteError(f"suite file {path}: expectation #{index} ({kind}) is rejected by GX: {exc}") from exc
        parameter = _parameter(expectation)
        if parameter is not None and len(parameter.split("__")) != 3:
            raise SuiteError(
                f"suite file {path}: expectation #{index} ({kind}) takes its values from {parameter!r}, but a suite "
                "parameter is named <schema>__<table>__<column> (the warehouse column holding the values)"
            )
        expectations.append(expectation)
    return gx.ExpectationSuite(**{**raw, "expectations": expectations})


def _kwargs(expectation: Any) -> dict[str, Any]:
    return expectation.configuration.kwargs


def _columns(expectation: Any) -> list[str]:
    """Columns of the table an expectation reads, in kwarg order."""
    kwargs = _kwargs(expectation)
    return [kwargs[k] for k in COLUMN_KWARGS if kwargs.get(k)] + list(kwargs.get("column_list") or ())


def _parameter(expectation: Any) -> str | None:
    """The suite parameter of an expectation's ``value_set``, if it takes its values from the warehouse."""
    value_set = _kwargs(expectation).get("value_set")
    return value_set["$PARAMETER"] if isinstance(value_set, dict) else None


# ------------------------------------------------------------------------------------------- batch


def _existing_columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    schema, name = relation.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? and table_catalog = current_database()",
        [schema, name],
    ).fetchall()
    return {r[0] for r in rows}


def _relation(suite: ExpectationSuite) -> str:
    return ".".join(sql_identifier(part) for part in suite.name.split("."))


def _read_metadata(
    duckdb_path: Path, suite: ExpectationSuite, per_load: bool
) -> tuple[int, dict[str, list[Any]], dict[str, int] | None]:
    """The row count of the suite's relation, the suite parameters' values, and (``per_load``) the rows of each dlt
    load when every row carries the load that wrote it (None otherwise, or without ``per_load``); checks the file,
    the relation and the suite's columns exist (read-only)."""
    if not duckdb_path.exists():
        raise TableNotFoundError(
            f"table {suite.name} cannot be validated: DuckDB file {duckdb_path} does not exist (run the load first)"
        )
    columns = _suite_columns(suite.expectations)
    with _reader(duckdb_path, suite) as con:
        existing = _existing_columns(con, suite.name)
        if not existing:
            raise TableNotFoundError(f"table {suite.name} does not exist in {duckdb_path}: run the load first")
        missing = [c for c in columns if c not in existing]
        if missing:
            raise SchemaMismatchError(
                f"table {suite.name} in {duckdb_path} lacks columns {missing} used by its suite; "
                f"it has {sorted(existing)}"
            )
        relation = _relation(suite)
        loads: dict[str, int] | None = None
        if per_load and LOAD_ID_COLUMN in existing:
            rows = con.execute(f"select {sql_identifier(LOAD_ID_COLUMN)}, count(*) from {relation} group by all")
            loads = dict(rows.fetchall())
            row_count = sum(loads.values())
            if None in loads:  # rows written otherwise than by dlt: no load to keep results for
                loads = None
        else:
            row_count = con.execute(f"select count(*) from {relation}").fetchone()[0]  # type: ignore[index]
        checked: dict[str, list[str]] = {}
        for expectation in suite.expectations:
            if (name := _parameter(expectation)) is not None:
                checked.setdefault(name, []).append(_kwargs(expectation)["column"])
        parameters = {
            name: _read_parameter(con, duckdb_path, suite.name, name, relation, cols) for name, cols in checked.items()
        }
    return int(row_count), parameters, loads


def _reader(duckdb_path: Path, suite: ExpectationSuite) -> duckdb.DuckDBPyConnection:
    try:
        return connect_reader(duckdb_path)
    except (duckdb.Error, WarehouseUnavailableError) as exc:
        raise ExpectationsError(f"cannot read {duckdb_path} to validate {suite.name}: {exc}") from exc


def _suite_columns(expectations: Sequence[Any]) -> list[str]:
    return list(dict.fromkeys(c for e in expectations for c in _columns(e)))


def _frames(
    duckdb_path: Path,
    suite: ExpectationSuite,
    expectations: Sequence[Any],
    batch_rows: int | None,
    where: str | None = None,
) -> Iterator[pd.DataFrame]:
    """The columns ``expectations`` use, whole (``batch_rows`` None) or in frames of about ``batch_rows`` rows,
    in the order DuckDB returns them, of the rows ``where`` keeps (SQL; all when None). A column named in the suite's
    ``meta.read_as`` is read as that expression (e.g. the first characters of a JSON text whose expectations only
    look at its start and its nullness)."""
    read_as = (suite.meta or {}).get(READ_AS, {})
    select = (
        ", ".join(
            f"{read_as[c]} as {sql_identifier(c)}" if c in read_as else sql_identifier(c)
            for c in _suite_columns(expectations)
        )
        or "1 as _row"  # table-level: rows only
    )
    with _reader(duckdb_path, suite) as con:
        result = con.execute(f"select {select} from {_relation(suite)} where {where or 'true'}")
        if batch_rows is None:
            yield result.df()
            return
        vectors = max(1, batch_rows // duckdb.__standard_vector_size__)
        while len(frame := result.fetch_df_chunk(vectors)):
            yield frame


def _read_parameter(
    con: duckdb.DuckDBPyConnection, duckdb_path: Path, suite_name: str, name: str, relation: str, checked: list[str]
) -> list[Any]:
    """The values of the warehouse column ``<schema>__<table>__<column>`` that occur in the checked columns."""
    schema, table, column = name.split("__")
    where = f"suite {suite_name} takes the values of parameter {name!r}"
    existing = _existing_columns(con, f"{schema}.{table}")
    if not existing:
        raise TableNotFoundError(
            f"{where} from {schema}.{table}, which does not exist in {duckdb_path}: run its load first"
        )
    if column not in existing:
        raise SchemaMismatchError(f"{where}, but {schema}.{table} has no column {column}; it has {sorted(existing)}")
    occurring = " union ".join(f"select {sql_identifier(c)} from {relation}" for c in checked)
    reference, value = f"{sql_identifier(schema)}.{sql_identifier(table)}", sql_identifier(column)
    rows = con.execute(f"select distinct {value} from {reference} where {value} in ({occurring})").fetchall()
    return sorted(r[0] for r in rows)


def _compare_dates_as_timestamps(suite: ExpectationSuite, frame: pd.DataFrame) -> None:
    """GX reads ISO bounds as ``datetime.date``; a DATE column comes from DuckDB as ``datetime64[us]``, which pandas
    compares with Timestamps only. GX compares a ``datetime64[ns]`` column as a whole and any other resolution
    value by value in Python (21 of the 24 s of the national hours fact's suite): the column is converted to
    nanoseconds when its values fit (years 1678 to 2261), else left as it is."""
    import pandas as pd

    for expectation in suite.expectations:
        column = _kwargs(expectation).get("column")
        if column in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
            for bound in ("min_value", "max_value"):
                value = getattr(expectation, bound, None)
                if isinstance(value, date):
                    setattr(expectation, bound, pd.Timestamp(value))
            values = frame[column]
            if not pd.api.types.is_datetime64_ns_dtype(values.dtype) and (
                values.isna().all() or (values.min() >= pd.Timestamp.min and values.max() <= pd.Timestamp.max)
            ):
                frame[column] = values.astype("datetime64[ns]")


def _compare_integers_as_int64(suite: ExpectationSuite, frame: pd.DataFrame) -> set[str]:
    """GX compares a column with range bounds as a whole only when its dtype is ``int64`` or ``float64``; DuckDB gives
    an INTEGER column as ``int32`` (``Int32`` when it holds NULLs), which GX compares value by value in Python (1.9 of
    the 3.4 s of the national beneficiaries' suite). The integer columns of range expectations are converted to
    ``int64``, or to ``float64`` when they hold NULLs: NaN, which GX leaves out as it leaves out NULLs; every integer
    of up to 53 bits is exact in a ``float64``. Returns the columns given as ``float64``, whose unexpected values
    :func:`_unexpected_as_integers` gives back as integers."""
    import pandas as pd

    as_float = set()
    for expectation in suite.expectations:
        column = _kwargs(expectation).get("column")
        if expectation.expectation_type != "expect_column_values_to_be_between" or column not in frame.columns:
            continue
        dtype = frame[column].dtype
        if not pd.api.types.is_integer_dtype(dtype) or dtype == "int64":
            continue
        if frame[column].isna().any():
            frame[column] = frame[column].astype("float64")
            as_float.add(column)
        else:
            frame[column] = frame[column].astype("int64")
    return as_float


def _unexpected_as_integers(result: dict) -> None:
    """The unexpected values of an integer column compared as ``float64`` as the integers they are (9, not 9.0)."""
    summary = result.get("result") or {}
    summary["partial_unexpected_list"] = [
        int(value) if isinstance(value, float) and value.is_integer() else value
        for value in summary.get("partial_unexpected_list") or []
    ]
    for count in summary.get("partial_unexpected_counts") or []:
        if isinstance(count.get("value"), float) and count["value"].is_integer():
            count["value"] = int(count["value"])


# ---------------------------------------------------------------------------------------------- GX
def get_gx_context() -> Any:
    """A fresh ephemeral GX context, progress bars off, analytics off unless ``GX_ANALYTICS_ENABLED`` is set
    (imports GX: slow the first time in a process). It may be reused across :func:`validate_table` calls."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    import expectations.siret_expectation  # noqa: F401  (defining its classes registers the SIRET expectation)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


# ----------------------------------------------------------------------------------------- batches
def _run_gx(
    context: Any, relation: str, name: str, expectations: Sequence[Any], frame: pd.DataFrame, parameters: dict
) -> dict:
    """GX's JSON result of ``expectations`` (copies, as the suite ``name``) on ``frame``, a batch of the asset
    ``relation``, results in the order of ``expectations``."""
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    copies = [
        ExpectationConfiguration(**{**e.configuration.to_json_dict(), "id": None}).to_domain_obj() for e in expectations
    ]
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=copies))
    _compare_dates_as_timestamps(suite, frame)
    integers_as_float = _compare_integers_as_int64(suite, frame)
    batch_definition = (
        context.data_sources.add_or_update_pandas(_DATASOURCE_NAME)
        .add_dataframe_asset(relation)
        .add_batch_definition_whole_dataframe("whole_dataframe")
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    result = validation.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_UNEXPECTED_COUNT},
    ).to_json_dict()
    position = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
    result["results"].sort(key=lambda item: position[item["expectation_config"]["id"]])
    for item in result["results"]:
        if item["expectation_config"]["kwargs"].get("column") in integers_as_float:
            _unexpected_as_integers(item)
    return result


def _merge_batches(items: list[dict], first_row: list[int]) -> dict:
    """One row-wise expectation's GX results on consecutive batches (``first_row``: each batch's first row in
    the relation), as GX gives it on the whole relation: counts summed, the first unexpected values, the
    percentages and ``mostly`` outcome recomputed as GX does (``_format_map_output``, ``_mostly_success``)."""
    if len(items) == 1 or any(item.get("exception_info", {}).get("raised_exception") for item in items):
        return next((i for i in items if i.get("exception_info", {}).get("raised_exception")), items[0])
    results = [item["result"] for item in items]
    merged = dict(results[0])
    for key in ("element_count", "unexpected_count", "missing_count"):
        if key in merged:
            merged[key] = sum(r[key] for r in results)
    if "partial_unexpected_list" in merged:
        values = [v for r in results for v in r["partial_unexpected_list"]][:PARTIAL_UNEXPECTED_COUNT]
        merged["partial_unexpected_list"] = values
        if "partial_unexpected_counts" in merged:
            # as GX counts them: a multi-column value as a tuple (a list once in JSON)
            counted = Counter(
                tuple(v.values()) if isinstance(v, dict) else tuple(v) if isinstance(v, list) else v for v in values
            )
            merged["partial_unexpected_counts"] = [
                {"value": list(value) if isinstance(value, tuple) else value, "count": count}
                for value, count in sorted(counted.most_common(PARTIAL_UNEXPECTED_COUNT), key=lambda x: (-x[1], x[0]))
            ]
    if "partial_unexpected_index_list" in merged:
        indexes = [
            i + start for r, start in zip(results, first_row, strict=True) for i in r["partial_unexpected_index_list"]
        ]
        merged["partial_unexpected_index_list"] = indexes[:PARTIAL_UNEXPECTED_COUNT]
    elements, unexpected, missing = merged["element_count"], merged["unexpected_count"], merged.get("missing_count")
    considered = elements - (missing or 0)
    total = unexpected / elements * 100 if elements else None
    nonmissing = (unexpected / considered * 100 if considered else None) if elements else None
    if "missing_count" in merged:
        merged["missing_percent"] = missing / elements * 100 if elements else None
        merged["unexpected_percent_total"] = total
        merged["unexpected_percent_nonmissing"] = nonmissing
        merged["unexpected_percent"] = nonmissing
    else:
        merged["unexpected_percent"] = total
    mostly = items[0]["expectation_config"]["kwargs"].get("mostly", 1.0)
    success = considered == 0 or (considered - unexpected) / considered >= mostly
    return {**items[0], "success": success, "result": merged}


class _RowWiseCache:
    """The row-wise results of a suite on a relation dlt appends to, per load: a monthly refresh validates the rows
    of its new loads and merges their results with those kept for the loads before (same counts, first unexpected
    values and outcomes as on the whole relation: :func:`_merge_batches`). The results are kept in
    ``<folder>/<schema>.<table>.json`` with the row count of every load they cover. They are used only when every
    one of those loads still has that many rows in the relation (a load deleted or replaced, as a merge or a
    cleaned-up failed load does, means validating every row again) and nothing else they depend on changed: the
    suite's expectations and ``read_as``, the suite parameters' values, the warehouse file, GX's version and
    :data:`ROW_WISE_CACHE_VERSION`."""

    def __init__(
        self, folder: Path, duckdb_path: Path, suite: ExpectationSuite, parameters: dict, loads: dict[str, int]
    ) -> None:
        import great_expectations as gx

        self.path = folder / f"{suite.name}.json"
        definition = {
            "version": ROW_WISE_CACHE_VERSION,
            "gx": gx.__version__,
            "warehouse": str(duckdb_path.resolve()),
            "expectations": [e.configuration.to_json_dict() | {"id": None} for e in suite.expectations],
            "read_as": (suite.meta or {}).get(READ_AS, {}),
            "parameters": parameters,
        }
        self.key = hashlib.sha256(json.dumps(definition, sort_keys=True, default=str).encode()).hexdigest()
        self.loads = loads
        kept = self._read()
        still_there = kept is not None and all(self.loads.get(load) == n for load, n in kept["loads"].items())
        #: the kept results (expectation index → GX item), their row count and GX's result around them
        self.kept: dict[int, dict] = {int(i): item for i, item in kept["results"].items()} if still_there else {}
        self.kept_rows = sum(kept["loads"].values()) if still_there else 0
        self.skeleton: dict = kept["skeleton"] if still_there else {}
        #: the rows to validate (SQL): those of the loads the kept results do not cover; every row (None) without them
        self.where: str | None = None
        if still_there:
            new_loads = ", ".join(sql_literal(load) for load in loads if load not in kept["loads"])
            self.where = f"{sql_identifier(LOAD_ID_COLUMN)} in ({new_loads or 'null'})"

    def _read(self) -> dict | None:
        try:
            kept = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return kept if isinstance(kept, dict) and kept.get("key") == self.key else None

    def save(self, results: dict[int, dict], gx_result: dict) -> None:
        """Keep ``results`` (expectation index → GX item) as those of every load of the relation now."""
        if any(item.get("exception_info", {}).get("raised_exception") for item in results.values()):
            return  # an expectation GX could not evaluate is evaluated again next time
        skeleton = {key: value for key, value in gx_result.items() if key != "results"}
        kept = {"key": self.key, "loads": self.loads, "results": results, "skeleton": skeleton}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".json.partial")
        partial.write_text(json.dumps(kept, default=str), encoding="utf-8")
        os.replace(partial, self.path)


def _validate_in_batches(
    context: Any,
    duckdb_path: Path,
    suite: ExpectationSuite,
    parameters: dict,
    batch_rows: int,
    cache: _RowWiseCache | None = None,
) -> dict:
    """GX's JSON result of ``suite`` on a relation too large for one frame, or whose row-wise results are kept per
    load (``cache``): the row-wise expectations on frames of ``batch_rows`` rows (of the loads not kept), results
    merged (with those kept); the others (uniqueness) on one frame of their columns only."""
    row_wise = [i for i, e in enumerate(suite.expectations) if e.expectation_type in ROW_WISE_EXPECTATIONS]
    whole = [i for i in range(len(suite.expectations)) if i not in row_wise]
    items: dict[int, dict] = {}
    gx_result: dict = cache.skeleton if cache is not None else {}
    if row_wise:
        expectations = [suite.expectations[i] for i in row_wise]
        batches, first_row, rows = [], [], 0
        if cache is not None and cache.kept:
            batches.append([cache.kept[i] for i in row_wise])
            first_row.append(0)
            rows = cache.kept_rows
        where = cache.where if cache is not None else None
        for frame in _frames(duckdb_path, suite, expectations, batch_rows, where):
            gx_result = _run_gx(context, suite.name, f"{suite.name} (rows)", expectations, frame, parameters)
            batches.append(gx_result["results"])
            first_row.append(rows)
            rows += len(frame)
        for position, index in enumerate(row_wise):
            items[index] = _merge_batches([batch[position] for batch in batches], first_row)
        if cache is not None:
            cache.save({index: items[index] for index in row_wise}, gx_result)
    if whole:
        expectations = [suite.expectations[i] for i in whole]
        frame = next(_frames(duckdb_path, suite, expectations, None))
        gx_result = _run_gx(context, suite.name, f"{suite.name} (whole columns)", expectations, frame, parameters)
        del frame
        items.update(zip(whole, gx_result["results"], strict=True))
    results = [items[i] for i in range(len(suite.expectations))]
    successful = sum(bool(item["success"]) for item in results)
    statistics = {
        **gx_result["statistics"],
        "evaluated_expectations": len(results),
        "successful_expectations": successful,
        "unsuccessful_expectations": len(results) - successful,
        "success_percent": successful / len(results) * 100,
    }
    return {**gx_result, "success": successful == len(results), "results": results, "statistics": statistics}


# ------------------------------------------------------------------------------------------ public
def validate_table(
    duckdb_path: str | Path,
    suite: ExpectationSuite | str | Path,
    *,
    context: Any = None,
    batch_rows: int = BATCH_ROWS,
    cache_dir: Path | None = None,
) -> ValidationReport:
    """Validate the relation ``suite.name`` of the DuckDB file ``duckdb_path`` with GX on pandas.

    ``suite`` is a GX suite or anything :func:`load_suite` accepts; ``context`` a context from
    :func:`get_gx_context` to reuse (a new one otherwise). A relation of more than ``batch_rows`` rows is never
    read whole: row-wise expectations run on frames of ``batch_rows`` rows and their results are merged (same
    counts as one frame), uniqueness expectations on one frame of their columns only. ``report.success`` is
    False only if a ``critical`` expectation fails or cannot be evaluated; failing ``warning`` expectations are
    reported but keep it True. Raises :class:`TableNotFoundError` if the file or a relation is missing,
    :class:`SchemaMismatchError` if a column is missing. With ``cache_dir``, a relation dlt appends to (it has
    ``_dlt_load_id``) keeps its row-wise results there, per load, and only the rows of new loads are read for
    them next time (:class:`_RowWiseCache`); the report is the same as without.
    """
    started = time.perf_counter()
    if isinstance(suite, str | Path):
        suite = load_suite(suite)
    duckdb_path = Path(duckdb_path)
    row_count, parameters, loads = _read_metadata(duckdb_path, suite, per_load=cache_dir is not None)
    context = context or get_gx_context()
    cache = (
        _RowWiseCache(cache_dir, duckdb_path, suite, parameters, loads)
        if cache_dir is not None and row_count and loads is not None
        else None
    )
    if row_count > batch_rows or cache is not None:
        gx_result = _validate_in_batches(context, duckdb_path, suite, parameters, batch_rows, cache)
        if row_count > batch_rows:
            release_freed_memory()  # 0.15 s (a garbage collection): worth it after frames this large only
    else:
        frame = next(_frames(duckdb_path, suite, suite.expectations, None))
        gx_result = _run_gx(context, suite.name, suite.name, suite.expectations, frame, parameters)
    results = [to_result(index, item) for index, item in enumerate(gx_result["results"])]
    for index, item in enumerate(gx_result["results"]):  # the JSON names a warehouse value set rather than listing it
        name = _parameter(suite.expectations[index])
        if name is not None:
            item["expectation_config"]["kwargs"]["value_set"] = (
                f"the values of {name.replace('__', '.')} ({len(parameters[name])} of them occur in the checked column)"
            )
    return ValidationReport(
        suite_name=suite.name,
        table=suite.name,
        success=all(r.success for r in results if r.severity == "error"),
        row_count=row_count,
        elapsed_seconds=time.perf_counter() - started,
        results=results,
        validated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        duckdb_path=str(duckdb_path),
        gx_result=gx_result,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m expectations.runner DB [SUITE ...] [--out DIR]``: validate, print, exit 1 on error."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("duckdb_path", type=Path)
    parser.add_argument("suites", nargs="*", help="suite names or files (default: every suite)")
    parser.add_argument("--out", type=Path, help="directory for the JSON results")
    args = parser.parse_args(argv)
    names: Iterable[str | Path] = args.suites or list_suites()
    context = get_gx_context()
    status = 0
    for name in names:
        suite = load_suite(name)
        try:
            report = validate_table(args.duckdb_path, suite, context=context)
        except ExpectationsError as exc:
            print(f"[ERROR] {suite.name}: {exc}")
            status = 1
            continue
        verdict = "PASS" if report.success else "FAIL"
        print(f"[{verdict}] {suite.name}: {report.row_count} rows, {report.elapsed_seconds:.2f}s")
        print(report.to_markdown())
        if args.out:
            report.write_json(args.out)
        status = status or (0 if report.success else 1)
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
