"""dlt pipelines writing into the DuckDB warehouse: one pipeline (and one raw_* dataset) per source family."""

from __future__ import annotations

import os

import dlt

from observatoire.settings import Settings, load_settings

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
