"""Two runs that write the DuckDB warehouse, launched at the same moment the way the UI launches them
(GraphQL ``launchRun`` to dagster-webserver; the run queue and the daemon of orchestration/dagster.yaml):
both succeed, one after the other: no step of one overlaps a step of the other."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from reliability_support import refresh_env

from observatoire.settings import REPO_ROOT
from orchestration.instance import initialise_dagster_home

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability_concurrency")]

LAUNCH = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
"""
LOCATIONS = "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def launch_run(port: int, params: dict, home: Path) -> dict:
    """``launchRun`` as the UI sends it; an HTTP error fails with the webserver's answer and the end of its log."""
    try:
        return graphql(port, LAUNCH, {"executionParams": params})["data"]["launchRun"]
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")[-2000:]
        logs = (home.parent / "dagster-webserver.log").read_text()[-3000:]
        raise AssertionError(f"launchRun answered {error.code}: {body}\nwebserver log:\n{logs}") from error


def writing_assets() -> list[list[str]]:
    """The raw reference and registry files: two dlt loads (and their Great Expectations checks) per run."""
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    keys = [
        key
        for key in graph.get_all_asset_keys()
        if key.path[0] == "raw_reference"
        or (key.path[0] == "raw_registries" and key.path[1] in ("siae_asp", "geiq_list", "ea_dgefp"))
    ]
    assert AssetKey(["raw_reference", "cog_communes"]) in keys
    return [key.path for key in keys]


@pytest.fixture
def dagster_services(tmp_path: Path):
    """The daemon and the webserver of a permanent install (README), on an instance with this dagster.yaml."""
    home = initialise_dagster_home(tmp_path / "dagster_home")  # as `make dev` does before starting them
    port = free_port()
    env = {**refresh_env(tmp_path), "OBSERVATOIRE_DEMO_MODE": "1"}
    bin_dir = Path(sys.executable).parent
    processes = [
        subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=(tmp_path / f"{command[0].split('/')[-1]}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for command in (
            [str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
            [str(bin_dir / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        )
    ]
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                entries = graphql(port, LOCATIONS)["data"]["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (OSError, KeyError, TypeError):
                pass
            if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
                logs = "\n".join(path.read_text()[-3000:] for path in tmp_path.glob("*.log"))
                pytest.fail(f"the Dagster services did not start:\n{logs}")
            time.sleep(1)
        yield port, entries[0]["name"], home
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_two_runs_writing_duckdb_at_once_both_succeed_one_after_the_other(dagster_services) -> None:
    port, location, home = dagster_services
    selection = [{"path": path} for path in writing_assets()]
    params = {
        "selector": {
            "repositoryLocationName": location,
            "repositoryName": "__repository__",
            "jobName": "full_refresh",
            "assetSelection": selection,
        },
        "runConfigData": {},
    }
    launched = [launch_run(port, params, home) for _ in range(2)]
    assert all(r["__typename"] == "LaunchRunSuccess" for r in launched), launched
    run_ids = [r["run"]["runId"] for r in launched]

    from dagster import DagsterInstance, DagsterRunStatus

    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    with DagsterInstance.from_config(str(home)) as instance:
        deadline = time.monotonic() + 900
        while True:
            runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
            if all(run.status in finished for run in runs):
                break
            assert time.monotonic() < deadline, [run.status for run in runs]
            time.sleep(2)
        logs = {run_id: instance.all_logs(run_id) for run_id in run_ids}
        assert [run.status for run in runs] == [DagsterRunStatus.SUCCESS] * 2, {
            run_id: [e.message for e in entries if e.level >= 40][-5:] for run_id, entries in logs.items()
        }
        windows = {
            run_id: [(s.step_key, s.start_time, s.end_time) for s in instance.get_run_step_stats(run_id)]
            for run_id in run_ids
        }
        pool = instance.event_log_storage.get_concurrency_info("duckdb_warehouse")
        records = {record.dagster_run.run_id: record for record in instance.get_run_records()}
    first, second = run_ids
    assert len(windows[first]) >= 2 and len(windows[second]) >= 2  # the dlt loads and their checks
    for step_a, start_a, end_a in windows[first]:
        for step_b, start_b, end_b in windows[second]:
            assert end_a <= start_b or end_b <= start_a, (step_a, start_a, end_a, step_b, start_b, end_b)
    assert pool.slot_count == 1 and not pool.claimed_slots
    # launched together, so one had to wait: in the run queue (the daemon does not start a run whose first
    # steps need a full pool) or at its step ("blocked by limit for pool"), as dagster.yaml configures it
    created = sorted(records[run_id].create_timestamp.timestamp() for run_id in run_ids)
    assert created[1] - created[0] < 5
    blocked = sum("blocked by limit for pool" in (e.message or "") for entries in logs.values() for e in entries)
    started = sorted(records[run_id].start_time for run_id in run_ids)
    print(f"\nsecond run started {started[1] - started[0]:.1f} s after the first; {blocked} blocked-step events")
