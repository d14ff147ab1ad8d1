"""Files read by worker processes (dlt_sources.common): how many workers, results in task order, errors raised at
their task. The sources' own equivalence tests (one process = workers) are in test_decp_source.py and
test_suivi_clauses_columnar.py."""

from __future__ import annotations

import os

import pytest

from dlt_sources.common import (
    WORKER_PROCESSES_MIN_BYTES,
    WORKERS_ENV,
    WorkerProcessError,
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


def test_results_come_in_task_order_and_tasks_kept_here_are_left_to_the_caller() -> None:
    tasks = [str(n) for n in range(12)] + ["here", "12"]
    results = in_worker_processes(int, tasks, 2, size=len, name=str, in_this_process=lambda task: task == "here")
    assert list(results) == [*range(12), None, 12]


def test_tasks_too_large_for_a_worker_and_tasks_below_the_size_that_pays_are_left_to_the_caller(monkeypatch) -> None:
    monkeypatch.setattr("dlt_sources.common.WORKER_FILE_MAX_BYTES", 3)
    results = in_worker_processes(int, ["1", "22", "3333", "4"], 2, size=len, name=str)
    assert list(results) == [1, 22, None, 4]
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    small = in_worker_processes(int, ["1", "2"], None, size=len, name=str)  # far below WORKER_PROCESSES_MIN_BYTES
    assert list(small) == [None, None]


def test_an_error_in_a_worker_is_raised_at_its_task() -> None:
    results = in_worker_processes(int, ["1", "not a number", "2"], 2, size=len, name=str)
    assert next(results) == 1
    with pytest.raises(ValueError, match="invalid literal for int"):
        next(results)


def test_a_worker_that_dies_is_an_error_naming_its_file_and_what_to_do() -> None:
    results = in_worker_processes(os._exit, [3, 4], 2, size=lambda _: 1, name=lambda code: f"decp_{code}.json")
    with pytest.raises(WorkerProcessError, match=rf"reading decp_3\.json stopped .*{WORKERS_ENV}=1"):
        next(results)
