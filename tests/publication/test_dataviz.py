"""The interactive dataviz: built from the demo open data, opened from the file system in headless Chromium
(Debian ``chromium``, driven by Playwright), with every figure checked against the open-data Parquet files read
here with DuckDB. Screenshots go to ``$ARTEFACTS_DIR/dataviz/`` (default ``test-artefacts/`` at the repo root)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from observatoire.publication.dataviz import DatavizInputError, build_dataviz
from observatoire.settings import DEMO_DATA_DIR, REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTEFACTS_DIR = Path(os.environ.get("ARTEFACTS_DIR", REPO_ROOT / "test-artefacts")) / "dataviz"
GEO_DIR = DEMO_DATA_DIR / "ref" / "geo"
GEO_SOURCES = {
    "departement": GEO_DIR / "gregoiredavid_departements-ile-de-france.geojson",
    "ept": GEO_DIR / "ept_mgp_2025_from_communes.geojson",
    "commune": GEO_DIR / "communes_idf_cog2026_from_gregoiredavid2018.geojson",
}
SECRET_TEXT = "secret statistique"

#: Share of a chart's canvas pixels that are painted (alpha > 0): a blank canvas has none.
PAINTED_SHARE = """(selector) => {
    const canvas = document.querySelector(selector + ' canvas');
    if (!canvas) return null;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted += 1;
    return {width: canvas.width, height: canvas.height, share: painted / (canvas.width * canvas.height)};
}"""
#: (code, value, state) of every area of the choropleth as drawn.
MAP_ITEMS = """() => window.dataviz.graphiques.carte.getOption().series[0].data.map(
    (d) => [d.name, d.value === undefined ? null : d.value, d.etat])"""


def french_number(value: float) -> str:
    """How the site writes a whole number (fr-FR: thin no-break space between thousands)."""
    return f"{round(value):,}".replace(",", "\u202f")


def parquet(open_data_dir: Path, dataset: str) -> str:
    return f"read_parquet('{open_data_dir / dataset / dataset}.parquet')"


# ------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def open_data_dir(published_demo) -> Path:
    return published_demo.open_data_dir


@pytest.fixture(scope="module")
def site(open_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("dataviz") / "dataviz"
    started = time.perf_counter()
    index = build_dataviz(open_data_dir, out_dir)
    size = sum(path.stat().st_size for path in out_dir.rglob("*") if path.is_file())
    print(f"dataviz built in {time.perf_counter() - started:.2f} s, {size / 1e6:.2f} MB")
    return index


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the dataviz test drives Debian's Chromium. Install it as root with "
            "`apt-get update && apt-get install -y chromium` (.ci/run does it); never `playwright install`."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageEvents:
    """What the page reported: console errors and warnings, uncaught exceptions, every request and failures."""

    def __init__(self, page: Page) -> None:
        self.console: list[str] = []
        self.exceptions: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.exceptions.append(str(error)))
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", self._on_failed)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" or (message.type == "warning" and "ECharts" in message.text):
            self.console.append(f"{message.type}: {message.text}")

    def _on_failed(self, request: Request) -> None:
        self.failed.append(f"{request.url}: {request.failure}")

    def assert_clean(self) -> None:
        assert self.console == [], self.console
        assert self.exceptions == [], self.exceptions
        assert self.failed == [], self.failed


@pytest.fixture
def opened(browser: Browser, site: Path) -> Iterator[tuple[Page, PageEvents]]:
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    events = PageEvents(page)
    page.goto(site.as_uri())
    page.wait_for_function("window.dataviz && window.dataviz.pret", timeout=30_000)
    yield page, events
    page.close()


def screenshot(page: Page, name: str) -> None:
    ARTEFACTS_DIR.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)  # charts follow their container's size on the next frame
    page.screenshot(path=str(ARTEFACTS_DIR / f"{name}.png"), full_page=True)


def shown(page: Page, figure: str) -> tuple[str, str, str]:
    """(text, state, raw value) of a key figure as displayed."""
    element = page.locator(f"#chiffre-{figure}")
    return element.inner_text(), element.get_attribute("data-etat"), element.get_attribute("data-valeur")


# ---------------------------------------------------------------------------------------------------- tests


def test_the_site_is_self_contained_and_renders_every_chart_and_map(
    opened: tuple[Page, PageEvents], site: Path, open_data_dir: Path
) -> None:
    page, events = opened
    screenshot(page, "01_ile_de_france")

    # offline: every request is a local file of the site, nothing fetched from the network
    assert events.requests, "the page made no request at all"
    assert all(url.startswith(site.parent.as_uri() + "/") for url in events.requests), events.requests
    assert "fetch(" not in (site.parent / "assets" / "app.js").read_text(encoding="utf-8")

    charts = [
        "graphique-mois",
        "carte-residence",
        "graphique-pyramide",
        "graphique-sorties",
        "carte-structures",
        "graphique-types-structures",
        "repartition-sexe",
        "repartition-prescripteur",
    ]
    for chart in charts:
        painted = page.evaluate(PAINTED_SHARE, f"#{chart}")
        assert painted is not None, f"#{chart} has no canvas"
        assert painted["width"] > 250 and painted["height"] > 80, (chart, painted)
        assert painted["share"] > 0.01, f"#{chart} is blank: {painted}"

    # one area per territory of each map, and the areas are those of the GeoJSON copied into the repo
    for level, source in GEO_SOURCES.items():
        page.click(f"#onglets-carte [data-carte={level}]")
        codes = [feature["properties"]["code"] for feature in json.loads(source.read_text())["features"]]
        drawn = page.evaluate(MAP_ITEMS)
        assert [code for code, _value, _state in drawn] == codes
        registered = page.evaluate(f"echarts.getMap('{level}').geoJSON.features.length")
        assert registered == len(codes)
        assert page.evaluate(PAINTED_SHARE, "#carte-residence")["share"] > 0.15
        page.wait_for_timeout(300)
        page.locator(".panneau--haut").screenshot(path=str(ARTEFACTS_DIR / f"02_carte_{level}.png"))

    # the structures map shows every listed structure whose commune is on the map (Paris arrondissements in Paris)
    communes = [feature["properties"]["code"] for feature in json.loads(GEO_SOURCES["commune"].read_text())["features"]]
    placeable = duckdb.execute(
        f"""select count(*) from {parquet(open_data_dir, "structures_inclusion")}
        where (case when code_commune like '751__' then '75056' else code_commune end) in (select unnest(?))""",
        [communes],
    ).fetchone()[0]
    points = page.evaluate(
        "window.dataviz.graphiques.structures.getOption().series.reduce((n, s) => n + s.data.length, 0)"
    )
    assert placeable > 0 and points == placeable
    events.assert_clean()


def test_filters_change_the_key_figures_to_the_open_data_values(
    opened: tuple[Page, PageEvents], open_data_dir: Path
) -> None:
    page, events = opened
    cells = duckdb.execute(
        f"""select annee, niveau_territoire, code_territoire, dimension, modalite, beneficiaires, heures_realisees,
            secret
        from {parquet(open_data_dir, "beneficiaires_par_territoire")}
        where dimension in ('ensemble', 'public')"""
    ).df()
    ensemble = cells[cells["dimension"] == "ensemble"]
    years = sorted(ensemble["annee"].unique())
    assert len(years) >= 2, "the demo open data should span two years at least"
    first_year = int(years[0])

    def region(year: int):
        row = ensemble[(ensemble["annee"] == year) & (ensemble["niveau_territoire"] == "region")]
        assert len(row) == 1 and row.iloc[0]["code_territoire"] == "11", row
        return row.iloc[0]

    # the page opens on the region and the latest year
    region_last = region(int(years[-1]))
    assert shown(page, "beneficiaires") == (
        french_number(region_last["beneficiaires"]),
        "valeur",
        str(region_last["beneficiaires"]),
    )

    # switch the year: the region's figures of that year
    page.select_option("#filtre-annee", str(first_year))
    region_first = region(first_year)
    assert region_first["beneficiaires"] != region_last["beneficiaires"]
    assert shown(page, "beneficiaires")[0] == french_number(region_first["beneficiaires"])
    assert shown(page, "heures")[0] == french_number(region_first["heures_realisees"])

    # switch to a département: its published figures (the one with most beneficiaries, so it is not masked)
    departements = ensemble[(ensemble["annee"] == first_year) & (ensemble["niveau_territoire"] == "departement")]
    departement = departements.sort_values("beneficiaires", ascending=False).iloc[0]
    assert not departement["secret"]
    page.select_option("#filtre-niveau", "departement")
    page.select_option("#filtre-territoire", departement["code_territoire"])
    text, state, raw = shown(page, "beneficiaires")
    assert (text, state, raw) == (
        french_number(departement["beneficiaires"]),
        "valeur",
        str(departement["beneficiaires"]),
    )
    assert departement["beneficiaires"] != region_first["beneficiaires"]
    assert shown(page, "heures")[0] == french_number(departement["heures_realisees"])

    # the choropleth of départements shows the published value of each, masked ones as secret (never 0)
    page.click("#onglets-carte [data-carte=departement]")
    drawn = {code: (value, state) for code, value, state in page.evaluate(MAP_ITEMS)}
    for row in departements.itertuples():
        if row.secret:
            assert drawn[row.code_territoire] == (None, "secret"), row
        else:
            assert drawn[row.code_territoire] == (row.beneficiaires, "valeur"), row

    # a public: the département's figure for that public
    publics = cells[
        (cells["annee"] == first_year)
        & (cells["niveau_territoire"] == "departement")
        & (cells["code_territoire"] == departement["code_territoire"])
        & (cells["dimension"] == "public")
    ]
    public = publics.sort_values("beneficiaires", ascending=False).iloc[0]
    page.select_option("#filtre-public", public["modalite"])
    assert shown(page, "beneficiaires")[0] == french_number(public["beneficiaires"])
    screenshot(page, "03_departement_public")

    # a masked cell is written "secret statistique", with no value
    masked = cells[cells["secret"] & (cells["niveau_territoire"] == "ept") & (cells["dimension"] == "public")]
    assert len(masked), "the demo open data should mask some EPT x public cells"
    cell = masked.iloc[0]
    page.select_option("#filtre-annee", str(cell["annee"]))
    page.select_option("#filtre-niveau", "ept")
    page.select_option("#filtre-territoire", cell["code_territoire"])
    page.select_option("#filtre-public", cell["modalite"])
    assert shown(page, "beneficiaires") == (SECRET_TEXT, "secret", "")
    assert shown(page, "heures") == (SECRET_TEXT, "secret", "")
    screenshot(page, "04_ept_secret")

    # a commune: only the total is published at that level
    page.select_option("#filtre-public", "")
    page.select_option("#filtre-niveau", "commune")
    commune = (
        ensemble[
            (ensemble["annee"] == cell["annee"]) & (ensemble["niveau_territoire"] == "commune") & ~ensemble["secret"]
        ]
        .sort_values("beneficiaires", ascending=False)
        .iloc[0]
    )
    page.select_option("#filtre-territoire", commune["code_territoire"])
    assert shown(page, "beneficiaires")[0] == french_number(commune["beneficiaires"])
    screenshot(page, "05_commune")
    events.assert_clean()


def test_maps_are_the_repository_geojson_with_rounded_coordinates(site: Path) -> None:
    text = (site.parent / "assets" / "geo.js").read_text(encoding="utf-8")
    prefix = "window.OBSERVATOIRE_GEO = "
    assert text.startswith(prefix)
    geo = json.loads(text[len(prefix) :].rstrip().rstrip(";"))
    for level, source in GEO_SOURCES.items():
        original = json.loads(source.read_text())["features"]
        rounded = geo[level]["features"]
        assert [f["properties"]["code"] for f in rounded] == [f["properties"]["code"] for f in original]
        for before, after in zip(original, rounded, strict=True):
            old, new = bounds(before["geometry"]), bounds(after["geometry"])
            assert all(abs(a - b) <= 0.00005 + 1e-12 for a, b in zip(old, new, strict=True)), (level, old, new)
    # every commune centroid lies in its commune's bounding box
    for feature in geo["commune"]["features"]:
        lon, lat = geo["centroides_communes"][feature["properties"]["code"]]
        west, south, east, north = bounds(feature["geometry"])
        assert west <= lon <= east and south <= lat <= north, feature["properties"]["code"]
    assert len(text.encode()) < sum(path.stat().st_size for path in GEO_SOURCES.values())


def bounds(geometry: dict) -> tuple[float, float, float, float]:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    points = [point for polygon in polygons for ring in polygon for point in ring]
    return (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points), max(p[1] for p in points))


def test_a_missing_dataset_is_named_with_what_to_do(open_data_dir: Path, tmp_path: Path) -> None:
    partial = tmp_path / "open_data"
    for dataset in open_data_dir.iterdir():
        if dataset.name != "sorties_par_territoire":
            (partial / dataset.name).mkdir(parents=True)
            for file in dataset.iterdir():
                (partial / dataset.name / file.name).write_bytes(file.read_bytes())
    with pytest.raises(DatavizInputError, match=r"sorties_par_territoire\.parquet is missing.*write_open_data"):
        build_dataviz(partial, tmp_path / "dataviz")
    assert not (tmp_path / "dataviz").exists()


def test_without_tracking_data_each_section_says_so(open_data_dir: Path, browser: Browser, tmp_path: Path) -> None:
    """An observatory with DECP files or registries but no tracking export yet: the tracking datasets are empty.
    The site opens without error, says so in French in every tracking section (no chart of zeros) and still
    shows the insertion structures."""
    empty = tmp_path / "open_data"
    tracking = {"beneficiaires_par_territoire", "heures_par_territoire_mois", "sorties_par_territoire"}
    tracking |= {"heures_prevues_realisees", "beneficiaires_par_qpv"}
    with duckdb.connect() as con:
        for dataset in open_data_dir.iterdir():
            (empty / dataset.name).mkdir(parents=True)
            source = dataset / f"{dataset.name}.parquet"
            where = "where false" if dataset.name in tracking else ""
            con.execute(
                f"copy (select * from read_parquet('{source}') {where}) to '{empty / dataset.name / source.name}'"
            )
    index = build_dataviz(empty, tmp_path / "dataviz")
    message = "Aucune donnée de suivi des clauses n'a encore été chargée"

    page = browser.new_page(viewport={"width": 1360, "height": 900})
    events = PageEvents(page)
    page.goto(index.as_uri())
    page.wait_for_function("window.dataviz && window.dataviz.pret", timeout=30_000)
    assert message in page.locator("#contexte").inner_text()
    for figure in ("beneficiaires", "heures", "femmes", "chantiers"):
        text, state, value = shown(page, figure)
        assert (state, value) == ("absent", "") and text != "0", figure
        assert message in page.locator(f"#note-{figure}").inner_text()
    for chart in ("mois", "pyramide", "carte", "sorties"):
        option = page.evaluate(f"window.dataviz.graphiques.{chart}.getOption()")
        assert message in option["title"][0]["text"] and not option["series"], chart
    assert page.evaluate("window.dataviz.graphiques.structures.getOption().series.length") > 0
    screenshot(page, "sans_suivi")
    events.assert_clean()
    page.close()
