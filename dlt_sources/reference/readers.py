"""Reading a reference CSV: DuckDB parses it and hands Arrow batches over, every value as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from ..common import duckdb_arrow_batches, sql_literal


def iter_csv_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the rows of a UTF-8, comma-delimited CSV with a header; empty fields are null."""
    return duckdb_arrow_batches(
        f"select * from read_csv({sql_literal(str(path))}, header = true, delim = ',', quote = '\"', "
        f"all_varchar = true, encoding = 'utf-8')"
    )
