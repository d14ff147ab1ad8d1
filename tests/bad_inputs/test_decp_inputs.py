"""The DECP cases of the corpus: each file's fate in the load audit, each record's fate in the marts."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from corpus import Case, Corpus
from decp_cases import CASES
from reliability_support import mart_checksums
from support import run_dbt, warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bad_inputs")]


def first_load_audit(corpus: Corpus, case: Case) -> list[tuple]:
    with corpus.reader() as con:
        rows = con.execute(
            "select source_file, status, records_read, error from raw_decp.decp_load_audit "
            "where _dlt_load_id = ? and strpos(source_file, ?) > 0",
            [corpus.loads["decp"][0], f"/{case.id}_"],
        ).fetchall()
    inbox = f"{corpus.decp_inbox}/"
    return sorted((path.removeprefix(inbox), status, read, error) for path, status, read, error in rows)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_decp_case(case: Case, corpus: Corpus) -> None:
    audit = first_load_audit(corpus, case)
    expected = sorted(case.expect["files"])
    assert [row[:3] for row in audit] == [row[:3] for row in expected], case.description
    for (name, _, _, error), (_, _, _, fragment) in zip(audit, expected, strict=True):
        if fragment is None:
            assert error is None, (name, error)
        else:
            assert error is not None and fragment in error, (name, error)

    prefix = f"/{case.id}_"
    with corpus.reader() as con:
        fates = Counter(
            row[0]
            for row in con.execute(
                "select record_fate from audit.contract_record_lineage where strpos(source_file, ?) > 0", [prefix]
            ).fetchall()
        )
        rejects = sorted(
            row[0]
            for row in con.execute(
                "select rejection_reason from audit.rejected_contract_records where strpos(source_file, ?) > 0",
                [prefix],
            ).fetchall()
        )
        issues = sorted(
            con.execute(
                "select field, issue from audit.decp_record_issues where strpos(source_file, ?) > 0", [prefix]
            ).fetchall()
        )
        checked = con.execute(case.expect["check"]).fetchall() if "check" in case.expect else [(True,)]
    assert dict(fates) == case.expect["fates"]
    assert rejects == sorted(case.expect["rejects"])
    assert issues == sorted(case.expect["issues"])
    assert checked == [(True,)], case.expect["check"]


def test_every_record_read_is_loaded_and_has_a_fate(corpus: Corpus) -> None:
    """Per file: records read (audit) = raw rows; every JSON/XML record read has a fate in the lineage."""
    with corpus.reader() as con:
        audit = con.execute(
            "select source_file, layout, records_read from raw_decp.decp_load_audit where _dlt_load_id = ?",
            [corpus.loads["decp"][0]],
        ).fetchall()
        raw = dict(con.execute("select source_file, count(*) from raw_decp.decp_records group by 1").fetchall())
        raw |= dict(con.execute("select source_file, count(*) from raw_decp.decp_tabular_rows group by 1").fetchall())
        lineage = dict(
            con.execute(
                "select source_file, count(*) from audit.contract_record_lineage where source_kind = 'json_xml' "
                "group by 1"
            ).fetchall()
        )
    assert len(audit) == sum(len(case.expect["files"]) for case in CASES)
    for source_file, layout, read in audit:
        assert raw.get(source_file, 0) == read, source_file
        if layout in ("json", "xml"):
            assert lineage.get(source_file, 0) == read, source_file
    assert sum(raw.values()) == sum(read for _, _, read in audit)


def test_a_second_run_loads_nothing_and_reports_nothing_new(corpus: Corpus) -> None:
    for table in ("raw_decp.decp_records", "raw_decp.decp_tabular_rows"):
        first, second = corpus.raw_rows[table]
        assert first == second > 0, table
    with corpus.reader() as con:
        [(audited,)] = con.execute(
            "select count(*) from raw_decp.decp_load_audit where _dlt_load_id = ?", [corpus.loads["decp"][1]]
        ).fetchall()
    assert audited == 0


def test_a_rebuild_gives_identical_decp_marts(corpus: Corpus, tmp_path: Path) -> None:
    """The DECP marts are a function of the raw tables: rebuilt from scratch on a copy of the corpus warehouse,
    every mart row is the same (checksums of every mart, load ids aside)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(corpus.warehouse, copy)
    env = {**os.environ, **warehouse_env(tmp_path), "OBSERVATOIRE_WAREHOUSE": str(copy)}
    run_dbt(["build", "--full-refresh", "--select", "+path:models/*/decp"], env, tmp_path)
    assert mart_checksums(copy) == mart_checksums(corpus.warehouse)
