"""Building blocks shared by the dlt sources: content hashes, DuckDB-read Arrow batches, CSV diagnostics, files
read in worker processes."""

from __future__ import annotations

import csv
import hashlib
import logging
import multiprocessing
import os
import pickle
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import duckdb
import pyarrow as pa

BATCH_ROWS = 50_000
Task = TypeVar("Task")
Outcome = TypeVar("Outcome")
#: The logger of the dlt sources, whose lines worker processes send back.
PACKAGE_LOGGER = "dlt_sources"
_NO_TASK = object()
#: Below this many bytes of files to read, a source reads them in its own process: starting worker processes (about
#: a second each, to import the readers) would cost more than it saves.
WORKER_PROCESSES_MIN_BYTES = 32 * 1024**2
#: Overrides the number of worker processes reading DECP and tracking files (1: the source's own process).
WORKERS_ENV = "OBSERVATOIRE_INGESTION_WORKERS"
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


def worker_count(requested: int | None, files: int, size_bytes: int) -> int:
    """How many worker processes read ``files`` files of ``size_bytes`` in all (1: the source's own process).

    ``requested`` when given, else ``OBSERVATOIRE_INGESTION_WORKERS`` when set, else one per core this process
    may run on (its CPU affinity, not the host's count) when there are WORKER_PROCESSES_MIN_BYTES or more to read;
    never more than the files."""
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if requested is None and setting:
        if not setting.isdigit() or int(setting) < 1:
            raise ValueError(f"{WORKERS_ENV}={setting!r}: expected a whole number of processes, 1 or more")
        requested = int(setting)
    if requested is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        requested = cores if size_bytes >= WORKER_PROCESSES_MIN_BYTES else 1
    return max(1, min(requested, files))


class WorkerProcessError(RuntimeError):
    """A worker process reading files stopped without an answer; the message names the file and what to do."""


class _LogLines(logging.Handler):
    """The log lines of this package written in a worker process, to be written again by the process it serves."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.levelno, record.getMessage()))


class WorkerResult(Generic[Outcome]):
    """What a worker process made of a task: its items, read back one at a time from the file the worker wrote them
    to (deleted once read), and ``outcome``, the value the task's generator returned."""

    def __init__(self, spool: Path, outcome: Outcome) -> None:
        self.spool = spool
        self.outcome = outcome

    def __iter__(self) -> Iterator[Any]:
        try:
            with self.spool.open("rb") as items:
                while True:
                    try:
                        yield pickle.load(items)
                    except EOFError:
                        return
        finally:
            self.spool.unlink(missing_ok=True)


def _spool_items(
    function: Callable[[Task], Iterable[Any]], task: Task, level: int, folder: Path
) -> tuple[Path, Any, list[tuple[str, int, str]]]:
    """In a worker process: the items of ``function(task)`` written to a new file of ``folder`` as they come (the
    worker never holds them all), the value its generator returned, and the log lines of this package it wrote
    (at ``level``)."""
    package_log = logging.getLogger(PACKAGE_LOGGER)
    handler = _LogLines()
    package_log.addHandler(handler)
    package_log.setLevel(level)
    package_log.propagate = False
    descriptor, name = tempfile.mkstemp(suffix=".pickle", dir=folder)
    spool = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as out:
            items = iter(function(task))
            while True:
                try:
                    item = next(items)
                except StopIteration as end:
                    return spool, end.value, handler.lines
                pickle.dump(item, out, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        spool.unlink(missing_ok=True)
        raise
    finally:
        package_log.removeHandler(handler)


def in_worker_processes(
    function: Callable[[Task], Iterable[Any]],
    tasks: Sequence[Task],
    workers: int | None,
    size: Callable[[Task], int],
    name: Callable[[Task], str],
    in_this_process: Callable[[Task], bool] = lambda task: False,
) -> Iterator[WorkerResult[Any] | None]:
    """The items of ``function(task)`` for each task, made by worker processes, as a :class:`WorkerResult` per task
    in the order of the tasks (its ``outcome``: the value ``function``'s generator returned); None at the turn of a
    task left to the caller, to do in its own process (the workers meanwhile do the tasks after it). Left to the
    caller: the tasks ``in_this_process`` names, and every task when :func:`worker_count` gives 1 for the others
    (``workers`` as it takes it; ``size``: a task's bytes); then no process is started.

    A worker writes a task's items to a file of a private temporary folder as ``function`` yields them, and the
    caller reads them back one at a time: neither holds a file's rows whole, whatever its size. At most one task per
    worker is done before the caller takes its result, which bounds the disk they take. The workers are *spawned* (a
    fresh interpreter importing ``function``'s module), not forked: the caller's threads (DuckDB, Dagster) and open
    connections are not copied into them. The log lines of this package written in a worker are written again
    here, under their logger, when its result is taken. An exception in ``function`` is raised here, at its task's
    turn; the tasks not started yet are then cancelled. A worker that stops without an answer (killed, out of
    memory, or a script of the caller's that runs its code on import) is a :class:`WorkerProcessError` naming the
    task (``name``) and what to do."""
    sent = [task for task in tasks if not in_this_process(task)]
    workers = worker_count(workers, len(sent), sum(size(task) for task in sent))
    if workers == 1:
        yield from (None for _ in tasks)
        return
    level = logging.getLogger(PACKAGE_LOGGER).getEffectiveLevel()
    folder = Path(tempfile.mkdtemp(prefix="observatoire-workers-"))  # owner-only, like the data folder
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            pending: deque[tuple[Task, Future[tuple[Path, Any, list[tuple[str, int, str]]]] | None]] = deque()
            remaining = iter(tasks)

            def submit_ahead() -> None:
                while sum(future is not None for _, future in pending) < workers:
                    task = next(remaining, _NO_TASK)
                    if task is _NO_TASK:
                        return
                    future = None if in_this_process(task) else pool.submit(_spool_items, function, task, level, folder)
                    pending.append((task, future))

            try:
                submit_ahead()
                while pending:
                    task, future = pending.popleft()
                    if future is None:
                        yield None
                        continue
                    try:
                        spool, outcome, lines = future.result()
                    except BrokenProcessPool as exc:
                        raise WorkerProcessError(
                            f"the worker process reading {name(task)} stopped without an answer (killed, or out of "
                            f"memory). Run again with {WORKERS_ENV}=1 to read the files in this process; from a script "
                            "of your own, put its code under `if __name__ == '__main__':` (worker processes import it)"
                        ) from exc
                    submit_ahead()
                    for logger, level_number, line in lines:
                        logging.getLogger(logger).log(level_number, "%s", line)
                    yield WorkerResult(spool, outcome)
            finally:
                for _, future in pending:
                    if future is not None:
                        future.cancel()
    finally:  # the files of results not read (an error, or the caller stopped early)
        shutil.rmtree(folder, ignore_errors=True)
