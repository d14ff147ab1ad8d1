"""The jobs: the three refresh jobs (what a refresh builds and checks) and the annual report's.

The schedule and the sensors that start them are in schedules.py and sensors.py.
"""

from dagster import AssetKey, AssetSelection, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from dlt_sources.suivi_clauses.exchange_format import TABLE_NAMES

from .assets.publication import BUYER_ASSETS, REPORT_ASSETS

FULL_REFRESH = "full_refresh"
DECP_REFRESH = "decp_refresh"
TRACKING_REFRESH = "tracking_refresh"
REFRESH_JOBS = (FULL_REFRESH, DECP_REFRESH, TRACKING_REFRESH)

#: The three tables the DECP dlt asset writes in one step (it cannot be split).
DECP_RAW_TABLES = [AssetKey(["raw_decp", table]) for table in ("decp_records", "decp_tabular_rows", "decp_load_audit")]
#: The tables the clause-tracking dlt asset writes in one step.
TRACKING_RAW_TABLES = [
    AssetKey(["raw_suivi_clauses", table])
    for table in (*TABLE_NAMES, "tracking_rejects", "tracking_value_issues", "tracking_load_audit")
]

#: The emplois de l'inclusion API is called only when its URL is configured (no network on the demo machine).
INCLUSION_API = AssetSelection.assets(AssetKey(["raw_registries", "inclusion_api_siaes"]))
#: The annual report and the fiches are partitioned by year: Dagster runs them in their own job (below).
PER_YEAR = AssetSelection.assets(*REPORT_ASSETS)
#: The fiches acheteur are partitioned by buyer SIRET and rendered on demand only.
PER_BUYER = AssetSelection.assets(*BUYER_ASSETS)


def source_refresh_selection(
    source_tables: list[AssetKey], other_source_tables: list[AssetKey], excluded: AssetSelection
) -> AssetSelection:
    """A source's load and everything downstream of it, plus everything those assets read except the other
    source's load: the reference and registry files (reloaded only when a file changed: nothing to do once
    loaded) and the dbt models upstream (views on the raw tables; a raw table never loaded reads as empty). So
    the job is complete on its own, including as the first run of a fresh warehouse, and never reads the other
    source's inbox."""
    downstream = AssetSelection.assets(*source_tables).downstream()
    return downstream.upstream() - AssetSelection.assets(*other_source_tables) - excluded


def refresh_jobs(call_inclusion_api: bool) -> list[UnresolvedAssetJobDefinition]:
    """The full, DECP and clause-tracking refresh jobs; with the emplois de l'inclusion API load only when
    ``call_inclusion_api`` (its URL is configured)."""
    excluded = PER_YEAR | PER_BUYER if call_inclusion_api else PER_YEAR | PER_BUYER | INCLUSION_API
    return [
        define_asset_job(
            name=FULL_REFRESH,
            selection=AssetSelection.all() - excluded,
            description=(
                "Every source loaded, every model built and checked, then published (snapshot, dbt docs, open "
                "data, dataviz): the monthly refresh and the demo. The annual report follows in the annual_report "
                "job."
            ),
        ),
        define_asset_job(
            name=DECP_REFRESH,
            selection=source_refresh_selection(DECP_RAW_TABLES, TRACKING_RAW_TABLES, excluded),
            description=(
                "DECP ingestion and everything downstream of it, with the reference and registry loads and the "
                "models those read (also the first run of a fresh warehouse); started when files land in the DECP "
                "inbox."
            ),
        ),
        define_asset_job(
            name=TRACKING_REFRESH,
            selection=source_refresh_selection(TRACKING_RAW_TABLES, DECP_RAW_TABLES, excluded),
            description=(
                "Clause-tracking ingestion and everything downstream, with the reference and registry loads and the "
                "models those read (also the first run of a fresh warehouse); started when exports land in the "
                "inbox."
            ),
        ),
    ]


annual_report_job = define_asset_job(
    name="annual_report",
    selection=PER_YEAR,
    description="Annual report and territory fiches of one year (a report_year partition), from the open data.",
)
