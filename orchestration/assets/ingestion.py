"""Raw layer: dlt loads into DuckDB ``raw_*`` datasets.

Asset keys are ``[dataset, table]``, exactly the keys dbt gives to ``source('<dataset>', '<table>')``, so
the dbt models hang off the assets that load them.
"""

from collections.abc import Iterator
from typing import Any

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from dlt_sources.decp import decp_source
from dlt_sources.decp.source import AUDIT_TABLE, RECORDS_TABLE, TABULAR_TABLE
from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.reference import reference_source
from observatoire.warehouse import connect_reader

from ..resources import SETTINGS, WAREHOUSE_POOL


class RawLayerTranslator(DagsterDltTranslator):
    """Asset key = [dlt dataset, resource], group ``raw``, no upstream asset."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        dataset = data.pipeline.dataset_name if data.pipeline else "raw"
        return spec.replace_attributes(key=AssetKey([dataset, data.resource.name]), deps=[], group_name="raw")


DECP_TABLE_DESCRIPTIONS = {
    RECORDS_TABLE: "One row per published DECP marché or concession (JSON/XML, 2019/2024 formats), as published.",
    TABULAR_TABLE: "One row per row of a consolidated tabular DECP file (decp.info CSV/Parquet), as text.",
    AUDIT_TABLE: "One row per DECP input document seen for the first time: status, records read, reason.",
}


def _rows_by_table(load_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Rows written by these loads in each DECP table, and the audit summary by status."""
    metadata: dict[str, dict[str, Any]] = {table: {"rows_loaded": 0} for table in DECP_TABLE_DESCRIPTIONS}
    if not load_ids:
        return metadata
    with connect_reader(SETTINGS.warehouse_path) as con:
        existing = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_decp'"
            ).fetchall()
        }
        for table in DECP_TABLE_DESCRIPTIONS:
            if table in existing:
                count = con.execute(
                    f"select count(*) from raw_decp.{table} where _dlt_load_id in (select unnest(?))", [load_ids]
                ).fetchone()
                metadata[table]["rows_loaded"] = int(count[0]) if count else 0
        if AUDIT_TABLE in existing:
            for status, documents, records in con.execute(
                f"select status, count(*), sum(records_read) from raw_decp.{AUDIT_TABLE} "
                "where _dlt_load_id in (select unnest(?)) group by status",
                [load_ids],
            ).fetchall():
                metadata[AUDIT_TABLE][f"documents_{status}"] = int(documents)
                metadata[AUDIT_TABLE][f"records_read_{status}"] = int(records or 0)
    return metadata


@multi_asset(
    name="decp",
    specs=[
        AssetSpec(AssetKey(["raw_decp", table]), description=description, group_name="raw", kinds={"dlt", "duckdb"})
        for table, description in DECP_TABLE_DESCRIPTIONS.items()
    ],
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
def decp_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[MaterializeResult]:
    """DECP files of the inbox (and configured paths or URLs) → raw_decp tables, through the dlt source.

    One dlt resource reads every document once and dispatches its rows to the three tables.
    """
    pipeline = warehouse_pipeline("decp", SETTINGS)
    dlt_metadata: dict[str, Any] = {}
    for result in dlt.run(
        context=context,
        dlt_source=decp_source(paths=SETTINGS.decp_paths),
        dlt_pipeline=pipeline,
        dagster_dlt_translator=RawLayerTranslator(),
    ):
        dlt_metadata.update(result.metadata or {})
    trace = pipeline.last_trace
    load_ids = list(trace.last_load_info.loads_ids) if trace and trace.last_load_info else []
    for table, metadata in _rows_by_table(load_ids).items():
        context.log.info(f"raw_decp.{table}: {metadata}")
        extra = dlt_metadata if table == RECORDS_TABLE else {}
        yield MaterializeResult(asset_key=AssetKey(["raw_decp", table]), metadata={**extra, **metadata})


@dlt_assets(
    dlt_source=reference_source(),
    dlt_pipeline=warehouse_pipeline("reference", SETTINGS),
    name="reference",
    dagster_dlt_translator=RawLayerTranslator(),
    pool=WAREHOUSE_POOL,
)
def reference_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
    """COG geography, CPV and NAF files → raw_reference tables; unchanged files are not reloaded."""
    yield from dlt.run(context=context)
