"""What one dbt invocation hands to the next (observatoire/dbt_parse.py): the newest saved parse, and the compiled
manifest of a build of every model, which ``dbt docs generate`` then publishes instead of compiling again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from observatoire.dbt_parse import latest_compiled_manifest, place_latest_parse


def invocation(root: Path, name: str, nodes: dict[str, dict], mtime: float) -> Path:
    """A dbt invocation's target folder with its manifest and saved parse, written at ``mtime``."""
    folder = root / name
    folder.mkdir(parents=True)
    for file, content in (("manifest.json", json.dumps({"nodes": nodes})), ("partial_parse.msgpack", name)):
        (folder / file).write_text(content, encoding="utf-8")
        os.utime(folder / file, (mtime, mtime))
    return folder


def node(resource_type: str, compiled: str | None, database: str = "warehouse") -> dict:
    return {"resource_type": resource_type, "database": database, "compiled_code": compiled}


BUILT = {
    "model.observatoire.fct_contracts": node("model", 'select * from "warehouse"."staging"."stg_decp__records"'),
    "test.observatoire.not_null_x": node("test", "select 1 where false"),
    "seed.observatoire.buyer_types": node("seed", None),  # seeds are loaded, not compiled
    "operation.observatoire.on-run-end": node("operation", None),
}


@pytest.fixture
def target_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "dbt_target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(root))
    return root


def test_the_newest_build_of_every_model_gives_its_compiled_manifest(target_root: Path, tmp_path: Path) -> None:
    invocation(target_root, "older_build", BUILT, mtime=1_000)
    newest = invocation(target_root, "build", BUILT, mtime=2_000)
    assert latest_compiled_manifest(tmp_path, "warehouse") == newest / "manifest.json"
    assert place_latest_parse(tmp_path / "docs", tmp_path) == newest / "partial_parse.msgpack"
    assert (tmp_path / "docs" / "partial_parse.msgpack").read_text(encoding="utf-8") == "build"


def test_no_compiled_manifest_when_the_newest_invocation_compiled_some_models_or_another_warehouse(
    target_root: Path, tmp_path: Path
) -> None:
    invocation(target_root, "build", BUILT, mtime=1_000)
    one_model = {**BUILT, "model.observatoire.dim_buyer": node("model", None)}  # selected: fct_contracts only
    invocation(target_root, "one_model", one_model, mtime=2_000)
    assert latest_compiled_manifest(tmp_path, "warehouse") is None
    invocation(target_root, "other", {key: {**value, "database": "copy"} for key, value in BUILT.items()}, 3_000)
    assert latest_compiled_manifest(tmp_path, "warehouse") is None
    assert latest_compiled_manifest(tmp_path, "copy") is not None
