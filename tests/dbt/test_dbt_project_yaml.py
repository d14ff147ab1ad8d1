"""The dbt project's YAML says what it means, and dbt reuses its partial parse.

An unquoted description holding "(75, 77, 78)" inside a flow mapping is read by YAML as integer keys: dbt then
cannot reload partial_parse.msgpack and re-parses every model and test on every call (seconds each time)."""

from __future__ import annotations

import json
import os
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
