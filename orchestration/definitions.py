"""The Dagster code location that workspace.yaml and ``dg`` load (``defs``): every layer as assets (ingestion, dbt,
publication, the quality page), the checks, the jobs, the monthly schedule, the sensors and the resources.

Importing this module reads the dbt manifest and nothing else: no settings, no Great Expectations import, no dbt
parse (``make dbt-parse``; ``dagster dev``/``dg`` parse on load, orchestration/resources.py). The settings are
read when Dagster builds the definitions (:func:`defs`), from the environment; tests build them on their own
settings (:func:`build_definitions`).
"""

from __future__ import annotations

from dagster import Definitions, definitions, in_process_executor

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
from .jobs import annual_report_job, refresh_jobs
from .resources import SettingsResource, build_resources
from .schedules import monthly_refresh_schedule
from .sensors import SENSORS


def build_definitions(settings: SettingsResource) -> Definitions:
    """The code location on ``settings``. The refresh jobs call the emplois de l'inclusion API only when its URL
    is set, so that one setting is read here, when the definitions are built; the others when a run starts."""
    call_inclusion_api = settings.get().inclusion_api_url is not None
    return Definitions(
        assets=[
            # the monthly refresh shows late in the UI when these have not been materialised for 35 / 70 days
            *with_refresh_freshness(decp_raw, tracking_raw, reference_raw, registry_files_raw, sirene_raw),
            inclusion_api_raw,
            warehouse_dbt_models,
            *PUBLICATION_ASSETS,
            data_quality_page,
        ],
        asset_checks=[*GX_CHECKS, *SOURCE_FRESHNESS_CHECKS],
        jobs=[*refresh_jobs(call_inclusion_api), annual_report_job],
        schedules=[monthly_refresh_schedule],
        sensors=SENSORS,
        resources=build_resources(settings),
        # One process per run: steps that open the DuckDB warehouse never overlap inside a run.
        executor=in_process_executor,
    )


@definitions
def defs() -> Definitions:
    """The code location on the settings of the environment (:meth:`SettingsResource.from_env`)."""
    return build_definitions(SettingsResource.from_env())
