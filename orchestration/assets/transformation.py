"""Staging, intermediate and mart layers: the dbt project as Dagster assets (dbt tests become asset checks)."""

from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Output
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from observatoire.process_memory import release_freed_memory

from ..resources import WAREHOUSE_POOL, WarehouseResource, dbt_project

DBT_PROJECT = dbt_project()


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """dbt sources point at the dlt assets that load them, so lineage is one connected graph."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            dataset, table = dbt_resource_props["source_name"], dbt_resource_props["name"]
            return AssetKey([dataset, table])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "marts"


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=WarehouseDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    pool=WAREHOUSE_POOL,
)
def warehouse_dbt_models(
    context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
) -> Iterator[Any]:
    """`dbt build` of the selected models: materialisations, then dbt tests reported as asset checks.

    Row counts are added once dbt has finished (dbt holds the DuckDB write lock while it runs); they are
    read through our own reader rather than dagster-dbt's ``fetch_row_counts``, whose in-process adapter
    connection would keep the warehouse open with another configuration for the rest of the run.
    """
    release_freed_memory()  # what the ingestion steps freed, not kept by this process beside dbt's DuckDB
    events = list(dbt.cli(["build"], context=context).stream())
    with warehouse.reader() as con:
        for event in events:
            relation = (getattr(event, "metadata", None) or {}).get("dagster/relation_identifier")
            if isinstance(event, Output) and relation is not None:
                row = con.execute(f"select count(*) from {relation.value}").fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": int(row[0]) if row else 0})
            yield event
