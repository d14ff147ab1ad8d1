"""The refresh the reliability tests run, kill and run again, as `make demo` does it but shorter.

Same inputs as the demo (DECP samples and the generated demo preset dropped into the inbox), same crash
recovery before the run (orchestration.recovery), then the Dagster job ``full_refresh`` in this process
against $DAGSTER_HOME, without the slow publications (dbt docs, open data, dataviz): ingestion, dbt, checks,
the analysts' snapshot and the data-quality page. Exit code 0 when the run succeeded.

    python tests/reliability/refresh_job.py [--only-tracking] [--real-key] [--inbox-ready]

``--only-tracking`` runs the clause-tracking ingestion alone; ``--real-key`` leaves demo mode off, so the
pseudonymisation key must come from OBSERVATOIRE_HMAC_KEY (the run fails with the key error otherwise);
``--inbox-ready`` drops nothing into the inbox: the caller filled it (the idf preset's test).
"""

from __future__ import annotations

import argparse
import os
import sys

SLOW_PUBLICATIONS = ("dbt_docs", "open_data", "dataviz", "annual_report", "territory_fiches")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-tracking", action="store_true")
    parser.add_argument("--real-key", action="store_true")
    parser.add_argument("--inbox-ready", action="store_true")
    args = parser.parse_args(argv)

    from dagster import DagsterInstance

    from observatoire.demo import generate_tracking_demo, seed_decp_inbox
    from observatoire.pseudonymisation import DEMO_MODE_ENV
    from observatoire.settings import load_settings
    from orchestration.instance import prepare_dagster_home

    if args.real_key:
        os.environ.pop(DEMO_MODE_ENV, None)
    else:
        os.environ.setdefault(DEMO_MODE_ENV, "1")
    settings = load_settings()
    settings.ensure_dirs()
    if not args.inbox_ready:
        seed_decp_inbox(settings)
        generate_tracking_demo(settings)
    prepare_dagster_home(settings)

    from orchestration.definitions import defs
    from orchestration.jobs import TRACKING_RAW_TABLES
    from orchestration.recovery import release_dead_runs

    job = defs().resolve_job_def("full_refresh")
    keys = [
        key
        for key in job.asset_layer.selected_asset_keys
        if not (key.path[0] == "publication" and key.path[-1] in SLOW_PUBLICATIONS)
        and (not args.only_tracking or key in TRACKING_RAW_TABLES)
    ]
    with DagsterInstance.get() as instance:
        for run_id in release_dead_runs(instance):
            print(f"released dead run {run_id}")
        result = job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False)
        print(f"run {result.run_id} success={result.success}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
