"""`make refresh`: run a refresh job of the code location on the configured data, then say what was built.

Runs the Dagster job (``full_refresh`` by default: the same assets and checks as the UI and the monthly schedule)
in this process against the instance in $DAGSTER_HOME (default ``$OBSERVATOIRE_DATA_DIR/dagster_home``), then
the annual report of the latest complete year (what the sensor ``annual_report_after_refresh`` requests when the
daemon runs), and prints the warehouse contents and where each publication is. Nothing is copied into the inbox:
the job reads the files already there (``$OBSERVATOIRE_DATA_DIR/inbox/decp``, ``.../inbox/suivi_clauses/<source>``).
Exit status 0 when every step succeeded and no error-level check failed.

    python -m observatoire.refresh [--job full_refresh|decp_refresh|tracking_refresh] [--no-annual-report]

The demo (:mod:`observatoire.demo`) drops the demo files into the inbox and then runs this.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from typing import TYPE_CHECKING

from observatoire.settings import Settings

if TYPE_CHECKING:
    from dagster import DagsterInstance, Definitions, ExecuteInProcessResult

    from orchestration.resources import SettingsResource


def run_job(
    defs: Definitions, instance: DagsterInstance, name: str, partition_key: str | None = None
) -> tuple[ExecuteInProcessResult, bool]:
    """Execute a job of the code location in this process against the $DAGSTER_HOME instance; print the
    checks that failed or warned. True when every step succeeded and no error-level check failed."""
    from dagster import AssetCheckSeverity

    job = defs.resolve_job_def(name)
    result = job.execute_in_process(instance=instance, partition_key=partition_key, raise_on_error=False)
    evaluations = [e for e in result.get_asset_check_evaluations() if not e.passed]
    failed = sorted(e.check_name for e in evaluations if e.severity == AssetCheckSeverity.ERROR)
    warned = sorted(e.check_name for e in evaluations if e.severity == AssetCheckSeverity.WARN)
    if warned:
        print(f"Checks with warnings (data problems listed in the quality tables): {', '.join(warned)}")
    if failed:
        print(f"Failed checks: {', '.join(failed)}", file=sys.stderr)
    return result, result.success and not failed


def latest_report_year(instance: DagsterInstance) -> str | None:
    """The latest complete year the open data registered as a report partition (None when there is none)."""
    from orchestration.assets.publication import REPORT_YEARS

    years = instance.get_dynamic_partitions(REPORT_YEARS.name)
    return max(years, key=int) if years else None


#: The publication assets, in the order the demo lists them, with what they are.
OUTPUT_LABELS = {
    "analysts_snapshot": "analysts' snapshot",
    "dbt_docs": "dbt docs (static site)",
    "open_data": "open data",
    "dataviz": "dataviz",
    "annual_report": "annual report",
    "territory_fiches": "territory fiches",
}


def print_outputs(results: list[ExecuteInProcessResult], instance: DagsterInstance, settings: Settings) -> None:
    """Where each publication is and how long it took, from the runs' asset metadata and step durations."""
    from orchestration.assets.publication import GROUP

    print("\nPublications (generation time)")
    materialized = {}
    for result in results:
        for event in result.get_asset_materialization_events():
            materialization = event.step_materialization_data.materialization
            if materialization.asset_key.path[0] == GROUP:
                materialized[materialization.asset_key.path[-1]] = (materialization, result.dagster_run)
    for name, label in OUTPUT_LABELS.items():
        if name not in materialized:
            print(f"  {label:<28} not built")
            continue
        materialization, run = materialized[name]
        metadata = {key: value.value for key, value in materialization.metadata.items()}
        partition = f" {run.tags['dagster/partition']}" if "dagster/partition" in run.tags else ""
        print(f"  {label + partition:<28} {metadata['generation_seconds']:>6.1f} s  {metadata['path']}")
        if "parquet_dir" in metadata:
            print(f"  {'  same tables as Parquet':<28} {'':>8}  {metadata['parquet_dir']}")
        if name == "territory_fiches":
            print(f"  {'':<28} {'':>8}  {metadata['fiches']} fiches, HTML and PDF")
    quality_seconds = sum(
        (stats.end_time or 0) - (stats.start_time or 0)
        for result in results
        for stats in instance.get_run_step_stats(result.run_id)
        if "great_expectations" in stats.step_key
    )
    quality = settings.published_dir / "quality" / "great_expectations"
    print(f"  {'data quality (GX checks)':<28} {quality_seconds:>6.1f} s  {quality}")


def print_load_summaries(result: ExecuteInProcessResult) -> None:
    """The French per-file summaries the loads of this run attached to their assets (tracking exports)."""
    for event in result.get_asset_materialization_events():
        summary = event.step_materialization_data.materialization.metadata.get("résumé")
        if summary is not None:
            print("\n" + str(summary.value).strip().strip("`").strip())


def print_summary(settings: Settings) -> None:
    from observatoire.warehouse import connect_reader

    with connect_reader(settings.warehouse_path) as con:
        existing = {
            row[0] for row in con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
        }
        counts = {
            "raw_decp.decp_records": "select count(*) from raw_decp.decp_records",
            "raw_decp.decp_tabular_rows": "select count(*) from raw_decp.decp_tabular_rows",
            "marts.fct_contracts": "select count(*) from marts.fct_contracts",
            "  with a known social consideration": (
                "select count(*) from marts.fct_contracts where social_considerations_known"
            ),
            "  with a social clause": "select count(*) from marts.fct_contracts where has_social_clause",
            "audit.rejected_contract_records": "select count(*) from audit.rejected_contract_records",
            "tracking rows read / loaded / rejected": (
                "select sum(rows_read) || ' / ' || sum(rows_loaded) || ' / ' || sum(rows_rejected) "
                "from raw_suivi_clauses.tracking_load_audit"
            ),
            "marts.dim_beneficiary": "select count(*) from marts.dim_beneficiary",
            "marts.fct_insertion_hours (hours)": "select round(sum(hours)) from marts.fct_insertion_hours",
            "audit.clause_tracking_issues": "select count(*) from audit.clause_tracking_issues",
            "labels unknown to their mapping": (
                "select count(*) || ' (' || coalesce(sum(row_count), 0) || ' rows): audit.tracking_unmapped_labels' "
                "from audit.tracking_unmapped_labels"
            ),
            "input documents by status": (
                "select string_agg(s || ' ' || n, ', ' order by s) from (select status s, count(*) n "
                "from raw_decp.decp_load_audit group by s)"
            ),
        }
        print("\nWarehouse contents")
        for label, sql in counts.items():
            # a source never loaded has no raw table (dlt creates a table when rows arrive)
            tables = set(re.findall(r"\b((?:raw_\w+|marts)\.\w+)", sql))
            row = con.execute(sql).fetchone() if tables <= existing else ("not loaded",)
            print(f"  {label:<40} {row[0] if row and row[0] is not None else '-'}")
    print("\nWhere the results are")
    print(f"  DuckDB warehouse        {settings.warehouse_path}")
    print(f"  published outputs       {settings.published_dir}")
    print(f"  Dagster runs (UI)       make dev, then http://127.0.0.1:3000 (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    print(
        "  data quality            raw_decp.decp_load_audit, audit.rejected_contract_records, audit.decp_record_issues;"
    )
    print(f"                          Great Expectations results in {settings.published_dir / 'quality'}")


def run_refresh(resource: SettingsResource, job: str = "full_refresh", annual_report: bool = True) -> int:
    """Run ``job`` (then the annual report of the latest complete year) on the data of the ``resource``'s
    settings; print what was built. Returns the exit status: 0 when every step succeeded and no error-level
    check failed."""
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions
    from orchestration.instance import prepare_dagster_home
    from orchestration.recovery import release_dead_runs

    settings = resource.get()
    settings.ensure_dirs()
    home = prepare_dagster_home(settings)
    print(f"Dagster instance: {home}")
    defs = build_definitions(resource)
    with DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):  # a previous run killed mid-way must not block this one
            print(f"Run {run_id} was killed mid-way: marked failed, its DuckDB pool slot freed")
        started = time.perf_counter()
        result, ok = run_job(defs, instance, job)
        results = [result]
        print(f"\n{job} {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        print_load_summaries(result)
        year = latest_report_year(instance) if ok and annual_report else None
        if ok and annual_report and year is None:
            print("No complete year in the open data: no annual report")
        elif year is not None:
            # What the sensor annual_report_after_refresh requests after a refresh when the daemon runs.
            started = time.perf_counter()
            result, ok = run_job(defs, instance, "annual_report", partition_key=year)
            results.append(result)
            print(f"annual_report {year} {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        if ok:
            print_summary(settings)
            print_outputs(results, instance, settings)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    from orchestration.jobs import REFRESH_JOBS
    from orchestration.resources import SettingsResource

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--job", default="full_refresh", choices=REFRESH_JOBS, help="the refresh job to run")
    parser.add_argument(
        "--no-annual-report", action="store_true", help="do not render the annual report after the refresh"
    )
    args = parser.parse_args(argv)
    resource = SettingsResource.from_env()
    settings = resource.get()
    print(f"Data: {settings.data_dir} (inbox {settings.inbox_dir}, warehouse {settings.warehouse_path})")
    return run_refresh(resource, args.job, annual_report=not args.no_annual_report)


if __name__ == "__main__":
    sys.exit(main())
