"""The same figure in every output of the demo run: for each département fiche of the report, a few indicators
read from what each output wrote (the open-data CSV, the dataviz's ``data.js`` and the figure the report prints)
are the same value, or are masked in all three."""

from __future__ import annotations

import csv
import html
import json
import re
from pathlib import Path

import pytest
from reliability_support import DemoOutputs

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

SECRET = "secret"
#: Key figures of a fiche: printed label -> (open-data set, its column, dataviz table, position in a row there).
KEY_FIGURES = {
    "bénéficiaires résidant dans le territoire": ("beneficiaires_par_territoire", "beneficiaires", "beneficiaires", 4),
    "heures d'insertion réalisées par ces bénéficiaires": (
        "beneficiaires_par_territoire",
        "heures_realisees",
        "beneficiaires",
        5,
    ),
    "heures réalisées sur les opérations situées dans le territoire": (
        "heures_prevues_realisees",
        "heures_realisees",
        "heures_prevues",
        4,
    ),
}


def report_number(text: str) -> int | str:
    """A number as the report prints it ("42 458"), or SECRET for a masked cell ("s")."""
    if 'class="secret"' in text:
        return SECRET
    return int(re.sub(r"\s", "", html.unescape(text)))


def fiche_figures(path: Path, year: int) -> dict[str, int | str]:
    """The key figures of a fiche and the counts of its exits table, by printed label."""
    page = path.read_text(encoding="utf-8")
    figures = {
        html.unescape(label): report_number(value)
        for value, label in re.findall(
            r'<div class="value">(.*?)</div>\s*<div class="label">(.*?)</div>', page, flags=re.S
        )
        if html.unescape(label) in KEY_FIGURES
    }
    exits_table = page.split(f"<h2>Sorties {year}</h2>", 1)[1].split("</table>", 1)[0]
    for label, value in re.findall(r'<tr[^>]*><td>(.*?)</td><td class="num">(.*?)</td>', exits_table):
        figures[f"sorties|{html.unescape(label)}"] = report_number(value)
    return figures


def open_data_value(open_data_dir: Path, dataset: str, column: str, key: dict[str, str]) -> float | str:
    with (open_data_dir / dataset / f"{dataset}.csv").open(encoding="utf-8", newline="") as file:
        rows = [row for row in csv.DictReader(file) if all(row[k] == v for k, v in key.items())]
    assert len(rows) == 1, (dataset, key, rows)
    if rows[0]["secret"] == "true":
        assert rows[0][column] == "", (dataset, key, rows[0])
        return SECRET
    return float(rows[0][column])


class Dataviz:
    def __init__(self, data_js: Path) -> None:
        text = data_js.read_text(encoding="utf-8")
        self.data = json.loads(text.removeprefix("window.OBSERVATOIRE_DATA = ").removesuffix(";\n"))
        self.territories = {(level, code): i for i, (level, code, _name) in enumerate(self.data["territoires"])}

    def value(self, table: str, position: int, year: int, code: str, **modality: str) -> float | str:
        territory = self.territories[("departement", code)]
        rows = [row for row in self.data[table] if row[0] == year and row[1] == territory and self._is(row, modality)]
        assert len(rows) == 1, (table, year, code, modality, rows)
        if rows[0][-1] == 1:
            assert rows[0][position] is None, rows[0]
            return SECRET
        return rows[0][position]

    def _is(self, row: list, modality: dict[str, str]) -> bool:
        if "dimension" in modality:
            return (
                self.data["dimensions"][row[2]] == modality["dimension"]
                and self.data["modalites"][row[3]][0] == modality["modalite"]
            )
        if "issue" in modality:
            return self.data["issues"][row[2]][0] == modality["issue"]
        return True


def agree(printed: int | str, published: float | str, shown: float | str) -> bool:
    """The report prints whole numbers, the dataviz keeps one decimal and the open data two."""
    if SECRET in (printed, published, shown):
        return printed == published == shown
    return printed == round(published) and abs(shown - published) <= 0.05


def test_report_open_data_and_dataviz_show_the_same_figures(demo_outputs: DemoOutputs) -> None:
    published = demo_outputs.published
    open_data_dir = published / "open_data"
    dataviz = Dataviz(published / "dataviz" / "assets" / "data.js")
    year = max(int(folder.name) for folder in (published / "report").iterdir() if folder.name.isdigit())
    fiches = sorted((published / "report" / str(year) / "fiches").glob("[0-9][0-9].html"))
    assert len(fiches) == 8, fiches  # the départements of Île-de-France

    compared: list[tuple[str, str, int | str]] = []
    for fiche in fiches:
        code = fiche.stem
        figures = fiche_figures(fiche, year)
        territory = {"annee": str(year), "niveau_territoire": "departement", "code_territoire": code}
        for label, (dataset, column, table, position) in KEY_FIGURES.items():
            modality = {"dimension": "ensemble", "modalite": "total"} if dataset.startswith("beneficiaires") else {}
            published_value = open_data_value(open_data_dir, dataset, column, {**territory, **modality})
            shown = dataviz.value(table, position, year, code, **modality)
            assert agree(figures[label], published_value, shown), (code, label, figures[label], published_value, shown)
            compared.append((code, label, figures[label]))
        for issue, label in (
            ("emploi_durable", "Emploi durable"),
            ("autre_sortie", "Autre sortie"),
            ("inconnue", "Issue inconnue"),
            ("ensemble", "Ensemble des sorties"),
        ):
            published_value = open_data_value(
                open_data_dir, "sorties_par_territoire", "sorties", {**territory, "issue": issue}
            )
            shown = dataviz.value("sorties", 3, year, code, issue=issue)
            printed = figures[f"sorties|{label}"]
            assert agree(printed, published_value, shown), (code, issue, printed, published_value, shown)
            compared.append((code, issue, printed))

    values = [value for _code, _what, value in compared]
    assert sum(value != SECRET for value in values) >= 20, compared  # published figures do agree
    assert SECRET in values, compared  # and a masked cell is masked everywhere
    assert any(isinstance(value, int) and value > 1000 for value in values), compared  # hours, not only zeros
