"""The schedule: the monthly full refresh."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from .jobs import FULL_REFRESH

monthly_refresh_schedule = ScheduleDefinition(
    name="monthly_full_refresh",
    job_name=FULL_REFRESH,
    cron_schedule="0 3 1 * *",
    execution_timezone="Europe/Paris",
    default_status=DefaultScheduleStatus.RUNNING,
    description="1st of every month at 03:00 (Paris time): full refresh before analysts start the month.",
)
