"""Reading a reference CSV: DuckDB parses it and hands Arrow batches over, every value as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from observatoire.warehouse import sql_literal

from ..common import CSV_SEPARATORS, csv_error_reason, duckdb_arrow_batches


class ReferenceFileError(ValueError):
    """A reference file that cannot be read as its table; the message names the file and says what to do."""


def iter_csv_batches(path: Path, delimiter: str = ",") -> Iterator[pa.RecordBatch]:
    """Arrow batches of the rows of a UTF-8 CSV with a header; empty fields are null.

    Values are kept as published (staging types and splits them). Raises ReferenceFileError when the file is not
    UTF-8, has an irregular line, or reads as one column holding another separator (the file uses another
    delimiter)."""
    sql = (
        f"select * from read_csv({sql_literal(str(path))}, header = true, delim = {sql_literal(delimiter)}, "
        f"quote = '\"', all_varchar = true, encoding = 'utf-8')"
    )
    try:
        with duckdb.connect() as con:
            columns = [row[0] for row in con.execute(f"describe {sql}").fetchall()]
    except duckdb.Error as exc:
        reason = csv_error_reason(path, exc, delimiter)
        raise ReferenceFileError(
            f"reference file {path} cannot be read as CSV (delimiter {delimiter!r}): {reason}"
        ) from exc
    if len(columns) == 1 and any(sep in columns[0] for sep in CSV_SEPARATORS if sep != delimiter):
        raise ReferenceFileError(
            f"reference file {path}: one column read with delimiter {delimiter!r} ({columns[0][:60]}...): "
            "the file uses another delimiter, re-export it as published"
        )
    return duckdb_arrow_batches(sql)
