"""The report names only the fonts it declares: every font-family of its stylesheet, templates and charts is one of
the families of its @font-face rules, each bound to a file of the Debian package the project installs. So the PDF
does not depend on which other fonts a machine has (nothing is installed by this test)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "observatoire" / "publication" / "templates" / "report"
SYSTEM_PACKAGES = REPO / "tools" / "install_system_packages.sh"


def test_the_report_names_only_its_declared_fonts() -> None:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    faces = re.findall(r"@font-face\s*{([^}]*)}", css)
    declared = {re.search(r'font-family:\s*"([^"]+)"', face).group(1) for face in faces}
    files = [Path(re.search(r'url\("file://([^"]+)"\)', face).group(1)) for face in faces]
    assert declared == {"Observatoire Sans", "Observatoire Mono"}
    assert all(path.parent == Path("/usr/share/fonts/truetype/dejavu") for path in files)
    assert "fonts-dejavu-core" in SYSTEM_PACKAGES.read_text()  # the package that ships those files
    rules = re.sub(r"@font-face\s*{[^}]*}", "", css)
    sources = [rules, *(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.j2"))]
    sources += [p.read_text(encoding="utf-8") for p in (REPO / "observatoire" / "publication").rglob("*.py")]
    named = set()
    for text in sources:  # a value runs to ';', '}' or the end of the line, and stops at a Python quote or comment
        for value in re.findall(r"font-family\s*[:=]\s*([^;}\n'#]+)", text):
            named |= {name.strip().strip('"') for name in value.split(",")}
    named.discard("")
    assert named and named <= declared, f"fonts named but not declared: {named - declared}"


def test_the_declared_font_files_exist_here() -> None:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    for path in re.findall(r'url\("file://([^"]+)"\)', css):
        assert Path(path).is_file(), f"{path}: run `make system-packages` (fonts-dejavu-core)"


def test_the_charts_write_their_text_as_text_in_a_declared_font() -> None:
    """Vega-Lite (vl-convert) draws the charts: their words and numbers stay SVG text, in the report's family, so
    WeasyPrint lays them out with the same font file as the rest of the PDF (no glyph drawn as a path)."""
    from observatoire.publication.report.charts import bar_chart, column_chart, pyramid_chart
    from observatoire.publication.report.formatting import MASKED

    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    declared = set(re.findall(r'@font-face\s*{[^}]*font-family:\s*"([^"]+)"', css))
    charts = {  # each chart, and words it must print
        bar_chart(["Seine-Saint-Denis", "Essonne"], [("Heures prévues", [12345, MASKED])], title="Barres"): [
            "Seine-Saint-Denis",
            "12\u202f345",
            "s",
        ],
        column_chart(["janv.", "févr."], [("Heures réalisées", [2500, 1200.4])], title="Colonnes"): [
            "janv.",
            "2\u202f000",
        ],
        pyramid_chart(["moins de 26 ans"], [40], [MASKED], title="Pyramide"): ["Femmes", "40", "s"],
    }
    for svg, words in charts.items():
        families = set(re.findall(r'font-family="([^"]+)"', svg))
        assert families and families <= declared, families
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert all(word in texts for word in words), (words, texts)
