"""The data-quality page (``published/quality/index.html``) as an asset, rebuilt by every refresh.

It reads the load audits and reject tables, and the Great Expectations results the checks write; it depends
on every asset a suite validates, so it runs after those checks and shows this run's validations (a failed
blocking check stops it with the rest of the downstream assets; the check's result file is there anyway).
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from observatoire.quality_report import quality_figures, write_quality_report

from ..checks import GX_CHECKS
from ..resources import WAREHOUSE_POOL, SettingsResource

#: The tables the page counts from.
QUALITY_SOURCES = [
    AssetKey(["raw_decp", "decp_load_audit"]),
    AssetKey(["raw_suivi_clauses", "tracking_load_audit"]),
    AssetKey(["raw_suivi_clauses", "tracking_rejects"]),
    AssetKey(["audit", "rejected_contract_records"]),
    AssetKey(["audit", "clause_tracking_issues"]),
    AssetKey(["audit", "tracking_unmapped_labels"]),
]
VALIDATED = sorted({check_key.asset_key for check in GX_CHECKS for check_key in check.check_keys}, key=str)


@asset(
    key=AssetKey(["quality", "data_quality_page"]),
    deps=[*QUALITY_SOURCES, *(key for key in VALIDATED if key not in QUALITY_SOURCES)],
    group_name="quality",
    kinds={"html"},
    pool=WAREHOUSE_POOL,
    description="Page « Qualité des données » (French): per source and month, records read / kept / rejected "
    "with the main reasons, and the Great Expectations validations.",
)
def data_quality_page(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    values = settings.get()
    quality_dir = values.published_dir / "quality"
    figures = quality_figures(values.warehouse_path, quality_dir)
    path = write_quality_report(figures, quality_dir)
    context.log.info(f"data-quality page: {path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "decp_records_rejected": sum(m.rejected for m in figures.decp),
            "tracking_rows_rejected": sum(m.rejected for m in figures.tracking),
            "failed_validations": sum(not s.success for s in figures.suites),
        }
    )
