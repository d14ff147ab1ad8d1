"""Annual report and territory fiches, in French, as HTML and PDF (Jinja2 templates, WeasyPrint).

Every figure about people comes from the open-data Parquet files written by ``open_data.write_open_data``,
where statistical secrecy has already been applied: a masked value is NULL with ``secret = true`` on its
row and is shown here as "s" with a footnote. Figures that describe no person (contracts, data-quality
counts, the list of territories) are read from the warehouse. Charts are inline SVG drawn from the figures
(no JavaScript), so the HTML files are self-contained and the PDF needs nothing but a font: DejaVu Sans
(Debian package ``fonts-dejavu-core``).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from observatoire.publication.open_data import DATASETS_BY_NAME, LICENCE, PRODUCER
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

TEMPLATES_DIR = Path(__file__).parent / "templates" / "report"
NNBSP = "\u202f"  # narrow no-break space: French thousands separator and space before "%"
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_FR_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


class _Masked:
    """A value withheld by statistical secrecy (published as NULL with ``secret = true``)."""

    _instance: _Masked | None = None

    def __new__(cls) -> _Masked:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MASKED"


MASKED = _Masked()
Value = float | int | _Masked | None  # None: no data (nothing published for that cell)


def _is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))


# --- French formatting --------------------------------------------------------------------------------------


def format_number(value: Value, decimals: int = 0) -> str:
    """``12345.6`` → ``12 345,6`` (narrow no-break space between thousands, decimal comma); "s" if masked."""
    if value is MASKED:
        return "s"
    if not _is_number(value):
        return "–"
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",").replace("-", "−")


def format_percent(ratio: Value, decimals: int = 1) -> str:
    """A ratio as a French percentage: ``0.513`` → ``51,3 %``."""
    if not _is_number(ratio):
        return format_number(ratio)
    return f"{format_number(float(ratio) * 100, decimals)}{NNBSP}%"


def format_change(ratio: Value) -> str:
    """A relative change with its sign: ``0.032`` → ``+3,2 %``, ``-0.1`` → ``−10,0 %``."""
    if not _is_number(ratio):
        return format_number(ratio)
    sign = "+" if round(float(ratio) * 100, 1) > 0 else ""
    return f"{sign}{format_percent(ratio)}"


def format_points(difference: Value) -> str:
    """A difference of two shares in percentage points: ``0.004`` → ``+0,4 pt``."""
    if not _is_number(difference):
        return format_number(difference)
    points = float(difference) * 100
    sign = "+" if round(points, 1) > 0 else ""
    return f"{sign}{format_number(points, 1)}{NNBSP}pt"


def format_date(day: dt.date) -> str:
    """``2025-03-01`` → ``1er mars 2025``."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def share(part: Value, whole: Value) -> Value:
    """``part / whole``; masked when either is masked, no data when the whole is zero or absent."""
    if part is MASKED or whole is MASKED:
        return MASKED
    if not _is_number(part) or not _is_number(whole) or whole == 0:
        return None
    return float(part) / float(whole)


def change(current: Value, previous: Value) -> Value:
    """Relative change from ``previous`` to ``current``."""
    if current is MASKED or previous is MASKED:
        return MASKED
    if not _is_number(current) or not _is_number(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / float(previous)


CELL_FORMATS = {
    "int": lambda v: format_number(v, 0),
    "dec1": lambda v: format_number(v, 1),
    "pct": format_percent,
    "change": format_change,
    "points": format_points,
    "eur": lambda v: format_number(v, 0) if not _is_number(v) else f"{format_number(float(v) / 1e6, 1)}{NNBSP}M€",
}


def cell(value: Any, kind: str = "text") -> Markup:
    """One table cell's content; a masked value is an "s" styled as secret."""
    if value is MASKED:
        return Markup('<span class="secret" title="secret statistique">s</span>')
    if kind == "text":
        return escape("–" if value is None else value)
    return escape(CELL_FORMATS[kind](value))


# --- tables and key figures handed to the templates -------------------------------------------------------


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, dec1, pct, change, eur

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str | None = None

    @property
    def has_secret(self) -> bool:
        return any(value is MASKED for row in [*self.rows, self.total or []] for value in row)


@dataclass
class KeyFigure:
    label: str
    value: Value
    kind: str = "int"
    change: Value = None
    change_kind: str = "change"  # relative change, or "points" for a share
    detail: str | None = None

    @property
    def formatted(self) -> Markup:
        return cell(self.value, self.kind)


# --- charts: inline SVG drawn from the figures ------------------------------------------------------------

SERIES_COLOURS = ("#1f4e79", "#9dbbd8", "#c0504d")
SVG_FONT = 'font-family="Observatoire Sans"'  # declared with its file in report.css


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" {SVG_FONT}><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _truncate(label: str, max_chars: int) -> str:
    return label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"


def _nice_step(maximum: float, ticks: int = 4) -> float:
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _legend(series_names: Sequence[str], x: float, y: float) -> list[str]:
    parts = []
    for index, name in enumerate(series_names):
        parts.append(f'<rect x="{x:.1f}" y="{y - 8}" width="9" height="9" fill="{SERIES_COLOURS[index]}"/>')
        parts.append(f'<text x="{x + 13:.1f}" y="{y}" font-size="9">{escape(name)}</text>')
        x += 22 + 6 * len(name)
    return parts


def _value_label(x: float, y: float, value: Value, *, anchor: str = "start", decimals: int = 0, **extra: str) -> str:
    """The printed value of a bar; a masked value is a grey "s" of class ``secret``."""
    masked = ' class="secret" fill="#5b6673"' if value is MASKED else ""
    attributes = "".join(f' {name.replace("_", "-")}="{text}"' for name, text in extra.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="8.5" text-anchor="{anchor}"{attributes}{masked}>'
        f"{escape(format_number(value, decimals))}</text>"
    )


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    title: str,
    width: int = 640,
    label_width: int = 210,
    decimals: int = 0,
) -> Markup:
    """Horizontal bars, one group per label and one bar per series; a masked value shows "s" instead of a bar."""
    value_width = 74
    bar_area = width - label_width - value_width
    bar_height = 12
    group_height = bar_height * len(series) + 6
    legend_height = 16 if len(series) > 1 else 0
    height = legend_height + group_height * len(labels) + 4
    numbers = [float(v) for _, values in series for v in values if _is_number(v)]
    maximum = max(numbers, default=0.0) or 1.0
    body = _legend([name for name, _ in series], label_width, 11) if legend_height else []
    max_chars = int(label_width / 5.6)
    for row, label in enumerate(labels):
        top = legend_height + row * group_height + 3
        middle = top + group_height / 2 + 1
        body.append(
            f'<text x="{label_width - 6}" y="{middle:.1f}" font-size="9.5" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_truncate(label, max_chars))}</text>'
        )
        for index, (_, values) in enumerate(series):
            value = values[row]
            y = top + index * bar_height
            if _is_number(value):
                length = max(bar_area * float(value) / maximum, 0.0)
                body.append(
                    f'<rect x="{label_width}" y="{y:.1f}" width="{length:.1f}" height="{bar_height - 2}" '
                    f'fill="{SERIES_COLOURS[index]}"/>'
                )
                text_x = label_width + length + 3
            else:
                text_x = label_width + 3
            body.append(_value_label(text_x, y + bar_height / 2, value, decimals=decimals, dominant_baseline="middle"))
    return _svg(width, height, title, body)


def column_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    title: str,
    width: int = 640,
    height: int = 190,
) -> Markup:
    """Vertical bars over categories (months, years) with a value axis; masked values show "s"."""
    axis_width, top_margin, bottom_margin = 58, 20 if len(series) > 1 else 10, 22
    plot_height = height - top_margin - bottom_margin
    plot_width = width - axis_width - 4
    numbers = [float(v) for _, values in series for v in values if _is_number(v)]
    step = _nice_step(max(numbers, default=0.0) or 1.0)
    top_value = step * math.ceil((max(numbers, default=0.0) or 1.0) / step)
    body = _legend([name for name, _ in series], axis_width, 11) if len(series) > 1 else []
    baseline = top_margin + plot_height
    tick = 0.0
    while tick <= top_value + step / 2:
        y = baseline - plot_height * tick / top_value
        body.append(
            f'<line x1="{axis_width}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d1da" stroke-width="0.6"/>'
        )
        body.append(
            f'<text x="{axis_width - 4}" y="{y + 3:.1f}" font-size="8" text-anchor="end">'
            f"{escape(format_number(tick))}</text>"
        )
        tick += step
    slot = plot_width / max(len(categories), 1)
    bar_width = min(slot * 0.8 / len(series), 36)
    for position, category in enumerate(categories):
        slot_left = axis_width + position * slot
        group_left = slot_left + (slot - bar_width * len(series)) / 2
        body.append(
            f'<text x="{slot_left + slot / 2:.1f}" y="{height - 8}" font-size="8.5" text-anchor="middle">'
            f"{escape(category)}</text>"
        )
        for index, (_, values) in enumerate(series):
            value = values[position]
            x = group_left + index * bar_width
            if _is_number(value):
                bar = plot_height * float(value) / top_value
                body.append(
                    f'<rect x="{x:.1f}" y="{baseline - bar:.1f}" width="{bar_width - 1:.1f}" '
                    f'height="{bar:.1f}" fill="{SERIES_COLOURS[index]}"/>'
                )
            elif value is MASKED:
                body.append(_value_label(x + bar_width / 2, baseline - 3, value, anchor="middle"))
    return _svg(width, height, title, body)


def pyramid_chart(
    bands: Sequence[str], women: Sequence[Value], men: Sequence[Value], *, title: str, width: int = 640
) -> Markup:
    """Age pyramid: women on the left, men on the right, one row per age band (youngest at the bottom)."""
    centre_width = 120
    side = (width - centre_width) / 2
    bar_height = 20
    height = 18 + bar_height * len(bands) + 4
    numbers = [float(v) for v in (*women, *men) if _is_number(v)]
    maximum = max(numbers, default=0.0) or 1.0
    usable = side - 62
    centre_left, centre_right = side, side + centre_width
    body = [
        f'<text x="{centre_left - 4}" y="11" font-size="9" text-anchor="end" font-weight="bold">Femmes</text>',
        f'<text x="{centre_right + 4}" y="11" font-size="9" font-weight="bold">Hommes</text>',
    ]
    for row, band in enumerate(reversed(bands)):
        original = len(bands) - 1 - row
        y = 18 + row * bar_height
        body.append(
            f'<text x="{width / 2:.1f}" y="{y + bar_height / 2 + 3:.1f}" font-size="9" '
            f'text-anchor="middle">{escape(band)}</text>'
        )
        for value, left_side in ((women[original], True), (men[original], False)):
            length = usable * float(value) / maximum if _is_number(value) else 0.0
            x = centre_left - length if left_side else centre_right
            if length:
                colour = SERIES_COLOURS[2] if left_side else SERIES_COLOURS[0]
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 1}" width="{length:.1f}" height="{bar_height - 3}" fill="{colour}"/>'
                )
            text_x = (x - 3) if left_side else (x + length + 3)
            body.append(_value_label(text_x, y + bar_height / 2 + 3, value, anchor="end" if left_side else "start"))
    return _svg(width, height, title, body)


# --- reading the open data ----------------------------------------------------------------------------------

OPEN_DATASETS = (
    "beneficiaires_par_territoire",
    "heures_par_territoire_mois",
    "sorties_par_territoire",
    "marches_clauses_sociales",
    "heures_prevues_realisees",
    "grands_programmes",
    "rapprochement_decp_suivi",
    "structures_par_territoire",
)


class OpenData:
    """The open-data Parquet files as DuckDB views (one in-memory connection, nothing written)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._con = duckdb.connect()
        for name in OPEN_DATASETS:
            path = directory / name / f"{name}.parquet"
            if not path.is_file():
                raise FileNotFoundError(
                    f"open-data file {path} is missing: write the open data first "
                    "(observatoire.publication.open_data.write_open_data) into that folder"
                )
            literal = str(path).replace("'", "''")
            self._con.execute(f"create view {name} as select * from read_parquet('{literal}')")

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql, list(params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def years(self) -> list[int]:
        return [row["annee"] for row in self.rows("select distinct annee from beneficiaires_par_territoire order by 1")]

    def __enter__(self) -> OpenData:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._con.close()


def _published(row: dict[str, Any] | None, column: str) -> Value:
    """A published value: MASKED when secrecy withheld it, None when nothing was published."""
    if row is None:
        return None
    value = row[column]
    if value is None and row.get("secret"):
        return MASKED
    return value


# --- territories ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Territory:
    level: str  # region, departement or ept
    code: str
    name: str

    @property
    def level_label(self) -> str:
        if self.level == "ept":
            if self.code == PARIS_COMMUNE:
                return "Ville de Paris (territoire de la Métropole du Grand Paris)"
            return "Établissement public territorial de la Métropole du Grand Paris"
        return {"region": "Région", "departement": "Département"}[self.level]


PARIS_COMMUNE = "75056"


def fiche_territories(warehouse: Path) -> list[Territory]:
    """The 8 départements of Île-de-France, then the 11 EPT of the Métropole du Grand Paris and Paris, from the
    warehouse's geography (reference data: every territory gets its fiche, even one with no figure)."""
    with connect_reader(warehouse) as con:
        departements = con.execute(
            """
            select distinct departement_code, departement_name from marts.dim_geography
            where is_ile_de_france and departement_code is not null order by 1
            """
        ).fetchall()
        epts = con.execute(
            """
            select distinct ept_code, ept_name from marts.dim_geography
            where is_ile_de_france and ept_code is not null
            order by ept_code = ? desc, ept_name
            """,
            [PARIS_COMMUNE],
        ).fetchall()
    if not departements:
        raise ValueError(
            f"warehouse {warehouse} has no Île-de-France département in marts.dim_geography: load the reference "
            "data (COG) and build the marts before the fiches"
        )
    return [Territory("departement", code, name) for code, name in departements] + [
        Territory("ept", code, name) for code, name in epts
    ]


# --- figures of one territory for one year (shared by the report and the fiches) ----------------------------

DIMENSION_TITLES = {
    "sexe": "Sexe",
    "tranche_age": "Tranche d'âge à l'entrée",
    "niveau_diplome": "Niveau de diplôme",
    "public": "Public éligible",
    "residence_qpv": "Résidence en quartier prioritaire (QPV)",
    "type_contrat": "Type de contrat de travail",
    "modalite_realisation": "Modalité de réalisation de la clause",
    "prescripteur": "Prescripteur",
}
#: Dimensions in which a person counts once per category of the year (publics, contract types, modalities).
NON_ADDITIVE_DIMENSIONS = ("public", "type_contrat", "modalite_realisation")
AGE_BANDS = ("moins de 26 ans", "26 à 49 ans", "50 ans et plus", "âge inconnu")
#: Dimensions shown in their natural order; the others by decreasing number of beneficiaries.
NATURAL_ORDER = {
    "sexe": ("F", "M"),
    "tranche_age": AGE_BANDS,
    "residence_qpv": ("QPV", "hors QPV"),
    "niveau_diplome": ("1", "2", "3", "4", "5", "6", "7", "8", "inconnu"),
}
EXIT_ORDER = ("emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie", "inconnue")


@dataclass
class Breakdown:
    """One category of a dimension: its people this year and last year, and their hours this year."""

    code: str
    label: str
    current: Value
    previous: Value
    hours: Value = None


def _sort_key(item: Breakdown) -> tuple[int, float, str]:
    """Largest first; a masked category (at least one person) before the empty ones."""
    if _is_number(item.current) and item.current > 0:
        return (0, -float(item.current), item.label)
    return (1 if item.current is MASKED else 2, 0.0, item.label)


def _ordered(dimension: str, items: list[Breakdown]) -> list[Breakdown]:
    order = NATURAL_ORDER.get(dimension)
    if order is None:
        return sorted(items, key=_sort_key)
    return sorted(items, key=lambda item: (order.index(item.code) if item.code in order else len(order), item.label))


@dataclass
class TerritoryFigures:
    """Published figures of one territory for ``year`` (and ``year - 1`` for the changes)."""

    territory: Territory
    year: int
    beneficiaries: Value = None
    beneficiaries_previous: Value = None
    hours: Value = None  # worked by the beneficiaries residing in the territory
    hours_previous: Value = None
    breakdowns: dict[str, list[Breakdown]] = field(default_factory=dict)
    pyramid: dict[str, dict[str, Value]] = field(default_factory=dict)  # sex -> age band -> beneficiaries
    exits: list[Breakdown] = field(default_factory=list)
    exits_total: Value = None
    exits_total_previous: Value = None
    place_by_year: dict[int, dict[str, Any]] = field(default_factory=dict)  # operations located in the territory
    monthly_hours: list[Value] = field(default_factory=list)
    structures: list[dict[str, Any]] = field(default_factory=list)

    def category(self, dimension: str, code: str) -> Breakdown | None:
        return next((item for item in self.breakdowns.get(dimension, []) if item.code == code), None)

    def category_share(self, dimension: str, code: str) -> tuple[Value, Value]:
        """Share of the territory's beneficiaries in one category, this year and last year."""
        item = self.category(dimension, code)
        if item is None:
            return None, None
        return share(item.current, self.beneficiaries), share(item.previous, self.beneficiaries_previous)

    def exit_share(self, issue: str) -> tuple[Value, Value]:
        item = next((item for item in self.exits if item.code == issue), None)
        if item is None:
            return None, None
        return share(item.current, self.exits_total), share(item.previous, self.exits_total_previous)

    def structure(self, kind: str) -> dict[str, Any] | None:
        """Inclusion structures of one type (``ensemble``: all) in the territory."""
        return next((row for row in self.structures if row["type_structure"] == kind), None)

    def place(self, year: int, column: str) -> Value:
        return _published(self.place_by_year.get(year), column)


def territory_figures(open_data: OpenData, territory: Territory, year: int) -> TerritoryFigures:
    figures = TerritoryFigures(territory=territory, year=year)
    where = "niveau_territoire = ? and code_territoire = ?"
    people = open_data.rows(
        f"select * from beneficiaires_par_territoire where {where} and annee in (?, ?)",
        territory.level,
        territory.code,
        year,
        year - 1,
    )
    cells = {(row["annee"], row["dimension"], row["modalite"]): row for row in people}
    total, total_previous = cells.get((year, "ensemble", "total")), cells.get((year - 1, "ensemble", "total"))
    figures.beneficiaries = _published(total, "beneficiaires")
    figures.beneficiaries_previous = _published(total_previous, "beneficiaires")
    figures.hours = _published(total, "heures_realisees")
    figures.hours_previous = _published(total_previous, "heures_realisees")
    for dimension in DIMENSION_TITLES:
        codes = {modalite: row["libelle_modalite"] for (_, d, modalite), row in cells.items() if d == dimension}
        items = [
            Breakdown(
                code=code,
                label=label,
                current=_published(cells.get((year, dimension, code)), "beneficiaires"),
                previous=_published(cells.get((year - 1, dimension, code)), "beneficiaires"),
                hours=_published(cells.get((year, dimension, code)), "heures_realisees"),
            )
            for code, label in codes.items()
        ]
        figures.breakdowns[dimension] = _ordered(dimension, items)
    for (annee, dimension, modalite), row in cells.items():
        if annee == year and dimension == "sexe_tranche_age":
            sex, band = modalite.split("|", 1)
            figures.pyramid.setdefault(sex, {})[band] = _published(row, "beneficiaires")

    exits = open_data.rows(
        f"select * from sorties_par_territoire where {where} and annee in (?, ?)",
        territory.level,
        territory.code,
        year,
        year - 1,
    )
    exit_cells = {(row["annee"], row["issue"]): row for row in exits}
    figures.exits_total = _published(exit_cells.get((year, "ensemble")), "sorties")
    figures.exits_total_previous = _published(exit_cells.get((year - 1, "ensemble")), "sorties")
    labels = {row["issue"]: row["libelle_issue"] for row in exits if row["issue"] != "ensemble"}
    figures.exits = sorted(
        (
            Breakdown(
                code=issue,
                label=label,
                current=_published(exit_cells.get((year, issue)), "sorties"),
                previous=_published(exit_cells.get((year - 1, issue)), "sorties"),
            )
            for issue, label in labels.items()
        ),
        key=lambda item: EXIT_ORDER.index(item.code) if item.code in EXIT_ORDER else len(EXIT_ORDER),
    )

    place = open_data.rows(f"select * from heures_prevues_realisees where {where}", territory.level, territory.code)
    figures.place_by_year = {row["annee"]: row for row in place}
    months = {
        row["mois"]: row
        for row in open_data.rows(
            f"select * from heures_par_territoire_mois where {where} and annee = ?",
            territory.level,
            territory.code,
            year,
        )
    }
    figures.monthly_hours = [_published(months.get(month), "heures_realisees") for month in range(1, 13)]
    figures.structures = open_data.rows(
        f"select * from structures_par_territoire where {where}", territory.level, territory.code
    )
    return figures


@dataclass
class ContractFigures:
    """Public contracts notified in a year (DECP), for the whole region or the buyers of one département."""

    contracts: int = 0
    known: int = 0  # whose format says whether there is a social consideration (2024 format)
    social_consideration: int = 0
    social_clause: int = 0

    @property
    def consideration_share(self) -> Value:
        return share(self.social_consideration, self.known)


def contract_figures(open_data: OpenData, year: int, departement: str | None = None) -> ContractFigures:
    condition = "annee = ?" + (" and departement_acheteur = ?" if departement else "")
    params = [year, departement] if departement else [year]
    row = open_data.rows(
        f"""
        select coalesce(sum(marches), 0) as contracts, coalesce(sum(marches_consideration_connue), 0) as known,
            coalesce(sum(marches_avec_consideration_sociale), 0) as social_consideration,
            coalesce(sum(marches_avec_clause_sociale), 0) as social_clause
        from marches_clauses_sociales where {condition}
        """,
        *params,
    )[0]
    return ContractFigures(**row)


# --- tables ---------------------------------------------------------------------------------------------------


def breakdown_table(dimension: str, figures: TerritoryFigures, *, compact: bool = False, limit: int = 0) -> Table:
    """Beneficiaries by one dimension: this year, share, (hours,) last year, change; with the total."""
    year, items = figures.year, figures.breakdowns.get(dimension, [])
    shown = items[:limit] if limit else items
    note = None
    if dimension in NON_ADDITIVE_DIMENSIONS:
        note = "Une personne peut compter dans plusieurs lignes."
    if limit and len(items) > limit:
        note = f"Les\u00a0{limit} plus fréquents sur {len(items)}. " + (note or "")
    if compact:
        columns = [
            Column(DIMENSION_TITLES[dimension]),
            Column(str(year), "int"),
            Column("Part", "pct"),
            Column(f"Évol. / {year - 1}", "change"),
        ]
        rows = [
            [item.label, item.current, share(item.current, figures.beneficiaries), change(item.current, item.previous)]
            for item in shown
        ]
        return Table(caption="", columns=columns, rows=rows, note=note)
    columns = [
        Column(DIMENSION_TITLES[dimension]),
        Column(f"Bénéficiaires {year}", "int"),
        Column("Part", "pct"),
        Column(f"Heures réalisées {year}", "int"),
        Column(f"Bénéficiaires {year - 1}", "int"),
        Column("Évolution", "change"),
    ]
    rows = [
        [
            item.label,
            item.current,
            share(item.current, figures.beneficiaries),
            item.hours,
            item.previous,
            change(item.current, item.previous),
        ]
        for item in shown
    ]
    total = [
        "Ensemble des bénéficiaires",
        figures.beneficiaries,
        share(figures.beneficiaries, figures.beneficiaries),
        figures.hours,
        figures.beneficiaries_previous,
        change(figures.beneficiaries, figures.beneficiaries_previous),
    ]
    return Table(caption="", columns=columns, rows=rows, total=total, note=note)


def exits_table(figures: TerritoryFigures, *, compact: bool = False) -> Table:
    year = figures.year
    if compact:
        columns = [
            Column("Issue"),
            Column(str(year), "int"),
            Column("Part", "pct"),
            Column(f"Évol. / {year - 1}", "change"),
        ]
        rows = [
            [item.label, item.current, share(item.current, figures.exits_total), change(item.current, item.previous)]
            for item in figures.exits
        ]
        total = [
            "Ensemble des sorties",
            figures.exits_total,
            share(figures.exits_total, figures.exits_total),
            change(figures.exits_total, figures.exits_total_previous),
        ]
        return Table(caption="", columns=columns, rows=rows, total=total)
    columns = [
        Column("Issue"),
        Column(f"Sorties {year}", "int"),
        Column("Part", "pct"),
        Column(f"Sorties {year - 1}", "int"),
        Column("Évolution", "change"),
    ]
    rows = [
        [
            item.label,
            item.current,
            share(item.current, figures.exits_total),
            item.previous,
            change(item.current, item.previous),
        ]
        for item in figures.exits
    ]
    total = [
        "Ensemble des sorties",
        figures.exits_total,
        share(figures.exits_total, figures.exits_total),
        figures.exits_total_previous,
        change(figures.exits_total, figures.exits_total_previous),
    ]
    return Table(caption=f"Sorties du dispositif en {year} par issue", columns=columns, rows=rows, total=total)


def contracts_table(open_data: OpenData, year: int, *, by: str, limit: int = 0) -> Table:
    """Contracts notified in ``year`` by buyer type or by sector (``by``: ``type_acheteur`` or ``secteur_cpv``),
    the largest first (by contracts with a social consideration); beyond ``limit`` rows, one row for the rest."""
    heading, label, caption, rest_label = {
        "type_acheteur": (
            "Type d'acheteur",
            "libelle_type_acheteur",
            "Marchés notifiés en {} par type d'acheteur",
            "Autres types d'acheteur",
        ),
        "secteur_cpv": (
            "Secteur (division CPV)",
            "libelle_secteur",
            "Marchés notifiés en {} par secteur",
            "Autres secteurs",
        ),
    }[by]
    rows = open_data.rows(
        f"""
        select any_value({label}) as label, sum(marches) as contracts, sum(marches_consideration_connue) as known,
            sum(marches_avec_consideration_sociale) as social, sum(marches_avec_clause_sociale) as clause,
            sum(montant_total) as amount
        from marches_clauses_sociales where annee = ?
        group by {by} order by social desc, contracts desc, label
        """,
        year,
    )
    shown, rest = (rows[:limit], rows[limit:]) if limit else (rows, [])

    def line(name: str, items: list[dict[str, Any]]) -> list[Any]:
        sums = {key: sum(item[key] for item in items) for key in ("contracts", "known", "social", "clause", "amount")}
        return [
            name,
            sums["contracts"],
            sums["known"],
            sums["social"],
            share(sums["social"], sums["known"]),
            sums["clause"],
            sums["amount"],
        ]

    table_rows = [line(row["label"], [row]) for row in shown]
    if rest:
        table_rows.append(line(f"{rest_label} ({len(rest)})", rest))
    columns = [
        Column(heading),
        Column("Marchés", "int"),
        Column("dont considération connue", "int"),
        Column("avec considération sociale", "int"),
        Column("Part (sur connus)", "pct"),
        Column("avec clause sociale", "int"),
        Column("Montant", "eur"),
    ]
    return Table(
        caption=caption.format(year),
        columns=columns,
        rows=table_rows,
        total=line("Ensemble", rows),
        note="Considération sociale : clause sociale, critère social ou marché réservé. Montant : somme des montants "
        "hors taxes après modifications, hors montants aberrants, en millions d'euros.",
    )


# --- non-personal figures from the warehouse: data quality ----------------------------------------------------

QUALITY_QUERIES = {
    "decp_files": "select status, count(*), coalesce(sum(records_read), 0) from raw_decp.decp_load_audit group by 1",
    "records": "select record_fate, count(*) from audit.contract_record_lineage group by 1",
    "rejected_records": "select count(*) from audit.rejected_contract_records",
    "record_issues": "select count(*) from audit.decp_record_issues",
    "contracts": "select count(*) from marts.fct_contracts",
    "tracking_files": "select count(distinct source_file) from raw_suivi_clauses.tracking_load_audit",
    "tracking_tables": (
        "select status, count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        "coalesce(sum(rows_rejected), 0) from raw_suivi_clauses.tracking_load_audit group by 1"
    ),
    "tracking_rejects": "select count(*) from raw_suivi_clauses.tracking_rejects",
    "tracking_issues": "select count(*) from audit.clause_tracking_issues",
}
#: When the last source file was loaded (the report says how fresh its data are).
LAST_LOAD_SQL = (
    "select max(processed_at) from (select processed_at from raw_decp.decp_load_audit "
    "union all select processed_at from raw_suivi_clauses.tracking_load_audit)"
)
#: The raw tables those queries read, as empty relations for a source never loaded (dlt creates a table only when
#: rows arrive: an observatory with DECP files and no tracking export yet has no raw_suivi_clauses table).
EMPTY_RAW_TABLES = {
    "raw_decp.decp_load_audit": (
        "(select null::varchar as status, null::varchar as source_file, null::bigint as records_read, "
        "null::timestamptz as processed_at where false)"
    ),
    "raw_suivi_clauses.tracking_load_audit": (
        "(select null::varchar as status, null::varchar as source_file, null::bigint as rows_read, "
        "null::bigint as rows_loaded, null::bigint as rows_rejected, null::timestamptz as processed_at where false)"
    ),
    "raw_suivi_clauses.tracking_rejects": "(select null::varchar as source_file where false)",
}


def _tolerant(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """``sql`` with each raw table of :data:`EMPTY_RAW_TABLES` that does not exist replaced by an empty relation."""
    for relation, empty in EMPTY_RAW_TABLES.items():
        schema, table = relation.split(".")
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
        ).fetchone()
        if relation in sql and not (found and found[0]):
            sql = sql.replace(relation, empty)
    return sql


FILE_STATUS_LABELS = {
    "loaded": "chargés",
    "partial": "partiellement lus",
    "empty": "vides",
    "failed": "refusés",
    "duplicate_content": "déjà chargés (même contenu)",
}


def _file_detail(counts: dict[str, int]) -> str:
    """``{'loaded': 12, 'failed': 1}`` → ``12 chargés, 1 refusés`` (statuses in a fixed order)."""
    ordered = sorted(
        counts.items(),
        key=lambda item: (
            list(FILE_STATUS_LABELS).index(item[0]) if item[0] in FILE_STATUS_LABELS else len(FILE_STATUS_LABELS)
        ),
    )
    return ", ".join(f"{format_number(count)} {FILE_STATUS_LABELS.get(status, status)}" for status, count in ordered)


@dataclass
class Quality:
    decp: Table
    tracking: Table


def quality_figures(warehouse: Path) -> Quality:
    """Records read, loaded and rejected, from the load audits and the quality tables of the warehouse."""
    results: dict[str, list[tuple[Any, ...]]] = {}
    with connect_reader(warehouse) as con:
        for name, sql in QUALITY_QUERIES.items():
            try:
                results[name] = con.execute(_tolerant(con, sql)).fetchall()
            except duckdb.CatalogException as exc:
                raise RuntimeError(
                    f"warehouse {warehouse} has no quality table for '{name}' ({exc}): run the full refresh "
                    "(DECP, clause tracking and dbt) before the report"
                ) from exc
    decp_files = {status: (files, records) for status, files, records in results["decp_files"]}
    fates = dict(results["records"])
    columns = [Column("Indicateur"), Column("Nombre", "int")]
    decp = Table(
        caption="Données essentielles de la commande publique (DECP)",
        columns=columns,
        rows=[
            [
                f"Fichiers reçus ({_file_detail({s: f for s, (f, _) in decp_files.items()}) or 'aucun'})",
                sum(files for files, _ in decp_files.values()),
            ],
            ["Enregistrements lus", sum(records for _, records in decp_files.values())],
            ["Enregistrements retenus (un par marché)", fates.get("retained", 0)],
            ["Enregistrements remplacés par une publication plus récente du même marché", fates.get("superseded", 0)],
            [
                "Enregistrements rejetés (marché non identifiable : sans identifiant ou sans acheteur)",
                results["rejected_records"][0][0],
            ],
            [
                "Valeurs publiées inutilisables telles quelles (signalées, enregistrement conservé)",
                results["record_issues"][0][0],
            ],
            ["Marchés dans l'entrepôt", results["contracts"][0][0]],
        ],
    )
    tables = results["tracking_tables"]
    tracking = Table(
        caption="Suivi de l'exécution des clauses sociales",
        columns=columns,
        rows=[
            ["Fichiers de suivi reçus", results["tracking_files"][0][0]],
            [
                f"Tables lues dans ces fichiers ({_file_detail({row[0]: row[1] for row in tables}) or 'aucune'})",
                sum(row[1] for row in tables),
            ],
            ["Lignes lues", sum(row[2] for row in tables)],
            ["Lignes chargées", sum(row[3] for row in tables)],
            ["Lignes rejetées (valeur invalide ou manquante)", sum(row[4] for row in tables)],
            ["Motifs de rejet enregistrés (fichier, ligne, colonne, motif)", results["tracking_rejects"][0][0]],
            [
                "Anomalies de cohérence signalées (doublons, heures hors contrat, références inconnues)",
                results["tracking_issues"][0][0],
            ],
        ],
    )
    return Quality(decp=decp, tracking=tracking)


# --- key figures and charts of a territory --------------------------------------------------------------------


def _share_figure(label: str, shares: tuple[Value, Value]) -> KeyFigure:
    current, previous = shares
    difference = (
        MASKED
        if MASKED in (current, previous)
        else (current - previous if _is_number(current) and _is_number(previous) else None)
    )
    return KeyFigure(label=label, value=current, kind="pct", change=difference, change_kind="points")


def key_figures(
    figures: TerritoryFigures, contracts: tuple[ContractFigures, ContractFigures] | None
) -> list[KeyFigure]:
    """The headline figures of a territory (region or fiche); ``contracts``: this year's and last year's, for
    territories where buyers can be placed (region, départements)."""
    year = figures.year
    items = [
        KeyFigure(
            "bénéficiaires résidant dans le territoire",
            figures.beneficiaries,
            change=change(figures.beneficiaries, figures.beneficiaries_previous),
        ),
        KeyFigure(
            "heures d'insertion réalisées par ces bénéficiaires",
            figures.hours,
            change=change(figures.hours, figures.hours_previous),
        ),
        _share_figure("de femmes parmi les bénéficiaires", figures.category_share("sexe", "F")),
        _share_figure("de moins de 26 ans", figures.category_share("tranche_age", "moins de 26 ans")),
        _share_figure("résident en quartier prioritaire (QPV)", figures.category_share("residence_qpv", "QPV")),
        _share_figure(f"des sorties de {year} vers un emploi durable", figures.exit_share("emploi_durable")),
        KeyFigure(
            "heures réalisées sur les opérations situées dans le territoire",
            figures.place(year, "heures_realisees"),
            change=change(figures.place(year, "heures_realisees"), figures.place(year - 1, "heures_realisees")),
        ),
        KeyFigure(
            f"heures prévues par les marchés suivis notifiés en {year}",
            figures.place(year, "heures_prevues"),
            change=change(figures.place(year, "heures_prevues"), figures.place(year - 1, "heures_prevues")),
        ),
        KeyFigure(
            "opérations du territoire avec un marché notifié ou des heures dans l'année",
            figures.place(year, "operations"),
            change=change(figures.place(year, "operations"), figures.place(year - 1, "operations")),
        ),
    ]
    structures = figures.structure("ensemble")
    if structures is not None:
        items.append(
            KeyFigure(
                "structures d'insertion et du handicap (SIAE, GEIQ, EA, ESAT)",
                structures["structures"],
                detail=f"{format_number(structures['structures_pour_100000_habitants'], 1)} pour 100 000 habitants",
            )
        )
    if contracts is not None:
        current, previous = contracts
        items += [
            KeyFigure(
                f"marchés avec clause sociale notifiés en {year} (DECP)",
                current.social_clause,
                change=change(current.social_clause, previous.social_clause),
            ),
            # no change: before the 2024 format (in force from 1 January 2024) almost no contract said it
            KeyFigure(
                "des marchés comportent une considération sociale",
                current.consideration_share,
                kind="pct",
                detail=f"parmi les {format_number(current.known)} dont le format de publication le précise",
            ),
        ]
    return items


def pyramid(figures: TerritoryFigures, width: int = 640) -> Markup:
    bands = [band for band in AGE_BANDS if any(band in by_band for by_band in figures.pyramid.values())]
    return pyramid_chart(
        bands,
        [figures.pyramid.get("F", {}).get(band) for band in bands],
        [figures.pyramid.get("M", {}).get(band) for band in bands],
        title=f"Bénéficiaires {figures.year} par sexe et tranche d'âge — {figures.territory.name}",
        width=width,
    )


def hours_by_year_chart(figures: TerritoryFigures, width: int = 640, height: int = 190) -> Markup:
    years = sorted(year for year in figures.place_by_year if year <= figures.year)
    return column_chart(
        [str(year) for year in years],
        [
            ("Heures prévues", [figures.place(y, "heures_prevues") for y in years]),
            ("Heures réalisées", [figures.place(y, "heures_realisees") for y in years]),
        ],
        title=f"Heures d'insertion prévues et réalisées par année — {figures.territory.name}",
        width=width,
        height=height,
    )


def dimension_chart(dimension: str, figures: TerritoryFigures) -> Markup:
    items = figures.breakdowns.get(dimension, [])
    return bar_chart(
        [item.label for item in items],
        [(f"Bénéficiaires {figures.year}", [item.current for item in items])],
        title=f"{DIMENSION_TITLES[dimension]} — bénéficiaires {figures.year}",
        label_width=250,
    )


# --- the annual report ------------------------------------------------------------------------------------------

REGION_CODE = "11"  # Île-de-France
FOCUS_PROGRAMMES = ("GRAND_PARIS_EXPRESS", "JOP_2024")
METHOD_DATASETS = (
    "beneficiaires_par_territoire",
    "sorties_par_territoire",
    "heures_prevues_realisees",
    "marches_clauses_sociales",
    "grands_programmes",
    "rapprochement_decp_suivi",
    "structures_par_territoire",
)


def _region(open_data: OpenData) -> Territory:
    rows = open_data.rows(
        "select any_value(nom_territoire) as name from beneficiaires_par_territoire where niveau_territoire = 'region'"
    )
    return Territory("region", REGION_CODE, rows[0]["name"] or "Île-de-France")


def _check_year(open_data: OpenData, year: int) -> None:
    years = open_data.years()
    if year not in years:
        raise ValueError(
            f"no beneficiary figures for {year} in {open_data.directory} (years published: {years}): "
            "choose one of those years or refresh the open data"
        )


def _place_table(
    figures_by_territory: list[TerritoryFigures], year: int, caption: str, total: TerritoryFigures | None = None
) -> Table:
    columns = [
        Column("Territoire de l'opération"),
        Column("Opérations", "int"),
        Column("Heures prévues", "int"),
        Column("Heures réalisées", "int"),
        Column("Réalisées / prévues", "pct"),
        Column("Bénéficiaires", "int"),
    ]

    def line(name: str, figures: TerritoryFigures) -> list[Any]:
        planned, worked = figures.place(year, "heures_prevues"), figures.place(year, "heures_realisees")
        return [
            name,
            figures.place(year, "operations"),
            planned,
            worked,
            share(worked, planned),
            figures.place(year, "beneficiaires"),
        ]

    return Table(
        caption=caption,
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(total.territory.name, total) if total else None,
        note="Heures prévues : marchés suivis notifiés dans l'année ; heures réalisées : travaillées dans l'année. "
        "Un bénéficiaire travaillant sur plusieurs territoires compte dans chacun.",
    )


def _residence_table(
    figures_by_territory: list[TerritoryFigures], year: int, caption: str, total: TerritoryFigures | None = None
) -> Table:
    columns = [
        Column("Territoire de résidence"),
        Column(f"Bénéficiaires {year}", "int"),
        Column(f"Bénéficiaires {year - 1}", "int"),
        Column("Évolution", "change"),
        Column(f"Heures réalisées {year}", "int"),
        Column("Part de femmes", "pct"),
        Column("Part en QPV", "pct"),
    ]

    def line(name: str, f: TerritoryFigures) -> list[Any]:
        return [
            name,
            f.beneficiaries,
            f.beneficiaries_previous,
            change(f.beneficiaries, f.beneficiaries_previous),
            f.hours,
            f.category_share("sexe", "F")[0],
            f.category_share("residence_qpv", "QPV")[0],
        ]

    return Table(
        caption=caption,
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(total.territory.name, total) if total else None,
    )


STRUCTURE_COLUMNS = ("ensemble", "SIAE", "GEIQ", "EA", "ESAT")


def _structures_table(figures_by_territory: list[TerritoryFigures], region: TerritoryFigures) -> Table:
    columns = [
        Column("Territoire"),
        *(Column("Toutes" if kind == "ensemble" else kind, "int") for kind in STRUCTURE_COLUMNS),
        Column("Pour 100 000 habitants", "dec1"),
    ]

    def line(name: str, f: TerritoryFigures) -> list[Any]:
        rows = [f.structure(kind) for kind in STRUCTURE_COLUMNS]
        return [
            name,
            *(row["structures"] if row else None for row in rows),
            rows[0]["structures_pour_100000_habitants"] if rows[0] else None,
        ]

    return Table(
        caption="Structures d'insertion et du handicap par département",
        columns=columns,
        rows=[line(f.territory.name, f) for f in figures_by_territory],
        total=line(region.territory.name, region),
        note="SIAE : structures de l'insertion par l'activité économique (ACI, AI, EI, ETTI, EITI) ; GEIQ : "
        "groupements d'employeurs pour l'insertion et la qualification ; EA : entreprises adaptées ; ESAT : "
        "établissements et services d'aide par le travail.",
    )


def _programmes(open_data: OpenData, year: int) -> dict[str, Any]:
    rows = open_data.rows("select * from grands_programmes")
    current = [row for row in rows if row["annee"] == year]
    columns = [
        Column("Programme"),
        Column("Opérations", "int"),
        Column("Marchés suivis", "int"),
        Column("Heures engagées", "int"),
        Column("Heures prévues", "int"),
        Column("Heures réalisées", "int"),
        Column("Réalisées / engagées", "pct"),
        Column("Bénéficiaires", "int"),
    ]
    table = Table(
        caption=f"Clauses sociales des grands programmes en {year}",
        columns=columns,
        rows=[
            [
                row["libelle_programme"],
                row["operations"],
                row["marches"],
                row["heures_engagees"],
                row["heures_prevues"],
                _published(row, "heures_realisees"),
                share(_published(row, "heures_realisees"), row["heures_engagees"]),
                _published(row, "beneficiaires"),
            ]
            for row in current
        ],
        note="Heures engagées : engagements des maîtres d'ouvrage pour l'année. Un bénéficiaire travaillant sur "
        "plusieurs programmes compte dans chacun. « Autre opération » regroupe les autres opérations et les marchés "
        "suivis sans opération.",
    )
    years = sorted({row["annee"] for row in rows if row["annee"] <= year})
    by_key = {(row["programme"], row["annee"]): row for row in rows}
    labels = {row["programme"]: row["libelle_programme"] for row in rows}
    focus = [code for code in FOCUS_PROGRAMMES if code in labels]
    chart = column_chart(
        [str(y) for y in years],
        [
            (labels[code].split(" (")[0], [_published(by_key.get((code, y)), "heures_realisees") for y in years])
            for code in focus
        ],
        title="Heures réalisées par année sur les grands programmes",
    )
    focus_rows = []
    for code in focus:
        row, previous = by_key.get((code, year)), by_key.get((code, year - 1))
        focus_rows.append(
            {
                "label": labels[code],
                "operations": _published(row, "operations"),
                "worked": _published(row, "heures_realisees"),
                "committed": _published(row, "heures_engagees"),
                "ratio": share(_published(row, "heures_realisees"), _published(row, "heures_engagees")),
                "beneficiaries": _published(row, "beneficiaires"),
                "change": change(_published(row, "heures_realisees"), _published(previous, "heures_realisees")),
            }
        )
    return {"table": table, "chart": chart, "focus": focus_rows}


def _reconciliation(open_data: OpenData, year: int) -> dict[str, Any]:
    rows = open_data.rows("select * from rapprochement_decp_suivi where annee <= ? order by annee, marches desc", year)
    current = [row for row in rows if row["annee"] == year]
    total = sum(row["marches"] for row in current)
    table = Table(
        caption=f"Rapprochement des marchés notifiés en {year}",
        columns=[Column("Catégorie"), Column("Marchés", "int"), Column("Part", "pct")],
        rows=[[row["libelle_categorie"], row["marches"], share(row["marches"], total)] for row in current],
        total=["Ensemble", total, share(total, total)],
    )
    labels = {row["categorie"]: row["libelle_categorie"] for row in sorted(rows, key=lambda r: -r["marches"])}
    by_year = {(row["annee"], row["categorie"]): row["marches"] for row in rows}
    years = sorted({row["annee"] for row in rows})
    history = Table(
        caption="Rapprochement par année de notification",
        columns=[Column("Année"), *(Column(label, "int") for label in labels.values()), Column("Ensemble", "int")],
        rows=[
            [str(y), *(by_year.get((y, code), 0) for code in labels), sum(by_year.get((y, c), 0) for c in labels)]
            for y in years
        ],
        note="Les DECP au format 2019 ne disent pas si un marché comporte une considération sociale : avant le format "
        "2024, un marché suivi ne peut être que rattaché sans déclaration connue, ou absent des DECP.",
    )
    chart = bar_chart(
        [row["libelle_categorie"] for row in current],
        [("Marchés", [row["marches"] for row in current])],
        title=f"Rapprochement DECP et suivi, marchés notifiés en {year}",
        label_width=340,
    )
    declared = sum(row["marches"] for row in current if row["categorie"] in ("declare_et_suivi", "declare_non_suivi"))
    tracked_declared = sum(row["marches"] for row in current if row["categorie"] == "declare_et_suivi")
    return {
        "table": table,
        "history": history,
        "chart": chart,
        "declared": declared,
        "tracked_share": share(tracked_declared, declared),
    }


def _methodology() -> list[dict[str, Any]]:
    """Titles and definitions of the open-data sets the report uses: one wording for the report and the data."""
    return [
        {"name": name, "title": DATASETS_BY_NAME[name].title, "definitions": DATASETS_BY_NAME[name].definitions}
        for name in METHOD_DATASETS
    ]


NO_DECP = (
    "Aucun fichier DECP (données essentielles de la commande publique) n'a encore été chargé : les marchés publics, "
    "leurs considérations sociales et leur rapprochement avec les marchés suivis figureront dans ce rapport après le "
    "premier chargement."
)


def annual_report_context(open_data: OpenData, warehouse: Path, year: int) -> dict[str, Any]:
    """Everything the annual report template shows, computed from the open data and the warehouse."""
    _check_year(open_data, year)
    region = territory_figures(open_data, _region(open_data), year)
    territories = fiche_territories(warehouse)
    departements = [territory_figures(open_data, t, year) for t in territories if t.level == "departement"]
    epts = [territory_figures(open_data, t, year) for t in territories if t.level == "ept"]
    contracts = (contract_figures(open_data, year), contract_figures(open_data, year - 1))
    quality = quality_figures(warehouse)
    # No DECP file loaded yet: the contract sections say so instead of showing zeros.
    decp_loaded = bool(open_data.rows("select 1 as found from marches_clauses_sociales limit 1"))
    return {
        "year": year,
        "previous_year": year - 1,
        "region": region,
        "decp_loaded": decp_loaded,
        "no_decp": NO_DECP,
        "key_figures": key_figures(region, contracts if decp_loaded else None),
        "contracts": contracts[0],
        "contracts_previous": contracts[1],
        "contracts_by_buyer": contracts_table(open_data, year, by="type_acheteur"),
        "contracts_by_sector": contracts_table(open_data, year, by="secteur_cpv", limit=12),
        "contracts_chart": _contracts_chart(open_data, year),
        "hours_by_year_chart": hours_by_year_chart(region),
        "monthly_chart": column_chart(
            list(MONTHS_FR_SHORT),
            [(f"Heures réalisées {year}", region.monthly_hours)],
            title=f"Heures réalisées par mois en {year}, opérations situées en {region.territory.name}",
        ),
        "place_chart": bar_chart(
            [f.territory.name for f in departements],
            [
                ("Heures prévues", [f.place(year, "heures_prevues") for f in departements]),
                ("Heures réalisées", [f.place(year, "heures_realisees") for f in departements]),
            ],
            title=f"Heures prévues et réalisées en {year} par département de l'opération",
        ),
        "place_departements": _place_table(
            departements, year, f"Heures d'insertion en {year} par département de l'opération", total=region
        ),
        "place_epts": _place_table(
            epts, year, f"Heures d'insertion en {year} par territoire de l'opération (Métropole du Grand Paris)"
        ),
        "pyramid": pyramid(region),
        "dimensions": [
            {
                "title": DIMENSION_TITLES[dimension],
                "table": breakdown_table(dimension, region),
                "chart": dimension_chart(dimension, region) if len(region.breakdowns.get(dimension, [])) > 2 else None,
            }
            for dimension in DIMENSION_TITLES
        ],
        "exits_table": exits_table(region),
        "exits_chart": bar_chart(
            [item.label for item in region.exits],
            [
                (f"Sorties {year}", [item.current for item in region.exits]),
                (f"Sorties {year - 1}", [item.previous for item in region.exits]),
            ],
            title=f"Sorties par issue, {year} et {year - 1}",
        ),
        "residence_departements": _residence_table(
            departements, year, f"Bénéficiaires {year} par département de résidence", total=region
        ),
        "residence_epts": _residence_table(
            epts, year, f"Bénéficiaires {year} par territoire de résidence (Métropole du Grand Paris)"
        ),
        "structures": _structures_table(departements, region),
        "programmes": _programmes(open_data, year),
        "reconciliation": _reconciliation(open_data, year),
        "quality": quality,
        "methodology": _methodology(),
    }


def _contracts_chart(open_data: OpenData, year: int) -> Markup:
    rows = open_data.rows(
        """
        select any_value(libelle_type_acheteur) as label, sum(marches_avec_consideration_sociale) as social,
            sum(marches_avec_clause_sociale) as clause
        from marches_clauses_sociales where annee = ? group by type_acheteur order by social desc, label
        """,
        year,
    )
    return bar_chart(
        [row["label"] for row in rows],
        [
            ("Avec considération sociale", [row["social"] for row in rows]),
            ("Avec clause sociale", [row["clause"] for row in rows]),
        ],
        title=f"Marchés notifiés en {year} avec une considération ou une clause sociale, par type d'acheteur",
    )


# --- territory fiches ------------------------------------------------------------------------------------------


def fiche_context(open_data: OpenData, territory: Territory, year: int) -> dict[str, Any]:
    figures = territory_figures(open_data, territory, year)
    contracts = None
    if territory.level == "departement":
        contracts = (
            contract_figures(open_data, year, territory.code),
            contract_figures(open_data, year - 1, territory.code),
        )
    headline = key_figures(figures, contracts)
    tables = {
        dimension: breakdown_table(dimension, figures, compact=True, limit=0 if dimension in NATURAL_ORDER else 5)
        for dimension in ("niveau_diplome", "public", "type_contrat", "modalite_realisation", "prescripteur")
    }
    exits = exits_table(figures, compact=True)
    charted = [value for by_band in figures.pyramid.values() for value in by_band.values()]
    charted += [
        figures.place(y, column) for y in figures.place_by_year for column in ("heures_prevues", "heures_realisees")
    ]
    return {
        "territory": territory,
        "figures": figures,
        "key_figures": headline,
        "pyramid": pyramid(figures, width=360),
        "hours_chart": hours_by_year_chart(figures, width=360, height=150),
        "tables": tables,
        "exits": exits,
        # the mention says "some values of this fiche are masked": only what the fiche shows counts
        "has_secret": any(table.has_secret for table in [*tables.values(), exits])
        or any(figure.value is MASKED for figure in headline)
        or MASKED in charted,
    }


# --- rendering ---------------------------------------------------------------------------------------------------


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        cell=cell, number=format_number, percent=format_percent, change=format_change, points=format_points
    )
    return environment


def _common_context(warehouse: Path) -> dict[str, Any]:
    with connect_reader(warehouse) as con:
        (loaded_at,) = con.execute(_tolerant(con, LAST_LOAD_SQL)).fetchone()
    return {
        "css": Markup((TEMPLATES_DIR / "report.css").read_text(encoding="utf-8")),
        "threshold": load_settings().secrecy_threshold,
        "producer": PRODUCER,
        "licence": LICENCE,
        "generated_on": format_date(dt.date.today()),
        "loaded_on": format_date(loaded_at.date()) if loaded_at else None,
    }


def _write_atomically(path: Path, content: bytes) -> None:
    """Write next to ``path`` then rename, so a reader never opens a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    partial.write_bytes(content)
    os.replace(partial, path)


def _render_pdf(html: str) -> Any:
    """Lay out ``html`` for print (a ``weasyprint.Document``). WeasyPrint is imported here, when a PDF is made:
    importing it loads Pango and fonts, which the rest of the pipeline does not need."""
    import weasyprint

    return weasyprint.HTML(string=html, base_url=str(TEMPLATES_DIR)).render()


def render_annual_report(open_data_dir: Path, warehouse: Path, year: int, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<year>/rapport_annuel_<year>.html`` and ``.pdf``; return both paths."""
    with OpenData(Path(open_data_dir)) as open_data:
        context = annual_report_context(open_data, Path(warehouse), year)
    context |= _common_context(Path(warehouse))
    context["title"] = f"Rapport annuel {year} — clauses sociales dans les marchés publics en Île-de-France"
    html = _environment().get_template("annual_report.html.j2").render(context)
    folder = Path(out_dir) / str(year)
    html_path, pdf_path = folder / f"rapport_annuel_{year}.html", folder / f"rapport_annuel_{year}.pdf"
    _write_atomically(html_path, html.encode("utf-8"))
    _write_atomically(pdf_path, _render_pdf(html).write_pdf())
    return [html_path, pdf_path]


def render_territory_fiches(open_data_dir: Path, warehouse: Path, year: int, out_dir: Path) -> list[Path]:
    """Write ``out_dir/<year>/fiches/<territory code>.html`` and ``.pdf`` for the 8 départements, the 11 EPT and
    Paris, and all of them in one PDF, ``out_dir/<year>/fiches_territoriales_<year>.pdf``; return the paths."""
    territories = fiche_territories(Path(warehouse))
    with OpenData(Path(open_data_dir)) as open_data:
        _check_year(open_data, year)
        contexts = [fiche_context(open_data, territory, year) for territory in territories]
    common = _common_context(Path(warehouse))
    template = _environment().get_template("fiche.html.j2")
    folder = Path(out_dir) / str(year)
    paths, documents = [], []
    for context in contexts:
        territory = context["territory"]
        html = template.render(
            context
            | common
            | {
                "year": year,
                "previous_year": year - 1,
                "title": f"{territory.name} — fiche territoriale {year} des clauses sociales",
            }
        )
        document = _render_pdf(html)
        html_path, pdf_path = folder / "fiches" / f"{territory.code}.html", folder / "fiches" / f"{territory.code}.pdf"
        _write_atomically(html_path, html.encode("utf-8"))
        _write_atomically(pdf_path, document.write_pdf())
        paths += [html_path, pdf_path]
        documents.append(document)
    combined = folder / f"fiches_territoriales_{year}.pdf"
    all_fiches = documents[0].copy([page for document in documents for page in document.pages])
    all_fiches.metadata = copy.copy(all_fiches.metadata)  # shared with the first fiche otherwise
    all_fiches.metadata.title = f"Fiches territoriales {year} des clauses sociales en Île-de-France"
    _write_atomically(combined, all_fiches.write_pdf())
    return [*paths, combined]
