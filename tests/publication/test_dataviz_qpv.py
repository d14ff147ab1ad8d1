"""The QPV panel of the dataviz (dataviz_site/qpv.js): the real perimeters of the 2024 list, those of the chosen
territory drawn over its communes, coloured by the beneficiaries residing there, with the table of the open data
beneficiaires_par_qpv beside the map. Uses the site, browser and page fixtures of test_dataviz.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page
from publication.test_dataviz import (  # noqa: F401 (fixtures, asked by name)
    PAINTED_SHARE,
    SECRET_TEXT,
    browser,
    french_number,
    open_data_dir,
    opened,
    parquet,
    site,
)

from observatoire.settings import DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

QPV_LIST = DEMO_DATA_DIR / "ref" / "qpv" / "qpv2024_extract.csv"
#: Codes of the QPV drawn (the series also lists every commune of the map, without ``communes``).
DRAWN = """() => window.ObservatoireQPV.graphique.getOption().series[0].data
    .filter((d) => d.communes).map((d) => d.name).sort()"""


#: (code, state, value) of every QPV polygon as drawn.
QPV_ITEMS = """() => window.ObservatoireQPV.graphique.getOption().series[0].data
    .filter((d) => d.communes).map((d) => [d.name, d.etat, d.valeur])"""
#: (QPV, commune, figure shown) of every line of the table beside the map.
TABLE = """() => [...document.querySelectorAll('#qpv-tableau tr')]
    .map((tr) => [tr.dataset.qpv, tr.dataset.commune, tr.cells[2].innerText])"""


def idf_qpv() -> dict[str, str]:
    """Code -> département of the Île-de-France QPV of the list, read with the csv module."""
    with QPV_LIST.open(encoding="utf-8", newline="") as handle:
        return {row["code_qp"]: row["insee_dep"] for row in csv.DictReader(handle) if row["insee_reg"] == "11"}


def choose(page: Page, level: str, code: str) -> list[str]:
    page.select_option("#filtre-niveau", level)
    page.select_option("#filtre-territoire", code)
    return page.evaluate(DRAWN)


def test_the_site_carries_the_perimeters_of_the_298_qpv_of_ile_de_france(request: pytest.FixtureRequest) -> None:
    index: Path = request.getfixturevalue("site")
    text = (index.parent / "assets" / "qpv_geo.js").read_text(encoding="utf-8")
    perimeters = json.loads(text.removeprefix("window.OBSERVATOIRE_QPV = ").removesuffix(";\n"))
    communes = {f["properties"]["code"]: f["properties"]["communes"] for f in perimeters["features"]}
    assert sorted(communes) == sorted(idf_qpv()) and len(communes) == 298
    assert communes["QN07705M"] == ["77083", "77337"]  # over Champs-sur-Marne and Noisiel
    assert communes["QN07511M"] == ["75056"]  # Paris QPV are on Paris, not an arrondissement
    assert communes["QN09335M"] == ["93066", "93072"]  # Pierrefitte (93059 in the list) is Saint-Denis since 2025


def test_the_qpv_map_shows_the_qpv_of_the_chosen_territory(request: pytest.FixtureRequest) -> None:
    page, events = request.getfixturevalue("opened")
    listed = idf_qpv()
    assert page.evaluate(DRAWN) == sorted(listed)  # the page opens on the region
    assert page.evaluate(PAINTED_SHARE, "#carte-qpv")["share"] > 0.15
    assert choose(page, "departement", "93") == sorted(code for code, dep in listed.items() if dep == "93")
    assert len(choose(page, "ept", "75056")) == 21  # Paris
    # Saint-Denis: its 8 QPV and the 2 of Pierrefitte-sur-Seine not already on Saint-Denis (as dim_geography counts)
    saint_denis = choose(page, "commune", "93066")
    assert len(saint_denis) == 10 and {"QN09335M", "QN09336I", "QN09342M"} <= set(saint_denis)
    assert "beneficiaires_par_qpv" in page.inner_text("#note-qpv")
    events.assert_clean()


def test_the_qpv_panel_shows_the_beneficiaries_residing_in_each_qpv_as_published(
    request: pytest.FixtureRequest,
) -> None:
    """A département and year with a published count of QPV residents (else with a masked one, the small demo has
    few people): the table lists every row of the open data there, the figure or "secret statistique", published
    first and largest first; a QPV on one commune is coloured by its figure, hatched when masked."""
    page, events = request.getfixturevalue("opened")
    with duckdb.connect() as con:
        rows = con.execute(
            "select annee, code_qpv, code_commune, code_departement, beneficiaires, secret "
            f"from {parquet(request.getfixturevalue('open_data_dir'), 'beneficiaires_par_qpv')}"
        ).fetchall()
    published = [row for row in rows if not row[5] and row[4] > 0]
    masked = [row for row in rows if row[5]]
    assert published or masked, "the demo has beneficiaries residing in a QPV"
    year, _, _, departement, _, _ = (published or masked)[0]
    page.select_option("#filtre-annee", str(year))
    choose(page, "departement", departement)
    here = [row for row in rows if row[0] == year and row[3] == departement]
    expected = {(qpv, commune): SECRET_TEXT if secret else french_number(n) for _, qpv, commune, _, n, secret in here}
    table = page.evaluate(TABLE)
    assert {(qpv, commune): text for qpv, commune, text in table} == expected and len(table) == len(here)
    order = [0 if text not in (SECRET_TEXT, "0") else 1 if text == SECRET_TEXT else 2 for _, _, text in table]
    assert order == sorted(order)
    if published:
        assert table[0][2] == french_number(max(n for _, _, _, _, n, secret in here if not secret))
    parts: dict[str, list[tuple]] = {}
    for row in here:
        parts.setdefault(row[1], []).append(row)
    drawn = {code: (state, value) for code, state, value in page.evaluate(QPV_ITEMS)}
    single = {code: cells[0] for code, cells in parts.items() if len(cells) == 1 and code in drawn}
    assert single
    for code, (_, _, _, _, n, secret) in single.items():
        assert drawn[code] == (("secret", None) if secret else ("valeur", n)), code
    events.assert_clean()
