"""The analysts' snapshot: only the marts and nomenclatures, the same rows as the warehouse (DuckDB and
Parquet), replaced atomically so that readers in other processes never fail, including during a refresh."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from reliability_support import DemoOutputs, querying_in_a_loop, read_log

from observatoire.publication.snapshot import (
    INFO_TABLE,
    PARQUET_DIR,
    SNAPSHOT_FILE,
    SNAPSHOT_SCHEMAS,
    TEMP_PREFIX,
    SnapshotError,
    publish_snapshot,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("snapshot")]

#: Row count and order-independent checksum of the contracts.
CHECKSUM = "select count(*), md5(string_agg(md5(t::varchar), '' order by md5(t::varchar))) from marts.fct_contracts t"

#: A reader that opens the snapshot, waits for a line on stdin, then reads the whole contracts table through
#: the connection it opened before; then reconnects.
READER_HOLDING = r"""
import json, sys
import duckdb

path, checksum = sys.argv[1], sys.argv[2]
con = duckdb.connect(path, read_only=True)
print(json.dumps(con.execute("select max(published_at)::varchar from snapshot_info").fetchone()), flush=True)
sys.stdin.readline()
print(json.dumps(con.execute(checksum).fetchone()), flush=True)
con.close()
with duckdb.connect(path, read_only=True) as again:
    print(json.dumps(again.execute(checksum).fetchone()), flush=True)
"""


def tables_of(path: Path, schemas: tuple[str, ...] | None = None) -> dict[str, int]:
    """``schema.table`` → row count of every base table (of ``schemas`` when given)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = current_database()"
        ).fetchall()
        return {
            f"{schema}.{table}": con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            for schema, table in names
            if schemas is None or schema in schemas
        }


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def warehouse(snapshot_decp_warehouse: Path) -> Path:
    """A warehouse built by the real dlt sources and dbt project: raw, staging, intermediate, marts, seeds."""
    return snapshot_decp_warehouse


@pytest.fixture(scope="module")
def smaller_warehouse(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same warehouse after a refresh that dropped some contracts: a snapshot with other contents."""
    copy = tmp_path_factory.mktemp("smaller") / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from marts.fct_contracts where record_type = 'concession' or format_version = '2019'")
    return copy


def test_snapshot_holds_exactly_the_marts_and_nomenclatures_with_their_rows(warehouse: Path, tmp_path: Path) -> None:
    path = publish_snapshot(warehouse, tmp_path / "snapshot")

    expected = tables_of(warehouse, SNAPSHOT_SCHEMAS)
    assert {name.split(".")[0] for name in tables_of(warehouse)} > {"raw_decp", "staging", "intermediate", "marts"}
    published = tables_of(path)
    assert published.pop(f"main.{INFO_TABLE}") == len(expected)
    assert published == expected
    assert {"marts.fct_contracts", "marts.dim_buyer", "reference.decp_enum_labels"} <= set(published)
    info = dict(query(path, f"select schema_name || '.' || table_name, row_count from {INFO_TABLE}"))
    assert info == expected

    # the Parquet files hold the same rows
    parquet_dir = tmp_path / "snapshot" / PARQUET_DIR
    assert sorted(p.stem for p in parquet_dir.iterdir()) == sorted(name.split(".")[1] for name in expected)
    with duckdb.connect() as con:
        for name, rows in expected.items():
            file = parquet_dir / f"{name.split('.')[1]}.parquet"
            assert con.execute("select count(*) from read_parquet(?)", [str(file)]).fetchone()[0] == rows, name
        contracts_file = f"'{parquet_dir / 'fct_contracts.parquet'}'"
        assert (
            con.execute(CHECKSUM.replace("marts.fct_contracts", contracts_file)).fetchone()
            == query(warehouse, CHECKSUM)[0]
        )

    # the dbt descriptions come along as comments
    comments = (
        "select table_name, column_name, comment from duckdb_columns() "
        "where schema_name = 'marts' and comment is not null order by 1, 2"
    )
    warehouse_comments = query(warehouse, comments)
    assert len(warehouse_comments) > 50 and query(path, comments) == warehouse_comments

    # owner-only: the marts hold pseudonymous person-level rows; nothing left behind by the build
    assert sorted(p.name for p in (tmp_path / "snapshot").iterdir()) == [SNAPSHOT_FILE, PARQUET_DIR]
    for folder in (tmp_path / "snapshot", parquet_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for file in (path, *parquet_dir.iterdir()):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file


def test_reader_holding_the_old_snapshot_keeps_reading_it_while_it_is_replaced(
    warehouse: Path, smaller_warehouse: Path, tmp_path: Path
) -> None:
    snapshot_dir = tmp_path / "snapshot"
    path = publish_snapshot(warehouse, snapshot_dir)
    old_inode = path.stat().st_ino
    reader = subprocess.Popen(
        [sys.executable, "-c", READER_HOLDING, str(path), CHECKSUM],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        opened_at = json.loads(reader.stdout.readline())
        assert opened_at, reader.stderr.read()
        publish_snapshot(smaller_warehouse, snapshot_dir)
        assert path.stat().st_ino != old_inode
        reader.stdin.write("go\n")
        reader.stdin.flush()
        after_replace = json.loads(reader.stdout.readline() or "null")
        reconnected = json.loads(reader.stdout.readline() or "null")
        assert reader.wait(timeout=60) == 0, reader.stderr.read()
    finally:
        reader.kill()
    # the connection opened before the replacement reads the whole previous snapshot, unchanged
    assert tuple(after_replace) == query(warehouse, CHECKSUM)[0]
    # a new connection reads the new snapshot
    assert tuple(reconnected) == query(smaller_warehouse, CHECKSUM)[0]
    assert reconnected[0] < after_replace[0]


def test_readers_started_during_publishes_never_fail(warehouse: Path, smaller_warehouse: Path, tmp_path: Path) -> None:
    snapshot_dir = tmp_path / "snapshot"
    path = publish_snapshot(warehouse, snapshot_dir)
    log = tmp_path / "reader.jsonl"
    with querying_in_a_loop(path, log, pause=0):
        while not log.exists() or not log.read_text():
            time.sleep(0.05)
        for source in (smaller_warehouse, warehouse, smaller_warehouse, warehouse, smaller_warehouse):
            publish_snapshot(source, snapshot_dir)
        published = len(read_log(log))
        while len(read_log(log)) < published + 2:  # an attempt started after the last publication
            time.sleep(0.05)
    attempts = read_log(log)
    failures = [a for a in attempts if not a["ok"]]
    assert not failures, failures[:3]
    full, smaller = query(warehouse, CHECKSUM)[0][0], query(smaller_warehouse, CHECKSUM)[0][0]
    # every reader saw one complete snapshot or the other, and the readers saw several publications
    assert {a["contracts"] for a in attempts} <= {full, smaller}
    assert len({a["published_at"] for a in attempts}) >= 3, len(attempts)
    assert attempts[-1]["contracts"] == smaller
    assert not [p for p in snapshot_dir.iterdir() if p.name not in (SNAPSHOT_FILE, PARQUET_DIR)]


def test_failed_or_killed_publication_leaves_the_previous_snapshot_in_place(warehouse: Path, tmp_path: Path) -> None:
    snapshot_dir = tmp_path / "snapshot"
    path = publish_snapshot(warehouse, snapshot_dir)
    before = query(path, f"select * from {INFO_TABLE} order by all")
    no_marts = tmp_path / "raw_only.duckdb"
    with duckdb.connect(str(no_marts)) as con:
        con.execute("create schema raw_decp; create table raw_decp.decp_records as select 1 as record_index")
    with pytest.raises(SnapshotError, match="no marts schema"):
        publish_snapshot(no_marts, snapshot_dir)
    assert query(path, f"select * from {INFO_TABLE} order by all") == before
    assert sorted(p.name for p in snapshot_dir.iterdir()) == [SNAPSHOT_FILE, PARQUET_DIR]

    # the work folder of a publisher killed midway is removed by the next publication, not a live one's
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed = snapshot_dir / f"{TEMP_PREFIX}{int(dead.stdout)}-abc"
    alive = snapshot_dir / f"{TEMP_PREFIX}1-def"  # pid 1 always exists
    for folder in (killed, alive):
        (folder / PARQUET_DIR).mkdir(parents=True)
        (folder / SNAPSHOT_FILE).write_bytes(b"half-built")
    publish_snapshot(warehouse, snapshot_dir)
    assert not killed.exists() and alive.exists()


def test_snapshot_is_published_only_after_the_dbt_build_and_the_blocking_checks() -> None:
    from dagster._core.execution.api import create_execution_plan

    from orchestration.assets.publication import PUBLISHED_MODELS, REPORT_ASSETS
    from orchestration.checks import GX_CHECKS
    from orchestration.definitions import defs

    published = set(PUBLISHED_MODELS)
    blocking = {
        check_key for checks in GX_CHECKS for check_key in checks.check_keys if check_key.asset_key in published
    }
    assert len(blocking) >= 4
    for job_name in ("full_refresh", "decp_refresh", "tracking_refresh"):
        job = defs().resolve_job_def(job_name)
        plan = create_execution_plan(job)
        steps = {step.key: step for step in plan.get_all_steps_in_topo_order()}
        upstream = {
            handle.step_key
            for step_input in steps["publication__analysts_snapshot"].step_inputs
            for handle in step_input.source.step_output_handle_dependencies
        }
        assert "warehouse_dbt_models" in upstream, job_name
        for check_key in blocking:
            step = f"{'__'.join(check_key.asset_key.path)}_{check_key.name}"
            assert step in upstream or step not in steps, (job_name, step)
        # the yearly report is not in the refresh jobs (different partitions): its own job renders it
        assert not {f"publication__{asset.key.path[-1]}" for asset in REPORT_ASSETS} & set(steps), job_name


# ------------------------------------------------------------------------------------------ during a refresh
def test_snapshot_queried_in_a_loop_during_a_full_refresh_always_answers(demo_outputs: DemoOutputs) -> None:
    """The issue's acceptance test: a full refresh of the demo data (the demo command, through Dagster, in a
    subprocess) while a separate process queries the analysts' snapshot in a loop. The refresh is the session's
    demo (``demo_outputs``): it ran over a previous month's snapshot of DECP files only, queried meanwhile."""
    previous = demo_outputs.previous_snapshot
    [(previous_published_at,)] = query(previous, f"select max(published_at)::varchar from {INFO_TABLE}")
    previous_tables = tables_of(previous)

    attempts = read_log(demo_outputs.snapshot_reads)
    failures = [a for a in attempts if not a["ok"]]
    assert not failures, failures[:3]
    assert len(attempts) > 100  # about 5 queries a second during the whole refresh
    # the previous snapshot answered until it was replaced by the refresh's, which answered afterwards
    published = [a["published_at"] for a in attempts]
    assert published[0] == previous_published_at and published[-1] != previous_published_at
    switch = published.index(published[-1])
    assert set(published[:switch]) == {previous_published_at} and set(published[switch:]) == {published[-1]}

    refreshed, snapshot_dir = demo_outputs.warehouse, demo_outputs.published / "snapshot"
    new_tables = tables_of(snapshot_dir / SNAPSHOT_FILE)
    new_tables.pop(f"main.{INFO_TABLE}")
    assert new_tables == tables_of(refreshed, SNAPSHOT_SCHEMAS)
    assert new_tables["marts.fct_contracts"] == attempts[-1]["contracts"]
    assert {"marts.fct_insertion_hours", "marts.dim_beneficiary"} <= set(new_tables) - set(previous_tables)

    # the dbt docs were published beside it, with the marts' columns in the catalog
    docs = snapshot_dir / "dbt_docs"
    catalog = json.loads((docs / "catalog.json").read_text())
    columns = catalog["nodes"]["model.observatoire.fct_contracts"]["columns"]
    assert {"contract_key", "buyer_siret", "has_social_clause"} <= set(columns)
    assert "fct_contracts" in (docs / "static_index.html").read_text(encoding="utf-8")
    # with the SQL of every model as the refresh's dbt build compiled and ran it (a build_path for each table or
    # view it built: the docs did not compile the project again)
    manifest = json.loads((docs / "manifest.json").read_text())
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    assert len(models) > 50 and all(node["compiled_code"] for node in models)
    assert all(node["build_path"] for node in models if node["config"]["materialized"] != "ephemeral")
    holders = manifest["nodes"]["model.observatoire.stg_decp__holders"]["compiled_code"]
    assert '"warehouse"."staging"."stg_decp__records"' in holders
    # the demo prints where each output is (in its work folder, of which ``published`` is a copy)
    printed = demo_outputs.work_dir / snapshot_dir.relative_to(demo_outputs.copy_dir)
    assert str(printed / SNAPSHOT_FILE) in demo_outputs.output
    assert str(printed / "dbt_docs" / "static_index.html") in demo_outputs.output

    # the report years are the complete years with hours worked; after the refresh the sensor asks for the latest
    [(years,)] = query(
        refreshed, "select list(distinct year order by year) from marts.fct_insertion_hours where year < year(today())"
    )
    from dagster import DagsterEventType, DagsterInstance, RunRequest, build_run_status_sensor_context

    from orchestration.assets.publication import REPORT_YEARS
    from orchestration.sensors import annual_report_after_refresh

    with DagsterInstance.from_config(str(demo_outputs.copy_dir / "dagster_home")) as instance:
        assert sorted(instance.get_dynamic_partitions(REPORT_YEARS.name), key=int) == [str(y) for y in years]
        [refresh_run] = instance.get_runs(filters=None, limit=1, ascending=True)
        assert refresh_run.job_name == "full_refresh"
        [success] = instance.all_logs(refresh_run.run_id, of_type=DagsterEventType.RUN_SUCCESS)
        context = build_run_status_sensor_context(
            sensor_name=annual_report_after_refresh.name,
            dagster_event=success.dagster_event,
            dagster_instance=instance,
            dagster_run=refresh_run,
        )
        request = annual_report_after_refresh(context)
    assert isinstance(request, RunRequest) and request.partition_key == str(max(years))


def test_person_level_rows_lose_their_pointer_to_the_export_line(warehouse: Path, tmp_path: Path) -> None:
    """With the inbox, source_file + line_number of a beneficiary's row lead to the identity line: dropped."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "create table marts.fct_person_rows as select 'b1' as beneficiary_key, 'export_93.csv' as source_file, "
            "12 as line_number, 35.0 as hours"
        )
        con.execute("comment on column marts.fct_person_rows.line_number is 'line of the export'")
    path = publish_snapshot(copy, tmp_path / "snapshot")

    person_columns = query(
        path, "select column_name from duckdb_columns() where table_name = 'fct_person_rows' order by column_index"
    )
    assert [name for (name,) in person_columns] == ["beneficiary_key", "hours"]
    # tables without people keep their lineage columns
    contract_columns = {
        name
        for (name,) in query(
            path, "select column_name from duckdb_columns() where table_name = 'contract_record_lineage'"
        )
    }
    assert "source_file" in contract_columns
    with duckdb.connect() as con:
        parquet = tmp_path / "snapshot" / PARQUET_DIR / "fct_person_rows.parquet"
        assert con.execute("select * from read_parquet(?)", [str(parquet)]).fetchall() == [("b1", 35.0)]
