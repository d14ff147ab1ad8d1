"""A refresh of the demo killed with SIGKILL while dlt loads new files, then one killed while dbt builds the
marts: the analysts' snapshot stays as it was; killed in ingestion, the marts too; killed in dbt, every mart is
whole, the previous version or the new one. The next refresh ends with exactly the rows of a clean build of the
same inputs (the refresh's dlt sources and dbt models on a new warehouse): nothing loaded twice, nothing missing.
(A refresh with no new file changing no mart row is checked on each source alone:
tests/orchestration/test_source_subsets.py.)

The kills are timed on what the processes write, not on delays: a dlt job of a DECP table committed while
its load package is incomplete; dbt's log reporting fct_contracts built while the build goes on."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, RunsFilter
from reliability_support import (
    DbtLog,
    DemoOutputs,
    add_new_decp_files,
    mart_checksums,
    run_refresh,
    start_refresh,
    table_counts,
    warehouse_of,
)
from support import build_seeds_and_models, load_inbox, warehouse_env

pytestmark = pytest.mark.slow  # in no xdist group: the demo is built once for every worker (conftest.py)

RAW = ("raw_decp", "raw_suivi_clauses", "raw_reference", "raw_registries")
DECP_TABLES = ("decp_records", "decp_load_audit", "decp_tabular_rows")
T = TypeVar("T")


def kill_when(process: subprocess.Popen, work_dir: Path, log_name: str, condition: Callable[[], T | None]) -> T:
    """SIGKILL the process group as soon as ``condition`` returns something; return it."""
    while process.poll() is None:
        found = condition()
        if found:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return found
        time.sleep(0.002)
    log = (work_dir / f"{log_name}.log").read_text(encoding="utf-8", errors="replace")
    pytest.fail(f"{log_name} ended ({process.returncode}) before the moment to kill it:\n{log[-4000:]}")


def decp_load_in_progress(work_dir: Path) -> str | None:
    """The id of a DECP load package with a data job committed and the package not complete yet."""
    normalized = work_dir / "data" / "dlt_pipelines" / "observatoire_decp" / "load" / "normalized"
    for package in normalized.glob("*") if normalized.exists() else []:
        jobs = package / "completed_jobs"
        if jobs.exists() and any(name.split(".")[0] in DECP_TABLES for name in os.listdir(jobs)):
            return package.name
    return None


def snapshot_fingerprint(work_dir: Path) -> tuple[str, int, int] | None:
    """Content hash, inode and modification time of the analysts' snapshot (None when there is none)."""
    path = work_dir / "data" / "published" / "snapshot" / "observatoire.duckdb"
    if not path.exists():
        return None
    stat = path.stat()
    return hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_ino, stat.st_mtime_ns


def completed_loads(warehouse: Path, dataset: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {r[0] for r in con.execute(f"select load_id from {dataset}._dlt_loads where status = 0").fetchall()}


def test_killed_refreshes_keep_the_published_state_and_the_next_one_loads_every_row_once(
    demo_outputs: DemoOutputs,
) -> None:
    started = time.perf_counter()
    work_dir = demo_outputs.work_dir
    warehouse = warehouse_of(work_dir)
    before = demo_outputs.marts
    snapshot_before = snapshot_fingerprint(work_dir)
    add_new_decp_files(work_dir)

    # 1. SIGKILL while dlt loads the new DECP files: a data job committed, the load package not complete
    process = start_refresh(work_dir, "killed_in_dlt")
    load_id = kill_when(process, work_dir, "killed_in_dlt", lambda: decp_load_in_progress(work_dir))
    assert load_id not in completed_loads(warehouse, "raw_decp")
    assert mart_checksums(warehouse) == before
    assert snapshot_fingerprint(work_dir) == snapshot_before

    # 2. SIGKILL while dbt builds the marts from the new records (the ingestion of this run completed), once
    # fct_contracts holds them and while other marts are still to build
    dbt_log = DbtLog(work_dir)
    process = start_refresh(work_dir, "killed_in_dbt", env=DbtLog.DEBUG)
    kill_when(process, work_dir, "killed_in_dbt", lambda: dbt_log.created("fct_contracts"))
    assert not dbt_log.finished()
    # dbt started from the demo's saved parse of the same warehouse instead of parsing the whole project again
    assert dbt_log.partial_parse_reused(), dbt_log.parse_events()
    killed_in_dbt_log = (work_dir / "killed_in_dbt.log").read_text(encoding="utf-8")
    # the rows the killed load had committed were deleted before loading again, and the dead run released
    assert re.search(r"raw_decp: rows of a killed load deleted before loading: \{[^}]*'decp_", killed_in_dbt_log)
    assert "released dead run" in killed_in_dbt_log
    during = mart_checksums(warehouse)
    raw_during = table_counts(warehouse, RAW)
    assert snapshot_fingerprint(work_dir) == snapshot_before

    # 3. the next refresh completes
    output = run_refresh(work_dir, "after_kills")
    assert "released dead run" in output
    after = mart_checksums(warehouse)
    raw_after = table_counts(warehouse, RAW)
    assert snapshot_fingerprint(work_dir) != snapshot_before
    recovery_seconds = time.perf_counter() - started
    # the two killed runs are closed as failed, with the reason, and hold no pool slot
    with DagsterInstance.from_config(str(work_dir / "dagster_home")) as instance:
        failed = instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.FAILURE]))
        messages = [
            entry.message
            for run in failed
            for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
        ]
        assert len(failed) == 2 and all("no longer exists: it was killed or crashed" in m for m in messages)
        assert not instance.event_log_storage.get_concurrency_info("duckdb_warehouse").claimed_slots

    # 4. a clean build of the same inbox at the same paths (paths are part of the rows): the refresh's dlt
    # sources into a new warehouse, then its dbt seeds and models
    for name in ("data/dlt_pipelines", "warehouse.duckdb", "warehouse.duckdb.wal"):
        path = work_dir / name
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    env = {**warehouse_env(work_dir), "OBSERVATOIRE_DEMO_MODE": "1"}  # the key refresh_job.py uses
    load_inbox(env)
    build_seeds_and_models(env, work_dir)
    clean = mart_checksums(warehouse)
    raw_clean = table_counts(warehouse, RAW)

    assert raw_after == raw_clean  # no raw row twice, none missing
    assert after == clean  # marts: same rows as a clean refresh
    assert raw_during == raw_clean  # the ingestion of the run killed in dbt was complete
    # while dbt was killed, each mart was the previous one or the new one, never a mix or a missing table
    # dbt renames a mart's previous table <name>__dbt_backup, commits the new one, then drops the backup: killed in
    # between, the backup stays (the next build drops it first, as `after == clean` shows)
    left_behind = {table for table in during if table.endswith("__dbt_backup")}
    assert set(during) - left_behind == set(before) == set(clean)
    assert {table.removesuffix("__dbt_backup") for table in left_behind} <= set(clean)
    assert all(during[table] in (before[table], clean[table]) for table in clean)
    assert during["fct_contracts"] == clean["fct_contracts"] != before["fct_contracts"]
    mixed = sorted(table for table in clean if during[table] == before[table] != clean[table])
    changed = sorted(table for table in clean if clean[table] != before[table])
    assert "fct_contracts" in changed and clean["fct_contracts"][0] > before["fct_contracts"][0]
    print(
        f"\nkills and recovery: {recovery_seconds:.0f} s; marts changed by the new files: {changed}; "
        f"still the previous version when dbt was killed: {mixed}"
    )
