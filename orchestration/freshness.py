"""Freshness of the sources: a monthly cadence, warned after 35 days and failed after 70 (the vars
``freshness_warn_after_days`` / ``freshness_error_after_days`` of dbt_project.yml, read here and by the dbt sources).

Two signals, because two things can go stale:

* the refresh itself: every raw asset carries a Dagster ``FreshnessPolicy`` (time window): the UI shows it
  late (WARN, then FAIL) when the asset has not been materialised for 35 / 70 days, i.e. the monthly
  refresh has not run (daemon stopped, schedule off);
* the data: a refresh that runs but finds no new file leaves the data as old as the last delivery. One asset
  check per source reads, in the warehouse, when a file of that source was last loaded; it warns after 35
  days and fails (severity ERROR, not blocking) after 70. The dbt sources use the same vars
  (``dbt source freshness``, models/staging/*/_*__sources.yml).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    AssetsDefinition,
    FreshnessPolicy,
    MetadataValue,
    asset_check,
)

from observatoire.settings import DBT_PROJECT_DIR
from observatoire.warehouse import connect_reader

from .resources import WAREHOUSE_POOL, WarehouseResource


def dbt_freshness_thresholds(project_file: Path = DBT_PROJECT_DIR / "dbt_project.yml") -> tuple[timedelta, timedelta]:
    """The warn and error thresholds the dbt sources use: the vars freshness_warn_after_days and
    freshness_error_after_days of dbt_project.yml."""
    variables = yaml.safe_load(project_file.read_text(encoding="utf-8")).get("vars") or {}
    days = [variables.get(name) for name in ("freshness_warn_after_days", "freshness_error_after_days")]
    if not all(type(value) is int and value > 0 for value in days):
        raise ValueError(
            f"{project_file}: vars freshness_warn_after_days and freshness_error_after_days must be whole numbers "
            f"of days, found {days}"
        )
    return timedelta(days=days[0]), timedelta(days=days[1])


WARN_AFTER, ERROR_AFTER = dbt_freshness_thresholds()

REFRESH_FRESHNESS = FreshnessPolicy.time_window(fail_window=ERROR_AFTER, warn_window=WARN_AFTER)


@dataclass(frozen=True)
class SourceFreshness:
    """Where a source's last delivery is read: the asset the check is on, and the tables recording loads with
    the SQL expression of a row's load time (and a filter, if any)."""

    source: str
    asset: AssetKey
    dataset: str
    load_times: dict[str, tuple[str, str]]  # table → (SQL of a row's load time, SQL condition on rows)


#: dlt's load id starts with the load's Unix time.
_LOAD_TIME = "to_timestamp(cast(split_part(_dlt_load_id, '.', 1) as bigint))"

SOURCES = (
    SourceFreshness(
        "DECP",
        AssetKey(["raw_decp", "decp_load_audit"]),
        "raw_decp",
        {"decp_load_audit": ("processed_at", "status <> 'duplicate_content'")},
    ),
    SourceFreshness(
        "suivi des clauses",
        AssetKey(["raw_suivi_clauses", "tracking_load_audit"]),
        "raw_suivi_clauses",
        {"tracking_load_audit": ("processed_at", "true")},
    ),
    SourceFreshness(
        "registres SIAE/GEIQ/EA/ESAT",
        AssetKey(["raw_registries", "siae_asp"]),
        "raw_registries",
        dict.fromkeys(("siae_asp", "geiq_list", "ea_dgefp", "finess_etablissements"), (_LOAD_TIME, "true")),
    ),
)


def with_refresh_freshness(*assets: AssetsDefinition) -> list[AssetsDefinition]:
    """The raw assets, each with the monthly refresh policy."""
    return [a.map_asset_specs(lambda spec: spec.replace_attributes(freshness_policy=REFRESH_FRESHNESS)) for a in assets]


def freshness_result(source: SourceFreshness, last_loaded: datetime | None, now: datetime) -> AssetCheckResult:
    """Passed when the source delivered within WARN_AFTER; a WARN, then an ERROR after ERROR_AFTER."""
    if last_loaded is None:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{source.source}: no file loaded yet",
        )
    age = now - last_loaded
    severity = AssetCheckSeverity.ERROR if age > ERROR_AFTER else AssetCheckSeverity.WARN
    return AssetCheckResult(
        passed=age <= WARN_AFTER,
        severity=severity,
        description=f"{source.source}: last file loaded {age.days} days ago (warn after {WARN_AFTER.days}, "
        f"error after {ERROR_AFTER.days})",
        metadata={
            "last_loaded_at": MetadataValue.timestamp(last_loaded),
            "age_days": round(age.total_seconds() / 86400, 1),
        },
    )


def last_loaded(warehouse: Path, source: SourceFreshness) -> datetime | None:
    """When a file of ``source`` was last loaded into the warehouse (UTC), None before the first."""
    with connect_reader(warehouse) as con:
        existing = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?", [source.dataset]
            ).fetchall()
        }
        loads = [
            f"select max({time}) as loaded from {source.dataset}.{table} where {condition}"
            for table, (time, condition) in source.load_times.items()
            if table in existing  # a subset run may not have created every table yet
        ]
        if not loads:
            return None
        row = con.execute(f"select max(loaded) from ({' union all '.join(loads)})").fetchone()
    if not row or row[0] is None:
        return None
    return row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)


def source_freshness_check(source: SourceFreshness) -> AssetChecksDefinition:
    @asset_check(
        asset=source.asset,
        name="source_freshness",
        blocking=False,
        pool=WAREHOUSE_POOL,
        description=f"{source.source}: a file loaded within {WARN_AFTER.days} days (monthly deliveries); "
        f"error after {ERROR_AFTER.days}.",
    )
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        return freshness_result(source, last_loaded(warehouse.path, source), datetime.now(UTC))

    return _check


SOURCE_FRESHNESS_CHECKS = [source_freshness_check(source) for source in SOURCES]
