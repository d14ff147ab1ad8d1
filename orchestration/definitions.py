"""The Dagster code location: every layer as assets, checks, the monthly schedule and the inbox sensor.

Loading this module does no I/O beyond reading the dbt manifest: no Great Expectations import, no dbt
parse (run ``make dbt-parse`` or use ``dagster dev``/``dg dev``, which parse on load).
"""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from .assets.ingestion import (
    decp_raw,
    inclusion_api_raw,
    reference_raw,
    registry_files_raw,
    sirene_raw,
    tracking_raw,
)
from .assets.transformation import warehouse_dbt_models
from .checks import GX_CHECKS
from .jobs import (
    decp_inbox_sensor,
    decp_refresh_job,
    full_refresh_job,
    monthly_refresh_schedule,
    tracking_inbox_sensor,
    tracking_refresh_job,
)
from .resources import RESOURCES

defs = Definitions(
    assets=[
        decp_raw,
        tracking_raw,
        reference_raw,
        registry_files_raw,
        inclusion_api_raw,
        sirene_raw,
        warehouse_dbt_models,
    ],
    asset_checks=GX_CHECKS,
    jobs=[full_refresh_job, decp_refresh_job, tracking_refresh_job],
    schedules=[monthly_refresh_schedule],
    sensors=[decp_inbox_sensor, tracking_inbox_sensor],
    resources=RESOURCES,
    # One process per run: steps that open the DuckDB warehouse never overlap inside a run.
    executor=in_process_executor,
)
