"""Dagster resources: the settings, the DuckDB warehouse, and the dlt and dbt runners built on them.

Nothing here reads the environment or touches a file when imported: :meth:`SettingsResource.from_env` is called
when the definitions are built (orchestration/definitions.py), and the resources resolve their values when a run
or a sensor evaluation starts. Tests give the resources their own values instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import duckdb
from dagster import ConfigurableResource, EnvVar
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.dbt_project import using_dagster_dev
from dagster_dlt import DagsterDltResource
from dlt import Pipeline
from packaging.version import Version

from dlt_sources.pipelines import prepare_load
from observatoire.dbt_parse import place_latest_parse
from observatoire.settings import DBT_PROJECT_DIR, ENV_VARS, Settings, environment, load_settings, settings_from
from observatoire.warehouse import connect_reader

#: Every step that opens the DuckDB warehouse runs in this pool. DuckDB allows one writer process and no
#: reader while it writes; the instance's dagster.yaml gives the pool a limit of 1 (see orchestration/dagster.yaml).
WAREHOUSE_POOL = "duckdb_warehouse"

#: The dbt of this virtual environment, whether or not the environment is activated (``dg`` and ``dagster dev``
#: started from a plain shell have no dbt on PATH).
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


class SettingsResource(ConfigurableResource):
    """The observatory's settings (observatoire/settings.py): one field per environment variable, as its text.
    A field left empty takes the setting's default there."""

    data_dir: str | None = None
    inbox_dir: str | None = None
    warehouse_path: str | None = None
    published_dir: str | None = None
    reference_dir: str | None = None
    mappings_dir: str | None = None
    registries_dir: str | None = None
    inclusion_api_url: str | None = None
    decp_extra_paths: str | None = None
    secrecy_threshold: str | None = None
    alert_webhook_url: str | None = None
    dagster_home: str | None = None

    @classmethod
    def from_env(cls) -> SettingsResource:
        """Each setting whose variable is set, as an ``EnvVar``: Dagster reads the value when a run starts and
        shows the variable's name, not its value (the webhook URL may carry a token)."""
        return cls(**{name: EnvVar(variable) for name, variable in ENV_VARS.items() if os.environ.get(variable)})

    def get(self) -> Settings:
        """The settings. Outside a run (where Dagster has resolved them), a field given as an ``EnvVar`` is read
        from the environment now."""
        values = {name: getattr(self, name) for name in ENV_VARS}
        return settings_from(
            {name: value.get_value() if isinstance(value, EnvVar) else value for name, value in values.items()}
        )


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse of the settings: its path and a reader connection (dlt and dbt open their own
    writer connections)."""

    settings: SettingsResource

    @property
    def path(self) -> Path:
        return self.settings.get().warehouse_path

    def reader(self) -> duckdb.DuckDBPyConnection:
        """A connection to read the warehouse (:func:`observatoire.warehouse.connect_reader`)."""
        return connect_reader(self.path)


class WarehouseDltResource(DagsterDltResource):
    """dagster-dlt's resource, made safe after a killed run: before each load, the rows that an incomplete
    load committed are deleted (dagster-dlt then drops the pipeline's local state and pending packages and
    restores the state of the last completed load, so those files are read again)."""

    warehouse: WarehouseResource

    def _run(self, context: Any, dlt_source: Any, dlt_pipeline: Pipeline, **kwargs: Any) -> Iterator[Any]:
        deleted = prepare_load(self.warehouse.path, dlt_pipeline.dataset_name)
        if deleted:
            context.log.warning(f"{dlt_pipeline.dataset_name}: rows of a killed load deleted before loading: {deleted}")
        yield from super()._run(context, dlt_source, dlt_pipeline, **kwargs)


class ProjectDbtResource(DbtCliResource):
    """dagster-dbt's CLI resource for the dbt of this environment (``DBT_EXECUTABLE``), without two costs dagster-dbt
    pays on every invocation that the observatory does not need (4 s of CPU per refresh;
    tests/orchestration/test_resources.py proves neither runs)."""

    @cached_property
    def _cli_version(self) -> Version:
        """The version of dbt: ``dbt_executable`` is this environment's dbt (DBT_EXECUTABLE), so the installed
        dbt-core's, read without starting ``dbt --version`` (2.5 s of CPU) as dagster-dbt does."""
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> None:
        """No dbt adapter opened in this process (1.8 s): dagster-dbt uses it only for ``fetch_row_counts`` and
        ``fetch_column_metadata``, which the observatory does not call (row counts are read after the build,
        orchestration/assets/transformation.py)."""
        return None


class WarehouseDbtResource(ProjectDbtResource):
    """dagster-dbt's CLI resource on the warehouse of the settings. profiles.yml reads the warehouse path from
    ``OBSERVATOIRE_WAREHOUSE``; dagster-dbt gives dbt this process's environment, so the variable is set to
    the resource's path for the time the invocation starts (dbt and its adapter handle read it then)."""

    warehouse: WarehouseResource

    def cli(self, args: Any, *, target_path: Path | None = None, **kwargs: Any) -> DbtCliInvocation:
        target_path = target_path or self._get_unique_target_path(context=kwargs.get("context"))
        # the previous invocation's parse (same warehouse, usually) rather than make dbt-parse's: observatoire.dbt_parse
        absolute_target = target_path if target_path.is_absolute() else Path(self.project_dir) / target_path
        place_latest_parse(absolute_target, Path(self.project_dir))
        # dbt's file log (dbt.log in the invocation's target folder) at level info unless DBT_LOG_LEVEL_FILE says
        # otherwise: dbt's default, debug, writes every SQL statement and costs 12 % of a build's CPU.
        log_level = os.environ.get("DBT_LOG_LEVEL_FILE", "info")
        with environment(OBSERVATOIRE_WAREHOUSE=str(self.warehouse.path), DBT_LOG_LEVEL_FILE=log_level):
            return super().cli(args, target_path=target_path, **kwargs)


def dbt_project() -> DbtProject:
    """The dbt project. Loaded by ``dagster dev``/``dg`` (``DAGSTER_IS_DEV_CLI``), it is parsed first, with the
    dbt of this environment (dagster-dbt's own preparer looks for dbt on PATH) and, as ``make dbt-parse`` does, the
    warehouse of the settings in dbt's profile: dbt then starts from that saved parse instead of parsing the whole
    project again. Elsewhere (tests, CI, the demo and ``make dev`` run ``dbt parse`` beforehand) only its manifest
    is read."""
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if using_dagster_dev():
        parse = ProjectDbtResource(project_dir=project, dbt_executable=str(DBT_EXECUTABLE))
        with environment(OBSERVATOIRE_WAREHOUSE=str(load_settings().warehouse_path)):
            parse.cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


def build_resources(settings: SettingsResource) -> dict[str, ConfigurableResource]:
    """The resources of the code location, on ``settings``."""
    warehouse = WarehouseResource(settings=settings)
    return {
        "settings": settings,
        "warehouse": warehouse,
        "dlt": WarehouseDltResource(warehouse=warehouse),
        "dbt": WarehouseDbtResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            dbt_executable=str(DBT_EXECUTABLE),
            warehouse=warehouse,
        ),
    }
