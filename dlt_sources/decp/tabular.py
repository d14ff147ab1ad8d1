"""The consolidated tabular DECP file (decp.info, CSV or Parquet): one row per marché × titulaire.

DuckDB reads it (it is the fastest CSV/Parquet reader at hand) and hands Arrow batches to dlt; every
value stays text, as published, and typing happens in dbt staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

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
BATCH_ROWS = 50_000


def _scan_sql(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() == ".parquet":
        return f"select * from read_parquet('{quoted}')"
    return f"select * from read_csv('{quoted}', all_varchar = true, header = true)"


def iter_tabular_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the file's rows, all columns as text, in file order."""
    con = duckdb.connect()
    try:
        relation = con.sql(_scan_sql(path))
        missing = [column for column in REQUIRED_TABULAR_COLUMNS if column not in relation.columns]
        if missing:
            raise RecordParseError(
                f"not a DECP tabular file: missing column(s) {', '.join(missing)} "
                f"(expected the decp.info layout: {', '.join(REQUIRED_TABULAR_COLUMNS)}, ...)"
            )
        present = set(relation.columns)
        expected = [
            f'cast("{name}" as varchar) as "{name}"' if name in present else f'cast(null as varchar) as "{name}"'
            for name in TABULAR_COLUMNS
        ]
        extra = [f'cast("{name}" as varchar) as "{name}"' for name in relation.columns if name not in TABULAR_COLUMNS]
        text_columns = ", ".join(expected + extra)
        reader = con.sql(f"select {text_columns} from ({_scan_sql(path)})").to_arrow_reader(BATCH_ROWS)
        yield from reader
    except duckdb.Error as exc:
        raise RecordParseError(f"unreadable tabular file: {exc}") from exc
    finally:
        con.close()
