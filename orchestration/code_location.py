"""The definitions of the Dagster code location: every layer as assets (ingestion, dbt, publication), checks,
jobs, the monthly schedule and the sensors. Dagster loads them through :mod:`orchestration.definitions`.

Loading this module does no I/O beyond reading the dbt manifest: no Great Expectations import, no dbt
parse (run ``make dbt-parse`` or use ``dagster dev``/``dg dev``, which parse on load).
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .alerts import run_failure_alert
from .assets.ingestion import (
    decp_raw,
    inclusion_api_raw,
    reference_raw,
    registry_files_raw,
    sirene_raw,
    tracking_raw,
)
from .assets.publication import PUBLICATION_ASSETS
from .assets.quality import data_quality_page
from .assets.transformation import warehouse_dbt_models
from .checks import GX_CHECKS
from .freshness import SOURCE_FRESHNESS_CHECKS, with_refresh_freshness
from .jobs import (
    annual_report_after_refresh,
    annual_report_job,
    decp_inbox_sensor,
    decp_refresh_job,
    full_refresh_job,
    monthly_refresh_schedule,
    tracking_inbox_sensor,
    tracking_refresh_job,
)
from .recovery import dead_run_recovery
from .resources import RESOURCES

defs = Definitions(
    assets=[
        # the monthly refresh shows late in the UI when these have not been materialised for 35 / 70 days
        *with_refresh_freshness(decp_raw, tracking_raw, reference_raw, registry_files_raw, sirene_raw),
        inclusion_api_raw,
        warehouse_dbt_models,
        *PUBLICATION_ASSETS,
        data_quality_page,
    ],
    asset_checks=[*GX_CHECKS, *SOURCE_FRESHNESS_CHECKS],
    jobs=[full_refresh_job, decp_refresh_job, tracking_refresh_job, annual_report_job],
    schedules=[monthly_refresh_schedule],
    sensors=[
        decp_inbox_sensor,
        tracking_inbox_sensor,
        annual_report_after_refresh,
        run_failure_alert,
        dead_run_recovery,
    ],
    resources=RESOURCES,
    # One process per run: steps that open the DuckDB warehouse never overlap inside a run.
    executor=in_process_executor,
)
