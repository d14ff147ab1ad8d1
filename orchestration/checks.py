"""Great Expectations suites as blocking Dagster asset checks, one per suite file.

Each suite in ``expectations/suites/<schema>.<table>.json`` validates that DuckDB table and becomes the
check ``great_expectations_<table>`` on the asset ``[<schema>, <table>]`` (the key dlt and dbt give it).
A failing error-level expectation fails the check; checks are blocking, so the downstream assets of the
same run do not materialise. Great Expectations is imported only when a check runs (it takes seconds).
"""

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

from observatoire.settings import EXPECTATIONS_DIR

from .resources import SETTINGS, WAREHOUSE_POOL

SUITES_DIR = EXPECTATIONS_DIR / "suites"


def suite_check(suite_path: Path) -> AssetChecksDefinition:
    schema, table = suite_path.stem.split(".", 1)

    @asset_check(
        asset=AssetKey([schema, table]),
        name=f"great_expectations_{table}",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite expectations/suites/{suite_path.name}",
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        from expectations.runner import load_suite, validate_table

        report = validate_table(SETTINGS.warehouse_path, load_suite(suite_path))
        report.write_json(SETTINGS.published_dir / "quality" / "great_expectations")
        context.log.info(f"{suite_path.name}: success={report.success}")
        metadata = report.to_metadata()
        if "results_markdown" in metadata:
            metadata["results_markdown"] = MetadataValue.md(str(metadata["results_markdown"]))
        return AssetCheckResult(passed=report.success, severity=AssetCheckSeverity.ERROR, metadata=metadata)

    return _check


GX_CHECKS = [suite_check(path) for path in sorted(SUITES_DIR.glob("*.json"))]
