"""Great Expectations suites as blocking Dagster asset checks.

Each suite in ``expectations/suites`` validates one DuckDB table. A failing error-level expectation fails
the check, and since checks are blocking the downstream assets of the same run do not materialise.
Great Expectations is imported only when a check runs (it takes seconds to import).
"""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check

from observatoire.settings import EXPECTATIONS_DIR

from .resources import SETTINGS, WAREHOUSE_POOL

SUITES_DIR = EXPECTATIONS_DIR / "suites"


def _run_suite(context: AssetCheckExecutionContext, suite_file: str) -> AssetCheckResult:
    from expectations.runner import load_suite, validate_table

    suite = load_suite(SUITES_DIR / suite_file)
    report = validate_table(SETTINGS.warehouse_path, suite)
    report.write_json(SETTINGS.published_dir / "quality" / "great_expectations")
    context.log.info(f"{suite_file}: success={report.success}")
    return AssetCheckResult(passed=report.success, severity=AssetCheckSeverity.ERROR, metadata=report.to_metadata())


@asset_check(
    asset=AssetKey(["raw_decp", "decp_records"]),
    name="great_expectations_raw_decp_records",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Great Expectations suite expectations/suites/raw_decp.decp_records.json",
)
def raw_decp_records_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _run_suite(context, "raw_decp.decp_records.json")


@asset_check(
    asset=AssetKey(["marts", "fct_contracts"]),
    name="great_expectations_fct_contracts",
    blocking=True,
    pool=WAREHOUSE_POOL,
    description="Great Expectations suite expectations/suites/marts.fct_contracts.json",
)
def fct_contracts_expectations(context: AssetCheckExecutionContext) -> AssetCheckResult:
    return _run_suite(context, "marts.fct_contracts.json")


GX_CHECKS = [raw_decp_records_expectations, fct_contracts_expectations]
