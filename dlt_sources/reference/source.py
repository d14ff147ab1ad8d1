"""The reference-data dlt source: one raw table per reference file, reloaded only when the file changes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
from dlt.extract.resource import DltResource

from observatoire.settings import load_settings

from ..common import file_sha256, with_constant_columns
from .files import REFERENCE_FILES, ReferenceFile, resolve_reference_file
from .readers import iter_csv_batches

log = logging.getLogger(__name__)

#: Constant column (the raw table's name) used as merge key: a reload deletes every row of the table.
SCOPE_COLUMN = "reference_table"

#: ``replace`` cannot be used here: dlt truncates a "replace" table whose resource yields nothing (it writes
#: an empty load job on purpose, dlt issue #263), and it also resets the resource state of "replace"
#: resources at every extract. ``merge``/``delete-insert`` keyed on a column that holds one constant value
#: per table has the same effect as ``replace`` when rows come (every old row has that key and is deleted)
#: and leaves the table untouched when none come.
WRITE_DISPOSITION: dict[str, Any] = {"disposition": "merge", "strategy": "delete-insert"}


def _read_reference_file(spec: ReferenceFile, reference_dir: Path, force: bool) -> Iterator[pa.Table]:
    path = resolve_reference_file(reference_dir, spec.relative_path)
    sha256 = file_sha256(path)
    state = dlt.current.resource_state()
    loaded = state.get("loaded")
    if not force and loaded == {"source_file": spec.relative_path, "source_sha256": sha256}:
        log.info("reference %s: %s unchanged (sha256 %s), skipped", spec.table, path, sha256[:12])
        return
    provenance = {"source_file": spec.relative_path, "source_sha256": sha256, SCOPE_COLUMN: spec.table}
    rows = 0
    for batch in iter_csv_batches(path, spec.delimiter):
        rows += batch.num_rows
        yield with_constant_columns(batch, provenance)
    if rows == 0:
        raise ValueError(f"reference file {path} has no data row: refusing to empty {spec.table}")
    state["loaded"] = {"source_file": spec.relative_path, "source_sha256": sha256}
    state["rows"] = rows
    log.info("reference %s: loaded %d rows from %s (sha256 %s)", spec.table, rows, path, sha256[:12])


def _reference_resource(spec: ReferenceFile, reference_dir: Path, force: bool) -> DltResource:
    return dlt.resource(
        _read_reference_file,
        name=spec.table,
        write_disposition=WRITE_DISPOSITION,  # type: ignore[arg-type]
        merge_key=SCOPE_COLUMN,
    )(spec, reference_dir, force)


@dlt.source(name="reference", max_table_nesting=0)
def reference_source(reference_dir: str | None = None, force: bool = False) -> list[DltResource]:
    """COG geography, QPV list and CPV/NAF nomenclatures from ``reference_dir`` (default: settings' reference folder).

    Every value is loaded as text with ``source_file`` and ``source_sha256``; a file whose content did not
    change since its last successful load is skipped (``force=True`` reloads everything).
    """
    folder = Path(reference_dir) if reference_dir else load_settings().reference_dir
    return [_reference_resource(spec, folder, force) for spec in REFERENCE_FILES]
