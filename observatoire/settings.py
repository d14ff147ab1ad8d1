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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DEMO_DATA_DIR = REPO_ROOT / "demo_data"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    inbox_dir: Path
    warehouse_path: Path
    published_dir: Path
    reference_dir: Path
    dlt_pipelines_dir: Path
    mappings_dir: Path = REPO_ROOT / "exchange_format" / "mappings"
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


def _secrecy_threshold_from_env() -> int:
    value = os.environ.get("OBSERVATOIRE_SECRECY_THRESHOLD", "").strip()
    if not value:
        return Settings.secrecy_threshold
    if not value.isdigit() or int(value) < 2:
        raise ValueError(
            f"OBSERVATOIRE_SECRECY_THRESHOLD={value!r}: give a whole number of people, at least 2 (default 11)"
        )
    return int(value)


def load_settings() -> Settings:
    data_dir = _path_from_env("OBSERVATOIRE_DATA_DIR", REPO_ROOT / "data")
    reference_dir = _path_from_env("OBSERVATOIRE_REFERENCE_DIR", DEMO_DATA_DIR / "ref")
    return Settings(
        data_dir=data_dir,
        inbox_dir=_path_from_env("OBSERVATOIRE_INBOX_DIR", data_dir / "inbox"),
        warehouse_path=_path_from_env("OBSERVATOIRE_WAREHOUSE", data_dir / "warehouse.duckdb"),
        published_dir=_path_from_env("OBSERVATOIRE_PUBLISHED_DIR", data_dir / "published"),
        reference_dir=reference_dir,
        dlt_pipelines_dir=data_dir / "dlt_pipelines",
        registries_dir=_path_from_env("OBSERVATOIRE_REGISTRIES_DIR", reference_dir / "registries"),
        inclusion_api_url=os.environ.get("OBSERVATOIRE_INCLUSION_API_URL") or None,
        mappings_dir=_path_from_env("OBSERVATOIRE_MAPPINGS_DIR", REPO_ROOT / "exchange_format" / "mappings"),
        decp_extra_paths=tuple(p for p in os.environ.get("OBSERVATOIRE_DECP_PATHS", "").split(";") if p.strip()),
        secrecy_threshold=_secrecy_threshold_from_env(),
        alert_webhook_url=os.environ.get("OBSERVATOIRE_ALERT_WEBHOOK_URL") or None,
        dagster_home=_path_from_env("DAGSTER_HOME", data_dir / "dagster_home"),
    )
