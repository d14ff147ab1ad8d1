"""The DECP inbox sensor asks for a run when files land or change, and only then."""

from __future__ import annotations

from pathlib import Path

from dagster import RunRequest, SkipReason, build_sensor_context

from orchestration.resources import SettingsResource
from orchestration.sensors import decp_inbox_sensor


def evaluate(settings: SettingsResource, cursor: str | None) -> tuple[RunRequest | SkipReason, str | None]:
    context = build_sensor_context(cursor=cursor, resources={"settings": settings})
    result = decp_inbox_sensor(context)
    return result, context.cursor


def test_sensor_requests_a_run_for_new_or_changed_files_only(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox" / "decp"
    inbox.mkdir(parents=True)
    settings = SettingsResource(inbox_dir=str(tmp_path / "inbox"))

    result, cursor = evaluate(settings, None)
    assert isinstance(result, SkipReason) and "no file" in result.skip_message

    (inbox / "a.json").write_text('{"marches": []}', encoding="utf-8")
    result, cursor = evaluate(settings, cursor)
    assert isinstance(result, RunRequest) and result.run_key == cursor

    result, same_cursor = evaluate(settings, cursor)
    assert isinstance(result, SkipReason) and same_cursor == cursor

    (inbox / "b.xml").write_text("<marches/>", encoding="utf-8")
    result, new_cursor = evaluate(settings, cursor)
    assert isinstance(result, RunRequest) and new_cursor != cursor
