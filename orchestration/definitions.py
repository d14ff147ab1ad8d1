"""The Dagster code location that workspace.yaml and ``dg`` load (``defs``): every layer as assets (ingestion, dbt,
publication, the quality page), the checks, the jobs, the monthly schedule, the sensors and the resources.

Importing this module reads the dbt manifest and nothing else (no dbt parse, ``make dbt-parse``; ``dagster dev``
and ``dg`` parse on load, orchestration/resources.py; no Great Expectations import). Dagster calls :func:`defs`
when it loads the location: the settings are read from the environment then, and the definitions built on them
(:func:`build_definitions`; tests call it on settings of their own).

Loading creates about 350,000 objects (Dagster, dbt-core through dagster-dbt, dlt) that all live as long as the
process: the cyclic garbage collector would only walk them again and again while they are created (about 0.5 s
of CPU, an eighth of the load), so it is paused while the modules are imported and the definitions built. The
few cycles of garbage the load leaves go at its next collection. The imports stay at module level: Dagster puts
the project folder on ``sys.path`` only while it imports this module.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from dagster import Definitions, definitions, in_process_executor


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (see the module's docstring)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


with gc_paused():
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
    with gc_paused():
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
            jobs=[*refresh_jobs(settings.get().inclusion_api_url is not None), annual_report_job],
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
