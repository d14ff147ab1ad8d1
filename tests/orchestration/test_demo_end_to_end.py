"""`make demo`'s command through Dagster on the embedded demo data (run once per session by the ``demo_outputs``
fixture of tests/conftest.py): everything builds, every check runs and passes, the registries classify the real
holders and buyers. That a second refresh with no new file changes no mart row is checked by the kill test
(tests/reliability/test_kill.py), which goes on from the same demo."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from reliability_support import DemoOutputs, warehouse_of

from observatoire.settings import DBT_PROJECT_DIR, DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]


def test_demo_builds_every_asset_and_prints_where_results_are(demo_outputs: DemoOutputs) -> None:
    warehouse, stdout, before = demo_outputs.warehouse, demo_outputs.output, demo_outputs.marts
    assert "full_refresh succeeded" in stdout
    assert str(warehouse_of(demo_outputs.work_dir)) in stdout
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


def test_every_check_ran_and_passed(demo_outputs: DemoOutputs) -> None:
    # the fixture asserts exit code 0, which the demo returns only when the run succeeded and no check failed;
    # here we check that the checks really ran, from the instance's event log.
    dagster_home = demo_outputs.copy_dir / "dagster_home"
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
            assert len(records) == 1, (asset, check)
            assert all(r.status.value == "SUCCEEDED" for r in records), (asset, check, records)


def test_the_sources_messages_are_in_the_runs_event_log(demo_outputs: DemoOutputs) -> None:
    """What each source read, file by file, shows in the UI's run view (orchestration/dagster.yaml's managed
    loggers), not only on the terminal of the process."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.from_config(str(demo_outputs.copy_dir / "dagster_home")) as instance:
        [run] = instance.get_runs(RunsFilter(job_name="full_refresh", statuses=[DagsterRunStatus.SUCCESS]), limit=1)
        messages = {(e.step_key, e.user_message) for e in instance.all_logs(run.run_id) if e.user_message}
    with duckdb.connect(str(demo_outputs.warehouse), read_only=True) as con:
        documents = con.execute("select source_file, status, records_read from raw_decp.decp_load_audit").fetchall()
        tables = con.execute(
            "select table_name, status, rows_read from raw_suivi_clauses.tracking_load_audit where rows_read > 0"
        ).fetchall()
    decp = {message for step, message in messages if step == "decp"}
    assert len(documents) > 100
    for source_file, status, read in documents:
        assert f"DECP document {source_file}: {status}, {read} record(s)" in decp, source_file
    tracking = [message for step, message in messages if step == "suivi_clauses"]
    assert len(tables) > 10
    for table, status, read in tables:
        assert any(f"→ {table}: {status}, {read} lus, " in message for message in tracking), (table, status, read)


# ----------------------------------------------------------------------------------------------- registries
SIAE_IDF = DEMO_DATA_DIR / "ref/inclusion/itou_2019_07_liste_siae_idf_sans_contacts.csv"


def siae_idf_kinds() -> dict[str, set[str]]:
    """SIRET → MESURE(s) of the real 2019 Île-de-France SIAE list, read with the csv module."""
    kinds: dict[str, set[str]] = {}
    with SIAE_IDF.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            siret = re.sub(r"\D", "", row["SIRET"])
            kinds.setdefault(siret, set()).add(row["MESURE"].strip())
    return kinds


def test_the_contracts_constraints_are_enforced_by_the_warehouse(demo_outputs: DemoOutputs, tmp_path: Path) -> None:
    """The not_null and check constraints of the models' contracts reach DuckDB: every such column of the built
    warehouse is NOT NULL or carries its CHECK, and DuckDB refuses a row breaking either
    (tests/dbt/test_dbt_project_yaml.py: no blocking dbt test repeats them)."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    contracted = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
    ]
    declared = {
        kind: {
            (node["schema"], node["alias"], column["name"])
            for node in contracted
            for column in node["columns"].values()
            if any(constraint["type"] in types for constraint in column.get("constraints") or [])
        }
        for kind, types in (("not_null", ("not_null", "primary_key")), ("check", ("check",)))
    }
    with duckdb.connect(str(demo_outputs.warehouse), read_only=True) as con:
        nullable = {
            row[:3]: row[3]
            for row in con.execute(
                "select table_schema, table_name, column_name, is_nullable from information_schema.columns"
            ).fetchall()
        }
        checked = {
            (schema, table, column)
            for schema, table, columns in con.execute(
                "select schema_name, table_name, constraint_column_names from duckdb_constraints() "
                "where constraint_type = 'CHECK'"
            ).fetchall()
            for column in columns
        }
    assert len(declared["not_null"]) > 100 and len(declared["check"]) > 30
    assert sorted(column for column in declared["not_null"] if nullable.get(column) != "NO") == []
    assert sorted(declared["check"] - checked) == []
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_outputs.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL.*issue"):
            con.execute("insert into audit.decp_record_issues (record_key, issue) values ('planted', null)")
        with pytest.raises(duckdb.ConstraintException, match="CHECK.*territory_level"):
            con.execute(
                "insert into marts.structures_by_territory "
                "select * replace ('planted' as territory_level) from marts.structures_by_territory limit 1"
            )


def test_siae_holders_and_employers_are_flagged_with_their_kind(demo_outputs: DemoOutputs) -> None:
    warehouse = demo_outputs.warehouse
    kinds = siae_idf_kinds()
    flags = {"ACI": "is_aci", "AI": "is_ai", "EI": "is_ei", "ETTI": "is_etti"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        companies = {
            row[0]: row[1:]
            for row in con.execute(
                "select company_id, is_aci, is_ai, is_ei, is_etti, is_siae, structure_family from marts.dim_company"
            ).fetchall()
        }
        holders = {r[0] for r in con.execute("select holder_id from marts.fct_contract_holders").fetchall()}
    listed = [siret for siret in companies if siret in kinds]
    assert len(listed) >= 3, "the demo contracts and tracking exports should involve SIAE of the 2019 list"
    assert holders  # holders and employers alike are companies of dim_company
    for siret in listed:
        expected = tuple(kind in kinds[siret] for kind in flags)
        assert companies[siret][:4] == expected, (siret, kinds[siret], companies[siret])
        assert companies[siret][4] is True and companies[siret][5] == "SIAE"


def test_structures_per_territory_cover_idf_and_match_the_source_list(demo_outputs: DemoOutputs) -> None:
    warehouse = demo_outputs.warehouse
    per_departement: dict[str, set[str]] = {}
    with SIAE_IDF.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            per_departement.setdefault(row["dep"], set()).add(re.sub(r"\D", "", row["SIRET"]))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select territory_level, territory_code, siae_count, population from marts.structures_by_territory"
        ).fetchall()
    departements = {code: siae for level, code, siae, _ in rows if level == "departement"}
    # Every SIAE of the list is counted once in Île-de-France (a few are placed by their SIRENE establishment
    # in another département than the list's), and every département has some.
    assert sum(departements.values()) == len(set().union(*per_departement.values()))
    assert set(departements) == {"75", "77", "78", "91", "92", "93", "94", "95"}
    assert all(departements[dep] > 0 for dep in departements)
    ept = {code for level, code, _, _ in rows if level == "ept"}
    assert len(ept) == 12 and "75056" in ept  # 11 EPT of the Métropole du Grand Paris + Paris
    assert all(population > 0 for *_, population in rows)


def test_buyers_of_the_real_decp_sample_are_typed(demo_outputs: DemoOutputs) -> None:
    warehouse = demo_outputs.warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = dict(
            con.execute(
                "select buyer_type, count(*) from marts.dim_buyer where buyer_type <> 'inconnu' group by 1"
            ).fetchall()
        )
        # communes are typed communes: legal category 7210, SIREN starting with 21
        wrong = con.execute(
            "select count(*) from marts.dim_buyer where buyer_type = 'commune' and legal_category_code <> '7210'"
        ).fetchone()[0]
    assert types.get("commune", 0) > 0 and wrong == 0
