"""The analysts' snapshot: the marts (and the reference nomenclatures) as a DuckDB file and Parquet files.

Analysts never query the warehouse itself: DuckDB allows one writer process and no reader while it writes,
so a refresh would lock them out. They query ``snapshot/observatoire.duckdb`` instead, which a refresh
replaces in one ``os.replace`` once its new version is complete:

- a reader that opens the path gets either the previous snapshot or the new one, never a half-built file;
- a reader that already has the previous snapshot open keeps reading it (on Linux the replaced file lives on
  until its last reader closes it) and sees the new one when it reconnects;
- the publisher never opens the published file, so it never waits for a reader's lock.

Only ``marts``, ``audit`` and ``reference`` are published (docs/architecture.md: analysts work on the marts, where
beneficiaries are pseudonymous and reduced to what analysis needs). Raw, staging and intermediate tables are
never copied: they hold per-participant rows of the tracking exports beyond the marts. The marts still hold
pseudonymous person-level rows, so the snapshot folder is owner-only (0700, files 0600), like ``data/``, and
those rows lose their pointer back to the export line they came from (``source_file``, ``line_number``): with
the inbox, that pointer would lead to the person's identity line. The warehouse keeps it for the data team.

The dbt documentation site is published beside it (``snapshot/dbt_docs/``), built by ``dbt docs generate``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import duckdb

from observatoire.dbt_parse import MANIFEST, latest_compiled_manifest, place_latest_parse
from observatoire.settings import DBT_PROJECT_DIR
from observatoire.warehouse import connect_reader, duckdb_memory_limit, sql_identifier, sql_literal

#: The warehouse schemas analysts get: the marts, the audit tables and the seeds' nomenclatures (code → French label).
SNAPSHOT_SCHEMAS = ("marts", "audit", "reference")
SNAPSHOT_FILE = "observatoire.duckdb"
PARQUET_DIR = "parquet"
DOCS_DIR = "dbt_docs"
#: One row per published table: schema, table, row count, description, publication time.
INFO_TABLE = "snapshot_info"
#: Lineage columns that point at an export line; dropped from tables with a beneficiary column.
EXPORT_LINE_COLUMNS = ("source_file", "line_number")
PERSON_COLUMN = "beneficiary_key"
INFO_COMMENT = "Tables de l'instantané : schéma, table, nombre de lignes, description, date de publication."
#: The files of the dbt docs site: ``static_index.html`` is self-contained and opens from the file system;
#: ``index.html`` reads the two JSON files and needs a web server (``python -m http.server``).
DOCS_FILES = ("static_index.html", "index.html", "manifest.json", "catalog.json")

#: zstd at its fastest level: 15 to 25 % less time than DuckDB's default level, files within a tenth of the size
#: (national hours fact 2.6 → 1.9 s, 145 → 137 MB; contracts 2.4 → 2.0 s, 118 → 130 MB); readers decode any level.
PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 1"

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
TEMP_PREFIX = ".publishing-"


class SnapshotError(Exception):
    """The snapshot cannot be published; the message says why and what to do."""


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def _remove_stale_temp_dirs(snapshot_dir: Path) -> None:
    """Remove the work folders of publishers that died before finishing (their process no longer exists)."""
    for folder in snapshot_dir.glob(f"{TEMP_PREFIX}*"):
        pid = folder.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replace_files(sources: Iterable[Path], target_dir: Path) -> set[str]:
    """Move each file into ``target_dir`` under its name, one atomic ``os.replace`` each; return the names."""
    names = set()
    for source in sources:
        source.chmod(PRIVATE_FILE_MODE)
        os.replace(source, target_dir / source.name)
        names.add(source.name)
    return names


def publish_snapshot(warehouse: Path, snapshot_dir: Path) -> Path:
    """Copy the published schemas of ``warehouse`` into ``snapshot_dir/observatoire.duckdb`` and
    ``snapshot_dir/parquet/<table>.parquet``, each replaced atomically; return the DuckDB file's path.

    Tables are copied with their descriptions (the dbt YAML descriptions, persisted as DuckDB comments), so
    ``duckdb_columns()`` documents every column in the snapshot too."""
    snapshot_dir = _private_dir(snapshot_dir)
    parquet_dir = _private_dir(snapshot_dir / PARQUET_DIR)
    _remove_stale_temp_dirs(snapshot_dir)
    work_dir = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=snapshot_dir))
    try:
        new_file = work_dir / SNAPSHOT_FILE
        new_parquet = work_dir / PARQUET_DIR
        new_parquet.mkdir()
        _build(warehouse, new_file, new_parquet)
        new_file.chmod(PRIVATE_FILE_MODE)
        target = snapshot_dir / SNAPSHOT_FILE
        os.replace(new_file, target)
        published = _replace_files(sorted(new_parquet.glob("*.parquet")), parquet_dir)
        for stale in parquet_dir.glob("*.parquet"):
            if stale.name not in published:  # a table that no longer exists in the marts
                stale.unlink()
        return target
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _build(warehouse: Path, new_file: Path, parquet_dir: Path) -> None:
    """Write the new snapshot file and its Parquet files from the warehouse, read-only."""
    with connect_reader(warehouse) as con:
        placeholders = ", ".join("?" for _ in SNAPSHOT_SCHEMAS)
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            f"where database_name = current_database() and schema_name in ({placeholders}) "
            "union all select schema_name, view_name, comment from duckdb_views() "
            f"where database_name = current_database() and schema_name in ({placeholders}) and not internal "
            "order by 1, 2",
            [*SNAPSHOT_SCHEMAS, *SNAPSHOT_SCHEMAS],
        ).fetchall()
        if not any(schema == "marts" for schema, _, _ in tables):
            raise SnapshotError(
                f"warehouse {warehouse} has no marts schema: build the marts first (make demo, or the Dagster "
                "job full_refresh) before publishing the analysts' snapshot"
            )
        names = [table for _, table, _ in tables]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SnapshotError(
                f"tables {duplicates} exist in several of the schemas {SNAPSHOT_SCHEMAS}: their Parquet files "
                "(parquet/<table>.parquet) would collide; rename the dbt model or seed"
            )
        all_columns = con.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            f"where database_name = current_database() and schema_name in ({placeholders})",
            list(SNAPSHOT_SCHEMAS),
        ).fetchall()
        dropped = _export_line_columns(all_columns)
        columns = [
            (schema, table, column, comment)
            for schema, table, column, comment in all_columns
            if comment is not None and column not in dropped.get((schema, table), ())
        ]
        published_at = dt.datetime.now(dt.UTC)
        # The marts carry no row order (dbt builds them without one): DuckDB copies and writes Parquet in parallel
        # and streams instead of buffering a table to keep its order.
        con.execute("set preserve_insertion_order = false")
        # under dbt's cap (DuckDB's default is 80 % of the RAM): the copies stream, they need no more
        con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
        con.execute(f"attach {sql_literal(str(new_file))} as new_snapshot (read_write)")
        try:
            for schema in sorted({schema for schema, _, _ in tables}):
                con.execute(f"create schema new_snapshot.{sql_identifier(schema)}")
            con.execute(
                f"create table new_snapshot.main.{INFO_TABLE} (schema_name varchar, table_name varchar, "
                "row_count bigint, description varchar, published_at timestamptz)"
            )
            for schema, table, comment in tables:
                source, copy = (
                    f"{sql_identifier(schema)}.{sql_identifier(table)}",
                    f"new_snapshot.{sql_identifier(schema)}.{sql_identifier(table)}",
                )
                excluded = dropped.get((schema, table))
                projection = f"* exclude ({', '.join(map(sql_identifier, excluded))})" if excluded else "*"
                con.execute(f"create table {copy} as select {projection} from {source}")
                if comment:
                    con.execute(f"comment on table {copy} is {sql_literal(comment)}")
                con.execute(
                    f"insert into new_snapshot.main.{INFO_TABLE} select ?, ?, count(*), ?, ? from {copy}",
                    [schema, table, comment, published_at],
                )
                parquet = parquet_dir / f"{table}.parquet"
                con.execute(f"copy {copy} to {sql_literal(str(parquet))} ({PARQUET_OPTIONS})")
            for schema, table, column, comment in columns:
                target = ".".join(map(sql_identifier, (schema, table, column)))
                con.execute(f"comment on column new_snapshot.{target} is {sql_literal(comment)}")
            con.execute(f"comment on table new_snapshot.main.{INFO_TABLE} is {sql_literal(INFO_COMMENT)}")
        finally:
            con.execute("detach new_snapshot")


def _export_line_columns(columns: Iterable[tuple[str, str, str, str | None]]) -> dict[tuple[str, str], list[str]]:
    """The export-line columns to drop, per (schema, table) holding person-level rows."""
    by_table: dict[tuple[str, str], set[str]] = {}
    for schema, table, column, _ in columns:
        by_table.setdefault((schema, table), set()).add(column)
    return {
        key: [column for column in EXPORT_LINE_COLUMNS if column in names]
        for key, names in by_table.items()
        if PERSON_COLUMN in names and names & set(EXPORT_LINE_COLUMNS)
    }


def publish_dbt_docs(warehouse: Path, docs_dir: Path) -> Path:
    """``dbt docs generate --static`` against ``warehouse``, published into ``docs_dir`` file by file (each
    file replaced atomically); return the self-contained ``static_index.html``.

    dbt opens the warehouse for writing while it reads the catalog: call it where no other process writes
    (the Dagster asset runs in the warehouse pool)."""
    docs_dir = _private_dir(docs_dir)
    _remove_stale_temp_dirs(docs_dir)
    work_dir = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=docs_dir))
    try:
        target = work_dir / "target"
        place_latest_parse(target, DBT_PROJECT_DIR)  # dbt parses only what changed since the refresh's dbt build
        # the SQL the refresh's dbt build compiled, when it built every model of this warehouse: not compiled again
        compiled = latest_compiled_manifest(DBT_PROJECT_DIR, warehouse.stem)
        if compiled is not None:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(compiled, target / MANIFEST)
        command = [
            str(Path(sys.executable).with_name("dbt")),
            "docs",
            "generate",
            "--static",
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(work_dir / "logs"),
            *(["--no-compile"] if compiled is not None else []),
        ]
        env = {**os.environ, "OBSERVATOIRE_WAREHOUSE": str(warehouse)}
        result = subprocess.run(command, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
        missing = [name for name in DOCS_FILES if not (target / name).is_file()]
        if result.returncode != 0 or missing:
            raise SnapshotError(
                f"dbt docs generate failed on {warehouse} (exit code {result.returncode}, missing {missing}); "
                f"dbt's output ends with:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"
            )
        _replace_files([target / name for name in DOCS_FILES], docs_dir)
        return docs_dir / "static_index.html"
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def snapshot_tables(snapshot: Path) -> dict[str, int]:
    """Row count of every table of a published snapshot (``schema.table`` → rows), from its info table."""
    with duckdb.connect(str(snapshot), read_only=True) as con:
        rows = con.execute(f"select schema_name || '.' || table_name, row_count from {INFO_TABLE} order by 1")
        return {name: int(count) for name, count in rows.fetchall()}
