"""`make demo`: the full refresh, through Dagster, on the demo data embedded in the repository.

Copies the demo DECP files into the inbox (the way a data engineer drops files), runs the Dagster job
``full_refresh`` (the same assets and checks as the UI) against the instance in $DAGSTER_HOME, and prints
what was built and where. Exits non-zero when a step or a check fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from observatoire.settings import DEMO_DATA_DIR, REPO_ROOT, Settings, load_settings

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


def prepare_dagster_home(settings: Settings) -> Path:
    """$DAGSTER_HOME (default data/dagster_home) with the project's dagster.yaml."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.data_dir / "dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    return home


def run_full_refresh() -> bool:
    """Execute the ``full_refresh`` job in this process against the $DAGSTER_HOME instance."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_job_def("full_refresh")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failed_checks = [
        evaluation.check_name for evaluation in result.get_asset_check_evaluations() if not evaluation.passed
    ]
    if failed_checks:
        print(f"Failed checks: {', '.join(sorted(failed_checks))}", file=sys.stderr)
    return result.success and not failed_checks


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


def main() -> int:
    settings = load_settings()
    settings.ensure_dirs()
    copied = seed_decp_inbox(settings)
    print(f"Demo DECP files: {copied} copied into {settings.decp_inbox}")
    home = prepare_dagster_home(settings)
    print(f"Dagster instance: {home}")
    started = time.perf_counter()
    ok = run_full_refresh()
    print(f"\nfull_refresh {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - started:.1f} s")
    if ok:
        print_summary(settings)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
