"""The dbt project's YAML says what it means, and dbt reuses its partial parse.

An unquoted description holding "(75, 77, 78)" inside a flow mapping is read by YAML as integer keys: dbt then
cannot reload partial_parse.msgpack and re-parses every model and test on every call (seconds each time)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import yaml
from support import run_dbt

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def _misread(node: object, where: str) -> list[str]:
    """Descriptions that are not text, and keys that are not strings, anywhere in a YAML document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                found.append(f"{where}: key {key!r} is not a string")
            if key == "description" and not isinstance(value, str):
                found.append(f"{where}: description read as {type(value).__name__}: {value!r}")
            found += _misread(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _misread(value, f"{where}[{index}]")
    return found


def test_no_yaml_description_is_misread() -> None:
    files = [p for p in DBT_PROJECT.rglob("*.yml") if not {"target", "logs"} & set(p.parts)]
    assert len(files) > 10
    problems = [problem for path in files for problem in _misread(yaml.safe_load(path.read_text()), path.name)]
    assert problems == [], "quote these descriptions:\n" + "\n".join(problems)


@pytest.mark.slow
def test_a_second_parse_with_nothing_changed_reuses_the_partial_parse(tmp_path: Path) -> None:
    env = {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(tmp_path / "warehouse.duckdb")}
    run_dbt(["parse", "--quiet"], env, tmp_path)
    run_dbt(["parse", "--quiet"], env, tmp_path)
    perf = json.loads((tmp_path / "target" / "perf_info.json").read_text())
    assert perf["is_partial_parse_enabled"]
    assert perf["parsed_path_count"] == 0, f"dbt re-parsed {perf['parsed_path_count']} files: partial parse not reused"


def _contracted_tables(manifest: dict) -> dict[str, dict]:
    return {
        node["unique_id"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] == "table"
        and node["config"].get("contract", {}).get("enforced")
    }


#: dbt tests that a contract constraint states once, enforced by DuckDB while the table builds.
CONSTRAINT_RULES = {"not_null": "not_null", "accepted_values": "check", "accepted_range": "check"}


def test_a_column_rule_of_a_contracted_table_is_in_its_contract_not_in_a_test() -> None:
    """Each rule once: what a contracted table's column must always hold — filled (``{type: not_null}``), one of
    some values or in a range (``{type: check, expression: ...}``) — is a constraint of its contract: DuckDB refuses
    the row while dbt builds the table, and the previous table stays. A blocking dbt test saying the same would run
    one more query and log three more Dagster events per refresh. A test of severity warn, or with a ``where``,
    says something else and stays a test."""
    manifest = json.loads((DBT_PROJECT / "target" / "manifest.json").read_text(encoding="utf-8"))
    tables = _contracted_tables(manifest)
    redundant = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") in CONSTRAINT_RULES
        and node.get("attached_node") in tables
        and node["config"]["severity"].lower() == "error"
        and not node["config"].get("where")
    )
    assert redundant == [], "state these rules in their model's contract:\n" + "\n".join(redundant)
    declared = Counter(
        constraint["type"]
        for node in tables.values()
        for column in node["columns"].values()
        for constraint in column.get("constraints") or []
    )
    # the rules are read where they are written (else the test above would pass vacuously)
    assert declared["not_null"] > 100 and declared["check"] > 30


def test_dbt_and_the_publication_cap_duckdb_memory_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt's profile and the Python side read the same variable with the same default."""
    from observatoire.warehouse import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_VARIABLE, duckdb_memory_limit

    settings = yaml.safe_load((DBT_PROJECT / "profiles.yml").read_text())["observatoire"]["outputs"]["warehouse"]
    assert (
        settings["settings"]["memory_limit"]
        == f"{{{{ env_var('{MEMORY_LIMIT_VARIABLE}', '{DEFAULT_MEMORY_LIMIT}') }}}}"
    )
    monkeypatch.delenv(MEMORY_LIMIT_VARIABLE, raising=False)
    assert duckdb_memory_limit() == DEFAULT_MEMORY_LIMIT
    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "8GB")
    assert duckdb_memory_limit() == "8GB"
