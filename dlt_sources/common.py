"""Building blocks shared by the dlt sources: content hashes, DuckDB-read Arrow batches, CSV diagnostics, files
read in worker processes."""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import IO, TypeVar

import duckdb
import pyarrow as pa

BATCH_ROWS = 50_000
Task = TypeVar("Task")
Result = TypeVar("Result")
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


def available_cores() -> int:
    """The cores this process may run on (a container's CPU affinity, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def in_worker_processes(
    function: Callable[[Task], Result], tasks: Sequence[Task], workers: int, ahead: int | None = None
) -> Iterator[Result]:
    """``function(task)`` for each task, computed by ``workers`` fresh processes, yielded in the order of the tasks.

    At most ``ahead`` results (default: twice the workers) are computed before the caller takes them, which bounds
    the memory they hold. The workers are *spawned* (a fresh interpreter importing ``function``'s module), not
    forked: the caller's threads (DuckDB, Dagster) and open connections are not copied into them. An exception in
    ``function`` is raised here, at its task's turn; the tasks not started yet are then cancelled."""
    ahead = ahead or 2 * workers
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[Result]] = deque()
        remaining = iter(tasks)
        try:
            for task in remaining:
                pending.append(pool.submit(function, task))
                if len(pending) >= ahead:
                    break
            while pending:
                result = pending.popleft().result()
                for following in remaining:
                    pending.append(pool.submit(function, following))
                    break
                yield result
        finally:
            for future in pending:
                future.cancel()
