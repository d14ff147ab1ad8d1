"""`make demo`: the full refresh, through Dagster, on the demo data embedded in the repository.

Copies the demo DECP files into the inbox (the way a data engineer drops files), runs the Dagster job
``full_refresh`` (the same assets and checks as the UI) against the instance in $DAGSTER_HOME, and prints
what was built and where. Exits non-zero when a step or a check fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from observatoire.pseudonymisation import DEMO_MODE_ENV
from observatoire.settings import DEMO_DATA_DIR, REPO_ROOT, Settings, load_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance, ExecuteInProcessResult

DEMO_SEED = 2024

#: Demo DECP files (real published records and official examples; provenance in demo_data/decp/README.md).
DEMO_DECP_FILES = (
    "real_2019_format/decp-json_marches-publics.info_2019-03-07.json",
    "real_2019_format/decp-json_data.gouv.fr_pes-json_2019-02-01_per-buyer-files.zip",
    "real_2019_format/decp-processing_tests_decp_test_2019.json",
    "real_2024_format/decp-processing_tests_decp_test_2022.json",
    "real_2024_format/eclaireur-public_tests_raw_2024_altered.json",
    "real_tabular/decp-info-tabular_2024H2_travaux_cpv4521.csv",
    "official_examples/v2.0/marches_concessions.json",
    "official_examples/v2.0/marches_avec_modifications.json",
    "official_examples/v2.0/concessions_avec_modifications.json",
    "official_examples/v2.0/Marche.xml",
    "official_examples/v2.0/Contrat-concession.xml",
    "official_examples/v2.0/Contrat-concession-modification.xml",
    "official_examples/v1.5.0/paquet.json",
    "official_examples/v1.5.0/paquet.xml",
)


def seed_decp_inbox(settings: Settings) -> int:
    """Copy the demo DECP files into the inbox (flattened names); return how many were copied."""
    settings.decp_inbox.mkdir(parents=True, exist_ok=True)
    copied = 0
    for relative in DEMO_DECP_FILES:
        source = DEMO_DATA_DIR / "decp" / relative
        target = settings.decp_inbox / relative.replace("/", "__")
        if not target.exists():
            shutil.copyfile(source, target)
            copied += 1
    return copied


def generate_tracking_demo(settings: Settings, preset: str = "demo", seed: int = DEMO_SEED) -> tuple[int, float]:
    """Generate the demo preset (tracking exports and DECP 2024 files) and drop it into the inbox.

    Generation is deterministic: rerunning writes the same bytes, which the loaders then skip. The manifest
    (with the fake identities, for the audits) stays in data/generated/, outside the inbox."""
    from demo_generator import generate

    started = time.perf_counter()
    out = settings.data_dir / "generated" / preset
    generate(preset=preset, seed=seed, out=out)
    copied = 0
    for folder, inbox in (("suivi_clauses", settings.tracking_inbox), ("decp", settings.decp_inbox / "generated")):
        for source in sorted((out / folder).rglob("*")):
            if source.is_file():
                target = inbox / source.relative_to(out / folder)
                if not target.exists() or target.read_bytes() != source.read_bytes():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                    copied += 1
    return copied, time.perf_counter() - started


def initialise_dagster_home(home: Path) -> Path:
    """``home`` with the project's dagster.yaml (kept when there is one) and its SQLite storages created. Created
    here, before any Dagster process starts: a daemon and a webserver started together on an empty home both
    create the storages and can both stamp their schema version, leaving storages Dagster refuses to open."""
    from dagster import DagsterInstance

    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)):
        pass
    return home


def prepare_dagster_home(settings: Settings) -> Path:
    """$DAGSTER_HOME (default data/dagster_home), initialised (:func:`initialise_dagster_home`)."""
    return initialise_dagster_home(Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / "dagster_home"))))


def run_job(
    instance: DagsterInstance, name: str, partition_key: str | None = None
) -> tuple[ExecuteInProcessResult, bool]:
    """Execute a job of the code location in this process against the $DAGSTER_HOME instance; print the
    checks that failed or warned. True when every step succeeded and no error-level check failed."""
    from dagster import AssetCheckSeverity

    from orchestration.definitions import defs

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


def print_summary(settings: Settings) -> None:
    from observatoire.warehouse import connect_reader

    with connect_reader(settings.warehouse_path) as con:
        counts = {
            "raw_decp.decp_records": "select count(*) from raw_decp.decp_records",
            "raw_decp.decp_tabular_rows": "select count(*) from raw_decp.decp_tabular_rows",
            "marts.fct_contracts": "select count(*) from marts.fct_contracts",
            "  with a known social consideration": (
                "select count(*) from marts.fct_contracts where social_considerations_known"
            ),
            "  with a social clause": "select count(*) from marts.fct_contracts where has_social_clause",
            "marts.rejected_contract_records": "select count(*) from marts.rejected_contract_records",
            "tracking rows read / loaded / rejected": (
                "select sum(rows_read) || ' / ' || sum(rows_loaded) || ' / ' || sum(rows_rejected) "
                "from raw_suivi_clauses.tracking_load_audit"
            ),
            "marts.dim_beneficiary": "select count(*) from marts.dim_beneficiary",
            "marts.fct_insertion_hours (hours)": "select round(sum(hours)) from marts.fct_insertion_hours",
            "marts.clause_tracking_issues": "select count(*) from marts.clause_tracking_issues",
            "input documents by status": (
                "select string_agg(s || ' ' || n, ', ' order by s) from (select status s, count(*) n "
                "from raw_decp.decp_load_audit group by s)"
            ),
        }
        print("\nWarehouse contents")
        for label, sql in counts.items():
            row = con.execute(sql).fetchone()
            print(f"  {label:<40} {row[0] if row else '-'}")
    print("\nWhere the results are")
    print(f"  DuckDB warehouse        {settings.warehouse_path}")
    print(f"  published outputs       {settings.published_dir}")
    print(f"  Dagster runs (UI)       make dev, then http://127.0.0.1:3000 (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    print(
        "  data quality            raw_decp.decp_load_audit, marts.rejected_contract_records, marts.decp_record_issues;"
    )
    print(f"                          Great Expectations results in {settings.published_dir / 'quality'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--preset",
        default="demo",
        choices=("demo", "idf", "national"),
        help="size of the generated tracking data (demo: seconds; idf: Île-de-France 2019-2025)",
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    args = parser.parse_args(argv)
    # Demo data only: pseudonyms use the published demo key (a warning says so).
    os.environ.setdefault(DEMO_MODE_ENV, "1")
    settings = load_settings()
    settings.ensure_dirs()
    copied = seed_decp_inbox(settings)
    print(f"Real DECP samples: {copied} copied into {settings.decp_inbox}")
    copied, seconds = generate_tracking_demo(settings, args.preset, args.seed)
    print(f"Generated demo tracking exports and DECP files ({seconds:.1f} s): {copied} new file(s) in the inbox")
    home = prepare_dagster_home(settings)
    print(f"Dagster instance: {home}")
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        from orchestration.recovery import release_dead_runs

        for run_id in release_dead_runs(instance):  # a previous run killed mid-way must not block this one
            print(f"Run {run_id} was killed mid-way: marked failed, its DuckDB pool slot freed")
        started = time.perf_counter()
        result, ok = run_job(instance, "full_refresh")
        results = [result]
        print(f"\nfull_refresh {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        year = latest_report_year(instance) if ok else None
        if ok and year is None:
            print("No complete year in the open data: no annual report")
        elif ok:
            # What the sensor annual_report_after_refresh requests after a refresh when the daemon runs.
            started = time.perf_counter()
            result, ok = run_job(instance, "annual_report", partition_key=year)
            results.append(result)
            print(f"annual_report {year} {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
        if ok:
            print_summary(settings)
            print_outputs(results, instance, settings)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
