"""The Dagster code location as the UI sees it: served by dagster-webserver, read through its GraphQL API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import warehouse_env

from observatoire.settings import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("webserver")]

QUERY = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
          ... on RepositoryLocation {
            repositories {
              name
              jobs { name }
              schedules { name cronSchedule executionTimezone }
              sensors { name }
              assetNodes {
                assetKey { path }
                groupName
                dependencyKeys { path }
                assetChecksOrError { ... on AssetChecks { checks { name } } }
              }
            }
          }
        }
      }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory):
    work_dir = tmp_path_factory.mktemp("webserver")
    port = free_port()
    env = {**os.environ, **warehouse_env(work_dir), "DAGSTER_HOME": str(work_dir / "dagster_home")}
    (work_dir / "dagster_home").mkdir()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("dagster-webserver")),
            "-w",
            "workspace.yaml",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"dagster-webserver did not start:\n{process.stdout.read()[-4000:]}")
                time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_code_location_loads_with_assets_checks_schedule_and_sensor(webserver: int) -> None:
    result = graphql(webserver, QUERY)
    [entry] = result["data"]["workspaceOrError"]["locationEntries"]
    location = entry["locationOrLoadError"]
    assert location["__typename"] == "RepositoryLocation", location.get("message")
    [repository] = location["repositories"]

    nodes = {"/".join(n["assetKey"]["path"]): n for n in repository["assetNodes"]}
    # dlt assets
    for key in (
        "raw_decp/decp_records",
        "raw_decp/decp_tabular_rows",
        "raw_decp/decp_load_audit",
        "raw_reference/cog_communes",
        "raw_reference/cpv",
    ):
        assert nodes[key]["groupName"] == "raw", key
    # dbt assets, connected to the dlt assets that load their sources
    assert {"raw_decp/decp_records"} <= {
        "/".join(d["path"]) for d in nodes["staging/stg_decp__records"]["dependencyKeys"]
    }
    assert {"raw_decp/decp_tabular_rows"} <= {
        "/".join(d["path"]) for d in nodes["staging/stg_decp__tabular_rows"]["dependencyKeys"]
    }
    assert {"raw_reference/cpv"} <= {
        "/".join(d["path"]) for d in nodes["staging/stg_reference__cpv_codes"]["dependencyKeys"]
    }
    for key in ("marts/fct_contracts", "marts/dim_buyer", "marts/dim_cpv", "marts/dim_geography"):
        assert nodes[key]["groupName"] == "marts", key
    # no dangling source asset: every dependency is itself a defined asset
    for node in nodes.values():
        for dependency in node["dependencyKeys"]:
            assert "/".join(dependency["path"]) in nodes, (node["assetKey"], dependency)
    # checks: Great Expectations suites and dbt tests
    fct_checks = {c["name"] for c in nodes["marts/fct_contracts"]["assetChecksOrError"]["checks"]}
    assert {"great_expectations_fct_contracts", "unique_fct_contracts_contract_key"} <= fct_checks
    raw_checks = {c["name"] for c in nodes["raw_decp/decp_records"]["assetChecksOrError"]["checks"]}
    assert "great_expectations_decp_records" in raw_checks

    schedules = {s["name"]: s for s in repository["schedules"]}
    assert schedules["monthly_full_refresh"]["cronSchedule"] == "0 3 1 * *"
    assert schedules["monthly_full_refresh"]["executionTimezone"] == "Europe/Paris"
    assert "decp_inbox_sensor" in {s["name"] for s in repository["sensors"]}
    assert {"full_refresh", "decp_refresh"} <= {j["name"] for j in repository["jobs"]}
