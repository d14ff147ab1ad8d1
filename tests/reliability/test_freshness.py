"""Source freshness, monthly cadence: on a copy of the demo warehouse whose DECP loads are made 40 days old
and tracking loads 80 days old, `dbt source freshness` warns on DECP, errors on the tracking exports and
passes on the registries; the Dagster freshness checks say the same; the raw assets carry the policy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity
from reliability_support import DemoOutputs
from support import DBT, warehouse_env

from observatoire.settings import DBT_PROJECT_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

AGED_DAYS = {"raw_decp": 40, "raw_suivi_clauses": 80}


def age_loads(warehouse: Path) -> None:
    """Move every load of the datasets of AGED_DAYS that many days back: load ids (they start with the Unix
    time) and the audits' processed_at."""
    with duckdb.connect(str(warehouse)) as con:
        for dataset, days in AGED_DAYS.items():
            tables = con.execute(
                "select table_name from information_schema.columns where table_schema = ? "
                "and column_name = '_dlt_load_id'",
                [dataset],
            ).fetchall()
            for (table,) in tables:
                con.execute(
                    f"update {dataset}.{table} set _dlt_load_id = "
                    f"(cast(split_part(_dlt_load_id, '.', 1) as bigint) - {days * 86400})::varchar "
                    "|| '.' || split_part(_dlt_load_id, '.', 2)"
                )
        for audit, dataset in (("decp_load_audit", "raw_decp"), ("tracking_load_audit", "raw_suivi_clauses")):
            con.execute(f"update {dataset}.{audit} set processed_at = processed_at - interval {AGED_DAYS[dataset]} day")


@pytest.fixture(scope="module")
def aged_warehouse(demo_outputs: DemoOutputs, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work_dir = tmp_path_factory.mktemp("freshness")
    warehouse = Path(warehouse_env(work_dir)["OBSERVATOIRE_WAREHOUSE"])
    shutil.copyfile(demo_outputs.warehouse, warehouse)
    age_loads(warehouse)
    return work_dir, warehouse


def test_dbt_source_freshness_warns_after_35_days_and_errors_after_70(aged_warehouse) -> None:
    work_dir, _ = aged_warehouse
    sources = ("source:raw_decp", "source:raw_suivi_clauses", "source:raw_registries")
    result = subprocess.run(
        [str(DBT), "source", "freshness", "--select", *sources, "--profiles-dir", str(DBT_PROJECT_DIR)]
        + ["--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, **warehouse_env(work_dir)},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 1, result.stdout[-3000:]  # an error-level freshness failure
    results = json.loads((work_dir / "target" / "sources.json").read_text(encoding="utf-8"))["results"]
    status = {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}
    assert status == {
        "raw_decp.decp_records": "warn",
        "raw_decp.decp_load_audit": "warn",
        "raw_suivi_clauses.heures": "error",
        "raw_suivi_clauses.tracking_load_audit": "error",
        "raw_registries.siae_asp": "pass",
        "raw_registries.geiq_list": "pass",
        "raw_registries.ea_dgefp": "pass",
        "raw_registries.finess_etablissements": "pass",
        "raw_registries.sirene_etablissements": "pass",
        "raw_registries.sirene_unites_legales": "pass",
    }


def test_dagster_freshness_checks_read_the_last_delivery_of_each_source(
    demo_outputs: DemoOutputs, aged_warehouse
) -> None:
    from orchestration.freshness import SOURCES, freshness_result, last_loaded

    _, aged = aged_warehouse
    now = datetime.now(UTC)
    by_asset = {source.asset.path[0]: source for source in SOURCES}
    assert set(by_asset) == {"raw_decp", "raw_suivi_clauses", "raw_registries"}
    for dataset, source in by_asset.items():
        fresh = freshness_result(source, last_loaded(demo_outputs.warehouse, source), now)
        assert fresh.passed, (dataset, fresh.description)
        loaded = last_loaded(aged, source)
        age_days = (now - loaded).total_seconds() / 86400
        assert AGED_DAYS.get(dataset, 0) <= age_days < AGED_DAYS.get(dataset, 0) + 1, (dataset, age_days)
        result = freshness_result(source, loaded, now)
        expected = {
            "raw_decp": (False, AssetCheckSeverity.WARN),
            "raw_suivi_clauses": (False, AssetCheckSeverity.ERROR),
        }
        if dataset in expected:
            assert (result.passed, result.severity) == expected[dataset], result.description
        else:
            assert result.passed, result.description


def test_raw_assets_carry_the_refresh_policy_and_each_source_its_check() -> None:
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    raw = [key for key in graph.get_all_asset_keys() if key.path[0].startswith("raw_")]
    without = [key for key in raw if graph.get(key).freshness_policy is None]
    assert without == [AssetKey(["raw_registries", "inclusion_api_siaes"])]  # refreshed only when configured
    policy = graph.get(AssetKey(["raw_decp", "decp_records"])).freshness_policy
    assert (policy.warn_window.to_timedelta().days, policy.fail_window.to_timedelta().days) == (35, 70)
    checks = {(key.asset_key.path[0], key.name) for key in graph.asset_check_keys}
    for dataset in ("raw_decp", "raw_suivi_clauses", "raw_registries"):
        assert (dataset, "source_freshness") in checks
