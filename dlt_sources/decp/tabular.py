"""The consolidated tabular DECP file (decp.info, CSV or Parquet): one row per marché × titulaire.

DuckDB reads it (it is the fastest CSV/Parquet reader at hand) and hands Arrow batches to dlt; every
value stays text, as published, and typing happens in dbt staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from ..common import csv_error_reason, duckdb_arrow_batches, irregular_csv_line, sql_literal
from .readers import RecordParseError

#: Columns without which a row cannot become a contract.
REQUIRED_TABULAR_COLUMNS = ("id", "acheteur_id", "titulaire_id", "montant", "dateNotification")
#: The decp.info layout read by staging; optional columns missing from a file are loaded as NULL so the raw
#: table always has them. Columns beyond these are loaded too (as text) and left to analysts.
TABULAR_COLUMNS = (
    "uid",
    "id",
    "type",
    "codeCPV",
    "acheteur_id",
    "acheteur_nom",
    "titulaire_id",
    "titulaire_nom",
    "montant",
    "dateNotification",
    "procedure",
    "dureeMois",
    "offresRecues",
    "acheteur_departement_code",
    "titulaire_departement_code",
    "acheteur_region_code",
    "titulaire_region_code",
)


def _scan_sql(path: Path) -> str:
    if path.suffix.lower() == ".parquet":
        return f"select * from read_parquet({sql_literal(str(path))})"
    return f"select * from read_csv({sql_literal(str(path))}, all_varchar = true, header = true)"


def _columns(path: Path) -> list[str]:
    with duckdb.connect() as con:
        return list(con.sql(_scan_sql(path)).columns)


def iter_tabular_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the file's rows, all columns as text, in file order."""
    try:
        present = _columns(path)
        missing = [column for column in REQUIRED_TABULAR_COLUMNS if column not in present]
        if missing:
            raise RecordParseError(
                (irregular_csv_line(path) if path.suffix.lower() == ".csv" else "")
                or f"not a DECP tabular file: missing column(s) {', '.join(missing)} "
                f"(expected the decp.info layout: {', '.join(REQUIRED_TABULAR_COLUMNS)}, ...)"
            )
        expected = [
            f'cast("{name}" as varchar) as "{name}"' if name in present else f'cast(null as varchar) as "{name}"'
            for name in TABULAR_COLUMNS
        ]
        extra = [f'cast("{name}" as varchar) as "{name}"' for name in present if name not in TABULAR_COLUMNS]
        yield from duckdb_arrow_batches(f"select {', '.join(expected + extra)} from ({_scan_sql(path)})")
    except duckdb.Error as exc:
        reason = csv_error_reason(path, exc) if path.suffix.lower() == ".csv" else str(exc).strip().splitlines()[0]
        raise RecordParseError(f"unreadable tabular file: {reason}") from exc
