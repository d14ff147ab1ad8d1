"""Jobs with the schedule and the sensor that start them."""

import hashlib
from collections.abc import Callable
from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    ScheduleDefinition,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    run_status_sensor,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from dlt_sources.suivi_clauses.exchange_format import TABLE_NAMES

from .assets.publication import REPORT_ASSETS, REPORT_YEARS
from .resources import SETTINGS

#: The three tables the DECP dlt asset writes in one step (it cannot be split).
DECP_RAW_TABLES = [AssetKey(["raw_decp", table]) for table in ("decp_records", "decp_tabular_rows", "decp_load_audit")]

#: The emplois de l'inclusion API is called only when its URL is configured (no network on the demo machine).
INCLUSION_API = AssetSelection.assets(AssetKey(["raw_registries", "inclusion_api_siaes"]))
#: The annual report and the fiches are partitioned by year: Dagster runs them in their own job (below).
PER_YEAR = AssetSelection.assets(*REPORT_ASSETS)
REFRESHED = (AssetSelection.all() if SETTINGS.inclusion_api_url else AssetSelection.all() - INCLUSION_API) - PER_YEAR

full_refresh_job = define_asset_job(
    name="full_refresh",
    selection=REFRESHED,
    description=(
        "Every source loaded, every model built and checked, then published (snapshot, dbt docs, open data, "
        "dataviz): the monthly refresh and the demo. The annual report follows in the annual_report job."
    ),
)

#: The tables the clause-tracking dlt asset writes in one step.
TRACKING_RAW_TABLES = [
    AssetKey(["raw_suivi_clauses", table])
    for table in (*TABLE_NAMES, "tracking_rejects", "tracking_value_issues", "tracking_load_audit")
]


def source_refresh_selection(source_tables: list[AssetKey], other_source_tables: list[AssetKey]) -> AssetSelection:
    """A source's load and everything downstream of it, plus everything those assets read except the other
    source's load: the reference and registry files (reloaded only when a file changed: nothing to do once
    loaded) and the dbt models upstream (views on the raw tables; a raw table never loaded reads as empty). So
    the job is complete on its own, including as the first run of a fresh warehouse, and never reads the other
    source's inbox."""
    downstream = AssetSelection.assets(*source_tables).downstream()
    excluded = AssetSelection.assets(*other_source_tables) | PER_YEAR
    if not SETTINGS.inclusion_api_url:
        excluded = excluded | INCLUSION_API
    return downstream.upstream() - excluded


decp_refresh_job = define_asset_job(
    name="decp_refresh",
    selection=source_refresh_selection(DECP_RAW_TABLES, TRACKING_RAW_TABLES),
    description=(
        "DECP ingestion and everything downstream of it, with the reference and registry loads and the models "
        "those read (also the first run of a fresh warehouse); started when files land in the DECP inbox."
    ),
)

tracking_refresh_job = define_asset_job(
    name="tracking_refresh",
    selection=source_refresh_selection(TRACKING_RAW_TABLES, DECP_RAW_TABLES),
    description=(
        "Clause-tracking ingestion and everything downstream, with the reference and registry loads and the "
        "models those read (also the first run of a fresh warehouse); started when exports land in the inbox."
    ),
)

monthly_refresh_schedule = ScheduleDefinition(
    name="monthly_full_refresh",
    job=full_refresh_job,
    cron_schedule="0 3 1 * *",
    execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.RUNNING,
    description="1st of every month at 03:00 (Paris time): full refresh before analysts start the month.",
)


annual_report_job = define_asset_job(
    name="annual_report",
    selection=PER_YEAR,
    description="Annual report and territory fiches of one year (a report_year partition), from the open data.",
)


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    name="annual_report_after_refresh",
    monitored_jobs=[full_refresh_job, decp_refresh_job, tracking_refresh_job],
    request_job=annual_report_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="After every successful refresh, renders the report and fiches of the latest complete year.",
)
def annual_report_after_refresh(context: RunStatusSensorContext) -> RunRequest | SkipReason:
    years = context.instance.get_dynamic_partitions(REPORT_YEARS.name)
    if not years:
        return SkipReason("no complete year in the open data yet: nothing to report")
    year = max(years, key=int)
    return RunRequest(
        run_key=f"{context.dagster_run.run_id}:{year}",
        partition_key=year,
        tags={"trigger": "annual_report_after_refresh", "refresh_run": context.dagster_run.run_id},
    )


def inbox_fingerprint(folder: Path) -> tuple[str, int]:
    """A fingerprint of the files in ``folder`` (names, sizes, modification times) and their count."""
    entries = (
        sorted(
            f"{p.relative_to(folder)}|{p.stat().st_size}|{p.stat().st_mtime_ns}"
            for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        if folder.exists()
        else []
    )
    return hashlib.sha256("\n".join(entries).encode()).hexdigest(), len(entries)


def inbox_sensor(name: str, inbox: Callable[[], Path], job: UnresolvedAssetJobDefinition) -> SensorDefinition:
    """A sensor that asks for a run of ``job`` when files are added to or changed in the inbox folder."""

    @sensor(
        name=name,
        job=job,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Starts {job.name} when files are added to or changed in its inbox folder.",
    )
    def _sensor(context: SensorEvaluationContext) -> RunRequest | SkipReason:
        folder = inbox()
        fingerprint, count = inbox_fingerprint(folder)
        if count == 0:
            return SkipReason(f"no file in {folder}")
        if fingerprint == context.cursor:
            return SkipReason(f"{count} file(s) in {folder}, unchanged since the last run request")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=fingerprint, tags={"trigger": name})

    return _sensor


decp_inbox_sensor = inbox_sensor("decp_inbox_sensor", lambda: SETTINGS.decp_inbox, decp_refresh_job)
tracking_inbox_sensor = inbox_sensor("tracking_inbox_sensor", lambda: SETTINGS.tracking_inbox, tracking_refresh_job)
