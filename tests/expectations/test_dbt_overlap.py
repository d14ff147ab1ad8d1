"""A rule lives in one place: no GX mart expectation re-checks what dbt already enforces at the same or a
stronger severity (contract constraints, not_null / unique / accepted_values / relationships /
unique_combination tests of dbt_project/models/**/_*.yml). Reads the files only: no GX, no warehouse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from expectations.runner import list_suites

REPO = Path(__file__).resolve().parents[2]
MART_SUITES = [p for p in list_suites() if p.stem.startswith("marts.")]


def dbt_rules(model: str) -> set[tuple[str, tuple[str, ...], str]]:
    """(rule, columns, severity) of what dbt enforces on ``model``: constraints count as errors."""
    rules: set[tuple[str, tuple[str, ...], str]] = set()

    def add(test: Any, columns: tuple[str, ...]) -> None:
        name, config = (test, {}) if isinstance(test, str) else next(iter(test.items()))
        severity = (config.get("config") or {}).get("severity", "error")
        if name == "unique_combination":
            columns = tuple(config["arguments"]["columns"])
        rules.add((name, columns, severity))

    for path in (REPO / "dbt_project" / "models").rglob("_*.yml"):
        for node in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models") or []:
            if node["name"] != model:
                continue
            for test in node.get("data_tests") or []:
                add(test, ())
            for column in node.get("columns") or []:
                for test in column.get("data_tests") or []:
                    add(test, (column["name"],))
                for constraint in column.get("constraints") or []:
                    kind = {"primary_key": "unique"}.get(constraint["type"], constraint["type"])
                    if kind == "check":  # a list of values (``col in (...)``) or a range
                        kind = "accepted_values" if " in (" in constraint["expression"] else "accepted_range"
                    rules.add((kind, (column["name"],), "error"))
    return rules


#: GX expectation type → the dbt rules that check the same thing.
SAME_RULE = {
    "expect_column_values_to_not_be_null": {"not_null"},
    "expect_column_values_to_be_unique": {"unique"},
    "expect_compound_columns_to_be_unique": {"unique_combination"},
    "expect_column_values_to_be_in_set": {"accepted_values", "relationships"},
    "expect_column_values_to_be_between": {"accepted_range"},
}


@pytest.mark.parametrize("path", MART_SUITES, ids=[p.stem for p in MART_SUITES])
def test_mart_suites_keep_only_what_dbt_does_not_enforce(path: Path) -> None:
    suite = json.loads(path.read_text(encoding="utf-8"))
    rules = dbt_rules(path.stem.split(".", 1)[1])
    assert rules, f"no dbt rule found for {path.stem}: is the model still in dbt_project/models?"
    for item in suite["expectations"]:
        kwargs = item["kwargs"]
        columns = tuple(kwargs.get("column_list") or [kwargs.get("column")])
        accepted = {"error"} if item["severity"] == "critical" else {"error", "warn"}
        duplicates = {
            (name, severity)
            for name, cols, severity in rules
            if name in SAME_RULE.get(item["type"], ())
            and cols == columns
            and severity in accepted
            # "mostly" tolerates a share of failures: a distribution, which dbt's tests do not express
            and "mostly" not in kwargs
        }
        assert not duplicates, f"{path.name}: {item['type']} on {columns} duplicates dbt's {duplicates}"


def test_the_dbt_rules_are_read() -> None:
    """The reader above sees the rules that made 30 GX expectations redundant (else the test would pass
    vacuously)."""
    contracts = dbt_rules("fct_contracts")
    assert {("unique", ("contract_key",), "error"), ("not_null", ("buyer_key",), "error")} <= contracts
    assert ("accepted_values", ("record_type",), "error") in contracts
    hours = dbt_rules("fct_insertion_hours")
    assert ("unique_combination", ("employment_contract_key", "month_date"), "error") in hours
    assert ("not_null", ("beneficiary_key",), "warn") in hours
