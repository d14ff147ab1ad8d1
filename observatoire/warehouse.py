"""Opening the DuckDB warehouse for reading.

DuckDB allows one writer process and no reader while it writes. Readers open the file ``read_only``;
within a process that already holds the file open for writing (a Dagster run executing in-process
after a dlt load), DuckDB refuses a second connection with another configuration, so the reader shares
the process's instance instead (still only reading).
"""

from __future__ import annotations

from pathlib import Path

import duckdb


class WarehouseUnavailableError(Exception):
    """The warehouse cannot be opened for reading; the message says why and what to do."""


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
