"""The settings reach Dagster as a resource: read when the definitions are built or a run starts, never when
the code location is imported."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import EnvVar

from observatoire.settings import ENV_VARS, REPO_ROOT, load_settings
from orchestration.resources import SettingsResource

#: Importing every module of the code location must leave the environment as it was.
IMPORT_ALL = """
import importlib.metadata
import json
import os
before = dict(os.environ)
import orchestration.definitions, orchestration.jobs, orchestration.sensors, orchestration.schedules
import orchestration.assets.ingestion, orchestration.assets.publication, orchestration.assets.quality
import dlt_sources.pipelines
changed = set(os.environ.items()) ^ set(before.items())
assert not changed, changed
print("imported")
"""


def test_the_resource_has_a_field_per_variable_and_reads_them_as_load_settings_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(SettingsResource.model_fields) == set(ENV_VARS)
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OBSERVATOIRE_SECRECY_THRESHOLD", "5")
    monkeypatch.delenv("OBSERVATOIRE_WAREHOUSE", raising=False)
    resource = SettingsResource.from_env()
    assert resource.data_dir == EnvVar("OBSERVATOIRE_DATA_DIR")  # the variable's name: read when a run starts
    assert resource.warehouse_path is None  # not set: the default, derived from the data folder
    assert resource.get() == load_settings()
    assert resource.get().warehouse_path == tmp_path / "warehouse.duckdb"
    assert resource.get().secrecy_threshold == 5
    assert SettingsResource(data_dir=str(tmp_path / "other")).get().inbox_dir == tmp_path / "other" / "inbox"


def test_importing_the_code_location_reads_no_setting_and_writes_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "OBSERVATOIRE_DATA_DIR": str(tmp_path / "data"),
        # a setting that cannot be read: importing must not read it
        "OBSERVATOIRE_SECRECY_THRESHOLD": "onze",
    }
    env.pop("OBSERVATOIRE_WAREHOUSE", None)
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "imported" in result.stdout
    assert not (tmp_path / "data").exists()
    # building the definitions reads the settings, and says which one is wrong
    build = "from orchestration.definitions import defs; defs()"
    result = subprocess.run([sys.executable, "-c", build], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "OBSERVATOIRE_SECRECY_THRESHOLD='onze'" in result.stderr


def test_a_dbt_invocation_starts_no_dbt_version_process_and_opens_no_adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """dagster-dbt would run ``dbt --version`` and open a dbt adapter in this process on every invocation (4 s of
    CPU per refresh); the observatory's dbt resource needs neither, and dbt still runs, logging to its file at
    level info."""
    import dagster_dbt.core.resource as dagster_dbt_resource
    from packaging.version import Version

    from observatoire.settings import DBT_PROJECT_DIR
    from orchestration.resources import build_resources

    def refuse(command: object, *args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"a process was started to read dbt's version: {command}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", refuse)
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    dbt = build_resources(SettingsResource(warehouse_path=str(tmp_path / "warehouse.duckdb")))["dbt"]
    assert dbt._cli_version == Version(importlib.metadata.version("dbt-core"))
    invocation = dbt.cli(["debug", "--config-dir"], target_path=tmp_path / "target")  # no parse: a quick command
    invocation.wait()
    assert invocation.is_successful() and invocation.adapter is None
    assert str(DBT_PROJECT_DIR) in capsys.readouterr().out  # dbt ran, on this project's profiles
    # and its file log is at level info (debug, dbt's default, writes every SQL statement of a build)
    lines = (tmp_path / "target" / "dbt.log").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["info"]["level"] for line in lines if line.startswith("{")} == {"info"}
