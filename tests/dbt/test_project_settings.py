"""Project-wide settings of the dbt project: the freshness thresholds are written once (dbt_project.yml vars, read by
the dbt sources and the Dagster checks), a run drops the tables no model builds any more (a model renamed or
moved to another schema, such as the audit tables once in marts), and rebuilds an incremental model's table from
scratch when its code changed since it was built."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from support import DBT, run_dbt

from observatoire.settings import DBT_PROJECT_DIR

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


def test_an_incremental_model_is_rebuilt_from_scratch_when_its_code_changed(tmp_path: Path) -> None:
    """``int_decp_holders_unioned`` is incremental: its rows were computed by the code of their build. A warehouse of
    an earlier version (the table without ``load_id``, built before the model was incremental) and a change in the
    SQL of a model it reads make the run rebuild it from scratch; a run on the same code keeps its rows."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_decp_holders_unioned as select 'stale' as record_key")

    def run(*args: str) -> str:
        command = [str(DBT), *args, "--project-dir", str(project), "--profiles-dir", str(project)]
        env = {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(warehouse)}
        result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout[-4000:]
        return result.stdout

    def holders() -> list[str]:
        with duckdb.connect(str(warehouse)) as con:
            return [
                row[0] for row in con.execute("select record_key from intermediate.int_decp_holders_unioned").fetchall()
            ]

    def mark() -> None:  # a row no build of the model computes: it stays until the table is rebuilt
        with duckdb.connect(str(warehouse)) as con:
            con.execute("insert into intermediate.int_decp_holders_unioned by name select 'kept' as record_key")

    stdout = run("build", "--select", "+int_decp_holders_unioned")  # with the seeds it reads
    assert 'int_decp_holders_unioned" from scratch: built by an earlier version' in stdout
    assert holders() == []  # no DECP file loaded: the stale row is gone
    mark()
    assert "rebuilding" not in run("run", "--select", "int_decp_holders_unioned")
    assert holders() == ["kept"]

    upstream = project / "models" / "staging" / "decp" / "stg_decp__tabular_rows.sql"
    upstream.write_text(upstream.read_text(encoding="utf-8") + "\n-- a new line\n", encoding="utf-8")
    stdout = run("run", "--select", "int_decp_holders_unioned")  # the changed model itself is not run
    assert 'int_decp_holders_unioned" from scratch: its code changed since its last build' in stdout
    assert holders() == []


def test_an_incremental_model_is_rebuilt_from_scratch_when_a_nomenclature_it_reads_changed(tmp_path: Path) -> None:
    """``int_decp_records_unioned`` resolves CPV codes with the CPV nomenclature (``raw_reference.cpv``): a new
    version of that file (another content hash) makes the run rebuild it; the same file keeps its rows."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw_reference")
        con.execute(
            "create table raw_reference.cpv as select '45000000' as code_cpv_8, '45000000-7' as code_cpv, "
            "'Travaux de construction' as libelle_fr, '45' as division, '2' as niveau, 'travaux' as type_marche, "
            "'cpv.csv' as source_file, 'sha-2008' as source_sha256, '1700000000.1' as _dlt_load_id"
        )
    env = {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(warehouse)}

    def records() -> list[str]:
        with duckdb.connect(str(warehouse)) as con:
            return [
                row[0] for row in con.execute("select record_key from intermediate.int_decp_records_unioned").fetchall()
            ]

    run_dbt(["build", "--select", "+int_decp_records_unioned"], env, tmp_path)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into intermediate.int_decp_records_unioned by name select 'kept' as record_key")
    assert "rebuilding" not in run_dbt(["run", "--select", "int_decp_records_unioned"], env, tmp_path).stdout
    assert records() == ["kept"]

    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw_reference.cpv set source_sha256 = 'sha-new-version'")
    stdout = run_dbt(["run", "--select", "int_decp_records_unioned"], env, tmp_path).stdout
    assert 'int_decp_records_unioned" from scratch: its code changed since its last build' in stdout
    assert records() == []
