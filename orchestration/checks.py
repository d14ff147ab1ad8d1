"""Great Expectations suites as Dagster asset checks, one per suite file.

Each suite in ``expectations/suites/<schema>.<table>.json`` validates that DuckDB table and becomes the
check ``great_expectations_<table>`` on the asset ``[<schema>, <table>]`` (the key dlt and dbt give it).

* An ``error`` expectation is about the table as a whole (key unique and not null, schema, allowed record
  types): when it fails the check fails with severity ERROR and, checks being blocking, the downstream assets
  of the same run do not materialise.
* A ``warning`` expectation is about rows (an orphan contract, a value outside a reference, an out-of-range
  figure): when it fails the check fails with severity WARN, which does not block; the rows are counted in the
  check's metadata and in the JSON result the quality page lists. One bad line never stops the month.
* A raw table (loaded by dlt) is validated row by row on the rows of its new loads only; the results of the
  loads before are kept in ``<data>/great_expectations_cache`` (``expectations.runner.validate_table``).
* A table that does not exist is not a defect: dlt creates a table only when rows arrive (an observatory with
  DECP files and no tracking export yet has no ``raw_suivi_clauses`` tables). The check passes with the
  metadata ``skipped`` giving the reason, and writes that reason where the quality page reads the results.

Great Expectations is imported only when a check runs (it takes seconds).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from observatoire.settings import EXPECTATIONS_DIR, Settings

from .resources import WAREHOUSE_POOL, SettingsResource

SUITES_DIR = EXPECTATIONS_DIR / "suites"


def gx_results_dir(settings: Settings) -> Path:
    return settings.published_dir / "quality" / "great_expectations"


def gx_cache_dir(settings: Settings) -> Path:
    """Where the raw tables' row-wise results are kept per dlt load (expectations.runner): a refresh validates the
    rows of its new loads only. Deleting the folder costs one validation of every row."""
    return settings.data_dir / "great_expectations_cache"


def skipped_result(folder: Path, table: str, suite_name: str, reason: str) -> AssetCheckResult:
    """The check of a table that cannot be validated yet: passed, with the reason (also written as the table's
    result file in ``folder``, so the quality page says why there is no validation)."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = {
        "suite_name": suite_name,
        "table": table,
        "success": True,
        "skipped": reason,
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "row_count": 0,
        "results": [],
    }
    (folder / f"{table}.json").write_text(json.dumps({"summary": summary, "gx_result": {}}, ensure_ascii=False))
    return AssetCheckResult(
        passed=True,
        severity=AssetCheckSeverity.WARN,
        description=f"skipped: {reason}",
        metadata={"skipped": reason, "suite": suite_name, "table": table},
    )


def suite_check(suite_path: Path) -> AssetChecksDefinition:
    schema, table = suite_path.stem.split(".", 1)

    @asset_check(
        asset=AssetKey([schema, table]),
        name=f"great_expectations_{table}",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite expectations/suites/{suite_path.name} (error rules block, "
        "warning rules warn)",
    )
    def _check(context: AssetCheckExecutionContext, settings: SettingsResource) -> AssetCheckResult:
        from expectations.runner import TableNotFoundError, load_suite, validate_table

        values = settings.get()
        try:
            report = validate_table(values.warehouse_path, load_suite(suite_path), cache_dir=gx_cache_dir(values))
        except TableNotFoundError as exc:
            context.log.warning(f"{suite_path.name}: not validated: {exc}")
            reason = f"no data loaded yet: {exc}"
            return skipped_result(gx_results_dir(values), suite_path.stem, suite_path.stem, reason)
        report.write_json(gx_results_dir(values))
        context.log.info(
            f"{suite_path.name}: success={report.success}, rules failed: {len(report.failed_errors)} error, "
            f"{len(report.failed_warnings)} warning"
        )
        metadata = report.to_metadata()
        if "results_markdown" in metadata:
            metadata["results_markdown"] = MetadataValue.md(str(metadata["results_markdown"]))
        severity = AssetCheckSeverity.ERROR if report.failed_errors else AssetCheckSeverity.WARN
        return AssetCheckResult(
            passed=report.success and not report.failed_warnings, severity=severity, metadata=metadata
        )

    return _check


GX_CHECKS = [suite_check(path) for path in sorted(SUITES_DIR.glob("*.json"))]
