"""dlt pipelines writing into the DuckDB warehouse: one pipeline (and one raw_* dataset) per source family."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dlt
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from observatoire.settings import Settings, load_settings
from observatoire.warehouse import connect_writer


def duckdb_pipeline(name: str, pipelines_dir: Path, database: Path, dataset: str, **kwargs: Any) -> dlt.Pipeline:
    """A dlt pipeline loading into ``dataset`` of the DuckDB file ``database``, whose raw rows keep the id of
    the load that wrote them (Arrow items get it only when asked)."""
    # dlt reads its configuration from the environment when the pipeline normalises.
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    # Load files are read once, by DuckDB on this machine: uncompressed Parquet is written and read
    # faster (national tabular DECP, 2.9 M rows: extract 5.4 → 4.7 s, load 5.1 → 4.8 s).
    os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(pipelines_dir),
        destination=dlt.destinations.duckdb(
            # A raw table's row order means nothing (dbt orders by load id, file and line): DuckDB then inserts the
            # rows of a load file in parallel, without keeping their order (2.9 M tabular DECP rows: 6.0 → 4.5 s).
            DuckDbCredentials(str(database), global_config={"preserve_insertion_order": False})
        ),
        dataset_name=dataset,
        **kwargs,
    )


def warehouse_pipeline(source_family: str, settings: Settings | None = None) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source_family`` into dataset ``raw_<source_family>`` (its folders created)."""
    settings = settings or load_settings()
    settings.ensure_dirs()
    return duckdb_pipeline(
        f"observatoire_{source_family}",
        settings.dlt_pipelines_dir,
        settings.warehouse_path,
        f"raw_{source_family}",
        progress="log",
    )


def prepare_load(warehouse: Path, dataset: str) -> dict[str, int]:
    """Before a load into ``dataset``: the warehouse file exists owner-only (:func:`connect_writer`), and the
    rows of loads that never completed are deleted; return the number of rows deleted per table.

    dlt commits each job of a load package on its own and marks the package complete (a ``_dlt_loads`` row,
    status 0) at the end. A process killed in between leaves committed rows of an incomplete load. The next
    run restores the resource state (files already seen) from the last *completed* load only, so it reads
    those files again: without this cleanup their rows would be loaded twice."""
    deleted: dict[str, int] = {}
    with connect_writer(warehouse) as con:
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
