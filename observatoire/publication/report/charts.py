"""Charts of the report and the fiches, drawn by Vega-Lite (Altair specifications rendered to SVG by vl-convert,
offline: the data are inline and no URL may be fetched) and embedded inline in the HTML and the PDF. Numbers are
French (``12 345``); a masked value shows a grey "s" instead of a bar; each chart carries its title and a text
description of its figures (``<title>``, ``<desc>``, ``aria-label``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import altair as alt
import vl_convert
from altair.utils.schemapi import debug_mode
from markupsafe import Markup, escape

from observatoire.publication.report.data import (
    AGE_BANDS,
    ContractGroup,
    MapArea,
    ProgrammeYear,
    ReconciliationCount,
    TerritoryFigures,
    map_areas,
)
from observatoire.publication.report.formatting import (
    DIMENSION_TITLES,
    MASKED,
    MONTHS_FR_SHORT,
    NNBSP,
    Value,
    format_number,
    is_number,
)

SERIES_COLOURS = ("#1f4e79", "#9dbbd8", "#c0504d")
INK, MUTED, GRID = "#1e1e1e", "#5b6673", "#c9d1da"
#: Maps, as in the dataviz: a blue ramp for the figures, a masked territory grey with white hatches, a territory
#: with nothing published white, the territory of a fiche outlined in orange.
MAP_RAMP, MAP_SECRET, MAP_BORDER, MAP_FOCUS = ("#bcd3ee", "#0d3160"), "#b9bec7", "#8a94a3", "#e8590c"
#: The family report.css declares with its file (fonts-dejavu-core): the SVG text is text, laid out by WeasyPrint.
FONT = "Observatoire Sans"
#: d3-format locale of the axes: ``12 345``, ``−3``, as :func:`format_number` prints.
FRENCH_NUMBERS = {"decimal": ",", "thousands": NNBSP, "grouping": [3], "currency": ["", f"{NNBSP}€"], "minus": "−"}
#: Vega-Lite configuration shared by every chart: the report's font and colours, no frame, no background, no
#: English ARIA text (the chart's French title and description are on the ``<svg>`` element).
CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "transparent",
    "padding": 0,
    "view": {"stroke": None},
    "aria": False,
    "axis": {"labelColor": INK, "labelFontSize": 8.5, "domain": False, "ticks": False, "title": None},
    "legend": {"labelColor": INK, "labelFontSize": 9, "symbolType": "square", "title": None, "orient": "top"},
    "text": {"color": INK, "fontSize": 8.5},
    "title": {"color": INK, "fontSize": 9, "fontWeight": "bold"},
}


def _svg(build: Callable[[], alt.TopLevelMixin], title: str, description: str, defs: str = "") -> Markup:
    """The chart ``build`` specifies, as an inline ``<svg>`` with its title, description and SVG ``defs``
    (the paint servers, such as a hatching pattern, that its marks refer to)."""
    # Not checked against the Vega-Lite schema here (a quarter of a second a chart): the specifications depend on
    # the figures only through their inline data, and the tests check each kind (tests/publication/test_report_charts).
    with debug_mode(False):
        chart = build()
    svg = vl_convert.vegalite_to_svg(
        chart.to_dict(validate=False),
        vl_version="6.4",
        config=CONFIG,
        allowed_base_urls=[],  # the data are inline: nothing is fetched
        format_locale=FRENCH_NUMBERS,
    )
    opening = svg.index(">") + 1
    return Markup(
        svg[: opening - 1].replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)
        + f"><title>{escape(title)}</title><desc>{escape(description)}</desc>{defs}"
        + svg[opening:]
    )


def _rows(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]]) -> list[dict[str, Any]]:
    """One row per category and series: the value (None: no bar), where its printed value goes, and that text."""
    return [
        {
            "category": category,
            "series": name,
            "value": float(values[index]) if is_number(values[index]) else None,
            "position": float(values[index]) if is_number(values[index]) else 0.0,
            "text": format_number(values[index]),
            "masked": values[index] is MASKED,
        }
        for index, category in enumerate(categories)
        for name, values in series
    ]


def _description(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]]) -> str:
    """``Paris : Heures prévues 1 200, Heures réalisées s ; ...`` ("s": secret statistique)."""
    lines = [
        f"{category} : " + ", ".join(f"{name} {format_number(values[index])}" for name, values in series)
        for index, category in enumerate(categories)
    ]
    masked = any(MASKED in values for _, values in series)
    return " ; ".join(lines) + (" (s : secret statistique)" if masked else "")


def _colour(series: Sequence[tuple[str, Sequence[Value]]]) -> alt.Color:
    names = [name for name, _ in series]
    return alt.Color(
        "series:N",
        scale=alt.Scale(domain=names, range=list(SERIES_COLOURS[: len(names)])),
        legend=alt.Legend() if len(names) > 1 else None,
    )


def _value_labels(base: alt.Chart, encoding: dict[str, Any], **mark: Any) -> alt.Chart:
    """The printed values that are not masked (a number, or "–" for no data)."""
    return base.mark_text(**mark).encode(**encoding, text="text:N").transform_filter("!datum.masked")


def _secret_labels(
    base: alt.Chart, encoding: dict[str, Any], rows: list[dict[str, Any]], **mark: Any
) -> list[alt.Chart]:
    """The masked values as a grey "s", in a layer named ``secret`` (its SVG class), drawn only if there is one."""
    if not any(row["masked"] for row in rows):
        return []
    return [
        base.mark_text(**mark, color=MUTED)
        .encode(**encoding, text="text:N")
        .transform_filter("datum.masked")
        .properties(name="secret")
    ]


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    title: str,
    width: int = 640,
    label_width: int = 210,
) -> Markup:
    """Horizontal bars, one group per label and one bar per series, each with its value printed at its end."""
    return _svg(lambda: bar_spec(labels, series, width, label_width), title, _description(labels, series))


def bar_spec(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]], width: int, label_width: int
) -> alt.LayerChart:
    """The Vega-Lite specification of :func:`bar_chart`."""
    rows = _rows(labels, series)
    names = [name for name, _ in series]
    value_width, bar_height = 74, 12
    group_height = bar_height * len(series) + 6
    plot_width = width - label_width
    maximum = max((row["value"] for row in rows if row["value"] is not None), default=0.0) or 1.0
    y = alt.Y(
        "category:N",
        sort=list(labels),
        scale=alt.Scale(paddingInner=6 / group_height, paddingOuter=0.1),
        axis=alt.Axis(labelFontSize=9.5, labelLimit=label_width - 6, minExtent=label_width, maxExtent=label_width),
    )
    x = alt.X("position:Q", axis=None, scale=alt.Scale(domain=[0, maximum * plot_width / (plot_width - value_width)]))
    encoding = {"y": y, "yOffset": alt.YOffset("series:N", sort=names), "x": x}
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar().encode(**encoding, color=_colour(series)).transform_filter("datum.value != null")
    labels_mark = {"align": "left", "dx": 3}
    return alt.layer(
        bars, _value_labels(base, encoding, **labels_mark), *_secret_labels(base, encoding, rows, **labels_mark)
    ).properties(width=plot_width, height=alt.Step(**{"step": group_height, "for": "position"}))


def column_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Value]]],
    *,
    title: str,
    width: int = 640,
    height: int = 190,
) -> Markup:
    """Vertical bars over categories (months, years) with a value axis; a masked value shows "s" on the axis."""
    return _svg(lambda: column_spec(categories, series, width, height), title, _description(categories, series))


def column_spec(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]], width: int, height: int
) -> alt.LayerChart:
    """The Vega-Lite specification of :func:`column_chart`."""
    rows = _rows(categories, series)
    names = [name for name, _ in series]
    axis_width = 58
    x = alt.X("category:N", sort=list(categories), axis=alt.Axis(labelAngle=0), scale=alt.Scale(paddingInner=0.2))
    y = alt.Y("position:Q", axis=alt.Axis(format=",.0f", tickCount=4, gridColor=GRID, gridWidth=0.6))
    encoding = {"x": x, "xOffset": alt.XOffset("series:N", sort=names), "y": y}
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar().encode(**encoding, color=_colour(series)).transform_filter("datum.value != null")
    return alt.layer(bars, *_secret_labels(base, encoding, rows, align="center", dy=-6)).properties(
        width=width - axis_width, height=height - (42 if len(series) > 1 else 26)
    )


def pyramid_chart(
    bands: Sequence[str], women: Sequence[Value], men: Sequence[Value], *, title: str, width: int = 640
) -> Markup:
    """Age pyramid: women on the left, men on the right, one row per age band (youngest at the bottom)."""
    description = _description(bands, [("femmes", women), ("hommes", men)])
    return _svg(lambda: pyramid_spec(bands, women, men, width), title, description)


def pyramid_spec(bands: Sequence[str], women: Sequence[Value], men: Sequence[Value], width: int) -> alt.HConcatChart:
    """The Vega-Lite specification of :func:`pyramid_chart`."""
    centre_width, bar_height = 120, 20
    side = (width - centre_width) / 2
    values = [value for value in (*women, *men) if is_number(value)]
    maximum = max(values, default=0.0) or 1.0
    y = alt.Y("category:N", sort=list(reversed(bands)), axis=None, scale=alt.Scale(paddingInner=3 / bar_height))

    def half(name: str, figures: Sequence[Value], colour: str, left: bool) -> alt.LayerChart:
        rows = _rows(bands, [(name, figures)])
        x = alt.X("position:Q", axis=None, scale=alt.Scale(domain=[0, maximum * side / (side - 62)], reverse=left))
        base = alt.Chart(alt.Data(values=rows))
        bars = base.mark_bar(color=colour).encode(y=y, x=x).transform_filter("datum.value != null")
        labels_mark = {"align": "right", "dx": -3} if left else {"align": "left", "dx": 3}
        labels = [
            _value_labels(base, {"y": y, "x": x}, **labels_mark),
            *_secret_labels(base, {"y": y, "x": x}, rows, **labels_mark),
        ]
        heading = alt.Title(name, anchor="end" if left else "start")
        return alt.layer(bars, *labels, title=heading).properties(width=side, height=alt.Step(bar_height))

    centre = (
        alt.Chart(alt.Data(values=[{"category": band} for band in bands]), title=alt.Title(" "))
        .mark_text(fontSize=9)
        .encode(y=y, text="category:N")
        .properties(width=centre_width, height=alt.Step(bar_height))
    )
    return alt.hconcat(
        half("Femmes", women, SERIES_COLOURS[2], True), centre, half("Hommes", men, SERIES_COLOURS[0], False), spacing=0
    )


# --- the charts of the report and the fiches ----------------------------------------------------------------


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


def monthly_hours_chart(figures: TerritoryFigures) -> Markup:
    return column_chart(
        list(MONTHS_FR_SHORT),
        [(f"Heures réalisées {figures.year}", figures.monthly_hours)],
        title=f"Heures réalisées par mois en {figures.year}, opérations situées en {figures.territory.name}",
    )


def place_chart(departements: Sequence[TerritoryFigures], year: int) -> Markup:
    return bar_chart(
        [f.territory.name for f in departements],
        [
            ("Heures prévues", [f.place(year, "heures_prevues") for f in departements]),
            ("Heures réalisées", [f.place(year, "heures_realisees") for f in departements]),
        ],
        title=f"Heures prévues et réalisées en {year} par département de l'opération",
    )


def exits_chart(figures: TerritoryFigures) -> Markup:
    year = figures.year
    return bar_chart(
        [item.label for item in figures.exits],
        [
            (f"Sorties {year}", [item.current for item in figures.exits]),
            (f"Sorties {year - 1}", [item.previous for item in figures.exits]),
        ],
        title=f"Sorties par issue, {year} et {year - 1}",
    )


def contracts_chart(groups: Sequence[ContractGroup], year: int) -> Markup:
    """Contracts by buyer type: by contracts with a social consideration, then by name (a missing name last)."""
    rows = sorted(groups, key=lambda row: (-row.social, row.label is None, row.label or ""))
    return bar_chart(
        [row.label for row in rows],
        [
            ("Avec considération sociale", [row.social for row in rows]),
            ("Avec clause sociale", [row.clause for row in rows]),
        ],
        title=f"Marchés notifiés en {year} avec une considération ou une clause sociale, par type d'acheteur",
    )


def programmes_chart(rows: Sequence[ProgrammeYear], focus: Sequence[str], year: int) -> Markup:
    """Hours worked each year up to ``year`` on the ``focus`` programmes (their codes)."""
    years = sorted({row.year for row in rows if row.year <= year})
    worked = {(row.programme, row.year): row.worked for row in rows}
    labels = {row.programme: row.label for row in rows}
    return column_chart(
        [str(y) for y in years],
        [(labels[code].split(" (")[0], [worked.get((code, y)) for y in years]) for code in focus],
        title="Heures réalisées par année sur les grands programmes",
    )


def reconciliation_chart(current: Sequence[ReconciliationCount], year: int) -> Markup:
    return bar_chart(
        [row.label for row in current],
        [("Marchés", [row.contracts for row in current])],
        title=f"Rapprochement DECP et suivi, marchés notifiés en {year}",
        label_width=340,
    )


def residence_map(
    level: str,
    values: Mapping[str, Value],
    year: int,
    *,
    focus: str | None = None,
    width: int = 300,
    height: int = 260,
    legend: bool = True,
) -> Markup:
    """Beneficiaries of ``year`` by territory of residence (``values``: territory code -> figure) on the map of the
    départements of Île-de-France or (``ept``) of the territories of the Métropole du Grand Paris; a masked figure
    hatched grey, no figure white; the territory ``focus`` (a code) outlined; the colour scale under the map if
    ``legend``. The description lists every territory's figure."""
    areas = map_areas(level, width)
    where = "département" if level == "departement" else "territoire de la Métropole du Grand Paris"
    title = f"Bénéficiaires {year} par {where} de résidence"
    lines = [f"{area.name} : {format_number(values.get(area.code))}" for area in areas]
    masked = any(values.get(area.code) is MASKED for area in areas)
    description = " ; ".join(lines) + (" (s : secret statistique, territoire hachuré)" if masked else "")
    # one pattern id per map: several maps share the HTML page of the report
    pattern = "hachures-" + hashlib.sha1(title.encode()).hexdigest()[:8]
    defs = (
        f'<defs><pattern id="{pattern}" patternUnits="userSpaceOnUse" width="4" height="4" '
        f'patternTransform="rotate(45)"><rect width="4" height="4" fill="{MAP_SECRET}"/>'
        '<line x1="0" y1="0" x2="0" y2="4" stroke="#ffffff" stroke-width="1.4"/></pattern></defs>'
    )
    return _svg(lambda: map_spec(areas, values, focus, width, height, legend, pattern), title, description, defs)


def map_spec(
    areas: Sequence[MapArea],
    values: Mapping[str, Value],
    focus: str | None,
    width: int,
    height: int,
    legend: bool = True,
    pattern: str = "hachures",
) -> alt.LayerChart:
    """The Vega-Lite specification of :func:`residence_map`: layers ``absent`` (nothing published), ``figures``,
    ``masked`` (filled with the SVG pattern ``pattern``; not ``secret``, the layer of the "s" printed by the
    charts) and the ``focus`` outline."""
    features = [
        {
            "type": "Feature",
            "geometry": area.geometry,
            "properties": {
                "code": area.code,
                "value": float(values[area.code]) if is_number(values.get(area.code)) else None,
                "masked": values.get(area.code) is MASKED,
            },
        }
        for area in areas
    ]
    maximum = max((f["properties"]["value"] for f in features if f["properties"]["value"] is not None), default=0.0)
    base = alt.Chart(alt.Data(values=features))
    stroke = {"stroke": "#ffffff", "strokeWidth": 0.6}
    layers = [
        base.mark_geoshape(fill="#ffffff", stroke=MAP_BORDER, strokeWidth=0.6)
        .transform_filter("datum.properties.value == null && !datum.properties.masked")
        .properties(name="absent"),
        base.mark_geoshape(**stroke)
        .encode(
            color=alt.Color(
                "properties.value:Q",
                scale=alt.Scale(domain=[0, maximum or 1.0], range=list(MAP_RAMP)),
                legend=alt.Legend(orient="bottom", format=",.0f", gradientLength=width * 0.6, tickCount=3)
                if legend
                else None,
            )
        )
        .transform_filter("datum.properties.value != null")
        .properties(name="figures"),
        base.mark_geoshape(**stroke, fill=f"url(#{pattern})")
        .transform_filter("datum.properties.masked")
        .properties(name="masked"),
    ]
    if any(f["properties"]["masked"] for f in features):  # the key of the hatching, in the bottom left corner
        key = alt.Chart(alt.Data(values=[{}]))
        layers += [
            key.mark_square(size=60, fill=f"url(#{pattern})", stroke=MAP_BORDER, strokeWidth=0.5)
            .encode(x=alt.value(5), y=alt.value(height - 5))
            .properties(name="masked_key"),
            key.mark_text(align="left", baseline="middle", fontSize=8, color=MUTED)
            .encode(x=alt.value(12), y=alt.value(height - 5), text=alt.value("secret statistique"))
            .properties(name="masked_key_text"),
        ]
    if focus is not None:
        layers.append(
            base.mark_geoshape(fill=None, stroke=MAP_FOCUS, strokeWidth=2)
            .transform_filter(f"datum.properties.code === {json.dumps(focus)}")
            .properties(name="focus")
        )
    return alt.layer(*layers).project("mercator").properties(width=width, height=height)
