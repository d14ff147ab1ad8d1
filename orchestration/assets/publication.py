"""Publication layer: what users read, built from the marts once the dbt build and its checks have passed.

Every output lives under ``settings.published_dir`` (layout in ``observatoire/publication``). The analysts'
snapshot and the dbt docs depend on every published mart and seed, so a failing dbt test or blocking Great
Expectations check on any of them leaves the previous snapshot in place. Open data is built from the marts
(statistical secrecy applied there, once); the dataviz, annual report and territory fiches read only the
open data (plus non-personal warehouse figures for the report).

The annual report and the fiches are partitioned by year: the years come from the open data (complete
calendar years only) and are registered by the ``open_data`` asset. Dagster runs assets of different
partitionings in different jobs: the refresh jobs build everything else, and the ``annual_report`` job
(started after each successful refresh by a sensor, see ``jobs.py``) renders the latest complete year.

Rendering libraries (WeasyPrint, Altair, ...) are imported inside the asset functions: loading the code
location stays fast.
"""

import datetime as dt
import time
from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from dagster import (
    AssetExecutionContext,
    AssetKey,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from observatoire.publication.snapshot import (
    DOCS_DIR,
    PARQUET_DIR,
    SNAPSHOT_SCHEMAS,
    publish_dbt_docs,
    publish_snapshot,
    snapshot_tables,
)

from ..resources import WAREHOUSE_POOL, SettingsResource
from .transformation import warehouse_dbt_models

GROUP = "publication"
#: The folders of the published outputs, under the settings' published folder.
SNAPSHOT = "snapshot"
OPEN_DATA = "open_data"
REPORT = "report"
DATAVIZ = "dataviz"

#: The dbt models and seeds copied into the snapshot (and read by the open data): they must all be built,
#: tested and checked before anything is published.
PUBLISHED_MODELS = sorted(
    (key for key in warehouse_dbt_models.keys if key.path[0] in SNAPSHOT_SCHEMAS), key=AssetKey.to_user_string
)

#: Years with a report and fiches: complete calendar years present in the open data (``open_data`` adds them).
REPORT_YEARS = DynamicPartitionsDefinition(name="report_year")
#: The open-data dataset whose years define the report years (a beneficiary of year Y has hours in Y).
YEARS_DATASET = "beneficiaires_par_territoire"
#: Buyers with a fiche acheteur: the SIRETs of the open data profils_acheteurs (``open_data`` adds them).
BUYER_SIRETS = DynamicPartitionsDefinition(name="buyer_siret")


def output_metadata(path: Path, files: Iterable[Path], started: float) -> dict[str, object]:
    """What every publication asset records: where the output is, its files, size and generation time."""
    files = sorted(f for f in files if f.is_file())
    return {
        "path": MetadataValue.path(str(path)),
        "files": MetadataValue.json([str(f) for f in files]),
        "size_bytes": sum(f.stat().st_size for f in files),
        "generation_seconds": round(time.perf_counter() - started, 2),
    }


@asset(
    key=AssetKey([GROUP, "analysts_snapshot"]),
    deps=PUBLISHED_MODELS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "parquet"},
    description=(
        "Analysts' snapshot: the marts and reference nomenclatures as published/snapshot/observatoire.duckdb "
        "and snapshot/parquet/<table>.parquet, replaced atomically once the marts are built and checked."
    ),
)
def analysts_snapshot(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    started = time.perf_counter()
    values = settings.get()
    snapshot_dir = values.published_dir / SNAPSHOT
    path = publish_snapshot(values.warehouse_path, snapshot_dir)
    tables = snapshot_tables(path)
    parquet = sorted((snapshot_dir / PARQUET_DIR).glob("*.parquet"))
    context.log.info(f"snapshot {path}: {len(tables)} tables, {sum(tables.values())} rows")
    return MaterializeResult(
        metadata={
            **output_metadata(path, [path, *parquet], started),
            "parquet_dir": MetadataValue.path(str(snapshot_dir / PARQUET_DIR)),
            "tables": len(tables),
            "row_counts": MetadataValue.json(tables),
            "dagster/row_count": sum(tables.values()),
        }
    )


@asset(
    key=AssetKey([GROUP, "dbt_docs"]),
    deps=PUBLISHED_MODELS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"dbt", "html"},
    description="The dbt documentation site (models, columns, lineage) in published/snapshot/dbt_docs/.",
)
def dbt_docs(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    started = time.perf_counter()
    values = settings.get()
    index = publish_dbt_docs(values.warehouse_path, values.published_dir / SNAPSHOT / DOCS_DIR)
    context.log.info(f"dbt docs: {index}")
    return MaterializeResult(metadata=output_metadata(index, index.parent.iterdir(), started))


def complete_years(open_data_dir: Path, today: dt.date) -> list[str]:
    """Years before ``today``'s year present in the open data, as partition keys."""
    dataset = open_data_dir / YEARS_DATASET / f"{YEARS_DATASET}.parquet"
    with duckdb.connect() as con:
        rows = con.execute(
            "select distinct annee from read_parquet(?) where annee < ? order by 1", [str(dataset), today.year]
        ).fetchall()
    return [str(row[0]) for row in rows]


@asset(
    key=AssetKey([GROUP, "open_data"]),
    deps=PUBLISHED_MODELS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"csv", "parquet"},
    description=(
        "Open-data aggregates (CSV, Parquet, Table Schema, README; Licence Ouverte) in published/open_data/, "
        "under statistical secrecy. Registers the complete years found as report_year partitions and the buyers "
        "as buyer_siret partitions."
    ),
)
def open_data(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    import pyarrow.parquet as pq

    from observatoire.publication.open_data import write_open_data
    from observatoire.publication.report.buyer_fiche import buyer_sirets

    started = time.perf_counter()
    values = settings.get()
    open_data_dir = values.published_dir / OPEN_DATA
    datasets = write_open_data(values.warehouse_path, open_data_dir)
    files = [f for folder in datasets for f in folder.iterdir() if f.is_file()]
    rows = {folder.name: pq.read_metadata(folder / f"{folder.name}.parquet").num_rows for folder in datasets}
    years = complete_years(open_data_dir, dt.datetime.now(ZoneInfo("Europe/Paris")).date())
    new_years = [y for y in years if not context.instance.has_dynamic_partition(REPORT_YEARS.name, y)]
    if new_years:
        context.instance.add_dynamic_partitions(REPORT_YEARS.name, new_years)
    known_buyers = set(context.instance.get_dynamic_partitions(BUYER_SIRETS.name))
    new_buyers = [siret for siret in buyer_sirets(open_data_dir) if siret not in known_buyers]
    if new_buyers:
        context.instance.add_dynamic_partitions(BUYER_SIRETS.name, new_buyers)
    context.log.info(f"open data: {len(datasets)} datasets {rows}; report years {years} (new: {new_years})")
    return MaterializeResult(
        metadata={
            **output_metadata(open_data_dir, files, started),
            "datasets": len(datasets),
            "row_counts": MetadataValue.json(rows),
            "report_years": MetadataValue.json(years),
        }
    )


@asset(
    key=AssetKey([GROUP, "dataviz"]),
    deps=[open_data.key],
    group_name=GROUP,
    kinds={"html"},
    description="Interactive dataviz (charts, maps; works offline) in published/dataviz/index.html, from open data.",
)
def dataviz(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    from observatoire.publication.dataviz import build_dataviz

    started = time.perf_counter()
    published = settings.get().published_dir
    index = build_dataviz(published / OPEN_DATA, published / DATAVIZ)
    context.log.info(f"dataviz: {index}")
    return MaterializeResult(metadata=output_metadata(index, (published / DATAVIZ).rglob("*"), started))


@asset(
    key=AssetKey([GROUP, "annual_report"]),
    deps=[open_data.key],
    partitions_def=REPORT_YEARS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"html", "pdf"},
    description="Annual report of the year (HTML and PDF, French) in published/report/<year>/.",
)
def annual_report(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    from observatoire.publication.report import render_annual_report

    started = time.perf_counter()
    values = settings.get()
    files = render_annual_report(
        values.published_dir / OPEN_DATA,
        values.warehouse_path,
        int(context.partition_key),
        values.published_dir / REPORT,
    )
    main = next((f for f in files if f.suffix == ".pdf"), files[0])
    context.log.info(f"annual report {context.partition_key}: {[str(f) for f in files]}")
    return MaterializeResult(metadata=output_metadata(main, files, started))


@asset(
    key=AssetKey([GROUP, "territory_fiches"]),
    deps=[open_data.key],
    partitions_def=REPORT_YEARS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"html", "pdf"},
    description="One fiche per département, EPT and Paris (HTML and PDF) in published/report/<year>/fiches/.",
)
def territory_fiches(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    from observatoire.publication.report import render_territory_fiches

    started = time.perf_counter()
    values = settings.get()
    report_dir = values.published_dir / REPORT
    year = int(context.partition_key)
    files = render_territory_fiches(values.published_dir / OPEN_DATA, values.warehouse_path, year, report_dir)
    folder = report_dir / context.partition_key / "fiches"
    territories = sorted({f.stem for f in files if f.parent == folder})
    context.log.info(f"territory fiches {context.partition_key}: {len(territories)} territories, {len(files)} files")
    return MaterializeResult(metadata={**output_metadata(folder, files, started), "fiches": len(territories)})


@asset(
    key=AssetKey([GROUP, "buyer_fiche"]),
    deps=[open_data.key],
    partitions_def=BUYER_SIRETS,
    group_name=GROUP,
    pool=WAREHOUSE_POOL,
    kinds={"html", "pdf"},
    description=(
        "Fiche acheteur of one buyer (HTML and PDF) in published/report/acheteurs/<siret>, rendered on demand: no "
        "job builds every buyer (python -m observatoire.fiche_acheteur --siret renders the same files)."
    ),
)
def buyer_fiche(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    from observatoire.publication.report.buyer_fiche import render_buyer_fiche

    started = time.perf_counter()
    values = settings.get()
    files = render_buyer_fiche(
        values.published_dir / OPEN_DATA, values.warehouse_path, context.partition_key, values.published_dir / REPORT
    )
    context.log.info(f"fiche acheteur {context.partition_key}: {[str(f) for f in files]}")
    return MaterializeResult(metadata=output_metadata(files[-1], files, started))


#: Assets partitioned by year: built by the ``annual_report`` job, never by the refresh jobs.
REPORT_ASSETS = [annual_report, territory_fiches]
#: Assets partitioned by buyer: materialised on demand, by no job.
BUYER_ASSETS = [buyer_fiche]
PUBLICATION_ASSETS = [analysts_snapshot, dbt_docs, open_data, dataviz, *REPORT_ASSETS, *BUYER_ASSETS]
