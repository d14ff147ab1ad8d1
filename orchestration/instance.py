"""The Dagster instance folder ($DAGSTER_HOME) of the observatory: the project's dagster.yaml and its storages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dagster import DagsterInstance

from observatoire.settings import Settings

DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


def initialise_dagster_home(home: Path) -> Path:
    """``home`` with the project's dagster.yaml (kept when there is one) and its SQLite storages created. Created
    here, before any Dagster process starts: a daemon and a webserver started together on an empty home both
    create the storages and can both stamp their schema version, leaving storages Dagster refuses to open."""
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(DAGSTER_YAML, home / "dagster.yaml")
    with DagsterInstance.from_config(str(home)):
        pass
    return home


def prepare_dagster_home(settings: Settings) -> Path:
    """$DAGSTER_HOME (default ``$OBSERVATOIRE_DATA_DIR/dagster_home``), initialised (:func:`initialise_dagster_home`)
    and set in the environment, where Dagster looks for its instance."""
    home = settings.dagster_home or settings.data_dir / "dagster_home"
    os.environ["DAGSTER_HOME"] = str(home)
    return initialise_dagster_home(home)
