"""`make demo`'s command through Dagster on the embedded demo data, twice: everything builds, every check
passes, and a second run with no new file changes no mart row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from support import warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


def run_demo(work_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **warehouse_env(work_dir), "DAGSTER_HOME": str(work_dir / "dagster_home")}
    result = subprocess.run(
        [sys.executable, "-m", "observatoire.demo"], env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, f"demo failed:\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    return result


def mart_checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every mart table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            table: con.execute(
                f"select count(*), md5(coalesce(string_agg(md5(t::varchar), '' order by md5(t::varchar)), '')) "
                f"from marts.{table} as t"
            ).fetchone()
            for table in tables
        }


@pytest.fixture(scope="module")
def demo_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict, dict]:
    work_dir = tmp_path_factory.mktemp("demo")
    first = run_demo(work_dir)
    warehouse = Path(warehouse_env(work_dir)["OBSERVATOIRE_WAREHOUSE"])
    before = mart_checksums(warehouse)
    run_demo(work_dir)
    return warehouse, first.stdout, before, mart_checksums(warehouse)


def test_demo_builds_every_asset_and_prints_where_results_are(demo_twice) -> None:
    warehouse, stdout, before, _ = demo_twice
    assert "full_refresh succeeded" in stdout
    assert str(warehouse) in stdout
    for table in (
        "fct_contracts",
        "fct_contract_holders",
        "fct_contract_modifications",
        "dim_buyer",
        "dim_company",
        "dim_cpv",
        "dim_date",
        "dim_geography",
        "rejected_contract_records",
        "contract_record_lineage",
    ):
        assert table in before, table
    assert before["fct_contracts"][0] > 9000
    with duckdb.connect(str(warehouse), read_only=True) as con:
        statuses = dict(con.execute("select status, count(*) from raw_decp.decp_load_audit group by 1").fetchall())
        assert statuses.get("loaded", 0) >= 120 and "failed" not in statuses


def test_second_run_with_no_new_file_changes_no_mart_row(demo_twice) -> None:
    _, _, before, after = demo_twice
    assert after == before


def test_every_check_passed_in_both_runs(demo_twice) -> None:
    # run_demo asserts exit code 0, which the demo returns only when the run succeeded and no check failed;
    # here we check that the checks really ran, from the instance's event log.
    warehouse, _, _, _ = demo_twice
    dagster_home = warehouse.parent / "dagster_home"
    from dagster import AssetCheckKey, AssetKey, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        for asset, check in [
            (["raw_decp", "decp_records"], "great_expectations_decp_records"),
            (["marts", "fct_contracts"], "great_expectations_fct_contracts"),
            (["marts", "fct_contracts"], "unique_fct_contracts_contract_key"),
        ]:
            records = instance.event_log_storage.get_asset_check_execution_history(
                AssetCheckKey(AssetKey(asset), check), limit=5
            )
            assert len(records) == 2, (asset, check)
            assert all(r.status.value == "SUCCEEDED" for r in records), (asset, check, records)
