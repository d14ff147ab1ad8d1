"""Tests of expectations/runner.py: GX ExpectationSuite files, validated on pandas frames read from DuckDB.

Every DuckDB file is built in tmp_path from 20 real DECP 2019 records. Expected unexpected_counts are
computed independently (SQL or plain Python), never read back from GX. ``import great_expectations``
is slow (6-13 s): the module shares one GX context, and the ``xdist_group`` mark keeps the module on
one worker under ``pytest -n auto --dist loadgroup`` so GX is imported once.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from expectations.runner import (
    SchemaMismatchError,
    SuiteError,
    TableNotFoundError,
    ValidationReport,
    get_gx_context,
    list_suites,
    load_suite,
    validate_table,
)

pytestmark = pytest.mark.xdist_group("great_expectations")

REPO = Path(__file__).resolve().parents[2]
DECP_2019 = REPO / "demo_data/decp/real_2019_format/decp-json_marches-publics.info_2019-03-07.json"
SOURCE_FILE = DECP_2019.relative_to(REPO).as_posix()
N_RECORDS = 20

RAW_DDL = """
create schema if not exists raw_decp;
create table raw_decp.decp_records (
    source_file varchar, source_sha256 varchar, record_type varchar, format_version varchar,
    record_index bigint, record varchar, _dlt_load_id varchar, _dlt_id varchar
)"""
FCT_DDL = """
create schema if not exists marts;
create table marts.fct_contracts (
    contract_key varchar, contract_id varchar, buyer_siret varchar, record_type varchar,
    format_version varchar, notification_date date, publication_date date,
    initial_amount_eur double, current_amount_eur double, initial_duration_months integer,
    current_duration_months integer, modification_count integer, holder_count integer,
    social_considerations_known boolean, has_social_clause boolean, has_social_criterion boolean,
    is_reserved_contract boolean, is_buyer_siret_valid boolean, is_amount_anomalous boolean,
    amount_anomaly_reason varchar, is_notification_date_valid boolean, is_duration_valid boolean,
    source_file varchar, source_record_index bigint, buyer_key varchar, is_buyer_id_placeholder boolean,
    is_published_before_notification boolean, cpv_issue varchar
)"""


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def decp_records() -> list[dict[str, Any]]:
    return json.loads(DECP_2019.read_text(encoding="utf-8"))["marches"][:N_RECORDS]


@pytest.fixture(scope="module")
def raw_rows(decp_records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    sha = hashlib.sha256(DECP_2019.read_bytes()).hexdigest()
    return [
        (
            SOURCE_FILE,
            sha,
            "marche",
            "2019",
            i,
            json.dumps(rec, ensure_ascii=False),
            "1732790000.1234",
            f"id{i}",
        )
        for i, rec in enumerate(decp_records)
    ]


@pytest.fixture(scope="module")
def fct_rows(decp_records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for i, rec in enumerate(decp_records):
        notified = rec["dateNotification"][:10]
        rows.append(
            (
                hashlib.md5(f"{SOURCE_FILE}:{i}".encode()).hexdigest(),
                rec["id"],
                rec["acheteur"]["id"],
                "marche",
                "2019",
                notified,
                rec["datePublicationDonnees"][:10],
                float(rec["montant"]),
                float(rec["montant"]),
                rec["dureeMois"],
                rec["dureeMois"],
                len(rec["modifications"]),
                len(rec["titulaires"]),
                False,
                None,
                None,
                None,
                True,
                False,
                None,
                True,
                True,
                SOURCE_FILE,
                i,
                rec["acheteur"]["id"],  # valid SIRETs: the buyer identity is the SIRET
                len(set(rec["acheteur"]["id"][:9])) == 1 or rec["acheteur"]["id"][:9] in ("123456789", "987654321"),
                rec["datePublicationDonnees"][:10] < notified,
                None,
            )
        )
    return rows


@pytest.fixture(scope="module")
def gx_context() -> Any:
    """One GX context for the module (the GX import is the slow part)."""
    return get_gx_context()


@pytest.fixture
def make_db(tmp_path: Path, raw_rows: list[tuple[Any, ...]], fct_rows: list[tuple[Any, ...]]):
    """Build a DuckDB file with both tables, then run an optional SQL defect on it."""

    def build(*defects: str, name: str = "warehouse.duckdb") -> Path:
        path = tmp_path / name
        con = duckdb.connect(str(path))
        try:
            con.execute(RAW_DDL)
            con.executemany(f"insert into raw_decp.decp_records values ({', '.join('?' * 8)})", raw_rows)
            con.execute(FCT_DDL)
            con.executemany(f"insert into marts.fct_contracts values ({', '.join('?' * 28)})", fct_rows)
            for sql in defects:
                con.execute(sql)
        finally:
            con.close()
        return path

    return build


def _scalar(path: Path, sql: str) -> Any:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def _failed(report: ValidationReport) -> set[tuple[str, str]]:
    return {(r.type, r.column) for r in report.failed}


RAW = "raw_decp.decp_records"
FCT = "marts.fct_contracts"


# --------------------------------------------------------------------------------- suite files
def test_suite_files_are_gx_suites_named_after_their_relation() -> None:
    files = list_suites()
    assert {p.name for p in files} >= {f"{RAW}.json", f"{FCT}.json"}
    for path in files:
        suite = load_suite(path)
        assert path.stem == suite.name
        assert suite.expectations and all(e.severity.value in ("critical", "warning") for e in suite.expectations)
        # the file is what GX writes for this suite: no format of our own
        assert json.loads(path.read_text(encoding="utf-8")) == suite.to_json_dict()
    assert load_suite(RAW).name == RAW  # lookup by relation name


def test_importing_the_runner_does_not_import_gx() -> None:
    code = "import sys, expectations.runner; assert 'great_expectations' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --------------------------------------------------------------------------------- raw table
def test_clean_raw_table_passes(make_db: Callable[..., Path], gx_context: Any) -> None:
    report = validate_table(make_db(), load_suite(RAW), context=gx_context)
    assert report.success, report.to_markdown()
    assert report.failed == []
    assert report.row_count == N_RECORDS
    assert len(report.results) == len(load_suite(RAW).expectations)
    assert all(r.unexpected_count in (0, None) and r.error is None for r in report.results)
    assert [r.index for r in report.results] == list(range(len(report.results)))
    assert report.elapsed_seconds > 0


@pytest.mark.parametrize(
    ("defect", "expected_failures", "count_sql"),
    [
        pytest.param(
            "update raw_decp.decp_records set source_file = null where record_index % 7 = 0",
            {("expect_column_values_to_not_be_null", "source_file")},
            "select count(*) from raw_decp.decp_records where source_file is null",
            id="null-source_file",
        ),
        pytest.param(
            "update raw_decp.decp_records set _dlt_load_id = null where record_index in (3, 4)",
            {("expect_column_values_to_not_be_null", "_dlt_load_id")},
            "select count(*) from raw_decp.decp_records where _dlt_load_id is null",
            id="null-_dlt_load_id",
        ),
        pytest.param(
            "insert into raw_decp.decp_records select * from raw_decp.decp_records where record_index < 3",
            {("expect_compound_columns_to_be_unique", "source_sha256, record_type, record_index")},
            # every row of a duplicated key is unexpected (GX semantics: 3 keys x 2 rows)
            """select sum(n) from (select count(*) n from raw_decp.decp_records
                group by source_sha256, record_type, record_index having count(*) > 1)""",
            id="duplicate-key",
        ),
        pytest.param(
            "update raw_decp.decp_records set record_type = 'lot' where record_index in (1, 2, 5)",
            {("expect_column_values_to_be_in_set", "record_type")},
            "select count(*) from raw_decp.decp_records where record_type not in ('marche', 'concession')",
            id="bad-enum-record_type",
        ),
        pytest.param(
            "update raw_decp.decp_records set format_version = '1.5.0' where record_index = 9",
            {("expect_column_values_to_be_in_set", "format_version")},
            "select count(*) from raw_decp.decp_records where format_version not in ('2019', '2024')",
            id="bad-enum-format_version",
        ),
        pytest.param(
            "update raw_decp.decp_records set record = '[' || record || ']' where record_index % 5 = 1",
            {("expect_column_values_to_match_regex", "record")},
            "select count(*) from raw_decp.decp_records where left(record, 1) <> '{'",
            id="bad-regex-record",
        ),
        pytest.param(
            "update raw_decp.decp_records set source_sha256 = upper(source_sha256) where record_index < 4",
            {("expect_column_values_to_match_regex", "source_sha256")},
            "select count(*) from raw_decp.decp_records where source_sha256 <> lower(source_sha256)",
            id="bad-regex-sha256",
        ),
        pytest.param(
            "update raw_decp.decp_records set record_index = -record_index - 100 where record_index in (0, 10)",
            {("expect_column_values_to_be_between", "record_index")},
            "select count(*) from raw_decp.decp_records where record_index < 0",
            id="negative-record_index",
        ),
    ],
)
def test_each_raw_defect_fails_its_expectation(
    make_db: Callable[..., Path],
    gx_context: Any,
    defect: str,
    expected_failures: set[tuple[str, str]],
    count_sql: str,
) -> None:
    db = make_db(defect)
    expected_count = _scalar(db, count_sql)
    assert expected_count > 0
    report = validate_table(db, load_suite(RAW), context=gx_context)
    assert not report.success
    assert _failed(report) == expected_failures
    (result,) = report.failed
    assert result.severity == "error" and result.error is None
    assert result.unexpected_count == expected_count
    assert result.element_count == _scalar(db, "select count(*) from raw_decp.decp_records")
    assert 0 < len(result.partial_unexpected) <= min(5, expected_count)


def test_partial_unexpected_values_are_plain_json(make_db: Callable[..., Path], gx_context: Any) -> None:
    db = make_db("update raw_decp.decp_records set record_type = 'lot' where record_index in (1, 2)")
    report = validate_table(db, RAW, context=gx_context)
    assert report.result_for("expect_column_values_to_be_in_set", "record_type").partial_unexpected == (
        "lot",
        "lot",
    )


def test_empty_table_passes_with_zero_rows(make_db: Callable[..., Path], gx_context: Any) -> None:
    db = make_db("delete from raw_decp.decp_records")
    report = validate_table(db, load_suite(RAW), context=gx_context)
    assert report.success
    assert report.row_count == 0
    assert all(r.unexpected_count in (0, None) for r in report.results)
    assert report.to_metadata()["row_count"] == 0


# --------------------------------------------------------------------------------- fact table
def test_clean_fact_table_passes(make_db: Callable[..., Path], gx_context: Any) -> None:
    report = validate_table(make_db(), load_suite(FCT), context=gx_context)
    assert report.success, report.to_markdown()
    assert report.failed == []


def test_warning_failure_is_reported_but_does_not_block(make_db: Callable[..., Path], gx_context: Any) -> None:
    # 2 invalid SIRETs out of 20 = 90 % valid < mostly 0.95; a 2034 date is inside the range.
    db = make_db(
        "update marts.fct_contracts set is_buyer_siret_valid = false where source_record_index in (3, 8)",
        "update marts.fct_contracts set notification_date = date '2034-06-30' where source_record_index = 4",
    )
    report = validate_table(db, FCT, context=gx_context)
    assert report.success
    assert report.failed_errors == []
    (warning,) = report.failed_warnings
    assert (warning.type, warning.column) == ("expect_column_values_to_be_in_set", "is_buyer_siret_valid")
    assert warning.unexpected_count == _scalar(
        db, "select count(*) from marts.fct_contracts where not is_buyer_siret_valid"
    )
    assert warning.mostly == 0.95
    meta = report.to_metadata()
    assert meta["success"] is True and meta["failed_warning_count"] == 1 and meta["failed_error_count"] == 0


# 1899: pandas holds the column in nanoseconds, which GX compares as a whole; 0201 (a year mistyped in a DECP
# record) is outside what nanoseconds hold, and GX compares the column value by value
@pytest.mark.parametrize("wrong_date", ["1899-12-31", "0201-05-01"])
def test_date_bounds_from_json_apply_to_date_columns(
    make_db: Callable[..., Path], gx_context: Any, wrong_date: str
) -> None:
    db = make_db(
        f"update marts.fct_contracts set notification_date = date '{wrong_date}' where source_record_index = 2"
    )
    report = validate_table(db, FCT, context=gx_context)
    result = report.result_for("expect_column_values_to_be_between", "notification_date")
    assert result.error is None
    assert not result.success and result.severity == "warning"  # 1/20 = 5 % > 1 % tolerated
    assert result.unexpected_count == _scalar(
        db,
        "select count(*) from marts.fct_contracts where notification_date not between '2000-01-01' and '2035-12-31'",
    )
    assert result.partial_unexpected == (f"{wrong_date}T00:00:00",)
    assert report.success


@pytest.mark.parametrize(
    ("defect", "expected_failures", "count_sql"),
    [
        pytest.param(
            "update marts.fct_contracts set record_type = null where source_record_index > 16",
            {("expect_column_values_to_not_be_null", "record_type")},
            "select count(*) from marts.fct_contracts where record_type is null",
            id="null-record_type",
        ),
        pytest.param(
            "update marts.fct_contracts set holder_count = -1 where source_record_index = 5",
            {("expect_column_values_to_be_between", "holder_count")},
            "select count(*) from marts.fct_contracts where holder_count < 0",
            id="negative-holder_count",
        ),
        pytest.param(
            "update marts.fct_contracts set cpv_issue = 'code CPV inventé' where source_record_index < 2",
            {("expect_column_values_to_be_in_set", "cpv_issue")},
            "select count(*) from marts.fct_contracts where cpv_issue is not null",
            id="cpv_issue-outside-the-rule-vocabulary",
        ),
    ],
)
def test_each_fact_defect_fails_its_error_expectation(
    make_db: Callable[..., Path],
    gx_context: Any,
    defect: str,
    expected_failures: set[tuple[str, str]],
    count_sql: str,
) -> None:
    db = make_db(defect)
    report = validate_table(db, FCT, context=gx_context)
    assert not report.success
    assert _failed(report) == expected_failures
    assert report.failed[0].unexpected_count == _scalar(db, count_sql) > 0


# ----------------------------------------------------------------------------- error handling
def test_a_column_read_as_an_expression_is_checked_on_that_expression(
    make_db: Callable[..., Path], gx_context: Any
) -> None:
    """The raw record's JSON text is read as its first 40 characters (the suite's meta.read_as): every row is
    still counted, a record that is not a JSON object or is missing still fails, and the report quotes the
    start of the record, not the whole of it."""
    db = make_db(
        "update raw_decp.decp_records set record = '[' || record || ']' where record_index in (2, 6)",
        "update raw_decp.decp_records set record = null where record_index = 4",
    )
    report = validate_table(db, RAW, context=gx_context)
    by_type = {(r.type, r.column): r for r in report.results}
    not_object = by_type[("expect_column_values_to_match_regex", "record")]
    assert (not_object.element_count, not_object.unexpected_count) == (N_RECORDS, 2)
    with duckdb.connect(str(db), read_only=True) as con:
        starts = [
            r[0]
            for r in con.execute(
                "select left(record, 40) from raw_decp.decp_records where record_index in (2, 6)"
            ).fetchall()
        ]
    assert sorted(not_object.partial_unexpected) == sorted(starts)
    assert all(len(value) == 40 and value.startswith("[{") for value in not_object.partial_unexpected)
    assert by_type[("expect_column_values_to_not_be_null", "record")].unexpected_count == 1


def test_missing_table_names_the_table_and_says_run_the_load(tmp_path: Path, gx_context: Any) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(TableNotFoundError, match=r"raw_decp\.decp_records.*run the load first"):
        validate_table(db, RAW, context=gx_context)
    with pytest.raises(TableNotFoundError, match=r"marts\.fct_contracts.*does not exist.*run the load first"):
        validate_table(tmp_path / "never_built.duckdb", FCT, context=gx_context)
    assert not (tmp_path / "never_built.duckdb").exists()  # read-only: nothing created


def test_missing_column_is_a_schema_error(make_db: Callable[..., Path], gx_context: Any) -> None:
    db = make_db("alter table raw_decp.decp_records drop column _dlt_load_id")
    with pytest.raises(SchemaMismatchError, match=r"raw_decp\.decp_records.*_dlt_load_id"):
        validate_table(db, RAW, context=gx_context)


def _write_suite(tmp_path: Path, content: Any, name: str = f"{RAW}.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def _suite(expectation: dict[str, Any]) -> dict[str, Any]:
    return {"name": RAW, "expectations": [expectation]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param('{"name": "raw_decp.decp_records", "expectations": ', "not valid JSON", id="bad-json"),
        pytest.param({"name": RAW, "expectations": []}, "non-empty 'expectations' list", id="no-expectation"),
        pytest.param(
            {"name": "marts.fct_contracts", "expectations": [{"type": "expect_column_to_exist"}]},
            "'name' must be the relation it validates",
            id="name-is-not-the-file-name",
        ),
        pytest.param(
            _suite({"type": "expect_column_values_to_be_purple", "kwargs": {"column": "record"}}),
            "expect_column_values_to_be_purple not found",
            id="unknown-type",
        ),
        pytest.param(
            _suite({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "record"}, "severity": "info"}),
            "severity must be one of ['critical', 'warning']",
            id="severity-gx-knows-but-the-checks-do-not",
        ),
        pytest.param(
            _suite({"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "record_type"}}),
            "value_set",
            id="missing-kwarg",
        ),
        pytest.param(
            _suite({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "record", "mostly": 2}}),
            "mostly",
            id="kwarg-gx-rejects",
        ),
        pytest.param(
            {
                **_suite({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "record"}}),
                "meta": {"read_as": {"record": 40}},
            },
            "meta.read_as must map a column to a DuckDB expression",
            id="read-as-not-an-expression",
        ),
    ],
)
def test_invalid_suite_file_error_names_the_file_and_the_expectation(
    tmp_path: Path, content: Any, message: str
) -> None:
    path = _write_suite(tmp_path, content)
    with pytest.raises(SuiteError) as excinfo:
        load_suite(path)
    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)


def test_missing_suite_file_is_a_suite_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match=r"marts\.nope\.json does not exist"):
        load_suite("marts.nope")


# --------------------------------------------------------------------------------- publishing
def test_metadata_is_flat_and_json_is_written(make_db: Callable[..., Path], tmp_path: Path, gx_context: Any) -> None:
    db = make_db("update raw_decp.decp_records set record_type = 'lot' where record_index = 1")
    report = validate_table(db, RAW)  # no shared context: exercises the default path too
    meta = report.to_metadata()
    assert all(isinstance(v, int | float | str | bool) for v in meta.values())
    assert meta["success"] is False and meta["failed_error_count"] == 1 and meta["row_count"] == N_RECORDS
    assert meta["failed_errors"] == "expect_column_values_to_be_in_set(record_type)"
    assert meta["unexpected_count[expect_column_values_to_be_in_set(record_type)]"] == 1
    assert meta["results_markdown"].startswith("| status |")
    assert meta["results_markdown"].count("\n") == len(report.results) + 1

    out = report.write_json(tmp_path / "published")
    assert out.name == f"{RAW}.json"
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["summary"]["success"] is False
    assert payload["gx_result"]["success"] is False
    assert len(payload["gx_result"]["results"]) == len(report.results)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temp file left behind


def test_suite_objects_can_be_built_in_code(make_db: Callable[..., Path], gx_context: Any) -> None:
    import great_expectations as gx

    subset = gx.ExpectationSuite(name=RAW, expectations=[e.configuration for e in load_suite(RAW).expectations[:2]])
    report = validate_table(make_db("update raw_decp.decp_records set source_file = null"), subset, context=gx_context)
    assert not report.success and len(report.results) == 2
    assert report.failed[0].unexpected_count == N_RECORDS


def test_a_large_relation_is_validated_in_batches_with_the_results_of_one_frame(
    tmp_path: Path, gx_context: Any
) -> None:
    """Above ``batch_rows`` rows the relation is read in frames: every count, first unexpected value and outcome
    is the one GX gives on the whole relation, for row-wise expectations (defects spread over several frames)
    and uniqueness ones (a duplicate whose two rows fall in different frames)."""
    import great_expectations as gx

    path = tmp_path / "large.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.large as
            select i as row_key,
                   case when i in (17, 2500, 4100) then 999.0 else i % 200 end as hours,
                   case when i % 1000 = 7 then null else 'k' || (i % 50) end as code,
                   i % 3 + 1 as low, i % 3 + case when i = 4900 then 0 else 2 end as high
            from range(5000) as t(i)
            """
        )
        # a duplicate of row 1 (first frame) in the third frame
        con.execute("update marts.large set row_key = 1, code = 'k1' where row_key = 4999")
    suite = gx.ExpectationSuite(
        name="marts.large",
        expectations=[
            gx.expectations.ExpectColumnValuesToBeBetween(column="hours", min_value=0, max_value=220, mostly=0.9995),
            gx.expectations.ExpectColumnValuesToNotBeNull(column="code", mostly=0.99),
            gx.expectations.ExpectColumnValuesToBeInSet(column="code", value_set=[f"k{n}" for n in range(49)]),
            gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(column_A="high", column_B="low"),
            gx.expectations.ExpectColumnValuesToBeUnique(column="row_key"),
            gx.expectations.ExpectCompoundColumnsToBeUnique(column_list=["row_key", "code"]),
        ],
    )

    def plain(report: ValidationReport) -> list[dict]:
        return [{k: v for k, v in item.items() if k != "expectation_config"} for item in report.gx_result["results"]]

    whole = validate_table(path, suite, context=gx_context)
    batched = validate_table(path, suite, context=gx_context, batch_rows=2048)  # 3 frames
    assert batched.results == whole.results
    assert plain(batched) == plain(whole)
    assert batched.gx_result["statistics"] == whole.gx_result["statistics"]
    assert [r.unexpected_count for r in batched.results] == [3, 5, 99, 1, 2, 2]
    assert [r.success for r in batched.results] == [False, True, False, False, False, False]
    assert batched.results[0].partial_unexpected == (999.0, 999.0, 999.0)


def test_integer_columns_with_and_without_nulls_are_checked_against_their_bounds(
    tmp_path: Path, gx_context: Any
) -> None:
    """INTEGER columns (DuckDB gives them to pandas as int32, or Int32 with NULLs, which GX compares value by value)
    are compared as int64 or float64: the same unexpected rows as SQL counts, NULLs left out, values as published."""
    import great_expectations as gx

    path = tmp_path / "integers.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.people as
            select cast(case when i in (3, 40) then 90 else 20 + i % 40 end as integer) as age,
                   cast(case when i % 10 = 0 then null when i = 7 then 9 else 1 + i % 8 end as integer) as level,
                   cast(i % 3 as smallint) as small
            from range(100) as t(i)
            """
        )
    suite = gx.ExpectationSuite(
        name="marts.people",
        expectations=[
            gx.expectations.ExpectColumnValuesToBeBetween(column="age", min_value=14, max_value=75),
            gx.expectations.ExpectColumnValuesToBeBetween(column="level", min_value=1.0, max_value=8.0),
            gx.expectations.ExpectColumnValuesToBeBetween(column="small", min_value=0, max_value=2),
        ],
    )
    report = validate_table(path, suite, context=gx_context)
    counts = [
        _scalar(path, "select count(*) from marts.people where age not between 14 and 75"),
        _scalar(path, "select count(*) from marts.people where level not between 1 and 8"),
        0,
    ]
    assert [r.unexpected_count for r in report.results] == counts == [2, 1, 0]
    assert report.results[1].element_count == 100
    assert report.results[0].partial_unexpected == (90, 90)
    assert report.results[1].partial_unexpected == (9,)
    assert isinstance(report.results[1].partial_unexpected[0], int)  # as published: 9, not 9.0
    assert [r.success for r in report.results] == [False, False, True]


def test_rows_of_loads_validated_before_are_not_read_again_and_results_are_those_of_every_row(
    make_db: Callable[..., Path], tmp_path: Path, gx_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cache folder, a raw relation's row-wise results are kept per dlt load: the next validation reads the
    rows of the new loads only, and reports what a validation of every row reports. Rows of a kept load deleted,
    or a suite changed, mean every row is read again."""
    import expectations.runner as runner

    path = make_db()
    cache = tmp_path / "gx_cache"
    read: list[int] = []
    frames = runner._frames

    def counted(*args: Any, **kwargs: Any) -> Any:
        for frame in frames(*args, **kwargs):
            if "source_file" in frame.columns:  # the row-wise expectations' frames (uniqueness reads its own)
                read.append(len(frame))
            yield frame

    monkeypatch.setattr(runner, "_frames", counted)
    first = validate_table(path, RAW, context=gx_context, cache_dir=cache)
    assert first.success and sum(read) == N_RECORDS and (cache / f"{RAW}.json").is_file()

    # a second load: 20 copies of the rows, 3 with defects the row-wise expectations see, 1 duplicate key
    with duckdb.connect(str(path)) as con:
        con.execute(
            "insert into raw_decp.decp_records select source_file, source_sha256, "
            "case when record_index = 2 then 'avenant' else record_type end, format_version, "
            "case when record_index = 5 then -1 when record_index = 7 then 0 else record_index + 100 end, "
            "case when record_index = 9 then 'not json' else record end, '1732799999.5', _dlt_id || 'b' "
            "from raw_decp.decp_records"
        )
    read.clear()
    incremental = validate_table(path, RAW, context=gx_context, cache_dir=cache)
    assert sum(read) == N_RECORDS  # the new load's rows only
    read.clear()
    every_row = validate_table(path, RAW, context=gx_context)
    assert sum(read) == 2 * N_RECORDS
    assert incremental.results == every_row.results
    assert incremental.success == every_row.success is False
    assert _failed(incremental) == {
        ("expect_column_values_to_be_in_set", "record_type"),
        ("expect_column_values_to_be_between", "record_index"),
        ("expect_column_values_to_match_regex", "record"),
        ("expect_compound_columns_to_be_unique", "source_sha256, record_type, record_index"),
    }
    assert incremental.result_for("expect_column_values_to_be_between", "record_index").unexpected_count == 1
    assert incremental.row_count == 2 * N_RECORDS

    # nothing new: nothing read for the row-wise expectations, same report
    read.clear()
    again = validate_table(path, RAW, context=gx_context, cache_dir=cache)
    assert sum(read) == 0 and again.results == every_row.results

    # a row of the first load deleted (a failed load cleaned up, a merge): every row read again
    with duckdb.connect(str(path)) as con:
        con.execute("delete from raw_decp.decp_records where record_index = 5")
    read.clear()
    after_delete = validate_table(path, RAW, context=gx_context, cache_dir=cache)
    assert sum(read) == 2 * N_RECORDS - 1
    read.clear()
    assert after_delete.results == validate_table(path, RAW, context=gx_context).results

    # another suite on the same relation: its own results, every row read
    suite = load_suite(RAW)
    suite.expectations = [e for e in suite.expectations if e.expectation_type != "expect_column_values_to_match_regex"]
    read.clear()
    changed = validate_table(path, suite, context=gx_context, cache_dir=cache)
    assert sum(read) == 2 * N_RECORDS - 1 and len(changed.results) == len(every_row.results) - 2
