"""The reference marts against hand-picked real values of the COG 2026 and CPV 2008 files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from observatoire.settings import DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reference_warehouse")]  # built by dbt, once

REF = DEMO_DATA_DIR / "ref"


@pytest.fixture(scope="module")
def con(reference_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(reference_warehouse), read_only=True)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None, sql
    return row


def csv_rows(relative_path: str) -> list[dict[str, str]]:
    with (REF / relative_path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_saint_denis_is_in_seine_saint_denis_ile_de_france_and_plaine_commune(con) -> None:
    row = one(
        con,
        "select commune_name, commune_type, departement_code, departement_name, region_code, region_name, "
        "is_ile_de_france, epci_name, ept_code, ept_name, is_metropole_grand_paris "
        "from marts.dim_geography where commune_code = '93066'",
    )
    assert row == (
        "Saint-Denis",
        "COM",
        "93",
        "Seine-Saint-Denis",
        "11",
        "Île-de-France",
        True,
        "Métropole du Grand Paris",
        "200057867",
        "Plaine Commune",
        True,
    )


def test_paris_and_its_arrondissements_form_the_territory_paris(con) -> None:
    paris = one(
        con,
        "select commune_name, ept_code, ept_name, epci_siren, population_municipale "
        "from marts.dim_geography where commune_code = '75056'",
    )
    assert paris[:4] == ("Paris", "75056", "Paris", "200054781")
    arrondissements = one(
        con,
        "select count(*), count(distinct ept_code), min(ept_name), sum(population_municipale), "
        "bool_and(is_metropole_grand_paris), min(parent_commune_code) "
        "from marts.dim_geography where commune_type = 'ARM' and departement_code = '75'",
    )
    assert arrondissements == (20, 1, "Paris", paris[4], True, "75056")


def test_ile_de_france_counts_match_the_cog_file(con) -> None:
    idf_file = csv_rows("cog/cog2026_communes_idf_enriched.csv")
    expected_com = sum(1 for row in idf_file if row["typecom"] == "COM")
    expected_population = sum(int(row["population_municipale"]) for row in idf_file if row["typecom"] == "COM")
    assert expected_com == 1_266
    count, population, mgp = one(
        con,
        "select count(*), sum(population_municipale), count(*) filter (where is_metropole_grand_paris) "
        "from marts.dim_geography where is_ile_de_france and commune_type = 'COM'",
    )
    assert (count, population, mgp) == (expected_com, expected_population, 130)
    assert population == 12_463_067


def test_dim_geography_has_one_row_per_commune_code_plus_unknown(con) -> None:
    france = csv_rows("cog/cog2026_communes_france_v_commune.csv")
    distinct_codes = {row["COM"] for row in france}
    rows, codes = one(con, "select count(*), count(distinct commune_code) from marts.dim_geography")
    assert rows == codes == len(distinct_codes) + 1
    assert one(con, "select commune_name, commune_type from marts.dim_geography where commune_code = '00000'") == (
        "Commune inconnue",
        "UNKNOWN",
    )
    # A commune déléguée merged into another commune inherits its département, region and territory.
    assert one(
        con,
        "select commune_type, parent_commune_code, departement_code, region_code, ept_name, "
        "population_municipale "
        "from marts.dim_geography where commune_code = '93059'",
    ) == ("COMD", "93066", "93", "11", "Plaine Commune", None)


def test_dim_cpv_holds_every_code_with_its_hierarchy(con) -> None:
    expected = len(csv_rows("nomenclatures/cpv2008_fr.csv"))
    assert expected == 9_454
    assert one(con, "select count(*) from marts.dim_cpv") == (expected + 1,)
    row = one(
        con,
        "select cpv_code, label_fr, cpv_level, contract_type, division_code, division_label_fr, group_code, "
        "class_code, category_code, category_label_fr from marts.dim_cpv where cpv_code_8 = '45111100'",
    )
    assert row[:5] == ("45111100-9", "Travaux de démolition", 6, "travaux", "45")
    assert row[5].startswith("Travaux de construction")
    assert row[6:9] == ("451", "4511", "45111")
    assert row[9].startswith("Travaux de démolition, travaux de préparation")
    assert one(con, "select label_fr, contract_type from marts.dim_cpv where cpv_code_8 = '00000000'") == (
        "Code CPV inconnu",
        None,
    )


def test_dim_date_covers_2010_to_2035_with_iso_weeks(con) -> None:
    assert one(con, "select count(*), min(date_day), max(date_day) from marts.dim_date")[0] == 9_496
    row = one(
        con,
        "select year, quarter, month_name_fr, iso_year, iso_week, day_of_week, is_weekend, year_month "
        "from marts.dim_date where date_day = date '2024-12-30'",
    )
    assert row[:7] == (2024, 4, "décembre", 2025, 1, 1, False)
    assert str(row[7]) == "2024-12-01"


def qpv_communes_by_hand() -> dict[str, set[str]]:
    """QPV code → INSEE codes of its communes, from the QPV list read with the csv module."""
    return {row["code_qp"]: set(row["insee_com"].split(", ")) for row in csv_rows("qpv/qpv2024_extract.csv")}


def test_qpv_list_is_exploded_to_one_row_per_qpv_and_commune(con) -> None:
    by_hand = qpv_communes_by_hand()
    expected = {(qpv, commune) for qpv, communes in by_hand.items() for commune in communes}
    assert len(by_hand) == 1_609 and len(expected) == 1_801  # 154 QPV over several communes
    rows = con.execute("select qpv_code, commune_code from staging.stg_reference__qpv_communes").fetchall()
    assert sorted(rows) == sorted(expected)
    idf = one(con, "select count(distinct qpv_code) from staging.stg_reference__qpv_communes where region_code = '11'")
    assert idf == (298,)


def test_qpv_count_counts_the_qpv_touching_each_commune(con) -> None:
    # parent of each arrondissement and commune déléguée/associée, from the COG file: its QPV touch the parent too
    cog = csv_rows("cog/cog2026_communes_france_v_commune.csv")
    parents = {
        row["COM"]: row["COMPARENT"] for row in cog if row["TYPECOM"] in ("ARM", "COMD", "COMA") and row["COMPARENT"]
    }
    known = {row["COM"] for row in cog}
    touching: dict[str, set[str]] = {}
    for qpv, communes in qpv_communes_by_hand().items():
        for commune in communes & known:  # Saint-Martin (978) and Polynésie (987) are not in the COG
            for code in {commune, parents.get(commune)} - {None}:
                touching.setdefault(code, set()).add(qpv)
    expected = {code: len(qpvs) for code, qpvs in touching.items()}
    # by hand: Saint-Denis has its 8 QPV and, through Pierrefitte (93059, commune déléguée since 2025, still named
    # by the 2024 list), QN09335M and QN09336I (QN09342M is on both); Paris's 21 QPV are on 75056, none on an
    # arrondissement; QN07705M lies on Champs-sur-Marne and Noisiel
    assert expected["93066"] == 10 and expected["93059"] == 3 and expected["75056"] == 21
    assert "75118" not in expected and expected["77083"] == expected["77337"] == 1
    counted = dict(
        con.execute("select commune_code, qpv_count from marts.dim_geography where qpv_count > 0").fetchall()
    )
    assert counted == expected
    assert one(con, "select count(*) from marts.dim_geography where qpv_count is null") == (1,)  # unknown member
    assert one(con, "select qpv_count from marts.dim_geography where commune_code = '00000'") == (None,)
