"""The one place where paths and run settings are read.

Every path can be overridden by an environment variable, so nothing is tied to one machine:

| variable                      | default                               | what                                   |
|-------------------------------|---------------------------------------|----------------------------------------|
| ``OBSERVATOIRE_DATA_DIR``     | ``<repo>/data``                       | root of everything the pipeline writes |
| ``OBSERVATOIRE_INBOX_DIR``    | ``$DATA_DIR/inbox``                   | files dropped per source               |
| ``OBSERVATOIRE_WAREHOUSE``    | ``$DATA_DIR/warehouse.duckdb``        | the DuckDB warehouse (one writer)      |
| ``OBSERVATOIRE_PUBLISHED_DIR``| ``$DATA_DIR/published``               | what users read                        |
| ``OBSERVATOIRE_REFERENCE_DIR``| ``<repo>/demo_data/ref``              | reference files (COG, CPV, ...)        |
| ``OBSERVATOIRE_MAPPINGS_DIR``| ``<repo>/exchange_format/mappings``   | column mappings of tracking exports    |
| ``OBSERVATOIRE_REGISTRIES_DIR``| ``$REFERENCE_DIR/registries``      | SIRENE, EA, FINESS files               |
| ``OBSERVATOIRE_INCLUSION_API_URL``| (none: API not called)          | emplois de l'inclusion base URL        |
| ``OBSERVATOIRE_DECP_PATHS``   | (none)                                | more DECP paths or URLs, ``;``-sep.    |
| ``OBSERVATOIRE_SECRECY_THRESHOLD``| ``11``                            | smaller counts of people are masked    |
| ``OBSERVATOIRE_ALERT_WEBHOOK_URL``| (none: alert files only)          | URL the run-failure alert is POSTed to |
| ``DAGSTER_HOME``              | ``$DATA_DIR/dagster_home``            | Dagster instance: runs, events, schedules|

Command-line tools read them with :func:`load_settings`; Dagster gets them as the ``settings`` resource
(orchestration/resources.py), whose fields are these variables, resolved by :func:`settings_from` too.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEMO_DATA_DIR = REPO_ROOT / "demo_data"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
#: Column mappings of real tracking exports (production); the demo's fictional sources have theirs in
#: demo_data/mappings/.
MAPPINGS_DIR = REPO_ROOT / "exchange_format" / "mappings"
DEMO_MAPPINGS_DIR = DEMO_DATA_DIR / "mappings"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox_dir: Path
    warehouse_path: Path
    published_dir: Path
    reference_dir: Path
    dlt_pipelines_dir: Path
    mappings_dir: Path = MAPPINGS_DIR
    registries_dir: Path = DEMO_DATA_DIR / "ref" / "registries"
    inclusion_api_url: str | None = None
    decp_extra_paths: tuple[str, ...] = ()
    #: statistical secrecy: counts of people from 1 to this value - 1 are never published
    secrecy_threshold: int = 11
    alert_webhook_url: str | None = None
    #: Dagster's instance folder (runs, event logs): follows the data folder unless DAGSTER_HOME is set
    dagster_home: Path | None = None

    @property
    def decp_inbox(self) -> Path:
        return self.inbox_dir / "decp"

    @property
    def decp_paths(self) -> list[str]:
        """Where the DECP source looks: the inbox folder, then any configured path or URL."""
        return [str(self.decp_inbox), *self.decp_extra_paths]

    @property
    def tracking_inbox(self) -> Path:
        """Clause-tracking exports, one folder per source (coordination, facilitator's tool export)."""
        return self.inbox_dir / "suivi_clauses"

    @property
    def alerts_dir(self) -> Path:
        """One JSON file per failed run (orchestration/alerts.py)."""
        return self.data_dir / "alerts"

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.decp_inbox, self.tracking_inbox, self.published_dir, self.dlt_pipelines_dir):
            path.mkdir(parents=True, exist_ok=True)
        # The warehouse holds data about people: owner-only access to everything under data/.
        self.data_dir.chmod(0o700)


#: Each setting and the environment variable that gives it (the table above).
ENV_VARS = {
    "data_dir": "OBSERVATOIRE_DATA_DIR",
    "inbox_dir": "OBSERVATOIRE_INBOX_DIR",
    "warehouse_path": "OBSERVATOIRE_WAREHOUSE",
    "published_dir": "OBSERVATOIRE_PUBLISHED_DIR",
    "reference_dir": "OBSERVATOIRE_REFERENCE_DIR",
    "mappings_dir": "OBSERVATOIRE_MAPPINGS_DIR",
    "registries_dir": "OBSERVATOIRE_REGISTRIES_DIR",
    "inclusion_api_url": "OBSERVATOIRE_INCLUSION_API_URL",
    "decp_extra_paths": "OBSERVATOIRE_DECP_PATHS",
    "secrecy_threshold": "OBSERVATOIRE_SECRECY_THRESHOLD",
    "alert_webhook_url": "OBSERVATOIRE_ALERT_WEBHOOK_URL",
    "dagster_home": "DAGSTER_HOME",
}


def _secrecy_threshold(value: str) -> int:
    if not value.isdigit() or int(value) < 2:
        raise ValueError(
            f"OBSERVATOIRE_SECRECY_THRESHOLD={value!r}: give a whole number of people, at least 2 (default 11)"
        )
    return int(value)


def settings_from(values: Mapping[str, str | None]) -> Settings:
    """The settings from the text of each one (keyed as :data:`ENV_VARS`, as its variable would give it); a
    setting missing, None or empty takes its default. The one place where defaults are derived."""

    def text(name: str) -> str:
        return (values.get(name) or "").strip()

    def path(name: str, default: Path) -> Path:
        return Path(text(name)).expanduser().resolve() if text(name) else default

    data_dir = path("data_dir", REPO_ROOT / "data")
    reference_dir = path("reference_dir", DEMO_DATA_DIR / "ref")
    return Settings(
        data_dir=data_dir,
        inbox_dir=path("inbox_dir", data_dir / "inbox"),
        warehouse_path=path("warehouse_path", data_dir / "warehouse.duckdb"),
        published_dir=path("published_dir", data_dir / "published"),
        reference_dir=reference_dir,
        dlt_pipelines_dir=data_dir / "dlt_pipelines",
        registries_dir=path("registries_dir", reference_dir / "registries"),
        inclusion_api_url=text("inclusion_api_url") or None,
        mappings_dir=path("mappings_dir", MAPPINGS_DIR),
        decp_extra_paths=tuple(p for p in text("decp_extra_paths").split(";") if p.strip()),
        secrecy_threshold=(
            _secrecy_threshold(text("secrecy_threshold")) if text("secrecy_threshold") else Settings.secrecy_threshold
        ),
        alert_webhook_url=text("alert_webhook_url") or None,
        dagster_home=path("dagster_home", data_dir / "dagster_home"),
    )


def load_settings() -> Settings:
    """The settings of this process's environment (command-line tools; Dagster runs get them as a resource)."""
    return settings_from({name: os.environ.get(variable) for name, variable in ENV_VARS.items()})


@contextmanager
def environment(**variables: str | None) -> Iterator[None]:
    """This process's environment with ``variables`` set (None: unset) for the block, then as it was."""
    saved = {name: os.environ.get(name) for name in variables}
    _set_environment(variables)
    try:
        yield
    finally:
        _set_environment(saved)


def _set_environment(variables: Mapping[str, str | None]) -> None:
    for name, value in variables.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
