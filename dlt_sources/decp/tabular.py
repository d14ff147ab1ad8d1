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
        text_columns = ", ".join(f'cast("{name}" as varchar) as "{name}"' for name in relation.columns)
        reader = con.sql(f"select {text_columns} from ({_scan_sql(path)})").to_arrow_reader(BATCH_ROWS)
        yield from reader
    except duckdb.Error as exc:
        raise RecordParseError(f"unreadable tabular file: {exc}") from exc
    finally:
        con.close()
