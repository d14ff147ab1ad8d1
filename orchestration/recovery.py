"""Crash recovery: a run whose process died is closed and its ``duckdb_warehouse`` pool slot given back.

A run killed with SIGKILL (OOM killer, power cut, ``kill -9``) cannot record its own end. Dagster's default
run launcher has no health check for such a run: it stays ``STARTED`` and keeps the pool slot of the step it
was executing, and since the pool allows one step at a time, every later run waits for that slot forever.

:func:`release_dead_runs` finds the in-progress runs whose worker process no longer exists on this machine,
reports them failed (so the run-failure alert fires) and frees their slots. The demo command calls it before
running; the sensor ``dead_run_recovery`` (orchestration/sensors.py) calls it every minute under the daemon.
The data side needs no repair: a killed dlt load leaves a pending package that the next run loads first, a
killed DuckDB transaction is rolled back when the file is next opened, and each dbt model replaces its table
in one transaction (see tests/reliability/test_kill.py).

The worker's pid is read from the run's event log (the engine event "Executing steps in process (pid: …)");
a pid reused by a newer process is told apart by its start time. One machine runs the runs (the SQLite
instance of dagster.yaml); a multi-host deployment needs Dagster's run monitoring with a launcher that
supports health checks instead.
"""

import logging

import psutil
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunsFilter,
)
from dagster._core.events import JobFailureData, RunFailureReason

log = logging.getLogger(__name__)

IN_PROGRESS = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]


def worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The pid of the process executing the run's steps, from its latest engine event carrying one."""
    for entry in reversed(instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)):
        data = entry.dagster_event.engine_event_data if entry.dagster_event else None
        pid = (data.metadata or {}).get("pid") if data else None
        if pid is not None and str(pid.value).isdigit():
            return int(pid.value)
    return None


def process_alive(pid: int, run_started_at: float) -> bool:
    """Whether ``pid`` is still the process that started before the run did (not a reused pid, not a zombie)."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return process.create_time() <= run_started_at + 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # a process of another user: cannot be told apart, so left alone
        return True


def release_dead_runs(instance: DagsterInstance) -> list[str]:
    """Report failed the in-progress runs whose worker process is gone and free every pool slot held by a
    run that is no longer in progress; return the ids of the runs reported failed."""
    released = []
    for record in instance.get_run_records(RunsFilter(statuses=IN_PROGRESS)):
        run = record.dagster_run
        pid = worker_pid(instance, run.run_id)
        if pid is None or record.start_time is None:
            continue  # not started yet: run monitoring's start timeout covers a launch that never happened
        if process_alive(pid, record.start_time):
            continue
        message = (
            f"The process executing this run (pid {pid}) no longer exists: it was killed or crashed. "
            "Run marked failed by crash recovery; its pool slots are freed. Start the job again: pending dlt "
            "packages are loaded first and dbt rebuilds every model."
        )
        instance.report_run_failed(
            run, message=message, job_failure_data=JobFailureData(None, RunFailureReason.UNEXPECTED_TERMINATION)
        )
        released.append(run.run_id)
        log.warning("run %s (%s): %s", run.run_id, run.job_name, message)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        holders = storage.get_concurrency_run_ids()
        if holders:
            for record in instance.get_run_records(RunsFilter(run_ids=list(holders), statuses=FINISHED)):
                storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
    return released
