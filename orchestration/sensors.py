"""The sensors: runs started when files land in an inbox, the annual report after each refresh, an alert for
each failed run, and crash recovery. They run under the Dagster daemon (``make dev`` starts it)."""

import hashlib
from collections.abc import Callable
from pathlib import Path

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from observatoire.settings import Settings

from .alerts import failure_alert, post_alert, write_alert
from .assets.publication import REPORT_YEARS
from .jobs import DECP_REFRESH, REFRESH_JOBS, TRACKING_REFRESH, annual_report_job
from .recovery import release_dead_runs
from .resources import SettingsResource


@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    name="annual_report_after_refresh",
    request_job=annual_report_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="After every successful refresh, renders the report and fiches of the latest complete year.",
)
def annual_report_after_refresh(context: RunStatusSensorContext) -> RunRequest | SkipReason:
    if context.dagster_run.job_name not in REFRESH_JOBS:
        return SkipReason(f"{context.dagster_run.job_name} is not a refresh")
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


def inbox_sensor(name: str, inbox: Callable[[Settings], Path], job_name: str) -> SensorDefinition:
    """A sensor that asks for a run of ``job_name`` when files are added to or changed in the inbox folder."""

    @sensor(
        name=name,
        job_name=job_name,
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Starts {job_name} when files are added to or changed in its inbox folder.",
    )
    def _sensor(context: SensorEvaluationContext, settings: SettingsResource) -> RunRequest | SkipReason:
        folder = inbox(settings.get())
        fingerprint, count = inbox_fingerprint(folder)
        if count == 0:
            return SkipReason(f"no file in {folder}")
        if fingerprint == context.cursor:
            return SkipReason(f"{count} file(s) in {folder}, unchanged since the last run request")
        context.update_cursor(fingerprint)
        return RunRequest(run_key=fingerprint, tags={"trigger": name})

    return _sensor


decp_inbox_sensor = inbox_sensor("decp_inbox_sensor", lambda settings: settings.decp_inbox, DECP_REFRESH)
tracking_inbox_sensor = inbox_sensor(
    "tracking_inbox_sensor", lambda settings: settings.tracking_inbox, TRACKING_REFRESH
)


@run_failure_sensor(
    name="run_failure_alert",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Every failed run: an alert file in data/alerts/, POSTed to OBSERVATOIRE_ALERT_WEBHOOK_URL if set.",
)
def run_failure_alert(context: RunFailureSensorContext, settings: SettingsResource) -> None:
    values = settings.get()
    alert = failure_alert(context)
    path = write_alert(alert, values.alerts_dir)
    context.log.info(f"alert written: {path}")
    if values.alert_webhook_url:
        post_alert(alert, values.alert_webhook_url, context.log)


@sensor(
    name="dead_run_recovery",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Every minute: runs whose process died are marked failed and their DuckDB pool slot freed.",
)
def dead_run_recovery(context: SensorEvaluationContext) -> SkipReason:
    released = release_dead_runs(context.instance)
    if released:
        return SkipReason(f"marked failed (process gone), pool slots freed: {', '.join(released)}")
    return SkipReason("no run with a dead process")


SENSORS = [decp_inbox_sensor, tracking_inbox_sensor, annual_report_after_refresh, run_failure_alert, dead_run_recovery]
