"""The dataviz section « Marchés publics » and the buyer profile, on the demo open data in headless Chromium (the
fixtures of test_dataviz.py): figures shown equal the open-data Parquet files read here with DuckDB, and the open
data ``profils_acheteurs`` equals the marts (this test's own SQL)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from playwright.sync_api import Page
from publication import test_dataviz
from publication.test_dataviz import ARTEFACTS_DIR, SECRET_TEXT, PageEvents, french_number, parquet, screenshot

from observatoire.publication.dataviz import BUYERS_DIR, BUYERS_PER_SHARD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

# the fixtures of test_dataviz.py: the demo open data, the site built from it, Chromium and the opened page
open_data_dir, site, browser = test_dataviz.open_data_dir, test_dataviz.site, test_dataviz.browser
opened = test_dataviz.opened

THRESHOLD = 11
BUYERS = "profils_acheteurs"
#: (value, text) of a key figure of the section.
FIGURE = """(id) => {
    const el = document.getElementById('marches-chiffre-' + id);
    return [el.dataset.valeur, el.textContent];
}"""
#: Series of a chart of the section as drawn: [[name, [values]]].
SERIES = "(name) => window.dataviz.marches.graphiques[name].getOption().series.map((s) => [s.name, s.data])"
CATEGORIES = "(name) => window.dataviz.marches.graphiques[name].getOption().yAxis[0].data"


def french_share(value: float) -> str:
    """How the site writes a share (fr-FR percent, one decimal at most, no-break space before %)."""
    text = f"{round(value * 100, 1):.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text}\u00a0%"


def french_millions(euros: float) -> str:
    return f"{euros / 1e6:,.1f}".replace(",", "\u202f").replace(".", ",") + " M€"


def contracts(open_data_dir: Path, where: str = "true") -> dict:
    row = duckdb.execute(
        f"""select sum(marches), sum(marches_consideration_connue), sum(marches_avec_consideration_sociale),
            sum(marches_avec_clause_sociale), sum(montant_total)
        from {parquet(open_data_dir, "marches_clauses_sociales")} where {where}"""
    ).fetchone()
    return dict(zip(["marches", "connue", "avec", "clause", "montant"], row, strict=True))


def assert_key_figures(page: Page, expected: dict) -> None:
    assert page.evaluate(FIGURE, "marches") == [str(expected["marches"]), french_number(expected["marches"])]
    assert page.evaluate(FIGURE, "clause")[1] == french_number(expected["clause"])
    assert page.evaluate(FIGURE, "montant")[1] == french_millions(expected["montant"])
    value, text = page.evaluate(FIGURE, "part")
    if expected["connue"]:
        assert float(value) == pytest.approx(expected["avec"] / expected["connue"])
        assert text == french_share(expected["avec"] / expected["connue"])
    else:
        assert (value, text) == ("", "non connue")


def test_contracts_section_shows_the_open_data_and_follows_its_filters(opened, open_data_dir: Path) -> None:
    page, events = opened
    page.wait_for_function("window.dataviz.marches && window.dataviz.marches.pret")
    table = parquet(open_data_dir, "marches_clauses_sociales")
    year = page.evaluate("window.dataviz.marches.etat.annee")
    by_year = duckdb.execute(f"select annee, sum(marches) from {table} group by annee").fetchall()
    assert year == max(y for y, n in by_year if n * 10 >= max(n for _y, n in by_year))

    # on screen: the social consideration is known on the 2024 format only
    assert "format 2024" in page.locator("#marches-contexte").inner_text()
    assert "format 2024" in page.locator("#marches-note-part").inner_text()
    assert_key_figures(page, contracts(open_data_dir, f"annee = {year}"))

    # contracts per year: each year's contracts with, without and of unknown social consideration
    expected = duckdb.execute(
        f"""select annee, sum(marches_avec_consideration_sociale),
            sum(marches_consideration_connue - marches_avec_consideration_sociale),
            sum(marches - marches_consideration_connue) from {table} group by annee order by annee"""
    ).fetchall()
    drawn = dict(page.evaluate(SERIES, "annees"))
    assert drawn["avec considération sociale"] == [row[1] for row in expected]
    assert drawn["sans considération sociale"] == [row[2] for row in expected]
    assert drawn["considération inconnue (format 2019)"] == [row[3] for row in expected]

    # a département: the figures of its buyers, and its buyer types with their contracts
    departement = duckdb.execute(
        f"""select departement_acheteur from {table} where annee = {year} and departement_acheteur != 'inconnu'
        group by all order by sum(marches) desc, 1 limit 1"""
    ).fetchone()[0]
    page.select_option("#marches-departement", departement)
    where = f"annee = {year} and departement_acheteur = '{departement}'"
    assert_key_figures(page, contracts(open_data_dir, where))
    types = duckdb.execute(
        f"""select libelle_type_acheteur, sum(marches_avec_consideration_sociale) from {table} where {where}
        group by all"""
    ).fetchall()
    drawn = dict(page.evaluate(SERIES, "types"))["avec considération sociale"]
    assert dict(zip(page.evaluate(CATEGORIES, "types"), drawn, strict=True)) == dict(types)

    # a buyer type within it, then every year
    type_code, type_label = duckdb.execute(
        f"""select type_acheteur, any_value(libelle_type_acheteur) from {table} where {where}
        group by all order by sum(marches) desc limit 1"""
    ).fetchone()
    page.select_option("#marches-type", label=type_label)
    assert_key_figures(page, contracts(open_data_dir, f"{where} and type_acheteur = '{type_code}'"))
    page.select_option("#marches-annee", "")
    where_all = f"departement_acheteur = '{departement}' and type_acheteur = '{type_code}'"
    assert_key_figures(page, contracts(open_data_dir, where_all))

    # amounts by CPV division, in millions of euros
    page.select_option("#marches-departement", "")
    page.select_option("#marches-type", "")
    page.click("#marches-indicateur [data-indicateur=montant]")
    sectors = duckdb.execute(f"select sum(montant_total) from {table} group by secteur_cpv").fetchall()
    drawn = page.evaluate(SERIES, "secteurs")
    assert sorted(drawn[0][1]) == pytest.approx(sorted(total / 1e6 for (total,) in sectors), abs=0.051)
    screenshot(page, "10_marches")

    # declared vs tracked in the chosen year
    page.select_option("#marches-annee", str(year))
    reconciliation = duckdb.execute(
        f"""select libelle_categorie, sum(marches) from {parquet(open_data_dir, "rapprochement_decp_suivi")}
        where annee = {year} group by all"""
    ).fetchall()
    option = page.evaluate("window.dataviz.marches.graphiques.rapprochement.getOption()")
    drawn = dict(zip(option["yAxis"][0]["data"], [d["value"] for d in option["series"][0]["data"]], strict=True))
    assert reconciliation and drawn == dict(reconciliation)
    events.assert_clean()


def test_buyer_search_loads_the_index_then_one_shard_and_shows_the_open_data(opened, open_data_dir: Path) -> None:
    assert_buyer_search(*opened, open_data_dir, screenshot_name="11_acheteur.png")


def assert_buyer_search(page: Page, events: PageEvents, open_data_dir: Path, screenshot_name: str) -> None:
    """Search the buyer with the most people published, by a few letters of its name then by its SIREN; only the
    index and one shard load; its profile equals the open data; a buyer masked in a year shows the secret."""
    rows = duckdb.execute(f"select * from {parquet(open_data_dir, BUYERS)} order by siret_acheteur, annee").df()
    tracked = rows[(rows["beneficiaires"] >= THRESHOLD).fillna(False) & rows["nom_acheteur"].notna()]
    assert len(tracked), "the open data should publish the beneficiaries of some buyer"
    buyer = tracked.sort_values("beneficiaires", ascending=False).iloc[0]
    siret, name = buyer["siret_acheteur"], buyer["nom_acheteur"]
    assert not any(f"/{BUYERS_DIR}/" in url for url in events.requests), "buyer files are loaded on demand only"

    # by name: a few letters of two words, any case and accent
    words = [word for word in re.split(r"\W+", name.lower()) if len(word) >= 4][:2]
    assert words, name
    page.fill("#acheteur-recherche", " ".join(word[:4].upper() for word in words))
    page.wait_for_selector(f"#acheteur-resultats button[data-siret='{siret}']")
    # by SIRET: its first digits
    page.fill("#acheteur-recherche", siret[:9])
    page.wait_for_selector(f"#acheteur-resultats button[data-siret='{siret}']")
    assert "trouvé" in page.locator("#acheteur-statut").inner_text()
    page.click(f"#acheteur-resultats button[data-siret='{siret}']")
    page.wait_for_selector("#acheteur-tableau")
    assert page.locator("#acheteur-nom").inner_text() == name
    loaded = [url.rsplit("/", 1)[1] for url in events.requests if f"/{BUYERS_DIR}/" in url]
    assert loaded[0] == "index.js" and len(loaded) == 2 and re.fullmatch(r"profils-\d{3}\.js", loaded[1]), loaded
    assert page.locator("#acheteur-donnees").get_attribute("href").endswith(f"{BUYERS}/{BUYERS}.csv")
    assert siret in page.locator("#acheteur-profil").inner_text()
    assert_profile_table(page, rows[rows["siret_acheteur"] == siret])
    page.locator("#acheteur").screenshot(path=str(ARTEFACTS_DIR / screenshot_name))

    # a buyer whose people are masked in a year: "secret statistique", never a number
    masked = rows[rows["secret"]].iloc[0]
    page.evaluate("(siret) => window.dataviz.acheteurs.chercher(siret)", masked["siret_acheteur"])
    page.evaluate("(siret) => window.dataviz.acheteurs.ouvrir(siret)", masked["siret_acheteur"])
    page.wait_for_function(f"document.getElementById('acheteur-profil').dataset.siret === '{masked['siret_acheteur']}'")
    assert_profile_table(page, rows[rows["siret_acheteur"] == masked["siret_acheteur"]])
    events.assert_clean()


def assert_profile_table(page: Page, expected: pd.DataFrame) -> None:
    """The profile table shows each year of the open data (latest first), masked people as secret."""
    cells = page.evaluate(
        """() => Array.from(document.querySelectorAll('#acheteur-tableau tbody tr')).map((tr) =>
            Object.fromEntries(Array.from(tr.cells).map((td) => [td.dataset.colonne, [td.dataset.valeur,
            td.textContent]])))"""
    )
    columns = {
        "marches": "marches",
        "connue": "marches_consideration_connue",
        "avec": "marches_avec_consideration_sociale",
        "clause": "marches_avec_clause_sociale",
        "suivis": "marches_suivis",
    }
    assert [int(row["annee"][0]) for row in cells] == sorted(expected["annee"], reverse=True)
    for row, year in zip(cells, expected.sort_values("annee", ascending=False).itertuples(), strict=True):
        for cell, column in columns.items():
            assert row[cell] == [str(getattr(year, column)), french_number(getattr(year, column))], (cell, year)
        assert int(row["montant"][0]) == round(year.montant_total)
        for cell, column in (("part", "part_consideration_sociale"), ("partPairs", "part_consideration_sociale_pairs")):
            value = getattr(year, column)
            assert (row[cell][0] == "") if pd.isna(value) else float(row[cell][0]) == pytest.approx(value)
        if year.secret:
            assert row["beneficiaires"] == ["", SECRET_TEXT] and row["heures"] == ["", SECRET_TEXT]
        else:
            assert row["beneficiaires"][0] == str(year.beneficiaires)
            assert float(row["heures"][0]) == pytest.approx(year.heures_realisees, abs=0.05)


def test_buyer_files_are_an_index_and_small_shards(site: Path, open_data_dir: Path) -> None:
    folder = site.parent / "assets" / BUYERS_DIR
    received = {}
    for path in folder.glob("*.js"):
        match = re.fullmatch(r'window\.OBSERVATOIRE_ACHETEURS\.recevoir\("([\w-]+)", (.*)\);\n', path.read_text())
        assert match and match[1] == path.stem, path
        received[path.stem] = json.loads(match[2])
    index = received.pop("index")
    sirets = duckdb.execute(
        f"select distinct siret_acheteur from {parquet(open_data_dir, BUYERS)} order by 1"
    ).fetchall()
    assert [buyer[0] for buyer in index["acheteurs"]] == [siret for (siret,) in sirets]
    for siret, _name, _type, _departement, shard in index["acheteurs"]:
        assert siret in received[f"profils-{shard:03d}"]
    assert all(len(profiles) <= BUYERS_PER_SHARD for profiles in received.values())
    assert sum(len(profiles) for profiles in received.values()) == len(sirets)
    assert "profils_acheteurs" not in (site.parent / "assets" / "data.js").read_text()


def test_buyer_profiles_equal_the_marts(published_demo) -> None:
    """profils_acheteurs equals the contracts, buyers and tracked hours of the marts (this test's SQL), with the
    peers' share recomputed here, and publishes no count of people from 1 to the threshold - 1."""
    with duckdb.connect(str(published_demo.warehouse), read_only=True) as con:
        expected = con.execute(
            """
            with buyers as (
                select b.buyer_key, b.buyer_siret, b.buyer_type, coalesce(g.departement_code, 'inconnu') as dep
                from marts.dim_buyer b left join marts.dim_geography g on g.commune_code = b.commune_code
                where b.buyer_siret is not null
            ),
            declared as (
                select b.buyer_siret, c.notification_year as annee, count(*) as marches,
                    count(*) filter (where c.social_considerations_known) as connue,
                    count(*) filter (
                        where c.social_considerations_known
                        and (c.has_social_clause or c.has_social_criterion or c.is_reserved_contract)
                    ) as avec
                from marts.fct_contracts c join buyers b on b.buyer_key = c.buyer_key
                where c.is_notification_date_valid group by all
            ),
            worked as (
                select t.buyer_siret, h.year as annee, sum(h.hours) as heures,
                    count(distinct h.beneficiary_key) as beneficiaires
                from marts.fct_insertion_hours h
                join marts.fct_tracked_contracts t on t.tracked_contract_key = h.tracked_contract_key
                where h.hours > 0 group by all
            )
            select b.buyer_siret as siret_acheteur, y.annee, b.buyer_type, b.dep,
                coalesce(d.marches, 0) as marches, coalesce(d.connue, 0) as connue, coalesce(d.avec, 0) as avec,
                coalesce(w.heures, 0) as heures, coalesce(w.beneficiaires, 0) as beneficiaires
            from (select buyer_siret, annee from declared union select buyer_siret, annee from worked) y
            join buyers b using (buyer_siret)
            left join declared d using (buyer_siret, annee)
            left join worked w using (buyer_siret, annee)
            """
        ).df()
    published = duckdb.execute(f"select * from {parquet(published_demo.open_data_dir, BUYERS)}").df()
    both = expected.merge(published, on=["siret_acheteur", "annee"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"].head()
    assert (both["marches_x"] == both["marches_y"]).all()
    assert (both["connue"] == both["marches_consideration_connue"]).all()
    assert (both["avec"] == both["marches_avec_consideration_sociale"]).all()

    # people: published from the threshold on, masked (with the hours) below it, 0 published
    assert ((both["beneficiaires_x"].between(1, THRESHOLD - 1)) == both["secret"]).all()
    shown = both[~both["secret"]]
    assert (shown["beneficiaires_x"] == shown["beneficiaires_y"]).all()
    assert (shown["heures"] - shown["heures_realisees"]).abs().max() < 0.01
    assert both.loc[both["secret"], ["beneficiaires_y", "heures_realisees"]].isna().all().all()
    assert (shown["beneficiaires_y"] >= THRESHOLD).sum() > 0

    # peers: the other buyers of the same year, type and département (none for an unknown type or département)
    known = both[(both["buyer_type"] != "inconnu") & (both["dep"] != "inconnu")]
    for row in known.itertuples():
        peers = known[
            (known["annee"] == row.annee)
            & (known["buyer_type"] == row.buyer_type)
            & (known["dep"] == row.dep)
            & (known["siret_acheteur"] != row.siret_acheteur)
        ]
        assert row.acheteurs_pairs == (peers["marches_x"] > 0).sum(), row
        share = peers["avec"].sum() / peers["connue"].sum() if peers["connue"].sum() else None
        assert (
            pd.isna(row.part_consideration_sociale_pairs)
            if share is None
            else row.part_consideration_sociale_pairs == pytest.approx(share, abs=0.005)
        ), row
    assert known["part_consideration_sociale_pairs"].notna().any()
    assert both.loc[both["buyer_type"] == "inconnu", "acheteurs_pairs"].isna().all()


def test_fiche_acheteur_prints_the_buyer_figures_of_the_marts(published_demo, tmp_path: Path) -> None:
    """The PDF fiche of the buyer with the most published beneficiaries: its latest year's contracts and people as
    the marts count them; an unknown SIRET is refused, naming the file."""
    from observatoire.publication.report.buyer_fiche import BuyerNotFoundError, render_buyer_fiche

    with duckdb.connect(str(published_demo.warehouse), read_only=True) as con:
        siret, year, people = con.execute(
            f"""select t.buyer_siret, h.year, count(distinct h.beneficiary_key)
            from marts.fct_insertion_hours h
            join marts.fct_tracked_contracts t on t.tracked_contract_key = h.tracked_contract_key
            where h.hours > 0 and t.buyer_siret in (select buyer_siret from marts.dim_buyer)
            group by all having count(distinct h.beneficiary_key) >= {THRESHOLD} order by 3 desc, 1, 2 limit 1"""
        ).fetchone()
        contracts = con.execute(
            """select count(*) from marts.fct_contracts c join marts.dim_buyer b on b.buyer_key = c.buyer_key
            where b.buyer_siret = ? and c.is_notification_date_valid and c.notification_year = ?""",
            [siret, year],
        ).fetchone()[0]
    html_path, pdf_path = render_buyer_fiche(published_demo.open_data_dir, published_demo.warehouse, siret, tmp_path)
    assert pdf_path.read_bytes().startswith(b"%PDF") and pdf_path.stat().st_size > 10_000
    rows = re.findall(r"<tr>(.*?)</tr>", html_path.read_text(encoding="utf-8"), flags=re.S)
    cells = {
        re.sub(r"<.*?>", "", row.split("</td>")[0]).strip(): [
            re.sub(r"<.*?>", "", c).strip() for c in row.split("</td>")
        ]
        for row in rows
        if "<td" in row
    }
    assert cells[str(year)][1] == french_number(contracts)
    assert cells[str(year)][10] == french_number(people)
    assert f"SIRET {siret}" in html_path.read_text(encoding="utf-8")
    with pytest.raises(BuyerNotFoundError, match=r"'00000000000000' has no row in .*profils_acheteurs\.parquet"):
        render_buyer_fiche(published_demo.open_data_dir, published_demo.warehouse, "00000000000000", tmp_path)


def test_open_data_registers_every_buyer_as_a_fiche_partition(demo_outputs) -> None:
    """After the demo's refresh, the asset publication/buyer_fiche has one partition per buyer of the open data."""
    from dagster import DagsterInstance

    from observatoire.publication.report.buyer_fiche import buyer_sirets
    from orchestration.assets.publication import BUYER_SIRETS

    sirets = buyer_sirets(demo_outputs.published / "open_data")
    with DagsterInstance.from_config(str(demo_outputs.copy_dir / "dagster_home")) as instance:
        assert sirets and instance.get_dynamic_partitions(BUYER_SIRETS.name) == sirets
