"""The clause-tracking cases of the corpus: each file's audit row, each refused value, each issue in the marts."""

from __future__ import annotations

import os

import pytest
from corpus import Case, Corpus
from tracking_cases import CASES

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bad_inputs")]

CASE_FILTER = "regexp_matches(source_file, '/' || ? || '[/_]')"


def relative(corpus: Corpus, case: Case, path: str) -> str:
    return os.path.relpath(path, corpus.tracking_inbox / case.id)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_tracking_case(case: Case, corpus: Corpus) -> None:
    with corpus.reader() as con:
        audit = con.execute(
            "select source_file, table_name, status, rows_read, rows_loaded, rows_rejected, error "
            f"from raw_suivi_clauses.tracking_load_audit where _dlt_load_id = ? and {CASE_FILTER}",
            [corpus.loads["suivi_clauses"][0], case.id],
        ).fetchall()
        rejects = con.execute(
            "select source_file, line_number, column_name, reason from raw_suivi_clauses.tracking_rejects "
            f"where {CASE_FILTER}",
            [case.id],
        ).fetchall()
        issues = con.execute(
            f"select table_name, source_file, line_number, issue from audit.clause_tracking_issues where {CASE_FILTER}",
            [case.id],
        ).fetchall()
        check = case.expect.get("check")
        checked = con.execute(check.replace("{source}", case.id)).fetchall() if check else [(True,)]

    audit = sorted(((relative(corpus, case, row[0]), *row[1:]) for row in audit), key=lambda r: (r[0], r[1] or ""))
    expected = sorted(case.expect["audit"], key=lambda r: (r[0], r[1] or ""))
    assert [row[:6] for row in audit] == [row[:6] for row in expected], case.description
    for row, (*_, fragment) in zip(audit, expected, strict=True):
        if fragment is None:
            assert row[6] is None, row
        else:
            assert row[6] is not None and fragment in row[6], row
    assert sorted((relative(corpus, case, f), line, column, reason) for f, line, column, reason in rejects) == sorted(
        case.expect["rejects"], key=lambda r: (r[0], r[1], r[2] or "")
    )
    folder = str(corpus.tracking_inbox / case.id)
    assert sorted((table, relative(corpus, case, f), line, issue) for table, f, line, issue in issues) == sorted(
        (table, f, line, issue.replace("{dir}", folder)) for table, f, line, issue in case.expect["issues"]
    )
    assert checked == [(True,)], check


def test_per_file_rows_read_equal_loaded_plus_rejected(corpus: Corpus) -> None:
    """Every audit row reconciles: read = loaded + rejected, loaded = raw rows, rejected = rejected lines."""
    with corpus.reader() as con:
        audit = con.execute(
            "select source_file, table_name, rows_read, rows_loaded, rows_rejected "
            "from raw_suivi_clauses.tracking_load_audit where table_name is not null"
        ).fetchall()
        rejected = {
            (f, t): n
            for f, t, n in con.execute(
                "select source_file, table_name, count(distinct line_number) from raw_suivi_clauses.tracking_rejects "
                "group by all"
            ).fetchall()
        }
        loaded: dict[tuple[str, str], int] = {}
        for table in {row[1] for row in audit}:
            for f, n in con.execute(
                f"select source_file, count(*) from raw_suivi_clauses.{table} group by 1"
            ).fetchall():
                loaded[(f, table)] = n
    assert audit
    for source_file, table, read, rows_loaded, rows_rejected in audit:
        assert read == rows_loaded + rows_rejected, (source_file, table)
        assert loaded.get((source_file, table), 0) == rows_loaded, (source_file, table)
        assert rejected.get((source_file, table), 0) == rows_rejected, (source_file, table)


def test_a_second_run_loads_nothing_and_reports_only_the_files_still_refused(corpus: Corpus) -> None:
    for table, counts in corpus.raw_rows.items():
        if table.startswith("raw_suivi_clauses."):
            assert counts[0] == counts[1], table
    with corpus.reader() as con:
        again = con.execute(
            "select source_file, table_name, status, rows_loaded from raw_suivi_clauses.tracking_load_audit "
            "where _dlt_load_id = ?",
            [corpus.loads["suivi_clauses"][1]],
        ).fetchall()
        refused_first = {
            (f, t)
            for f, t in con.execute(
                "select source_file, table_name from raw_suivi_clauses.tracking_load_audit "
                "where _dlt_load_id = ? and status = 'failed'",
                [corpus.loads["suivi_clauses"][0]],
            ).fetchall()
        }
    assert again and all(status == "failed" and loaded == 0 for _, _, status, loaded in again)
    assert {(f, t) for f, t, _, _ in again} == refused_first
