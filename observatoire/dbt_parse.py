"""dbt's saved parse of the project (``partial_parse.msgpack``), handed from one dbt invocation to the next.

dagster-dbt gives each invocation its own target folder and seeds it with ``target/partial_parse.msgpack`` of the
project, which ``make dbt-parse`` wrote for another warehouse path than the refresh's. The warehouse path is part
of dbt's profile, so dbt rejected it ("profile has changed") and parsed the whole project again on every call:
about 10 s of CPU for each ``dbt build`` and ``dbt docs generate`` of every refresh. The newest saved parse —
usually that of the previous invocation on the same warehouse — is copied in instead. dbt checks it itself (project
files, profile, vars, dbt version) and parses what changed, or everything when it does not match: the result is
the same either way."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PARTIAL_PARSE = "partial_parse.msgpack"


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


def place_latest_parse(target: Path, project_dir: Path) -> Path | None:
    """Copy into the target folder ``target`` the newest saved parse of the dbt project ``project_dir`` found in
    the first of its target roots that has one (in the root or a direct subfolder: one per earlier invocation),
    unless ``target`` has one already; return the file copied."""
    if (target / PARTIAL_PARSE).exists():
        return None
    saved = []
    for root in target_roots(project_dir):  # DBT_TARGET_PATH's first: the project's may hold other warehouses'
        for path in [root / PARTIAL_PARSE, *root.glob(f"*/{PARTIAL_PARSE}")]:
            try:
                saved.append((path.stat().st_mtime, path))
            except OSError:  # an invocation's folder removed meanwhile
                continue
        if saved:
            break
    if not saved:
        return None
    newest = max(saved)[1]
    target.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(newest, target / PARTIAL_PARSE)
    except OSError:  # removed meanwhile: dbt parses everything
        return None
    return newest
