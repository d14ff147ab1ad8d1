"""dbt's saved parse of the project (``partial_parse.msgpack``), handed from one dbt invocation to the next.

dagster-dbt gives each invocation its own target folder and seeds it with ``target/partial_parse.msgpack`` of the
project, which ``make dbt-parse`` wrote for another warehouse path than the refresh's. The warehouse path is part
of dbt's profile, so dbt rejected it ("profile has changed") and parsed the whole project again on every call:
about 10 s of CPU for each ``dbt build`` and ``dbt docs generate`` of every refresh. The newest saved parse —
usually that of the previous invocation on the same warehouse — is copied in instead. dbt checks it itself (project
files, profile, vars, dbt version) and parses what changed, or everything when it does not match: the result is
the same either way."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

PARTIAL_PARSE = "partial_parse.msgpack"
MANIFEST = "manifest.json"
#: Nodes dbt does not compile: seeds (CSV files) and hooks.
NOT_COMPILED = ("seed", "operation")


def target_roots(project_dir: Path) -> list[Path]:
    """Where dbt invocations of this process leave their target folders: the project's ``target/`` and, when set,
    ``DBT_TARGET_PATH`` (relative paths are the project's, as dbt and dagster-dbt read them)."""
    roots = [project_dir / "target"]
    configured = os.environ.get("DBT_TARGET_PATH")
    if configured:
        root = Path(configured) if Path(configured).is_absolute() else project_dir / configured
        if root not in roots:
            roots.insert(0, root)
    return roots


def newest_saved(project_dir: Path, name: str) -> Path | None:
    """The newest file ``name`` that a dbt invocation of the project ``project_dir`` left, in the first of its
    target roots that has one (in the root or a direct subfolder: one per earlier invocation)."""
    for root in target_roots(project_dir):  # DBT_TARGET_PATH's first: the project's may hold other warehouses'
        saved = []
        for path in [root / name, *root.glob(f"*/{name}")]:
            try:
                saved.append((path.stat().st_mtime, path))
            except OSError:  # an invocation's folder removed meanwhile
                continue
        if saved:
            return max(saved)[1]
    return None


def place_latest_parse(target: Path, project_dir: Path) -> Path | None:
    """Copy into the target folder ``target`` the newest saved parse of the dbt project ``project_dir``
    (:func:`newest_saved`), unless ``target`` has one already; return the file copied."""
    if (target / PARTIAL_PARSE).exists():
        return None
    newest = newest_saved(project_dir, PARTIAL_PARSE)
    if newest is None:
        return None
    target.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(newest, target / PARTIAL_PARSE)
    except OSError:  # removed meanwhile: dbt parses everything
        return None
    return newest


def latest_compiled_manifest(project_dir: Path, database: str) -> Path | None:
    """The manifest of the newest dbt invocation of the project when it holds the compiled SQL of every node
    (seeds and hooks aside) on the database ``database``: what the refresh's ``dbt build`` of every model leaves,
    so that ``dbt docs generate`` need not compile the whole project again (5 to 7 s). None when the newest
    invocation compiled only some nodes (a few models materialised from the UI) or ran on another warehouse."""
    newest = newest_saved(project_dir, MANIFEST)
    if newest is None:
        return None
    try:
        nodes = json.loads(newest.read_text(encoding="utf-8"))["nodes"].values()
    except (OSError, ValueError, KeyError):  # removed or being written meanwhile
        return None
    compiled = all(
        node.get("compiled_code") and node.get("database") == database
        for node in nodes
        if node.get("resource_type") not in NOT_COMPILED
    )
    return newest if compiled else None
