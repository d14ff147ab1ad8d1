"""The dataviz sections "Programmes" and "Parcours" (programmes.js, parcours.js): opened in headless Chromium like
test_dataviz.py (same site, browser and page-event fixtures), filters switched, and every figure of their tables
checked against the open-data Parquet files read here with DuckDB; no console error, no failed request."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import Browser, Page
from publication.test_dataviz import (  # noqa: F401  (fixtures)
    ARTEFACTS_DIR,
    PAINTED_SHARE,
    SECRET_TEXT,
    PageEvents,
    browser,
    open_data_dir,
    parquet,
    site,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

ABSENT_TEXT = "aucune donnée"


def shown_number(value: float | None, secret: bool) -> str:
    """How the site writes a published value: fr-FR whole number (thin no-break space between thousands; hours
    rounded to 0.1 by dataviz.py, then to the unit half up by Intl.NumberFormat), else why there is none."""
    if value is None:
        return SECRET_TEXT if secret else ABSENT_TEXT
    whole = int(Decimal(str(round(float(value), 1))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return f"{whole:,}".replace(",", "\u202f")


def table_rows(page: Page, body: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{body} tr", "(rows) => rows.map((r) => Array.from(r.children).map((c) => c.textContent))"
    )


@pytest.fixture
def opened(browser: Browser, site: Path) -> Iterator[tuple[Page, PageEvents]]:  # noqa: F811
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    events = PageEvents(page)
    page.goto(site.as_uri())
    page.wait_for_function(
        "window.datavizProgrammes && window.datavizProgrammes.pret && window.datavizParcours"
        " && window.datavizParcours.pret",
        timeout=30_000,
    )
    yield page, events
    page.close()


def test_programmes_show_hours_people_and_outcomes_of_the_open_data(
    opened: tuple[Page, PageEvents],
    open_data_dir: Path,  # noqa: F811
) -> None:
    page, events = opened
    programmes = duckdb.execute(f"select * from {parquet(open_data_dir, 'grands_programmes')} order by annee").df()
    exits = duckdb.execute(f"select * from {parquet(open_data_dir, 'sorties_grands_programmes')}").df()
    issues = ["ensemble", "emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie", "inconnue"]
    codes = page.eval_on_selector_all("#programmes-programme option", "(options) => options.map((o) => o.value)")
    assert sorted(codes) == sorted(set(programmes["programme"]) | set(exits["programme"]))
    checked_secret = False
    for code in codes:
        page.select_option("#programmes-programme", code)
        expected = []
        years = sorted(
            {*programmes.loc[programmes["programme"] == code, "annee"], *exits.loc[exits["programme"] == code, "annee"]}
        )
        for year in years:  # a year with exits but no row of grands_programmes shows "aucune donnée" for its figures
            found = programmes[(programmes["programme"] == code) & (programmes["annee"] == year)]
            line = [str(year)]
            if found.empty:
                line += [ABSENT_TEXT] * 6
            else:
                row = found.iloc[0]
                secret = bool(row["secret"])
                line += [shown_number(row[column], False) for column in ("operations", "marches")]
                line += [shown_number(_value(row[column]), False) for column in ("heures_engagees", "heures_prevues")]
                line += [shown_number(_value(row[column]), secret) for column in ("heures_realisees", "beneficiaires")]
            for issue in issues:
                cell = exits[(exits["programme"] == code) & (exits["annee"] == year) & (exits["issue"] == issue)]
                if cell.empty:
                    line.append(ABSENT_TEXT)
                else:
                    masked = bool(cell["secret"].iloc[0])
                    checked_secret |= masked
                    line.append(shown_number(_value(cell["sorties"].iloc[0]), masked))
            expected.append(line)
        assert table_rows(page, "programmes-tableau") == expected, code
        if (programmes["programme"] == code).any():
            painted = page.evaluate(PAINTED_SHARE, "#programmes-heures")
            assert painted["share"] > 0.01, painted
    assert checked_secret, "the demo should show at least one masked outcome"
    ARTEFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.locator("#programmes").screenshot(path=str(ARTEFACTS_DIR / "10_programmes.png"))
    events.assert_clean()


def test_parcours_sankey_and_table_show_the_published_flows_masked_ones_as_such(
    opened: tuple[Page, PageEvents],
    open_data_dir: Path,  # noqa: F811
) -> None:
    page, events = opened
    flows = duckdb.execute(
        f"""select *, (public_entree <> 'ensemble')::int + (famille_contrat <> 'ensemble')::int
                + (issue_six_mois <> 'ensemble')::int as stages
        from {parquet(open_data_dir, "parcours_beneficiaires")}"""
    ).df()
    assert not flows["beneficiaires"].between(1, 10).any(), "a published flow counts 1 to 10 people"
    latest = int(flows["annee"].max())

    def first_code(level: str) -> str:
        return str(
            flows.loc[(flows["niveau_territoire"] == level) & (flows["annee"] == latest), "code_territoire"].min()
        )

    choices = [("region", "11", latest), ("departement", first_code("departement"), latest)]
    choices += [("ept", first_code("ept"), latest), ("region", "11", int(flows["annee"].min()))]
    for level, code, year in choices:
        page.select_option("#parcours-annee", str(year))
        page.select_option("#parcours-niveau", level)
        territory = page.evaluate(
            "([level, code]) => window.OBSERVATOIRE_DATA.territoires.findIndex((t) => t[0] === level && t[1] === code)",
            [level, code],
        )
        page.select_option("#parcours-territoire", str(territory))
        cells = flows[
            (flows["annee"] == year) & (flows["niveau_territoire"] == level) & (flows["code_territoire"] == code)
        ]
        links = cells[cells["stages"] == 2]
        expected = set()
        for row in links.itertuples():
            ends = [
                label
                for value, label in [
                    (row.public_entree, row.libelle_public_entree),
                    (row.famille_contrat, row.libelle_famille_contrat),
                    (row.issue_six_mois, row.libelle_issue_six_mois),
                ]
                if value != "ensemble"
            ]
            expected.add((*ends, shown_number(_value(row.beneficiaires), bool(row.secret))))
        shown = {tuple(row) for row in table_rows(page, "parcours-tableau")}
        assert shown == expected and len(expected) == len(links), (level, code, year)
        drawn = page.evaluate(
            """() => { const s = window.datavizParcours.graphique.getOption().series[0] || {links: [], data: []};
                return {links: s.links.length, nodes: s.data.length,
                        grey: s.links.filter((l) => l.lineStyle.type === 'dashed').length}; }"""
        )
        assert drawn == {
            "links": len(links),
            "nodes": int((cells["stages"] == 1).sum()),
            "grey": int(links["secret"].sum()),
        }, (level, code, year)
        if len(links):
            assert page.evaluate(PAINTED_SHARE, "#parcours-sankey")["share"] > 0.02
    page.select_option("#parcours-niveau", "region")
    page.select_option("#parcours-annee", str(latest))
    page.locator("#parcours").screenshot(path=str(ARTEFACTS_DIR / "11_parcours.png"))
    events.assert_clean()


def _value(value: object) -> float | None:
    """A value read by pandas: None for an empty cell (pd.NA or NaN), else the number."""
    return None if pd.isna(value) else float(value)
