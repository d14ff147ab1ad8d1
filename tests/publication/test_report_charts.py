"""The report's charts (Vega-Lite, rendered to SVG by vl-convert): valid specifications, and SVGs that print each
figure in French, a masked figure as "s" in the layer the fiches look for, and their title and description."""

from __future__ import annotations

import re

from observatoire.publication.report.charts import (
    MAP_SECRET,
    bar_chart,
    bar_spec,
    column_chart,
    column_spec,
    map_spec,
    pyramid_chart,
    pyramid_spec,
    residence_map,
)
from observatoire.publication.report.data import map_areas
from observatoire.publication.report.formatting import MASKED

NNBSP = "\u202f"
LABELS = ["Seine-Saint-Denis", "Essonne", "Val-d'Oise"]
SERIES = [("Heures prévues", [12345, MASKED, None]), ("Heures réalisées", [9000.4, 150, 0])]


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg.replace("&#x27;", "'").replace("&#39;", "'"))


def secret_texts(svg: str) -> list[str]:
    """Texts of the layers named ``secret`` (Vega-Lite adds a number when a chart has several)."""
    layers = re.findall(r'<g class="mark-text role-mark secret(?:_\d+)?_marks"[^>]*>(.*?)</g>', svg, re.S)
    return [text for layer in layers for text in texts(layer)]


def test_every_kind_of_chart_is_a_valid_vega_lite_specification() -> None:
    for spec in (
        bar_spec(LABELS, SERIES, width=640, label_width=210),
        bar_spec(LABELS[:1], SERIES[:1], width=360, label_width=250),
        column_spec(LABELS, SERIES, width=640, height=190),
        column_spec(["janv."], [("Heures", [None])], width=360, height=150),
        pyramid_spec(["moins de 26 ans", "26 à 49 ans"], [40, MASKED], [None, 7], width=360),
        map_spec(map_areas("departement", 300), {"93": 120, "75": MASKED}, None, 300, 260),
        map_spec(map_areas("ept", 170), {}, "75056", 170, 140, legend=False),
    ):
        assert spec.to_dict(validate=True)["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")


def test_a_bar_chart_prints_each_figure_in_french_and_a_masked_one_as_s() -> None:
    svg = str(bar_chart(LABELS, SERIES, title="Heures par département"))
    assert svg.startswith('<svg role="img" aria-label="Heures par département"')
    assert "<title>Heures par département</title>" in svg
    assert (
        f"<desc>Seine-Saint-Denis : Heures prévues 12{NNBSP}345, Heures réalisées 9{NNBSP}000 ; Essonne : Heures "
        "prévues s, Heures réalisées 150 ; Val-d&#39;Oise : Heures prévues –, Heures réalisées 0 "
        "(s : secret statistique)</desc>"
    ) in svg
    printed = texts(svg)
    assert [label for label in LABELS if label in printed] == LABELS
    assert {f"12{NNBSP}345", f"9{NNBSP}000", "150", "–", "0", "Heures prévues", "Heures réalisées"} <= set(printed)
    assert secret_texts(svg) == ["s"]


def test_a_chart_without_masked_figure_has_no_secret_layer() -> None:
    svg = str(bar_chart(LABELS[:1], [("Marchés", [3])], title="Marchés"))
    assert "secret" not in svg and "3" in texts(svg)


def test_a_column_chart_has_a_french_value_axis() -> None:
    svg = str(column_chart(["2023", "2024"], [("Heures réalisées", [25000, MASKED])], title="Heures par année"))
    printed = texts(svg)
    assert {"2023", "2024", "0", f"10{NNBSP}000", f"20{NNBSP}000"} <= set(printed)
    assert secret_texts(svg) == ["s"]


def test_a_pyramid_puts_women_and_men_on_each_side_of_the_age_bands() -> None:
    svg = str(pyramid_chart(["moins de 26 ans", "26 à 49 ans"], [40, MASKED], [MASKED, 7], title="Pyramide"))
    printed = texts(svg)
    assert printed.index("Femmes") < printed.index("Hommes")
    assert {"moins de 26 ans", "26 à 49 ans", "40", "7"} <= set(printed)
    assert secret_texts(svg) == ["s", "s"]  # one on each side


def map_layer(svg: str, name: str) -> list[str]:
    """The ``<path>`` elements of a map's layer ``name`` (each territory drawn is one path)."""
    layers = re.findall(rf'<g class="mark-shape role-mark {name}_marks"[^>]*>(.*?)</g>', svg, re.S)
    return [path for layer in layers for path in re.findall(r"<path[^>]*/>", layer)]


def test_a_map_colours_each_figure_hatches_a_masked_one_and_outlines_the_fiche_territory() -> None:
    values = {"75": 1200, "93": 4567, "94": 0, "77": 35, "92": MASKED}  # 78, 91 and 95: nothing published
    svg = str(residence_map("departement", values, 2024, focus="93"))
    assert svg.startswith('<svg role="img" aria-label="Bénéficiaires 2024 par département de résidence"')
    assert (
        f"<desc>Paris : 1{NNBSP}200 ; Seine-et-Marne : 35 ; Yvelines : – ; Essonne : – ; Hauts-de-Seine : s ; "
        f"Seine-Saint-Denis : 4{NNBSP}567 ; Val-de-Marne : 0 ; Val-d&#39;Oise : – "
        "(s : secret statistique, territoire hachuré)</desc>"
    ) in svg
    assert len(map_layer(svg, "figures")) == 4 and len(map_layer(svg, "absent")) == 3
    # the masked territory is filled with the hatching pattern the SVG defines (grey with white lines)
    (hatched,) = map_layer(svg, "masked")
    pattern = re.search(r'fill="url\(#([\w-]+)\)"', hatched).group(1)
    assert re.search(rf'<pattern id="{pattern}"[^>]*><rect [^>]*fill="{MAP_SECRET}"/><line ', svg)
    assert len(map_layer(svg, "focus")) == 1
    # the lightest blue for 0, the darkest for the largest figure
    fills = {re.search(r'fill="(rgb\([^)]*\))"', path).group(1) for path in map_layer(svg, "figures")}
    assert {"rgb(188, 211, 238)", "rgb(13, 49, 96)"} <= fills  # #bcd3ee and #0d3160, the ends of MAP_RAMP


def test_a_map_without_masked_figure_has_no_hatching_and_two_maps_do_not_share_a_pattern() -> None:
    svg = str(residence_map("ept", {"75056": 10}, 2024, width=170, height=140, legend=False))
    assert map_layer(svg, "masked") == [] and "secret statistique" not in svg
    assert len(map_layer(svg, "figures")) == 1 and len(map_layer(svg, "absent")) == 11  # 11 EPT and Paris
    ids = {
        re.search(r'<pattern id="([\w-]+)"', str(residence_map(level, {}, 2024))).group(1)
        for level in ("departement", "ept")
    }
    assert len(ids) == 2


def test_map_outlines_are_simplified_to_the_printed_size() -> None:
    def vertices(areas) -> int:
        return sum(len(ring) for area in areas for polygon in area.geometry["coordinates"] for ring in polygon)

    small, large = map_areas("departement", 170), map_areas("departement", 600)
    assert [area.code for area in small] == ["75", "77", "78", "91", "92", "93", "94", "95"]
    assert vertices(small) < vertices(large) < 5_559  # the reference file's vertices
    assert vertices(small) < 1_500
