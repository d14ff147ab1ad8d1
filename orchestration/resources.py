"""Dagster resources: the dlt runner, the dbt CLI, and the warehouse settings they share."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dlt import DagsterDltResource
from dlt import Pipeline

from dlt_sources.pipelines import prepare_load
from observatoire.settings import DBT_PROJECT_DIR, load_settings

SETTINGS = load_settings()
# dbt reads the warehouse path from the same variable as the Python code (profiles.yml).
os.environ.setdefault("OBSERVATOIRE_WAREHOUSE", str(SETTINGS.warehouse_path))

#: Every step that opens the DuckDB warehouse runs in this pool. DuckDB allows one writer process and no
#: reader while it writes; the instance's dagster.yaml gives the pool a limit of 1 (see orchestration/dagster.yaml).
WAREHOUSE_POOL = "duckdb_warehouse"

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Parses the project only under `dagster dev` / `dg dev`; tests, CI and the demo run `dbt parse` first.
DBT_PROJECT.prepare_if_dev()


class WarehouseDltResource(DagsterDltResource):
    """dagster-dlt's resource, made safe after a killed run: before each load, the rows that an incomplete
    load committed are deleted (dagster-dlt then drops the pipeline's local state and pending packages and
    restores the state of the last completed load, so those files are read again)."""

    def _run(self, context: Any, dlt_source: Any, dlt_pipeline: Pipeline, **kwargs: Any) -> Iterator[Any]:
        deleted = prepare_load(SETTINGS.warehouse_path, dlt_pipeline.dataset_name)
        if deleted:
            context.log.warning(f"{dlt_pipeline.dataset_name}: rows of a killed load deleted before loading: {deleted}")
        yield from super()._run(context, dlt_source, dlt_pipeline, **kwargs)


RESOURCES = {
    "dlt": WarehouseDltResource(),
    # The dbt of this virtual environment, whether or not the environment is activated.
    "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(Path(sys.executable).parent / "dbt")),
}
