"""Building blocks shared by the dlt sources: content hashes and DuckDB-read Arrow batches."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa

BATCH_ROWS = 50_000


def stream_sha256(stream: IO[bytes]) -> str:
    """SHA-256 of everything left in a binary stream (the identity of a file's content).

    Reads plain ``read()`` chunks, so it also works on archive members and other non-file streams."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return stream_sha256(handle)


def sql_literal(text: str) -> str:
    """A SQL string literal (for file paths in DuckDB table functions)."""
    return "'" + text.replace("'", "''") + "'"


def duckdb_arrow_batches(sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of a query run by a private in-memory DuckDB (the fastest CSV/Parquet reader at hand)."""
    con = duckdb.connect()
    try:
        yield from con.sql(sql).to_arrow_reader(batch_rows)
    finally:
        con.close()


def with_constant_columns(batch: pa.RecordBatch | pa.Table, columns: dict[str, str]) -> pa.Table:
    """The rows plus constant, non-null text columns (source file, content hash...)."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    for name, value in columns.items():
        field = pa.field(name, pa.string(), nullable=False)
        table = table.append_column(field, pa.array([value] * table.num_rows, type=pa.string()))
    return table
