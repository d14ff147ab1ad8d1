"""Annual report and territory fiches as the demo command published them (its ``annual_report`` job), from the
demo warehouse and its open data (``published_demo``: a copy of that warehouse, open data at the same threshold).

The figures the documents print are checked against the marts with SQL written here (not the code under
test), PDFs are read back with pypdf (page count, text of each page), and the HTML tables are parsed to check
that every cell masked in the open data is printed "s". Errors of the rendering functions are called directly.
"""

from __future__ import annotations

import datetime as dt
import html as html_text
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from pypdf import PdfReader
from reliability_support import DemoOutputs

from observatoire.publication.report import (
    MASKED,
    format_change,
    format_date,
    format_number,
    format_percent,
    render_annual_report,
    render_territory_fiches,
)
from observatoire.publication.report.data import fiche_territories

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

NNBSP = "\u202f"
#: Titles the report gives to the dimensions of ``beneficiaires_par_territoire`` (first header of their table).
DIMENSION_HEADERS = {
    "sexe": "Sexe",
    "tranche_age": "Tranche d'âge à l'entrée",
    "niveau_diplome": "Niveau de diplôme",
    "public": "Public éligible",
    "residence_qpv": "Résidence en quartier prioritaire (QPV)",
    "type_contrat": "Type de contrat de travail",
    "modalite_realisation": "Modalité de réalisation de la clause",
    "prescripteur": "Prescripteur",
}


def fr(number: float, decimals: int = 0) -> str:
    """French number formatting, written here independently of the code under test."""
    return f"{number:,.{decimals}f}".replace(",", NNBSP).replace(".", ",")


def one_line(text: str) -> str:
    """Collapse ordinary white space (line breaks of the layout), keeping the narrow no-break spaces of numbers."""
    return re.sub(r"[ \t\r\n]+", " ", text)


BLOCK_TAGS = {"div", "p", "td", "th", "li", "dt", "dd", "h1", "h2", "h3", "caption", "figcaption"}


class _Document(HTMLParser):
    """Text of an HTML document (without styles and charts), its tables (rows of cell texts), its title (h1) and
    the values of its key-figure boxes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.captured: dict[str, list[str]] = {"h1": [], "value": []}
        self._cell: list[str] | None = None
        self._capture: tuple[str, list[str]] | None = None
        self._skip = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "svg"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "h1" or (tag == "div" and "value" in (dict(attrs).get("class") or "").split()):
            self._capture = ("h1" if tag == "h1" else "value", [])

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCK_TAGS:
            self.text.append(" ")  # blocks are separated on screen and in print
        if tag in ("style", "svg"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(one_line("".join(self._cell)).strip())
            self._cell = None
        elif tag in ("h1", "div") and self._capture is not None:
            kind, parts = self._capture
            self.captured[kind].append(one_line("".join(parts)).strip())
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        for buffer in (self._cell, self._capture[1] if self._capture else None):
            if buffer is not None:
                buffer.append(data)

    @property
    def plain(self) -> str:
        return one_line("".join(self.text))

    @property
    def key_values(self) -> list[str]:
        return self.captured["value"]

    @property
    def h1(self) -> list[str]:
        return self.captured["h1"]


def query(warehouse: Path, sql: str, *params: object) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def open_data(open_data_dir: Path, name: str) -> str:
    return f"read_parquet('{open_data_dir / name / f'{name}.parquet'}')"


def read_open_data(sql: str) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def year(published_demo: SimpleNamespace) -> int:
    path = open_data(published_demo.open_data_dir, "beneficiaires_par_territoire")
    return read_open_data(f"select max(annee) from {path}")[0][0]


@pytest.fixture(scope="module")
def report(demo_outputs: DemoOutputs, year: int) -> SimpleNamespace:
    """The annual report the demo command published: its ``annual_report`` job renders the latest complete year
    from the warehouse and open data ``published_demo`` copies (same threshold)."""
    out_dir = demo_outputs.published / "report"
    paths = sorted((out_dir / str(year)).glob("rapport_annuel_*"))
    assert paths, f"the demo published no annual report for {year}: {sorted(out_dir.glob('*/*'))}"
    html = paths[0].read_text(encoding="utf-8")
    return SimpleNamespace(paths=paths, out_dir=out_dir, html=html, document=_Document(html), pdf=PdfReader(paths[1]))


@pytest.fixture(scope="module")
def fiches(demo_outputs: DemoOutputs, published_demo: SimpleNamespace, year: int) -> SimpleNamespace:
    """The territory fiches the demo command published with its annual report (``report``): every file of the
    year's ``fiches`` folder, the combined PDF, and the territories in the order the combined PDF follows."""
    out_dir = demo_outputs.published / "report"
    folder = out_dir / str(year) / "fiches"
    assert folder.is_dir(), f"the demo published no territory fiches for {year}: {sorted(out_dir.glob('*/*'))}"
    paths = [*sorted(folder.iterdir()), *sorted((out_dir / str(year)).glob("fiches_territoriales_*.pdf"))]
    order = [territory.code for territory in fiche_territories(published_demo.warehouse)]
    return SimpleNamespace(paths=paths, out_dir=out_dir, order=order)


def test_report_files_are_written_where_the_publication_contract_says(report: SimpleNamespace, year: int) -> None:
    assert report.paths == [
        report.out_dir / str(year) / f"rapport_annuel_{year}.html",
        report.out_dir / str(year) / f"rapport_annuel_{year}.pdf",
    ]
    # self-contained: no script, no external file, only links inside the document
    assert "<script" not in report.html
    assert not re.search(r"\ssrc=", report.html)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', report.html))
    assert report.html.count("<svg") >= 8  # charts drawn inline
    # every font embedded in the PDF is one of the report's own families (report.css binds each to a file of
    # fonts-dejavu-core): no font the machine happens to have
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+", 1)[1]
        for page in report.pdf.pages
        for font in page["/Resources"].get("/Font", {}).values()
    }
    families = {"Observatoire-Sans", "Observatoire-Sans-Bold", "Observatoire-Mono", "Observatoire-Mono-Bold"}
    assert fonts and fonts <= families, fonts


def test_report_key_figures_equal_the_marts(
    report: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    warehouse = published_demo.warehouse
    residents = """
        select count(distinct h.beneficiary_key), sum(h.hours), count(distinct h.beneficiary_key) filter (b.sex = 'F')
        from marts.fct_insertion_hours as h
        join marts.dim_beneficiary as b using (beneficiary_key)
        join marts.dim_geography as g on g.commune_code = b.residence_commune_code
        where h.year = ? and h.hours > 0 and g.is_ile_de_france
    """
    beneficiaries, hours, women = query(warehouse, residents, year)[0]
    previous_beneficiaries = query(warehouse, residents, year - 1)[0][0]
    contracts, with_clause, known, with_consideration = query(
        warehouse,
        """
        select count(*), count(*) filter (has_social_clause), count(*) filter (social_considerations_known),
            count(*) filter (has_social_consideration)
        from marts.fct_contracts where notification_year = ? and is_notification_date_valid
        """,
        year,
    )[0]
    (hours_on_operations,) = query(
        warehouse,
        """
        select sum(h.hours) from marts.fct_insertion_hours as h
        join marts.dim_operation as o using (operation_key)
        join marts.dim_geography as g on g.commune_code = o.commune_code
        where h.year = ? and g.is_ile_de_france
        """,
        year,
    )[0]
    assert beneficiaries >= 11 and women >= 11, "the demo's regional figures are above the secrecy threshold"
    assert with_clause > 0

    text = report.document.plain
    assert f"En {year}, {fr(beneficiaries)} personnes résidant en Île-de-France" in text
    assert f"pour {fr(hours)} heures d'insertion réalisées" in text
    assert f"{fr(with_clause)} marchés notifiés en {year} déclarent une clause sociale" in text
    assert f"recensent {fr(contracts)} marchés notifiés en {year}" in text
    assert f"Parmi les {fr(known)} marchés publiés dans un format qui le précise, {fr(with_consideration)}" in text
    assert f"{fr(hours_on_operations)} heures y ont été réalisées en {year}" in text
    women_share = f"{fr(100 * women / beneficiaries, 1)}{NNBSP}%"
    assert f"{women_share} de femmes parmi les bénéficiaires" in text
    assert report.document.key_values[:3] == [fr(beneficiaries), fr(hours), women_share]
    assert previous_beneficiaries >= 11
    change = 100 * (beneficiaries - previous_beneficiaries) / previous_beneficiaries
    signed = f"{'+' if change > 0 else '−'}{fr(abs(change), 1)}{NNBSP}%"
    assert f"{fr(previous_beneficiaries)} bénéficiaires en {year - 1}" in text
    assert f"bénéficiaires résidant dans le territoire {signed} par rapport à {year - 1}" in text

    # the same figures in the PDF, on the page of the contents and key figures
    pdf_text = one_line(report.pdf.pages[1].extract_text())
    for figure in (fr(beneficiaries), fr(hours), women_share, fr(with_clause)):
        assert figure in pdf_text


def test_report_pages_follow_its_table_of_contents(report: SimpleNamespace, year: int) -> None:
    pages = [one_line(page.extract_text()) for page in report.pdf.pages]
    count = len(pages)
    assert count >= 8  # cover, contents and key figures, then each chapter starts a page
    for number, text in enumerate(pages[1:], start=2):
        assert text.endswith(f"Page {number} sur {count}"), f"page {number}: {text[-80:]}"
    contents = re.findall(r"(\d\. [^.]+?|Chiffres clés \d{4}) \.{5,} (\d+)", pages[1])
    assert [title for title, _ in contents] == [
        f"Chiffres clés {year}",
        "1. Panorama régional",
        "2. Les grands programmes",
        "3. Marchés déclarés dans les DECP et marchés suivis",
        "4. Méthodologie",
    ]
    for title, page in contents:
        assert title in pages[int(page) - 1], f"{title} is not on page {page}"


def test_report_shows_every_masked_cell_as_s(
    report: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    cells = read_open_data(
        f"""
        select dimension, libelle_modalite, beneficiaires, secret
        from {open_data(published_demo.open_data_dir, "beneficiaires_par_territoire")}
        where annee = {year} and niveau_territoire = 'region' and dimension in ({
            ", ".join(f"'{d}'" for d in DIMENSION_HEADERS)
        })
        """
    )
    tables = {table[0][0]: {row[0]: row for row in table[1:]} for table in report.document.tables if table}
    masked = 0
    for dimension, label, count, secret in cells:
        row = tables[DIMENSION_HEADERS[dimension]][label]
        if secret:
            masked += 1
            assert row[1] == "s" and row[3] == "s", (dimension, label, row)
        else:
            assert row[1] == fr(count), (dimension, label, row)
    assert masked > 0, "the demo has masked cells at region level"
    assert "s : secret statistique (moins de 11 bénéficiaires" in report.document.plain


def map_figures(page: str, title: str) -> tuple[dict[str, str], str]:
    """The figures a map of ``page`` prints in its description (territory name -> text) and its SVG."""
    svg = re.search(rf'<svg role="img" aria-label="{re.escape(title)}".*?</svg>', page, re.S).group(0)
    description = html_text.unescape(re.search(r"<desc>(.*?)</desc>", svg).group(1))
    description = description.removesuffix(" (s : secret statistique, territoire hachuré)")
    return dict(item.split(" : ") for item in description.split(" ; ")), svg


def map_paths(svg: str, layer: str) -> int:
    found = re.search(rf'<g class="mark-shape role-mark {layer}_marks"[^>]*>(.*?)</g>', svg, re.S)
    return found.group(1).count("<path") if found else 0


def published_beneficiaries(open_data_dir: Path, level: str, year: int) -> dict[str, str]:
    """Territory name -> beneficiaries of ``year`` as the open data publishes them ("s": secret)."""
    rows = read_open_data(
        f"""
        select nom_territoire, beneficiaires, secret
        from {open_data(open_data_dir, "beneficiaires_par_territoire")}
        where annee = {year} and niveau_territoire = '{level}' and dimension = 'ensemble' and modalite = 'total'
        """
    )
    return {name: "s" if secret else fr(count) for name, count, secret in rows}


def test_report_maps_show_the_published_beneficiaries_of_each_territory_and_hatch_the_masked_ones(
    report: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    for level, title, count in (
        ("departement", f"Bénéficiaires {year} par département de résidence", 8),
        ("ept", f"Bénéficiaires {year} par territoire de la Métropole du Grand Paris de résidence", 12),
    ):
        shown, svg = map_figures(report.html, title)
        published = published_beneficiaries(published_demo.open_data_dir, level, year)
        assert len(shown) == count
        assert {name: text for name, text in shown.items() if text != "–"} == published, level
        masked = sum(text == "s" for text in shown.values())
        assert map_paths(svg, "masked") == masked and "url(#hachures-" in svg
        assert map_paths(svg, "figures") == count - masked - list(shown.values()).count("–")
    assert any("Hachuré : secret statistique" in one_line(page.extract_text()) for page in report.pdf.pages)


def test_each_fiche_locates_its_territory_on_the_map_of_its_level(
    fiches: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    folder = fiches.out_dir / str(year) / "fiches"
    for code, level, where in (
        ("93", "departement", "département"),
        ("75056", "ept", "territoire de la Métropole du Grand Paris"),
    ):
        page = (folder / f"{code}.html").read_text(encoding="utf-8")
        shown, svg = map_figures(page, f"Bénéficiaires {year} par {where} de résidence")
        published = published_beneficiaries(published_demo.open_data_dir, level, year)
        assert {name: text for name, text in shown.items() if text != "–"} == published
        assert map_paths(svg, "focus") == 1
        # the outlined territory is the fiche's: its figure is the fiche's first key figure
        name = _Document(page).h1[0]
        assert shown[name] == _Document(page).key_values[0]


def test_report_methodology_gives_the_quality_counts_of_the_warehouse(
    report: SimpleNamespace, published_demo: SimpleNamespace
) -> None:
    warehouse = published_demo.warehouse
    files, records = query(warehouse, "select count(*), sum(records_read) from raw_decp.decp_load_audit")[0]
    (rejected,) = query(warehouse, "select count(*) from audit.rejected_contract_records")[0]
    read, loaded, rows_rejected = query(
        warehouse,
        "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw_suivi_clauses.tracking_load_audit",
    )[0]
    (issues,) = query(warehouse, "select count(*) from audit.clause_tracking_issues")[0]
    (tracking_files,) = query(
        warehouse, "select count(distinct source_file) from raw_suivi_clauses.tracking_load_audit"
    )[0]
    rows = {row[0]: row[1] for table in report.document.tables for row in table[1:] if len(row) == 2}
    assert rows["Enregistrements lus"] == fr(records)
    assert next(v for k, v in rows.items() if k.startswith("Fichiers reçus")) == fr(files)
    assert rows["Enregistrements rejetés (marché non identifiable : sans identifiant ou sans acheteur)"] == fr(rejected)
    assert rows["Fichiers de suivi reçus"] == fr(tracking_files)
    assert (rows["Lignes lues"], rows["Lignes chargées"]) == (fr(read), fr(loaded))
    assert rows["Lignes rejetées (valeur invalide ou manquante)"] == fr(rows_rejected)
    assert rows["Anomalies de cohérence signalées (doublons, heures hors contrat, références inconnues)"] == fr(issues)
    assert "Aucun effectif de personnes compris entre 1 et 10 n'est publié (seuil de 11 personnes)" in (
        report.document.plain
    )


def test_one_fiche_of_one_page_per_departement_and_territory_of_the_metropole(
    fiches: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    territories = query(
        published_demo.warehouse,
        """
        select distinct departement_code, departement_name from marts.dim_geography
        where is_ile_de_france and departement_code is not null
        union all
        select distinct ept_code, ept_name from marts.dim_geography where is_ile_de_france and ept_code is not null
        """,
    )
    names = dict(territories)
    assert len(names) == 20 and "75056" in names and {"75", "77", "78", "91", "92", "93", "94", "95"} <= set(names)
    folder = fiches.out_dir / str(year) / "fiches"
    combined = fiches.out_dir / str(year) / f"fiches_territoriales_{year}.pdf"
    assert sorted(fiches.paths) == sorted(
        [folder / f"{code}.{ext}" for code in names for ext in ("html", "pdf")] + [combined]
    )
    for code, name in names.items():
        document = _Document((folder / f"{code}.html").read_text(encoding="utf-8"))
        assert document.h1 == [name]
        pdf = PdfReader(folder / f"{code}.pdf")
        assert len(pdf.pages) == 1, f"fiche {code} ({name}) takes {len(pdf.pages)} pages"
        assert name in pdf.pages[0].extract_text()
    # the combined PDF holds the same pages, in the order of the territories
    combined_pages = [page.extract_text() for page in PdfReader(combined).pages]
    single_pages = [PdfReader(folder / f"{code}.pdf").pages[0].extract_text() for code in fiches.order]
    assert combined_pages == single_pages


def test_fiche_figures_equal_the_marts_or_are_masked(
    fiches: SimpleNamespace, published_demo: SimpleNamespace, year: int
) -> None:
    residents = dict(
        query(
            published_demo.warehouse,
            """
            select g.departement_code, count(distinct h.beneficiary_key)
            from marts.fct_insertion_hours as h
            join marts.dim_beneficiary as b using (beneficiary_key)
            join marts.dim_geography as g on g.commune_code = b.residence_commune_code
            where h.year = ? and h.hours > 0 and g.is_ile_de_france
            group by 1
            """,
            year,
        )
    )
    published = dict(
        read_open_data(
            f"""
            select code_territoire, secret
            from {open_data(published_demo.open_data_dir, "beneficiaires_par_territoire")}
            where annee = {year} and niveau_territoire = 'departement' and dimension = 'ensemble'
            """
        )
    )
    folder = fiches.out_dir / str(year) / "fiches"
    shown = masked = 0
    for code in ("75", "77", "78", "91", "92", "93", "94", "95"):
        html = (folder / f"{code}.html").read_text(encoding="utf-8")
        first_figure = _Document(html).key_values[0]
        if published[code]:
            masked += 1
            assert first_figure == "s"
        else:
            shown += 1
            assert first_figure == fr(residents.get(code, 0)), code
    assert shown > 0 and masked + shown == 8
    mentions = 0
    for path in folder.glob("*.html"):
        html = path.read_text(encoding="utf-8")
        has_mention = "masquées (« s ») au titre du secret statistique" in html
        mentions += has_mention
        # an "s" of a table (span of class secret) or of a chart (its layer of masked values, class secret_marks,
        # numbered secret_0_marks... when a chart has several)
        shows_secret = re.search(r'class="(secret|[^"]* secret(_\d+)?_marks)"', html) is not None
        assert has_mention == shows_secret, path.name
    assert mentions > 0, "the demo's small territories have masked figures"


def test_missing_open_data_or_year_is_named_with_what_to_do(
    published_demo: SimpleNamespace, tmp_path: Path, year: int
) -> None:
    with pytest.raises(
        FileNotFoundError, match=r"beneficiaires_par_territoire\.parquet is missing: write the open data"
    ):
        render_annual_report(tmp_path / "nothing", published_demo.warehouse, year, tmp_path / "out")
    with pytest.raises(ValueError, match=rf"no beneficiary figures for 1990 .*years published: \[.*{year}\]"):
        render_territory_fiches(published_demo.open_data_dir, published_demo.warehouse, 1990, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_french_formatting() -> None:
    assert format_number(1234567.891, 1) == f"1{NNBSP}234{NNBSP}567,9"
    assert format_number(-0.2) == "0"
    assert format_number(-1500) == f"−1{NNBSP}500"
    assert format_number(MASKED) == "s" and format_number(None) == "–"
    assert format_percent(0.5134) == f"51,3{NNBSP}%"
    assert format_change(0.032) == f"+3,2{NNBSP}%" and format_change(-0.1) == f"−10,0{NNBSP}%"
    assert format_date(dt.date(2025, 3, 1)) == "1er mars 2025"
    assert format_date(dt.date(2024, 12, 31)) == "31 décembre 2024"
