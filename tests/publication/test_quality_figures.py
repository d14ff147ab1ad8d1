"""One function counts the data quality of the warehouse, for the quality page and for the annual report's
methodology: on a small warehouse written here, its totals are the counts of the rows written, a source never
loaded counts zero, and the report refuses a warehouse whose marts are not built, saying what to run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from observatoire.publication.report.data import quality_totals
from observatoire.quality_report import quality_figures

MARTS = """
create schema marts;
create schema audit;
create table audit.contract_record_lineage (record_fate varchar);
create table audit.rejected_contract_records (source_file varchar, rejection_reason varchar);
create table audit.decp_record_issues (source_file varchar);
create table marts.fct_contracts (contract_key varchar);
create table audit.clause_tracking_issues (source_name varchar, source_file varchar, issue varchar);
"""


def warehouse_with_decp_only(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(MARTS)
        con.execute(
            """
            create schema raw_decp;
            create table raw_decp.decp_load_audit (
                source_file varchar, status varchar, records_read bigint, error varchar, processed_at timestamptz);
            insert into raw_decp.decp_load_audit values
                ('a.json', 'loaded', 10, null, '2025-03-01 09:00:00+01'),
                ('b.json', 'loaded', 5, null, '2025-03-02 09:00:00+01'),
                ('c.json', 'failed', 0, 'JSON illisible : ligne 3', '2025-04-01 10:30:00+02');
            insert into audit.contract_record_lineage values ('retained'), ('retained'), ('superseded');
            insert into audit.rejected_contract_records values ('a.json', 'sans identifiant');
            insert into audit.decp_record_issues values ('a.json'), ('b.json');
            insert into marts.fct_contracts values ('m1'), ('m2');
            """
        )
    return path


def test_totals_count_the_rows_and_a_source_never_loaded_counts_zero(tmp_path: Path) -> None:
    figures = quality_figures(warehouse_with_decp_only(tmp_path / "warehouse.duckdb"))
    totals = figures.totals
    assert totals is not None
    assert totals.decp_files == {"loaded": 2, "failed": 1}
    assert (totals.decp_records_read, totals.records_retained, totals.records_superseded) == (15, 2, 1)
    assert (totals.records_rejected, totals.record_issues, totals.contracts) == (1, 2, 2)
    # no tracking export loaded yet: raw_suivi_clauses does not exist
    assert (totals.tracking_files, totals.tracking_tables, totals.tracking_rows_read) == (0, {}, 0)
    assert (totals.tracking_reject_reasons, totals.tracking_issues) == (0, 0)
    assert totals.last_loaded_at == dt.datetime(2025, 4, 1, 8, 30, tzinfo=dt.UTC)
    # the page's monthly rows come from the same call
    assert [(m.month, m.files, m.read, m.rejected, m.files_failed) for m in figures.decp] == [
        ("2025-03", 2, 15, 1, 0),
        ("2025-04", 1, 0, 0, 1),
    ]
    assert figures.tracking == [] and figures.suites == []
    assert quality_totals(tmp_path / "warehouse.duckdb") == totals


def test_the_report_needs_the_quality_marts(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts; create table marts.fct_contracts (contract_key varchar)")
    assert quality_figures(warehouse).totals is None
    with pytest.raises(RuntimeError, match=r"no quality table .*contract_record_lineage.*run the full refresh"):
        quality_totals(warehouse)
