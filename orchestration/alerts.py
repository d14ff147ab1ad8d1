"""Run-failure alerts: every failed run leaves a JSON file in ``data/alerts/`` and, when
``OBSERVATOIRE_ALERT_WEBHOOK_URL`` is set, the same JSON is POSTed to that URL (a chat or ticketing webhook).

The alert says which run, which job, which step failed, with the error message and the time. A webhook that
does not answer within the timeout or answers an error is logged, never raised: the alert file is there
anyway. The sensor ``run_failure_alert`` (orchestration/sensors.py) runs under the Dagster daemon (``make dev``
starts it) for every job of the code location, including runs that crash recovery marks failed
(orchestration/recovery.py).
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from dagster import RunFailureSensorContext

from observatoire.files import write_atomically

WEBHOOK_TIMEOUT_SECONDS = 10
MAX_MESSAGE_CHARS = 4000


def failure_alert(context: RunFailureSensorContext) -> dict[str, Any]:
    """The alert of a failed run: run id, job, failed steps (the first is ``failed_step``), error, time."""
    run = context.dagster_run
    step_failures = context.get_step_failure_events()
    failed_steps = [event.step_key for event in step_failures if event.step_key]
    error = None
    if step_failures and step_failures[0].step_failure_data and step_failures[0].step_failure_data.error:
        info = step_failures[0].step_failure_data.error
        while info.cause or info.context:  # the original exception, under Dagster's and dlt's wrappers
            info = info.cause or info.context
        error = info.message  # "module.ExceptionClass: message"
    message = (error or context.failure_event.message or "").strip()
    record = context.instance.get_run_record_by_id(run.run_id)
    ended = record.end_time if record and record.end_time else datetime.now(UTC).timestamp()
    return {
        "run_id": run.run_id,
        "job": run.job_name,
        "failed_step": failed_steps[0] if failed_steps else None,
        "failed_steps": failed_steps,
        "error": message[:MAX_MESSAGE_CHARS],
        "time": datetime.fromtimestamp(ended, UTC).isoformat(timespec="seconds"),
    }


def write_alert(alert: dict[str, Any], folder: Path) -> Path:
    """``<folder>/<time>_<job>_<run id>.json``, written whole or not at all."""
    stamp = alert["time"].replace(":", "").replace("-", "")[:15]
    target = folder / f"{stamp}_{alert['job']}_{alert['run_id']}.json"
    return write_atomically(target, json.dumps(alert, ensure_ascii=False, indent=2))


def post_alert(alert: dict[str, Any], url: str, log: Any) -> bool:
    """POST the alert as JSON; True when the webhook accepted it. Failures are logged, not raised."""
    try:
        response = requests.post(url, json=alert, timeout=WEBHOOK_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        log.warning(f"alert of run {alert['run_id']} not sent to the webhook ({type(exc).__name__}): {exc}")
        return False
    if response.status_code >= 400:
        log.warning(f"alert of run {alert['run_id']}: the webhook answered HTTP {response.status_code}")
        return False
    return True
