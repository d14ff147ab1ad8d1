"""The data-quality page the demo publishes (published/quality/index.html): its figures per source and month
are those the warehouse and the inbox give when counted here, and it lists every Great Expectations result."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from reliability_support import DemoOutputs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

TRACKING_TABLES = (
    "operations",
    "marches",
    "entreprises",
    "participants",
    "contrats_travail",
    "heures",
    "sorties",
    "engagements_moa",
)


class PageTables(HTMLParser):
    """Rows of every table with an id: {table id: [(row attributes, [cell texts])]} (header rows left out)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[dict, list[str]]]] = {}
        self.links: list[str] = []
        self._table: str | None = None
        self._row: tuple[dict, list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = (attributes, [])
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row[1] and self._table:
                self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


@pytest.fixture(scope="module")
def page(demo_outputs: DemoOutputs) -> PageTables:
    return PageTables((demo_outputs.published / "quality" / "index.html").read_text(encoding="utf-8"))


def by_source_month(rows: list[tuple[dict, list[str]]]) -> dict[tuple[str, str], list[str]]:
    return {(attributes["data-source"], attributes["data-month"]): cells for attributes, cells in rows}


def grouped(reason: str) -> str:
    """The page's grouping of a reason: the text before a colon, numbers shown as « … »."""
    return re.sub(r"[0-9]+", "…", reason.split(":")[0]).strip()


def test_decp_figures_match_the_raw_records_and_rejections(demo_outputs: DemoOutputs, page: PageTables) -> None:
    rows = by_source_month(page.tables["decp"])
    with duckdb.connect(str(demo_outputs.warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'Europe/Paris'")
        month = "strftime(to_timestamp(cast(split_part(_dlt_load_id, '.', 1) as bigint)), '%Y-%m')"
        read = dict(
            con.execute(
                f"select m, count(*) from (select {month} as m from raw_decp.decp_records "
                f"union all select {month} from raw_decp.decp_tabular_rows) group by m"
            ).fetchall()
        )
        rejected = dict(
            con.execute(
                f"select m, count(*) from (select {month.replace('_dlt_load_id', 'load_id')} as m "
                "from audit.rejected_contract_records) group by m"
            ).fetchall()
        )
        files = dict(con.execute(f"select {month}, count(*) from raw_decp.decp_load_audit group by 1").fetchall())
    assert set(rows) == {("DECP", m) for m in read}
    for (_, m), cells in rows.items():
        # Mois, Fichiers, Illisibles, Déjà chargés, Lus, Retenus, Rejetés, motifs
        assert cells[0] == m
        assert int(cells[1]) == files[m]
        assert int(cells[4]) == read[m]
        assert int(cells[6]) == rejected.get(m, 0)
        assert int(cells[5]) == read[m] - rejected.get(m, 0)
    assert sum(int(cells[4]) for cells in rows.values()) > 10_000


def test_tracking_figures_match_the_inbox_and_the_raw_rows(demo_outputs: DemoOutputs, page: PageTables) -> None:
    rows = by_source_month(page.tables["suivi"])
    inbox = demo_outputs.inbox / "suivi_clauses"
    sources = sorted(p.name for p in inbox.iterdir() if p.is_dir())
    assert sorted({source for source, _ in rows}) == sources
    with duckdb.connect(str(demo_outputs.warehouse), read_only=True) as con:
        for source in sources:
            [(_, cells)] = [(key, cells) for key, cells in rows.items() if key[0] == source]
            loaded = sum(
                con.execute(f"select count(*) from raw_suivi_clauses.{t} where source_name = ?", [source]).fetchone()[0]
                for t in TRACKING_TABLES
            )
            rejected = con.execute(
                "select count(distinct (source_file, table_name, line_number)) from raw_suivi_clauses.tracking_rejects "
                "where source_name = ?",
                [source],
            ).fetchone()[0]
            unusable = con.execute(
                "select count(*) from audit.clause_tracking_issues where source_name = ?", [source]
            ).fetchone()[0]
            reasons = con.execute(
                "select reason, count(*) from raw_suivi_clauses.tracking_rejects where source_name = ? group by 1",
                [source],
            ).fetchall()
            # Source, Mois, Fichiers, Refusés, Lues, Chargées, Rejetées, Inutilisables, motifs
            files = sum(1 for p in (inbox / source).rglob("*") if p.is_file())
            assert int(cells[2]) == files, source
            assert (int(cells[4]), int(cells[5]), int(cells[6]), int(cells[7])) == (
                loaded + rejected,
                loaded,
                rejected,
                unusable,
            ), source
            for reason, count in reasons:
                assert f"{grouped(reason)} ({count})" in cells[8], (source, reason, cells[8])
    assert sum(int(cells[6]) for cells in rows.values()) > 0  # the demo exports carry defects


def test_every_great_expectations_result_is_listed_with_its_outcome(
    demo_outputs: DemoOutputs, page: PageTables
) -> None:
    folder = demo_outputs.published / "quality" / "great_expectations"
    results = {
        summary["table"]: summary
        for summary in (json.loads(p.read_text(encoding="utf-8"))["summary"] for p in folder.glob("*.json"))
    }
    listed = {attributes["data-table"]: cells for attributes, cells in page.tables["great_expectations"]}
    assert set(listed) == set(results) and len(results) >= 5
    for table, summary in results.items():
        assert listed[table][1] == ("réussie" if summary["success"] else "échec"), table
        assert int(listed[table][3]) == summary["row_count"]
        assert int(listed[table][4]) == len(summary["results"])
    page_dir = demo_outputs.published / "quality"
    assert all((page_dir / link).is_file() for link in page.links) and len(page.links) == len(results)


def test_the_page_is_french_and_names_no_file_path(demo_outputs: DemoOutputs) -> None:
    html = (demo_outputs.published / "quality" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Qualité des données" in html
    assert str(demo_outputs.work_dir) not in html and str(Path.home()) not in html


def test_every_label_unknown_to_a_mapping_is_listed_once_with_its_rows(
    demo_outputs: DemoOutputs, page: PageTables
) -> None:
    """The labels the demo generator planted as unknown to their tools' mappings, and the codes it planted outside
    the nomenclatures (its manifest), are on the page, once per source × table × field × label, with their row
    counts and the line to add to the mapping."""
    from dlt_sources.suivi_clauses.vocabulary import label_key

    manifest = json.loads((demo_outputs.copy_dir / "data" / "generated" / "demo" / "manifest.json").read_text())
    planted: dict[tuple[str, str, str, str], int] = {}
    for label in manifest["unknown_labels"]:
        key = (label["source"], label["table"], label["field"], label_key(label["label"]))
        planted[key] = planted.get(key, 0) + label["rows"]
    for defect in manifest["defects"]:  # a code outside the nomenclature, written under a canonical header
        if defect["kind"] == "nomenclature_inconnue":
            field, value = re.fullmatch(r"(\w+) '([^']*)' not in nomenclature", defect["detail"]).groups()
            key = (defect["source"], defect["table"], field, label_key(value))
            planted[key] = planted.get(key, 0) + 1
    shown: dict[tuple[str, str, str, str], int] = {}
    for _, cells in page.tables["libelles_inconnus"]:
        source, table, field, label, rows, line = cells
        key = (source, table, field.split(" (")[0], label_key(label))
        shown[key] = shown.get(key, 0) + int(rows)
        assert label in line and f"values > {key[2]}" in line, line
    assert planted and shown == planted
