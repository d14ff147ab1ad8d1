"""Project-wide settings of the dbt project: the freshness thresholds are written once (dbt_project.yml vars, read by
the dbt sources and the Dagster checks), a run drops the tables no model builds any more (a model renamed or
moved to another schema, such as the audit tables once in marts), and rebuilds the table of a model made incremental
since it was built."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest
from support import run_dbt

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("project_settings")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding leftovers of former models (and a raw table), then `dbt run` of one model."""
    work_dir = tmp_path_factory.mktemp("project_settings")
    warehouse = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("marts", "intermediate", "raw_decp"):
            con.execute(f"create schema {schema}")
        con.execute("create table marts.decp_record_issues as select 1 as stale")
        con.execute("create table intermediate.int_contract_records_ranked as select 1 as stale")
        con.execute("create view intermediate.int_contract_modifications_unioned as select 1 as stale")
        con.execute("create table raw_decp.decp_records as select 1 as kept")
    run_dbt(["run", "--select", "dim_date"], {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(warehouse)}, work_dir)
    return work_dir


def test_a_run_drops_the_relations_no_model_builds(built: Path) -> None:
    with duckdb.connect(str(built / "warehouse.duckdb"), read_only=True) as con:
        relations = {
            f"{schema}.{name}"
            for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        }
    assert relations == {"marts.dim_date", "raw_decp.decp_records"}


def test_freshness_thresholds_are_those_of_the_dagster_checks(built: Path) -> None:
    from orchestration.freshness import ERROR_AFTER, WARN_AFTER

    manifest = json.loads((built / "target" / "manifest.json").read_text(encoding="utf-8"))
    thresholds = {
        name: (source["freshness"]["warn_after"], source["freshness"]["error_after"])
        for name, source in manifest["sources"].items()
        if source["freshness"] and source["freshness"]["warn_after"]["count"] is not None
    }
    assert {"source.observatoire.raw_decp.decp_records", "source.observatoire.raw_suivi_clauses.heures"} <= set(
        thresholds
    )
    expected = ({"count": WARN_AFTER.days, "period": "day"}, {"count": ERROR_AFTER.days, "period": "day"})
    assert {name: value for name, value in thresholds.items() if value != expected} == {}
    assert (WARN_AFTER.days, ERROR_AFTER.days) == (35, 70)


def test_a_table_built_before_its_model_was_incremental_is_rebuilt(tmp_path: Path) -> None:
    """A warehouse of an earlier version holds ``int_decp_holders_unioned`` as a table without ``load_id`` (it became
    incremental since): the run drops it and builds it from scratch, instead of failing on the missing column."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_decp_holders_unioned as select 'stale' as record_key")
    result = run_dbt(
        ["build", "--select", "+int_decp_holders_unioned"],  # with the seeds it reads
        {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(warehouse)},
        tmp_path,
    )
    assert "rebuilding" in result.stdout and "int_decp_holders_unioned" in result.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = {
            row[0]
            for row in con.execute(
                "select column_name from information_schema.columns where table_name = 'int_decp_holders_unioned'"
            ).fetchall()
        }
        rows = con.execute("select count(*) from intermediate.int_decp_holders_unioned").fetchone()[0]
    assert "load_id" in columns
    assert rows == 0  # no DECP file loaded: the stale row is gone
