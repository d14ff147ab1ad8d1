"""Files read by worker processes (dlt_sources.common): how many workers, results in task order, items passed
through files, errors raised at their task. The sources' own equivalence tests (one process = workers) are in
test_decp_source.py and test_suivi_clauses_columnar.py."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator

import pytest

from dlt_sources.common import (
    WORKER_PROCESSES_MIN_BYTES,
    WORKERS_ENV,
    WorkerProcessError,
    WorkerResult,
    in_worker_processes,
    worker_count,
)


def test_worker_count_starts_workers_for_enough_bytes_only_and_never_more_than_the_files(monkeypatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert worker_count(None, 10, WORKER_PROCESSES_MIN_BYTES - 1) == 1
    assert worker_count(None, 10, WORKER_PROCESSES_MIN_BYTES) == 4
    assert worker_count(None, 3, WORKER_PROCESSES_MIN_BYTES) == 3
    assert worker_count(None, 1, 10 * WORKER_PROCESSES_MIN_BYTES) == 1  # one file: nothing to read beside it
    assert worker_count(2, 10, 0) == 2  # asked for: whatever the size
    assert worker_count(None, 0, 0) == 1


def test_the_setting_overrides_the_choice_and_a_wrong_value_is_named(monkeypatch) -> None:
    monkeypatch.setenv(WORKERS_ENV, "1")
    assert worker_count(None, 10, 100 * WORKER_PROCESSES_MIN_BYTES) == 1
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert worker_count(None, 10, 0) == 3
    assert worker_count(2, 10, 0) == 2  # a source's explicit argument wins
    monkeypatch.setenv(WORKERS_ENV, "zero")
    with pytest.raises(ValueError, match=f"{WORKERS_ENV}='zero': expected a whole number"):
        worker_count(None, 10, 0)


def digits(task: str) -> Generator[int, None, int]:
    """A task of the tests below: its items are the digits of ``task``, its outcome its length."""
    for character in task:
        yield int(character)
    return len(task)


def _read(results: Iterator[WorkerResult | None]) -> list[tuple[list[int], int] | None]:
    return [None if result is None else (list(result), result.outcome) for result in results]


def test_items_and_outcomes_come_in_task_order_and_tasks_kept_here_are_left_to_the_caller() -> None:
    tasks = [str(n) for n in range(12)] + ["here", "12"]
    results = in_worker_processes(digits, tasks, 2, size=len, name=str, in_this_process=lambda task: task == "here")
    expected = [([n], 1) for n in range(10)] + [([1, 0], 2), ([1, 1], 2), None, ([1, 2], 2)]
    assert _read(results) == expected


def test_a_worker_writes_items_to_a_file_read_back_once_then_deleted(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    results = in_worker_processes(digits, ["123", "4567"], 2, size=len, name=str)
    first = next(results)
    (folder,) = tmp_path.glob("observatoire-workers-*")
    assert first.spool.parent == folder and first.spool.is_file()
    assert list(first) == [1, 2, 3] and not first.spool.exists()
    second = next(results)
    assert list(second) == [4, 5, 6, 7] and second.outcome == 4
    assert next(results, "end") == "end"
    assert not folder.exists()  # removed with the files of results never read, if any


def test_a_caller_that_stops_early_leaves_no_file(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    results = in_worker_processes(digits, ["12", "34", "56"], 2, size=len, name=str)
    next(results)  # its items never read
    results.close()
    assert not list(tmp_path.glob("observatoire-workers-*"))


def test_tasks_below_the_size_that_pays_are_left_to_the_caller(monkeypatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    small = in_worker_processes(digits, ["1", "2"], None, size=len, name=str)  # far below WORKER_PROCESSES_MIN_BYTES
    assert list(small) == [None, None]


def test_an_error_in_a_worker_is_raised_at_its_task_and_leaves_no_file(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    results = in_worker_processes(digits, ["1", "2x", "3"], 2, size=len, name=str)
    assert list(next(results)) == [1]
    with pytest.raises(ValueError, match="invalid literal for int"):
        next(results)
    assert not list(tmp_path.glob("observatoire-workers-*"))


def test_a_worker_that_dies_is_an_error_naming_its_file_and_what_to_do() -> None:
    results = in_worker_processes(os._exit, [3, 4], 2, size=lambda _: 1, name=lambda code: f"decp_{code}.json")
    with pytest.raises(WorkerProcessError, match=rf"reading decp_3\.json stopped .*{WORKERS_ENV}=1"):
        next(results)
