"""The Great Expectations suites of the registry and reference raw tables, on the real files loaded by dlt.

Every expected count is computed here from the source files (csv/json modules) with the rules written out in
plain Python, never read back from GX. A second warehouse gets planted defects (a wrong SIRET, a code outside
the COG...) and each must fail its expectation, naming the column. Module marked like test_runner.py so that
GX is imported once per worker.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from support import FIXTURES, warehouse_env

from expectations.runner import (
    SuiteError,
    TableNotFoundError,
    ValidationReport,
    get_gx_context,
    list_suites,
    load_suite,
    validate_table,
)
from observatoire.settings import DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("great_expectations")]

REF = DEMO_DATA_DIR / "ref"
REGISTRY_SUITES = sorted(p.stem for p in list_suites() if p.stem.split(".")[0] in ("raw_registries", "raw_reference"))


# ------------------------------------------------------------------------------- source files, read by hand
def read_csv(relative_path: str, delimiter: str = ",") -> list[dict[str, str | None]]:
    """Rows of a reference file, empty fields as None (dlt loads them as NULL)."""
    with (REF / relative_path).open(encoding="utf-8", newline="") as handle:
        return [
            {k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(handle, delimiter=delimiter)
        ]


def finess_rows() -> list[dict[str, str | None]]:
    """``structureet`` lines of the FINESS fixture (headerless: commune, departement, siret by position)."""
    text = (REF / "registries/finess_etalab_etablissements_idf_fixture.csv").read_text(encoding="utf-8")
    lines = [line.split(";") for line in text.splitlines()[1:] if line.startswith("structureet;")]
    return [{"commune": f[12] or None, "departement": f[13] or None, "siret": f[22] or None} for f in lines]


def api_rows() -> list[dict[str, Any]]:
    pages = sorted((FIXTURES / "registries/api_siaes").glob("*.json"))
    return [item for page in pages for item in json.loads(page.read_text(encoding="utf-8"))["results"]]


def lower_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k.lower(): v for k, v in row.items()} for row in rows]


#: Source rows of each checked table, keyed by the raw column names (dlt lowercases the headers).
SOURCES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "raw_registries.siae_asp": lambda: lower_keys(
        read_csv("inclusion/itou_2019_07_liste_siae_france_sans_contacts.csv")
    ),
    "raw_registries.geiq_list": lambda: lower_keys(
        read_csv("inclusion/itou_2019_11_21_liste_geiq_france_sans_contacts.csv")
    ),
    "raw_registries.ea_dgefp": lambda: lower_keys(read_csv("registries/dgefp_liste_ea_idf_fixture.csv", ";")),
    "raw_registries.finess_etablissements": finess_rows,
    "raw_registries.inclusion_api_siaes": api_rows,
    "raw_reference.cog_communes": lambda: lower_keys(read_csv("cog/cog2026_communes_france_v_commune.csv")),
    "raw_reference.cog_communes_idf": lambda: read_csv("cog/cog2026_communes_idf_enriched.csv"),
    "raw_reference.cog_departements": lambda: lower_keys(read_csv("cog/cog_departements.csv")),
    "raw_reference.qpv": lambda: read_csv("qpv/qpv2024_extract.csv"),
}

#: The warehouse columns that suite parameters (``{"$PARAMETER": "<schema>__<table>__<column>"}``) name, read
#: from their files.
REFERENCE_SETS: dict[str, Callable[[], set[str]]] = {
    "raw_reference__cog_departements__dep": lambda: {r["DEP"] for r in read_csv("cog/cog_departements.csv")},
    "raw_reference__cog_regions__reg": lambda: {r["REG"] for r in read_csv("cog/cog_regions.csv")},
    "raw_reference__cog_communes__com": lambda: {
        r["COM"] for r in read_csv("cog/cog2026_communes_france_v_commune.csv")
    },
    "raw_reference__epci_idf__siren": lambda: {r["siren"] for r in read_csv("cog/epci_idf_2025.csv")},
    "raw_reference__ept_mgp__ept": lambda: {r["EPT"] for r in read_csv("cog/ept_mgp_2025.csv")},
}


# ------------------------------------------------------------------------------------ the rules, by hand
def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def siret_ok(value: str) -> bool:
    """14 digits once spaces and dots are removed; La Poste (SIREN 356000000): digit sum multiple of 5; else
    Luhn on the SIRET and on its SIREN."""
    digits = value.replace(" ", "").replace(".", "").strip()
    if not re.fullmatch(r"[0-9]{14}", digits):
        return False
    if digits.startswith("356000000") and digits != "35600000000048":
        return sum(int(c) for c in digits) % 5 == 0
    return luhn_ok(digits) and luhn_ok(digits[:9])


def expected_unexpected(type_: str, kwargs: dict[str, Any], rows: list[dict[str, Any]]) -> int:
    """How many rows break an expectation, computed without GX (GX ignores nulls except in not_null); an
    expectation with a ``row_condition`` (pandas query) checks only the rows it keeps."""
    if condition := kwargs.get("row_condition"):  # GX keeps a pandas condition as {"pass_through_filter": ...}
        query = condition["pass_through_filter"] if isinstance(condition, dict) else condition
        rows = pd.DataFrame(rows).query(query).to_dict("records")
    if type_ == "expect_compound_columns_to_be_unique":
        keys = Counter(tuple(row[c] for c in kwargs["column_list"]) for row in rows)
        return sum(n for n in keys.values() if n > 1)
    column = kwargs["column"]
    values = [row[column] for row in rows]
    present = [v for v in values if v is not None]
    if type_ == "expect_column_values_to_not_be_null":
        return len(values) - len(present)
    if type_ == "expect_column_values_to_match_regex":
        return sum(1 for v in present if not re.search(kwargs["regex"], v))
    if type_ == "expect_column_values_to_be_valid_siret":
        return sum(1 for v in present if not siret_ok(v))
    if type_ == "expect_column_values_to_be_unique":
        return sum(n for n in Counter(present).values() if n > 1)
    if type_ == "expect_column_values_to_be_in_set":
        value_set = kwargs["value_set"]
        allowed = REFERENCE_SETS[value_set["$PARAMETER"]]() if isinstance(value_set, dict) else set(value_set)
        return sum(1 for v in present if v not in allowed)
    raise AssertionError(f"no hand-written rule for {type_} in this test")


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def registry_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Reference files, registry lists, the recorded API pages and the SIRENE fixture, loaded by the dlt sources."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("replay_server", FIXTURES / "registries/replay_server.py")
    replay_server = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(replay_server)  # type: ignore[union-attr]

    work_dir = tmp_path_factory.mktemp("registry_suites")
    env = warehouse_env(work_dir)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source
        from dlt_sources.registries import inclusion_api_source, registry_files_source, sirene_source

        warehouse_pipeline("reference").run(reference_source())
        pipeline = warehouse_pipeline("registries")
        pipeline.run(registry_files_source())
        with replay_server.replay_api() as (base_url, _):
            pipeline.run(inclusion_api_source(base_url=base_url, departements=["93", "75"]))
        pipeline.run(sirene_source())
    yield Path(env["OBSERVATOIRE_WAREHOUSE"])


@pytest.fixture(scope="module")
def gx_context() -> Any:
    return get_gx_context()


@pytest.fixture(scope="module")
def reports(registry_warehouse: Path, gx_context: Any) -> dict[str, ValidationReport]:
    return {name: validate_table(registry_warehouse, load_suite(name), context=gx_context) for name in REGISTRY_SUITES}


def table_rows(warehouse: Path, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"select {', '.join(columns)} from {table}")
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# ------------------------------------------------------------------------------------------------- tests
def test_every_registry_table_and_the_reference_tables_have_a_suite() -> None:
    assert REGISTRY_SUITES == [
        "raw_reference.cog_communes",
        "raw_reference.cog_communes_idf",
        "raw_reference.cog_departements",
        "raw_reference.qpv",
        "raw_registries.ea_dgefp",
        "raw_registries.finess_etablissements",
        "raw_registries.geiq_list",
        "raw_registries.inclusion_api_siaes",
        "raw_registries.siae_asp",
        "raw_registries.sirene_etablissements",
    ]
    # Every table that carries SIRETs has the format and the checksum rule on its siret column.
    for name in REGISTRY_SUITES:
        if name.startswith("raw_registries."):
            rules = {(e.expectation_type, e.configuration.kwargs.get("column")) for e in load_suite(name).expectations}
            assert ("expect_column_values_to_match_regex", "siret") in rules, name
            assert ("expect_column_values_to_be_valid_siret", "siret") in rules, name


def test_each_suite_is_a_blocking_dagster_check_on_the_asset_that_loads_its_table() -> None:
    from dagster import AssetCheckKey, AssetKey

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    refresh_checks = defs().resolve_job_def("full_refresh").asset_layer.asset_graph.asset_check_keys
    for name in REGISTRY_SUITES:
        schema, table = name.split(".")
        key = AssetKey([schema, table])
        assert key in graph.get_all_asset_keys(), f"{name}: no Dagster asset {key.to_user_string()}"
        assert graph.get(key).group_name == "raw", name  # the dlt asset, not a dbt source stub
        check = AssetCheckKey(key, f"great_expectations_{table}")
        assert graph.get_check_spec(check).blocking, name
        # the monthly refresh runs every check, except the API's when no API URL is configured (no network)
        assert (check in refresh_checks) == (table != "inclusion_api_siaes"), name


@pytest.mark.parametrize("name", REGISTRY_SUITES)
def test_suite_counts_match_the_source_files(
    name: str, reports: dict[str, ValidationReport], registry_warehouse: Path
) -> None:
    report = reports[name]
    suite = load_suite(name)
    if name == "raw_registries.sirene_etablissements":
        # which SIRETs the SIRENE load keeps is the source's business (tested in test_registries_sirene.py):
        # the rules are recomputed on the rows it loaded
        rows = table_rows(
            registry_warehouse, name, tuple({e.configuration.kwargs["column"] for e in suite.expectations})
        )
    else:
        rows = SOURCES[name]()
    assert report.row_count == len(rows)
    assert report.success, report.to_markdown()  # no error-level failure on the real files
    for result in report.results:
        config = suite.expectations[result.index].configuration
        assert result.error is None, (name, result)
        assert result.unexpected_count == expected_unexpected(config.type, config.kwargs, rows), (name, result)
        assert result.success == (result.unexpected_count == 0), (name, result)


def test_real_list_defects_are_reported_as_warnings(reports: dict[str, ValidationReport]) -> None:
    # ASP list of July 2019: the Nord is coded 59L/59V (ASP territorial units) and 975 is Saint-Pierre-et-Miquelon,
    # none of them a COG département (a csv count of the source file, by hand: 127 + 62 + 3).
    asp = reports["raw_registries.siae_asp"]
    dep = asp.result_for("expect_column_values_to_be_in_set", "dep")
    asp_rows = SOURCES["raw_registries.siae_asp"]()
    assert Counter(r["dep"] for r in asp_rows if r["dep"] in {"59L", "59V", "975"}) == {"59L": 127, "59V": 62, "975": 3}
    assert (dep.severity, dep.unexpected_count) == ("warning", 192)
    assert asp.success and [r.column for r in asp.failed_warnings] == ["dep"]
    # GEIQ list of November 2019: four SIRETs published with a leading tab, one with a wrong checksum.
    geiq = reports["raw_registries.geiq_list"]
    assert geiq.result_for("expect_column_values_to_match_regex", "siret").unexpected_count == 4
    checksum = geiq.result_for("expect_column_values_to_be_valid_siret", "siret")
    assert checksum.partial_unexpected == ("40014944900022",) and not luhn_ok("40014944900022")
    assert geiq.success


def test_sirene_commune_codes_and_qpv_codes_are_in_the_cog(reports: dict[str, ValidationReport]) -> None:
    sirene = reports["raw_registries.sirene_etablissements"]
    commune = sirene.result_for("expect_column_values_to_be_in_set", "code_commune_etablissement")
    assert commune.success and commune.element_count == sirene.row_count > 100
    qpv = reports["raw_reference.qpv"]
    assert qpv.success and qpv.failed == [] and qpv.row_count == 1_609
    # the 91 QPV of Saint-Martin (978) and Polynésie française (987), collectivités d'outre-mer, are not checked
    departement = qpv.result_for("expect_column_values_to_be_in_set", "insee_dep")
    assert departement.element_count == 1_609 - 91


# ------------------------------------------------------------------------------------------ planted defects
PLANTS = [
    # (suite, SQL planting one defect, expectation type, column, planted value)
    (
        "raw_registries.geiq_list",
        "update raw_registries.geiq_list set siret = '49271220300041' where siret = '49271220300040'",
        "expect_column_values_to_be_valid_siret",
        "siret",
        "49271220300041",
    ),
    (
        "raw_registries.siae_asp",
        "update raw_registries.siae_asp set siret = '3830544830001' where siret = '38305448300011'",
        "expect_column_values_to_match_regex",
        "siret",
        "3830544830001",
    ),
    (
        "raw_registries.ea_dgefp",
        "update raw_registries.ea_dgefp set siret = '35600000049838' where siret = '52054050100043'",
        "expect_column_values_to_be_valid_siret",
        "siret",
        "35600000049838",
    ),
    (
        "raw_registries.inclusion_api_siaes",
        "update raw_registries.inclusion_api_siaes set departement = '20' where record_index = 0 "
        "and departement_requested = '93'",
        "expect_column_values_to_be_in_set",
        "departement",
        "20",
    ),
    (
        "raw_registries.sirene_etablissements",
        "update raw_registries.sirene_etablissements set code_commune_etablissement = '93999' "
        "where siret = '52054050100043'",
        "expect_column_values_to_be_in_set",
        "code_commune_etablissement",
        "93999",
    ),
    (
        "raw_registries.finess_etablissements",
        "update raw_registries.finess_etablissements set departement = '9A' where row_index = 0",
        "expect_column_values_to_be_in_set",
        "departement",
        "9A",
    ),
    (
        "raw_reference.qpv",
        "update raw_reference.qpv set insee_dep = '00' where code_qp = 'QN07511M'",
        "expect_column_values_to_be_in_set",
        "insee_dep",
        "00",
    ),
]


@pytest.fixture(scope="module")
def planted_warehouse(registry_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("planted") / "warehouse.duckdb"
    shutil.copyfile(registry_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for _, sql, *_ in PLANTS:
            con.execute(sql)
            assert con.fetchone()[0] == 1, sql  # exactly one row changed
        # La Poste establishment: the Luhn checksum fails, the digit sum (45) is a multiple of 5: valid
        con.execute("update raw_registries.ea_dgefp set siret = '35600000049837' where row_index = 1")
        # two rows for one commune: dim_geography would duplicate it
        con.execute(
            "insert into raw_reference.cog_communes select * from raw_reference.cog_communes "
            "where typecom = 'COM' and com = '93066'"
        )
    return copy


@pytest.mark.parametrize(("name", "sql", "type_", "column", "value"), PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_defect_fails_its_expectation_naming_the_column(
    name: str,
    sql: str,
    type_: str,
    column: str,
    value: str,
    planted_warehouse: Path,
    reports: dict[str, ValidationReport],
    gx_context: Any,
) -> None:
    planted = validate_table(planted_warehouse, load_suite(name), context=gx_context)
    before = reports[name].result_for(type_, column)
    after = planted.result_for(type_, column)
    assert not after.success and after.column == column
    assert after.unexpected_count == before.unexpected_count + 1
    assert value in after.partial_unexpected
    assert f"{type_}({column})" in planted.to_metadata()["failed_warnings"]
    assert planted.success  # registry defects are warnings: reported, not blocking


def test_la_poste_siret_passes_on_its_digit_sum(planted_warehouse: Path, gx_context: Any) -> None:
    assert not luhn_ok("35600000049837") and sum(map(int, "35600000049837")) % 5 == 0
    report = validate_table(planted_warehouse, load_suite("raw_registries.ea_dgefp"), context=gx_context)
    assert report.result_for("expect_column_values_to_be_valid_siret", "siret").partial_unexpected == (
        "35600000049838",
    )


def test_a_duplicated_commune_blocks(planted_warehouse: Path, gx_context: Any) -> None:
    report = validate_table(planted_warehouse, load_suite("raw_reference.cog_communes"), context=gx_context)
    failed = report.result_for("expect_compound_columns_to_be_unique", "typecom, com")
    assert (failed.severity, failed.unexpected_count) == ("error", 2)
    assert not report.success and report.failed_errors == [failed]


# ----------------------------------------------------------------------------- value sets from the warehouse
def _write_siae_suite(tmp_path: Path, parameter: str) -> Path:
    path = tmp_path / "raw_registries.siae_asp.json"
    item = {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "dep", "value_set": {"$PARAMETER": parameter}},
    }
    path.write_text(json.dumps({"name": "raw_registries.siae_asp", "expectations": [item]}), encoding="utf-8")
    return path


def test_a_missing_reference_table_names_it(registry_warehouse: Path, tmp_path: Path, gx_context: Any) -> None:
    path = _write_siae_suite(tmp_path, "raw_reference__cog_cantons__can")
    with pytest.raises(TableNotFoundError) as excinfo:
        validate_table(registry_warehouse, load_suite(path), context=gx_context)
    assert "raw_reference.cog_cantons" in str(excinfo.value) and "run its load first" in str(excinfo.value)


def test_a_parameter_that_names_no_column_is_a_suite_error(tmp_path: Path) -> None:
    path = _write_siae_suite(tmp_path, "cog_departements")
    with pytest.raises(SuiteError, match="<schema>__<table>__<column>") as excinfo:
        load_suite(path)
    assert str(path) in str(excinfo.value)


def test_published_result_names_the_reference_instead_of_listing_it(
    reports: dict[str, ValidationReport], tmp_path: Path
) -> None:
    written = json.loads(reports["raw_registries.sirene_etablissements"].write_json(tmp_path).read_text("utf-8"))
    value_sets = [
        r["expectation_config"]["kwargs"]["value_set"]
        for r in written["gx_result"]["results"]
        if r["expectation_config"]["type"] == "expect_column_values_to_be_in_set"
    ]
    assert len(value_sets) == 1 and value_sets[0].startswith("the values of raw_reference.cog_communes.com (")
