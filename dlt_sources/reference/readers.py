"""Reading a reference CSV: DuckDB parses it and hands Arrow batches over, every value as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

BATCH_ROWS = 50_000


def iter_csv_batches(path: Path, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the rows of a UTF-8, comma-delimited CSV with a header; empty fields are null."""
    quoted = str(path).replace("'", "''")
    con = duckdb.connect()
    try:
        relation = con.sql(
            f"select * from read_csv('{quoted}', header = true, delim = ',', quote = '\"', "
            f"all_varchar = true, encoding = 'utf-8')"
        )
        yield from relation.to_arrow_reader(batch_rows)
    finally:
        con.close()


def with_provenance(batch: pa.RecordBatch, columns: dict[str, str]) -> pa.Table:
    """The batch plus constant, non-null text columns (source file, content hash...)."""
    table = pa.Table.from_batches([batch])
    for name, value in columns.items():
        field = pa.field(name, pa.string(), nullable=False)
        table = table.append_column(field, pa.array([value] * table.num_rows, type=pa.string()))
    return table
