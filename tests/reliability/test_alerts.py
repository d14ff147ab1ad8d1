"""The run-failure alert, on a run that really fails: the clause-tracking load without a pseudonymisation key
outside demo mode. The sensor writes the alert file and POSTs the same JSON to a webhook (a local HTTP server
here); a webhook that does not answer is logged, and the alert file is written anyway."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, build_run_status_sensor_context
from reliability_support import start_refresh

from orchestration.resources import SettingsResource
from orchestration.sensors import run_failure_alert

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reliability_alerts")]


class Webhook(HTTPServer):
    """A webhook on 127.0.0.1 that records the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"content_type": self.headers["Content-Type"], "json": json.loads(body)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/alerts"


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    work_dir = tmp_path_factory.mktemp("failing_run")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OBSERVATOIRE_HMAC_KEY", raising=False)
        patch.delenv("OBSERVATOIRE_HMAC_KEY_FILE", raising=False)
        patch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
        process = start_refresh(work_dir, "failing", ["--only-tracking", "--real-key"])
        process.wait(timeout=900)
    output = (work_dir / "failing.log").read_text(encoding="utf-8")
    assert process.returncode == 1, output[-4000:]
    return work_dir, output


def evaluate_sensor(work_dir: Path, webhook_url: str | None) -> dict:
    """Run the sensor on the failed run of ``work_dir``'s instance; return the alert file it wrote."""
    data_dir = work_dir / "sensor_data"
    settings = SettingsResource(data_dir=str(data_dir), alert_webhook_url=webhook_url)
    with DagsterInstance.from_config(str(work_dir / "dagster_home")) as instance:
        [run] = instance.get_runs()
        [failure] = instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
        context = build_run_status_sensor_context(
            sensor_name="run_failure_alert",
            dagster_event=failure.dagster_event,
            dagster_instance=instance,
            dagster_run=run,
            resources={"settings": settings},
        ).for_run_failure()
        run_failure_alert(context)
    [alert_file] = (data_dir / "alerts").glob("*.json")
    return {"path": alert_file, "run": run, **json.loads(alert_file.read_text(encoding="utf-8"))}


def test_a_failed_run_writes_an_alert_file_and_posts_it(failed_run) -> None:
    work_dir, output = failed_run
    webhook = Webhook()
    try:
        alert = evaluate_sensor(work_dir, webhook.url)
    finally:
        webhook.shutdown()
    run = alert.pop("run")
    path = alert.pop("path")
    assert alert["run_id"] == run.run_id and run.run_id in output
    assert alert["job"] == "full_refresh"
    assert alert["failed_step"] == "suivi_clauses" and alert["failed_steps"] == ["suivi_clauses"]
    # the error says what is missing and what to do
    assert "no pseudonymisation key" in alert["error"] and "OBSERVATOIRE_HMAC_KEY" in alert["error"]
    assert alert["time"][:4].isdigit() and run.run_id in path.name
    [posted] = webhook.received
    assert posted["content_type"] == "application/json"
    assert posted["json"] == alert


def test_an_unreachable_webhook_is_logged_and_the_alert_file_still_written(
    failed_run, capfd: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    alert = evaluate_sensor(failed_run[0], f"http://127.0.0.1:{port}/alerts")
    assert alert["failed_step"] == "suivi_clauses"
    assert "not sent to the webhook (ConnectionError)" in capfd.readouterr().err
