"""Jobs with the schedule and the sensor that start them."""

import hashlib
from pathlib import Path

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    sensor,
)

from .resources import SETTINGS

#: The three tables the DECP dlt asset writes in one step (it cannot be split).
DECP_RAW_TABLES = [AssetKey(["raw_decp", table]) for table in ("decp_records", "decp_tabular_rows", "decp_load_audit")]

full_refresh_job = define_asset_job(
    name="full_refresh",
    selection=AssetSelection.all(),
    description="Every source loaded, every model built and checked: the monthly refresh and the demo.",
)

decp_refresh_job = define_asset_job(
    name="decp_refresh",
    selection=AssetSelection.keys(*DECP_RAW_TABLES).downstream(),
    description="DECP ingestion and everything downstream of it; started when files land in the DECP inbox.",
)

monthly_refresh_schedule = ScheduleDefinition(
    name="monthly_full_refresh",
    job=full_refresh_job,
    cron_schedule="0 3 1 * *",
    execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.RUNNING,
    description="1st of every month at 03:00 (Paris time): full refresh before analysts start the month.",
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


@sensor(
    name="decp_inbox_sensor",
    job=decp_refresh_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a DECP refresh when files are added to or changed in the DECP inbox folder.",
)
def decp_inbox_sensor(context: SensorEvaluationContext) -> RunRequest | SkipReason:
    inbox = SETTINGS.decp_inbox
    fingerprint, count = inbox_fingerprint(inbox)
    if count == 0:
        return SkipReason(f"no file in {inbox}")
    if fingerprint == context.cursor:
        return SkipReason(f"{count} file(s) in {inbox}, unchanged since the last run request")
    context.update_cursor(fingerprint)
    return RunRequest(run_key=fingerprint, tags={"trigger": "decp_inbox"})
