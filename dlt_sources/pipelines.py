"""dlt pipelines writing into the DuckDB warehouse: one pipeline (and one raw_* dataset) per source family."""

from __future__ import annotations

import os
from pathlib import Path

import dlt
import duckdb

from observatoire.settings import Settings, load_settings
from observatoire.warehouse import create_private_warehouse

# Raw rows keep the id of the load that wrote them (Arrow items get it only when asked).
os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")


def warehouse_pipeline(source_family: str, settings: Settings | None = None) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source_family`` into dataset ``raw_<source_family>``."""
    settings = settings or load_settings()
    settings.ensure_dirs()
    return dlt.pipeline(
        pipeline_name=f"observatoire_{source_family}",
        pipelines_dir=str(settings.dlt_pipelines_dir),
        destination=dlt.destinations.duckdb(str(settings.warehouse_path)),
        dataset_name=f"raw_{source_family}",
        progress="log",
    )


def prepare_load(warehouse: Path, dataset: str) -> dict[str, int]:
    """Before a load into ``dataset``: the warehouse file exists owner-only, and the rows of loads that never
    completed are deleted; return the number of rows deleted per table.

    dlt commits each job of a load package on its own and marks the package complete (a ``_dlt_loads`` row,
    status 0) at the end. A process killed in between leaves committed rows of an incomplete load. The next
    run restores the resource state (files already seen) from the last *completed* load only, so it reads
    those files again: without this cleanup their rows would be loaded twice."""
    create_private_warehouse(warehouse)
    deleted: dict[str, int] = {}
    with duckdb.connect(str(warehouse)) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.columns where table_catalog = current_database() "
                "and table_schema = ? and column_name = '_dlt_load_id' order by 1",
                [dataset],
            ).fetchall()
        ]
        has_loads = con.execute(
            "select count(*) from information_schema.tables where table_catalog = current_database() "
            "and table_schema = ? and table_name = '_dlt_loads'",
            [dataset],
        ).fetchone()
        # no _dlt_loads table: no load of this dataset ever completed
        where = f'_dlt_load_id not in (select load_id from "{dataset}"."_dlt_loads" where status = 0)'
        where = where if has_loads and has_loads[0] else "true"
        for table in tables:
            row = con.execute(f'select count(*) from "{dataset}"."{table}" where {where}').fetchone()
            if row and row[0]:
                con.execute(f'delete from "{dataset}"."{table}" where {where}')
                deleted[table] = int(row[0])
    return deleted
