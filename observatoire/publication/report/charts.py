"""Charts of the report and the fiches: inline SVG drawn from the figures (no JavaScript); a masked value shows
"s" instead of a bar."""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from observatoire.publication.report.data import AGE_BANDS, TerritoryFigures
from observatoire.publication.report.formatting import DIMENSION_TITLES, MASKED, Value, format_number, is_number

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
    numbers = [float(v) for _, values in series for v in values if is_number(v)]
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
            if is_number(value):
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
    numbers = [float(v) for _, values in series for v in values if is_number(v)]
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
            if is_number(value):
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
    numbers = [float(v) for v in (*women, *men) if is_number(v)]
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
            length = usable * float(value) / maximum if is_number(value) else 0.0
            x = centre_left - length if left_side else centre_right
            if length:
                colour = SERIES_COLOURS[2] if left_side else SERIES_COLOURS[0]
                body.append(
                    f'<rect x="{x:.1f}" y="{y + 1}" width="{length:.1f}" height="{bar_height - 3}" fill="{colour}"/>'
                )
            text_x = (x - 3) if left_side else (x + length + 3)
            body.append(_value_label(text_x, y + bar_height / 2 + 3, value, anchor="end" if left_side else "start"))
    return _svg(width, height, title, body)


# --- charts of a territory -----------------------------------------------------------------------------------


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
