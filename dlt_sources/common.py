"""Building blocks shared by the dlt sources: content hashes, DuckDB-read Arrow batches, CSV diagnostics."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa

BATCH_ROWS = 50_000
#: Separators CSV exports use, in order of preference when a header line has as many of two.
CSV_SEPARATORS = ",;\t|"


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


def irregular_csv_line(path: Path, delimiter: str | None = None, encoding: str = "utf-8") -> str:
    """Where a CSV stops being regular, for error messages: the first line whose number of fields differs from
    the header's (read with ``delimiter``, else the separator the header line uses most), or "" when none does.
    DuckDB's dialect detection gives up, or guesses a single column, on such files without saying where."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        separator = delimiter or max(CSV_SEPARATORS, key=handle.readline().count)
        handle.seek(0)
        reader = csv.reader(handle, delimiter=separator)
        width = len(next(reader, []))
        for cells in reader:
            if len(cells) != width:
                return (
                    f"irregular CSV: line {reader.line_num} has {len(cells)} field(s) where the header has {width} "
                    f"(separator {separator!r}): mixed separators or an unquoted separator in a value"
                )
    return ""


def csv_error_reason(path: Path, error: Exception, delimiter: str | None = None) -> str:
    """Why DuckDB could not read a CSV file, in one line: not UTF-8, the first irregular line, or DuckDB's own
    first line."""
    if "not utf-8 encoded" in str(error):
        return "the file is not UTF-8 (Windows-1252?): re-encode it in UTF-8"
    return irregular_csv_line(path, delimiter) or str(error).strip().splitlines()[0]


def with_constant_columns(batch: pa.RecordBatch | pa.Table, columns: dict[str, str]) -> pa.Table:
    """The rows plus constant, non-null text columns (source file, content hash...)."""
    table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    for name, value in columns.items():
        field = pa.field(name, pa.string(), nullable=False)
        table = table.append_column(field, pa.repeat(pa.scalar(value, pa.string()), table.num_rows))
    return table
