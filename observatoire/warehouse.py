"""Opening the DuckDB warehouse: a reader, or the writer (the file created owner-only).

DuckDB allows one writer process and no reader while it writes. Readers open the file ``read_only``;
within a process that already holds the file open for writing (a Dagster run executing in-process
after a dlt load), DuckDB refuses a second connection with another configuration, so the reader shares
the process's instance instead (still only reading).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

#: Environment variable of DuckDB's memory cap for the dbt build (dbt_project/profiles.yml) and the heavy copies of
#: the publication: above it DuckDB spills to disk.
MEMORY_LIMIT_VARIABLE = "OBSERVATOIRE_DUCKDB_MEMORY_LIMIT"
#: Its default, also written in dbt_project/profiles.yml (a test compares them). A refresh runs dbt beside the
#: Dagster run process (0.5 GB): 3 GB keeps the two under 4 GB on the national preset.
DEFAULT_MEMORY_LIMIT = "3GB"


def duckdb_memory_limit() -> str:
    """DuckDB's memory cap for the dbt build and the publication's copies (``OBSERVATOIRE_DUCKDB_MEMORY_LIMIT``)."""
    return os.environ.get(MEMORY_LIMIT_VARIABLE) or DEFAULT_MEMORY_LIMIT


class WarehouseUnavailableError(Exception):
    """The warehouse cannot be opened for reading; the message says why and what to do."""


def sql_literal(text: str) -> str:
    """A SQL string literal (file paths in DuckDB table functions, values written into a statement)."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A quoted SQL identifier (a schema, table or column name as written, whatever its characters)."""
    return '"' + name.replace('"', '""') + '"'


def connect_reader(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to read the warehouse at ``path``."""
    if not path.exists():
        raise WarehouseUnavailableError(f"warehouse {path} does not exist: run the load first (make demo)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException as exc:
        if "different configuration" not in str(exc):
            raise WarehouseUnavailableError(
                f"cannot open {path} for reading (a writer holds the lock?): {exc}. Analysts should query "
                "the published snapshot; pipeline steps are serialised by the 'duckdb_warehouse' pool."
            ) from exc
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        raise WarehouseUnavailableError(
            f"cannot open {path} for reading (a writer holds the lock?): {exc}. Analysts should query "
            "the published snapshot; pipeline steps are serialised by the 'duckdb_warehouse' pool."
        ) from exc


def connect_writer(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection to write the warehouse at ``path``, created owner-only (:func:`create_private_warehouse`)."""
    create_private_warehouse(path)
    return duckdb.connect(str(path))


def create_private_warehouse(path: Path) -> None:
    """Create the warehouse file owner-only (0600) when it does not exist; narrow the mode of an existing one.

    The warehouse holds pseudonymous data about people (docs/architecture.md, "Personal data"). DuckDB creates
    files with the process umask (usually 0644) and refuses an empty file, so a new database is created under a
    temporary name, restricted before anything is written to it, then moved into place."""
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    duckdb.connect(str(temporary)).close()
    temporary.chmod(0o600)
    try:
        os.link(temporary, path)  # never replaces a warehouse created meanwhile
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
