"""The DECP dlt source (see the package docstring for the tables it writes)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import numpy as np
import orjson
import pyarrow as pa

from ..common import in_worker_processes, with_constant_columns
from .documents import Document, DocumentError, discover_documents
from .download import fetch_remote
from .readers import RecordParseError, iter_records
from .tabular import iter_tabular_batches
from .text_repair import record_repairs

log = logging.getLogger(__name__)

RECORDS_TABLE = "decp_records"
TABULAR_TABLE = "decp_tabular_rows"
AUDIT_TABLE = "decp_load_audit"
RECORD_BATCH_SIZE = 5_000

RECORD_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_sha256", pa.string()),
        ("record_type", pa.string()),
        ("format_version", pa.string()),
        ("record_index", pa.int64()),
        ("record", pa.string()),
        # JSON list of {field, published, repaired}: text fields repaired from mojibake (text_repair.py), NULL
        # when none; `record` stays as published
        ("text_repairs", pa.string()),
    ]
)
AUDIT_SCHEMA = pa.schema(
    [
        ("source_file", pa.string()),
        ("source_sha256", pa.string()),
        ("size_bytes", pa.int64()),
        ("layout", pa.string()),
        ("status", pa.string()),
        ("records_read", pa.int64()),
        ("error", pa.string()),
        ("processed_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass
class _RecordBuffer:
    document: Document
    sha256: str
    columns: dict[str, list[Any]] = field(default_factory=lambda: {name: [] for name in RECORD_SCHEMA.names})

    def add(self, record_type: str, format_version: str, index: int, record: dict[str, Any]) -> None:
        self.columns["source_file"].append(self.document.display_path)
        self.columns["source_sha256"].append(self.sha256)
        self.columns["record_type"].append(record_type)
        self.columns["format_version"].append(format_version)
        self.columns["record_index"].append(index)
        self.columns["record"].append(orjson.dumps(record).decode())
        repairs = [
            {"field": name, "published": published, "repaired": repaired}
            for name, published, repaired in record_repairs(record)
        ]
        self.columns["text_repairs"].append(orjson.dumps(repairs).decode() if repairs else None)

    def __len__(self) -> int:
        return len(self.columns["record"])

    def flush(self) -> pa.Table:
        table = pa.table(self.columns, schema=RECORD_SCHEMA)
        self.columns = {name: [] for name in RECORD_SCHEMA.names}
        return table


def _audit_row(
    display_path: str,
    sha256: str | None,
    size: int | None,
    layout: str,
    status: str,
    read: int,
    error: str | None,
) -> Any:
    table = pa.table(
        {
            "source_file": [display_path],
            "source_sha256": [sha256],
            "size_bytes": [size],
            "layout": [layout],
            "status": [status],
            "records_read": [read],
            "error": [error],
            "processed_at": [datetime.now(UTC)],
        },
        schema=AUDIT_SCHEMA,
    )
    return dlt.mark.with_table_name(table, AUDIT_TABLE)


def _layout(doc: Document) -> str:
    return {".json": "json", ".xml": "xml", ".csv": "tabular_csv", ".parquet": "tabular_parquet"}[doc.suffix]


def _read_document(doc: Document, sha256: str) -> Iterator[Any]:
    """Rows of one document, then its audit row; a parse error ends the document, not the run."""
    read, error = 0, None
    try:
        if doc.suffix in (".csv", ".parquet"):
            if doc.disk_path is None:
                raise RecordParseError("tabular files inside an archive are not supported: unzip them first")
            for batch in iter_tabular_batches(doc.disk_path):
                table = with_constant_columns(batch, {"source_file": doc.display_path, "source_sha256": sha256})
                positions = np.arange(read, read + batch.num_rows, dtype=np.int64)
                table = table.append_column("row_index", pa.array(positions))
                read += batch.num_rows
                yield dlt.mark.with_table_name(table, TABULAR_TABLE)
        else:
            buffer = _RecordBuffer(doc, sha256)
            try:
                for parsed in iter_records(doc):
                    buffer.add(parsed.record_type, parsed.format_version, parsed.index, parsed.record)
                    read += 1
                    if len(buffer) >= RECORD_BATCH_SIZE:
                        yield dlt.mark.with_table_name(buffer.flush(), RECORDS_TABLE)
            finally:
                if len(buffer):
                    yield dlt.mark.with_table_name(buffer.flush(), RECORDS_TABLE)
    except (RecordParseError, DocumentError, UnicodeDecodeError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, RecordParseError) else str(exc)
        log.warning("DECP document %s: %s", doc.display_path, error)
    status = "loaded" if error is None else ("partial" if read else "failed")
    if status == "loaded" and read == 0:
        status, error = "failed", "no record found in the document"
    log.info("DECP document %s: %s, %d record(s)", doc.display_path, status, read)
    yield _audit_row(doc.display_path, sha256, doc.size_bytes, _layout(doc), status, read, error)


def _read_in_worker(task: tuple[Document, str]) -> Iterator[Any]:
    """In a worker process: the dlt items of a document on disk (its record batches, then its audit row)."""
    return _read_document(*task)


def _read_here(task: tuple[Document, str]) -> bool:
    """Tabular files are read by DuckDB, already on every core; an archive member can only be opened by the process
    that opened its archive."""
    document = task[0]
    return document.suffix in (".csv", ".parquet") or document.disk_path is None


def _read_documents(tasks: list[tuple[Document, str]], workers: int | None) -> Iterator[Any]:
    """The items of each document, in their order: JSON and XML files on disk are read by worker processes
    (:func:`dlt_sources.common.in_worker_processes`), the others here."""
    results = in_worker_processes(
        _read_in_worker,
        tasks,
        workers,
        size=lambda task: task[0].size_bytes,
        name=lambda task: task[0].display_path,
        in_this_process=_read_here,
    )
    for task, items in zip(tasks, results, strict=True):
        yield from _read_document(*task) if items is None else items


@dlt.resource(name=RECORDS_TABLE, write_disposition="append")
def decp_documents(paths: Sequence[str], workers: int | None = None) -> Iterator[Any]:
    state = dlt.current.resource_state()
    seen: dict[str, list[str]] = state.setdefault("seen_documents", {})
    local_paths = [fetch_remote(p) if "://" in p else Path(p) for p in paths]
    to_read: list[tuple[Document, str]] = []
    for item in discover_documents(local_paths):
        if isinstance(item, tuple):
            display_path, reason = item
            if reason not in seen.setdefault(f"refused:{display_path}", []):
                seen[f"refused:{display_path}"].append(reason)
                log.warning("DECP input %s refused: %s", display_path, reason)
                yield _audit_row(display_path, None, None, "unknown", "failed", 0, reason)
            continue
        doc = item
        try:
            sha256 = doc.sha256()
        except (DocumentError, OSError) as exc:
            if str(exc) not in seen.setdefault(f"refused:{doc.display_path}", []):
                seen[f"refused:{doc.display_path}"].append(str(exc))  # reported once, like the refused inputs
                yield _audit_row(doc.display_path, None, doc.size_bytes, _layout(doc), "failed", 0, str(exc))
            continue
        paths_with_content = seen.get(sha256)
        if paths_with_content is not None:
            if doc.display_path not in paths_with_content:
                paths_with_content.append(doc.display_path)
                reason = f"same content as {paths_with_content[0]}, already loaded"
                yield _audit_row(doc.display_path, sha256, doc.size_bytes, _layout(doc), "duplicate_content", 0, reason)
            continue
        seen[sha256] = [doc.display_path]
        to_read.append((doc, sha256))
    yield from _read_documents(to_read, workers)


@dlt.source(name="decp", max_table_nesting=0)
def decp_source(paths: Sequence[str] = dlt.config.value, workers: int | None = None) -> Any:
    """DECP documents found under ``paths`` (folders are walked; ``http(s)://`` URLs are downloaded). ``workers``:
    processes reading JSON and XML files side by side (default: :func:`dlt_sources.common.worker_count`; 1 reads
    them in this process); the items handed to dlt, in their order, are the same."""
    return decp_documents([str(p) for p in paths], workers)
