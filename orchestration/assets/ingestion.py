"""Raw layer: dlt loads into DuckDB ``raw_*`` datasets.

Asset keys are ``[dataset, table]``, exactly the keys dbt gives to ``source('<dataset>', '<table>')``, so
the dbt models hang off the assets that load them. A dlt source whose one resource dispatches rows to
several tables (DECP, clause tracking) is one Dagster multi-asset with a key per table.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from dagster_dlt import DagsterDltResource, DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.extract.source import DltSource

from dlt_sources.decp import decp_source
from dlt_sources.decp.source import AUDIT_TABLE, RECORDS_TABLE, TABULAR_TABLE
from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.reference import reference_source
from dlt_sources.registries import inclusion_api_source, registry_files_source, sirene_source
from dlt_sources.suivi_clauses import suivi_clauses_source
from dlt_sources.suivi_clauses.exchange_format import TABLE_NAMES, exchange_tables
from dlt_sources.suivi_clauses.source import AUDIT_TABLE as TRACKING_AUDIT_TABLE
from dlt_sources.suivi_clauses.source import REJECTS_TABLE as TRACKING_REJECTS_TABLE
from dlt_sources.suivi_clauses.source import VALUE_ISSUES_TABLE as TRACKING_VALUE_ISSUES_TABLE
from dlt_sources.suivi_clauses.summary import load_summary
from observatoire.settings import Settings, settings_from

from ..resources import WAREHOUSE_POOL, SettingsResource, WarehouseResource


@dataclass
class RawLayerTranslator(DagsterDltTranslator):
    """Asset key = [dlt dataset, resource], group ``raw``, no upstream asset."""

    dataset: str = "raw"

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        return (
            super()
            .get_asset_spec(data)
            .replace_attributes(key=AssetKey([self.dataset, data.resource.name]), deps=[], group_name="raw")
            .merge_attributes(kinds={"duckdb"})
        )


def _rows_loaded(warehouse: WarehouseResource, dataset: str, tables: list[str], load_ids: list[str]) -> dict[str, int]:
    """Rows written by these loads in each table of ``dataset`` (0 for a table not created yet)."""
    counts = dict.fromkeys(tables, 0)
    if not load_ids:
        return counts
    with warehouse.reader() as con:
        existing = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [dataset]
            ).fetchall()
        }
        for table in tables:
            if table in existing:
                row = con.execute(
                    f"select count(*) from {dataset}.{table} where _dlt_load_id in (select unnest(?))", [load_ids]
                ).fetchone()
                counts[table] = int(row[0]) if row else 0
    return counts


def dispatching_dlt_asset(
    name: str,
    source_family: str,
    tables: dict[str, str],
    make_source: Callable[[Settings], DltSource],
    description: str,
    summarise: Callable[[WarehouseResource, Settings, list[str]], str] | None = None,
) -> AssetsDefinition:
    """A multi-asset running one dlt source whose resource writes every table in ``tables`` (name → description).
    ``summarise`` gives, from the load ids of the run, the summary logged and attached to the first table."""
    dataset = f"raw_{source_family}"

    @multi_asset(
        name=name,
        specs=[
            AssetSpec(AssetKey([dataset, table]), description=text, group_name="raw", kinds={"dlt", "duckdb"})
            for table, text in tables.items()
        ],
        can_subset=False,
        pool=WAREHOUSE_POOL,
        description=description,
    )
    def _asset(
        context: AssetExecutionContext,
        dlt: DagsterDltResource,
        settings: SettingsResource,
        warehouse: WarehouseResource,
    ) -> Iterator[MaterializeResult]:
        values = settings.get()
        pipeline = warehouse_pipeline(source_family, values)
        dlt_metadata: dict[str, Any] = {}
        for result in dlt.run(
            context=context,
            dlt_source=make_source(values),
            dlt_pipeline=pipeline,
            dagster_dlt_translator=RawLayerTranslator(dataset),
        ):
            dlt_metadata.update(result.metadata or {})
        trace = pipeline.last_trace
        load_ids = list(trace.last_load_info.loads_ids) if trace and trace.last_load_info else []
        counts = _rows_loaded(warehouse, dataset, list(tables), load_ids)
        context.log.info(f"{dataset}: rows loaded by this run: {counts}")
        summary = summarise(warehouse, values, load_ids) if summarise else None
        if summary:
            context.log.info(summary)
            dlt_metadata["résumé"] = MetadataValue.md(f"```\n{summary}\n```")
        for index, table in enumerate(tables):
            metadata = {"rows_loaded": counts[table], **(dlt_metadata if index == 0 else {})}
            yield MaterializeResult(asset_key=AssetKey([dataset, table]), metadata=metadata)

    return _asset


def dlt_source_assets(
    name: str,
    source_family: str,
    make_source: Callable[[Settings], DltSource],
    description: str,
    translator: type[RawLayerTranslator] = RawLayerTranslator,
) -> AssetsDefinition:
    """A multi-asset with one asset per resource of a dlt source (runs of a subset load those resources only),
    as dagster-dlt's ``@dlt_assets`` but with the source and the pipeline made when the step runs, from the
    settings resource. The asset specs come from the source made on the default settings (resource names do
    not depend on the settings; making a source opens no file)."""
    dataset = f"raw_{source_family}"
    specs = [
        translator(dataset).get_asset_spec(DltResourceTranslatorData(resource=resource, pipeline=None))
        for resource in make_source(settings_from({})).selected_resources.values()
    ]

    @multi_asset(name=name, specs=specs, can_subset=True, pool=WAREHOUSE_POOL, description=description)
    def _asset(context: AssetExecutionContext, dlt: DagsterDltResource, settings: SettingsResource) -> Iterator[Any]:
        values = settings.get()
        yield from dlt.run(
            context=context,
            dlt_source=make_source(values),
            dlt_pipeline=warehouse_pipeline(source_family, values),
            dagster_dlt_translator=translator(dataset),
        )

    return _asset


def _tracking_summary(warehouse: WarehouseResource, settings: Settings, load_ids: list[str]) -> str:
    with warehouse.reader() as con:
        return load_summary(con, load_ids, settings.tracking_inbox)


decp_raw = dispatching_dlt_asset(
    "decp",
    "decp",
    {
        RECORDS_TABLE: "One row per published DECP marché or concession (JSON/XML, 2019/2024 formats), as published.",
        TABULAR_TABLE: "One row per row of a consolidated tabular DECP file (decp.info CSV/Parquet), as text.",
        AUDIT_TABLE: "One row per DECP input document seen for the first time: status, records read, reason.",
    },
    lambda settings: decp_source(paths=settings.decp_paths),
    "DECP files of the inbox (and configured paths or URLs) → raw_decp, through the dlt source.",
)

tracking_raw = dispatching_dlt_asset(
    "suivi_clauses",
    "suivi_clauses",
    {
        **{
            table: f"Exchange-format table « {exchange_tables()[table].title} », validated and pseudonymised."
            for table in TABLE_NAMES
        },
        TRACKING_REJECTS_TABLE: "Rows refused by validation: file, line, column and reason (no personal value).",
        TRACKING_VALUE_ISSUES_TABLE: "Values loaded with an issue (unknown label left empty, invalid SIRET, "
        "residence not resolved): file, line, column, reason.",
        TRACKING_AUDIT_TABLE: "One row per tracking export: rows read = rows loaded + rows rejected.",
    },
    lambda settings: suivi_clauses_source(
        inbox=str(settings.tracking_inbox),
        mappings_dir=str(settings.mappings_dir),
        reference_dir=str(settings.reference_dir),
    ),
    "Clause-tracking exports of the inbox (one folder per source) → raw_suivi_clauses, pseudonymised at extraction.",
    summarise=_tracking_summary,
)

reference_raw = dlt_source_assets(
    "reference",
    "reference",
    lambda settings: reference_source(reference_dir=str(settings.reference_dir)),
    "COG geography, CPV and NAF files → raw_reference tables; unchanged files are not reloaded.",
)

registry_files_raw = dlt_source_assets(
    "registry_files",
    "registries",
    lambda settings: registry_files_source(reference_dir=str(settings.reference_dir)),
    "SIAE (ASP list), GEIQ, EA (DGEFP layout) and ESAT (FINESS) lists → raw_registries; unchanged files skipped.",
)

inclusion_api_raw = dlt_source_assets(
    "inclusion_api",
    "registries",
    lambda settings: inclusion_api_source(base_url=settings.inclusion_api_url or "http://127.0.0.1:9"),
    "SIAE of the emplois de l'inclusion API (OBSERVATOIRE_INCLUSION_API_URL) → raw_registries.inclusion_api_siaes.\n\n"
    "Only in the refresh jobs when the URL is configured (the machine running the demo has no network).",
)


#: The SIRENE load looks up the SIRETs these raw tables reference (dlt_sources/registries/referenced.py).
SIRENE_UPSTREAM = [
    AssetKey(["raw_decp", "decp_records"]),
    AssetKey(["raw_decp", "decp_tabular_rows"]),
    *(AssetKey(["raw_suivi_clauses", t]) for t in ("marches", "contrats_travail", "entreprises")),
    *(AssetKey(["raw_registries", t]) for t in ("siae_asp", "geiq_list", "ea_dgefp", "finess_etablissements")),
]


class SireneTranslator(RawLayerTranslator):
    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        return super().get_asset_spec(data).replace_attributes(deps=SIRENE_UPSTREAM)


sirene_raw = dlt_source_assets(
    "sirene",
    "registries",
    lambda settings: sirene_source(
        registries_dir=str(settings.registries_dir),
        warehouse_path=str(settings.warehouse_path),
        reference_dir=str(settings.reference_dir),
    ),
    "SIRENE établissements and unités légales of the SIRETs the warehouse references → raw_registries.",
    translator=SireneTranslator,
)
