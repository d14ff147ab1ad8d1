"""The XLSX reader of the tracking exports (python-calamine) yields, on every workbook the tests build, the bad-input
corpus and the idf benchmark workbook, the same lines and cells as openpyxl, the reader it replaced: openpyxl is the
reference here, read in this file."""

from __future__ import annotations

import importlib.util
import re
import struct
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from dlt_sources.suivi_clauses.mapping import header_key
from dlt_sources.suivi_clauses.readers import XLSX_HEADER_SEARCH_ROWS, ExportReadError, open_workbook, read_xlsx

EXCEL_ESCAPE = re.compile(r"_x([0-9A-F]{4})_")
TESTS = Path(__file__).resolve().parents[1]
IDF_WORKBOOKS = sorted(Path("/work/bench_data/idf-seed2024-gen1.0.0-inputs1/generated/suivi_clauses").glob("**/*.xlsx"))


def _module(path: Path) -> Any:
    if str(path.parent) not in sys.path:  # the bad-input catalogues import their neighbours
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"xlsx_reader_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def reference(path: Path, sheet_name: str) -> tuple[int, list[str], list[tuple[int, list[Any]]]]:
    """(header line, header, [(line, cells)] of the non-empty lines below it) as openpyxl reads the sheet: the header
    is the first of the first XLSX_HEADER_SEARCH_ROWS rows with two text cells or more."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        lines = [(line, list(cells)) for line, cells in enumerate(book[sheet_name].iter_rows(values_only=True), 1)]
    finally:
        book.close()
    header_line = next(
        line
        for line, cells in lines[:XLSX_HEADER_SEARCH_ROWS]
        if sum(isinstance(c, str) and bool(c.strip()) for c in cells) >= 2
    )
    header = [str(c).strip() if c is not None else "" for c in lines[header_line - 1][1]]
    rows = [
        (line, [_as_read(c) for c in cells])
        for line, cells in lines[header_line:]
        if any(c not in (None, "") for c in cells)
    ]
    return header_line, header, rows


def _as_read(value: Any) -> Any:
    """openpyxl's value as the tracking rules took it: a date at midnight as a date. openpyxl gives an int or a float
    after the number's spelling in the file ("12" or "12.0"), which calamine does not tell: an integral float is
    taken as an int (Excel and openpyxl write integral numbers without a decimal point, so this changes none of
    their values: the idf workbook, written by openpyxl, holds 90,000 of them)."""
    if isinstance(value, datetime) and value.time() == value.time().min:
        return value.date()
    if type(value) is float and value.is_integer() and abs(value) < 1e16:
        return int(value)
    return value


def trimmed(cells: list[Any]) -> list[Any]:
    """What both readers share: an empty cell is None, a row ends at its last value (openpyxl pads rows to the width
    the file states, calamine to the width of the used range), and a character Excel escaped in a shared string
    ("_x000D_" for a carriage return) is that character: openpyxl leaves shared strings escaped, calamine does not."""
    cells = [
        None if c == "" else EXCEL_ESCAPE.sub(lambda m: chr(int(m[1], 16)), c) if isinstance(c, str) else c
        for c in cells
    ]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


def typed(cells: list[Any]) -> list[tuple[type, Any]]:
    return [(type(c), c) for c in trimmed(cells)]  # 1, 1.0 and True are equal but not the same cell


def assert_same_as_openpyxl(path: Path) -> int:
    """Every sheet of ``path`` with a header row read by both readers; returns the number of data lines compared."""
    book = load_workbook(path, read_only=True)
    names = book.sheetnames
    book.close()
    compared = 0
    workbook = open_workbook(path)
    try:
        for name in names:
            header_line, header, rows = reference(path, name)
            sheet = read_xlsx(path, name, {header_key(h) for h in header if h}, header_key, workbook)
            assert (sheet.header_line, trimmed(sheet.header)) == (header_line, trimmed(header)), (path, name)
            got = [(line, typed(cells)) for line, cells in sheet.rows]
            assert got == [(line, typed(cells)) for line, cells in rows], (path, name)
            compared += len(rows)
    finally:
        workbook.close()
    return compared


# ---------------------------------------------------------------- a workbook written as Excel writes one
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet3.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>
<sheet name="Notes" sheetId="3" state="hidden" r:id="rId3"/>
<sheet name="Heures" sheetId="1" r:id="rId1"/>
<sheet name="Décalée" sheetId="2" r:id="rId2"/>
</sheets></workbook>"""  # noqa: E501
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet3.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""  # noqa: E501
#: cell styles: 0 General, 1 dd/mm/yyyy, 2 mm/yyyy, 3 built-in 14 (short date), 4 dd/mm/yyyy hh:mm, 5 0.00 %, 6 text
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="4"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/><numFmt numFmtId="165" formatCode="mm/yyyy"/>
<numFmt numFmtId="166" formatCode="dd/mm/yyyy\\ hh:mm"/><numFmt numFmtId="167" formatCode="0.00\\ %"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
SHARED_STRINGS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" uniqueCount="9">
<si><t>id_contrat</t></si><si><t>mois</t></si><si><t>heures</t></si>
<si><r><t>C</t></r><r><rPr><b/></rPr><t>1</t></r></si>
<si><t xml:space="preserve">  C2 </t></si><si><t>Saisie_x000D_corrigée</t></si><si><t></t></si>
<si><t>Heures réalisées — export du 02/01/2025</t></si><si><t>0750</t></si>
</sst>"""
SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData>{merges}
</worksheet>"""
#: a title row, a header row, then one row per kind of cell Excel writes (shared and rich strings, integers and
#: decimals, dates in several formats, a date with a time, booleans, formulas with their cached value, errors,
#: a percentage, a code kept as text, a cell and a row written without reference)
HOURS_ROWS = """
<row r="1"><c r="A1" t="s"><v>7</v></c></row>
<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c><c r="C3" t="s"><v>2</v></c><c r="D3" t="s"><v>6</v></c></row>
<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" s="2"><v>45292</v></c><c r="C4"><v>151.67</v></c><c r="D4"><v>75056</v></c><c r="E4" s="6" t="s"><v>8</v></c></row>
<row r="5"><c r="A5" t="s"><v>4</v></c><c r="B5" s="1"><v>45323</v></c><c r="C5"><v>35</v></c><c r="D5" t="b"><v>1</v></c><c r="E5"><v>48080837700042</v></c></row>
<row r="6"><c r="A6" t="str"><f>"C"&amp;"3"</f><v>C3</v></c><c r="B6" s="3"><v>45352</v></c><c r="C6"><f>SUM(C4:C5)</f><v>186.67</v></c><c r="D6" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E6" t="e"><v>#N/A</v></c></row>
<row r="7"><c r="A7" t="s"><v>5</v></c><c r="B7" s="4"><v>45383.5</v></c><c r="C7" s="5"><v>0.125</v></c><c r="D7" t="b"><v>0</v></c><c r="E7"><v>-0</v></c></row>
<row r="8"><c r="A8" t="inlineStr"><is><t>C4</t></is></c><c r="B8" t="str"><v>04/2024</v></c><c r="C8"><v>1E+20</v></c><c r="D8"><v>12.0</v></c><c r="E8" s="4"><v>45383</v></c></row>
<row r="9"><c r="A9" t="s"><v>6</v></c><c r="B9"><f>B8</f><v></v></c></row>
<row r="10"><c t="inlineStr"><is><t>C5</t></is></c><c><v>2</v></c><c t="e"><v>#REF!</v></c></row>
<row><c r="A11" t="inlineStr"><is><t>C6</t></is></c><c r="C11"><v>7</v></c></row>
"""  # noqa: E501
#: the table starts at C4 (empty rows and columns before it), and a merged cell spans two rows
SHIFTED_ROWS = """
<row r="4"><c r="C4" t="s"><v>0</v></c><c r="D4" t="s"><v>1</v></c><c r="E4" t="s"><v>2</v></c></row>
<row r="5"><c r="C5" t="s"><v>3</v></c><c r="D5" s="2"><v>45292</v></c><c r="E5"><v>10</v></c></row>
<row r="6"><c r="C6"/><c r="D6" s="2"><v>45323</v></c><c r="E6"><v>12.5</v></c></row>
"""
NOTES_ROWS = """<row r="1"><c r="A1" t="inlineStr"><is><t>note</t></is></c><c r="B1" t="inlineStr"><is><t>mois</t></is></c></row>"""  # noqa: E501


def _zip(members: dict[str, str | bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def excel_like_workbook(path: Path) -> Path:
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": SHARED_STRINGS,
        "xl/worksheets/sheet1.xml": SHEET.format(dimension='<dimension ref="A1:E11"/>', rows=HOURS_ROWS, merges=""),
        "xl/worksheets/sheet2.xml": SHEET.format(
            dimension="", rows=SHIFTED_ROWS, merges='<mergeCells count="1"><mergeCell ref="C5:C6"/></mergeCells>'
        ),
        "xl/worksheets/sheet3.xml": SHEET.format(dimension="", rows=NOTES_ROWS, merges=""),
    }
    return _zip(parts, path)


def test_an_excel_written_workbook_reads_as_openpyxl_read_it(tmp_path: Path) -> None:
    path = excel_like_workbook(tmp_path / "heures_2024.xlsx")
    assert assert_same_as_openpyxl(path) == 7 + 2  # Heures, Décalée; the hidden Notes has no data line
    # the values themselves, as the file holds them (not only equal to openpyxl's)
    sheet = read_xlsx(path, None, {"note", "mois"}, header_key)  # the first sheet is a hidden one
    assert sheet.header_line == 1 and sheet.header[:2] == ["note", "mois"]
    sheet = read_xlsx(path, "Heures", {"id_contrat", "mois", "heures"}, header_key)
    rows = dict(sheet.rows)
    assert sheet.header_line == 3 and sorted(rows) == [4, 5, 6, 7, 8, 10, 11]  # line 9 holds only empty cells
    assert rows[4] == ["C1", date(2024, 1, 1), 151.67, 75056, "0750"]
    assert typed(rows[5]) == [(str, "  C2 "), (date, date(2024, 2, 1)), (int, 35), (bool, True), (int, 48080837700042)]
    assert rows[6] == ["C3", date(2024, 3, 1), 186.67, "#DIV/0!", "#N/A"]
    assert rows[7] == ["Saisie\rcorrigée", datetime(2024, 4, 1, 12, 0), 0.125, False, 0]
    assert typed(rows[8]) == [
        (str, "C4"),
        (str, "04/2024"),
        (float, 1e20),
        (int, 12),
        (date, date(2024, 4, 1)),
    ]  # "12.0": openpyxl gave 12.0
    assert rows[10][:3] == ["C5", 2, "#REF!"] and trimmed(rows[11]) == ["C6", None, 7]
    shifted = read_xlsx(path, "Décalée", {"id_contrat", "mois", "heures"}, header_key)
    assert shifted.header_line == 4 and shifted.header == ["", "", "id_contrat", "mois", "heures"]
    assert list(shifted.rows) == [
        (5, [None, None, "C1", date(2024, 1, 1), 10]),
        (6, [None, None, None, date(2024, 2, 1), 12.5]),
    ]


def test_a_header_below_the_search_rows_is_not_found(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Heures"
    sheet["A16"], sheet["B16"] = "id_contrat", "mois"
    book.save(tmp_path / "heures.xlsx")
    with pytest.raises(
        ExportReadError, match="aucune ligne d'en-têtes reconnue dans les 15 premières lignes de la feuille 'Heures'"
    ):
        read_xlsx(tmp_path / "heures.xlsx", None, {"id_contrat", "mois"}, header_key)
    sheet["A15"], sheet["B15"] = "id_contrat", "mois"
    book.save(tmp_path / "heures.xlsx")
    assert read_xlsx(tmp_path / "heures.xlsx", None, {"id_contrat", "mois"}, header_key).header_line == 15


def test_the_bad_input_corpus_and_test_workbooks_read_as_openpyxl_read_them(tmp_path: Path) -> None:
    tracking_cases = _module(TESTS / "bad_inputs" / "tracking_cases.py")
    for index, case in enumerate(tracking_cases.CASES):
        case.build(tmp_path / "inbox" / case.id, tmp_path / "mappings", index)
    columnar = _module(TESTS / "dlt_sources" / "test_suivi_clauses_columnar.py")
    columnar.write_spellings(tmp_path / "inbox" / "melange")
    workbooks = sorted((tmp_path / "inbox").glob("**/*.xlsx"))
    readable = [path for path in workbooks if zipfile.is_zipfile(path)]
    assert len(readable) == 5 and len(workbooks) == 6  # one is cut in half
    assert (
        sum(assert_same_as_openpyxl(path) for path in readable) == 2 + (1 + 1) + 2 + 1 + 5
    )  # T07 sorties, T15, T37, marchés, mélange


@pytest.mark.skipif(not IDF_WORKBOOKS, reason="the idf benchmark inputs are not generated on this machine")
def test_the_idf_benchmark_workbook_reads_as_openpyxl_read_it() -> None:
    assert sum(assert_same_as_openpyxl(path) for path in IDF_WORKBOOKS) == 28_650 - 12  # 6 sheets: title + header


def test_unreadable_workbooks_fail_with_a_clear_error(tmp_path: Path) -> None:
    good = excel_like_workbook(tmp_path / "good.xlsx")
    data = good.read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.xlsx").write_text("id_contrat;mois;heures\nC1;01/2024;7\n", encoding="utf-8")
    with zipfile.ZipFile(good) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    _zip({k: v for k, v in members.items() if k != "xl/workbook.xml"}, tmp_path / "no_workbook.xlsx")
    _zip({**members, "xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row>"}, tmp_path / "broken_sheet.xlsx")
    for name in ("cut.xlsx", "text.xlsx", "no_workbook.xlsx"):
        with pytest.raises(ExportReadError, match="classeur XLSX illisible"):
            open_workbook(tmp_path / name)
    with pytest.raises(ExportReadError, match="feuille 'Heures' illisible"):
        read_xlsx(tmp_path / "broken_sheet.xlsx", "Heures", {"id_contrat", "mois"}, header_key)
    with pytest.raises(ExportReadError, match=r"feuille 'Sorties' introuvable \(feuilles: Notes, Heures, Décalée\)"):
        read_xlsx(good, "Sorties", {"id_participant"}, header_key)


def _understate(path: Path, member: str, size: int) -> None:
    """Make ``member`` announce ``size`` uncompressed bytes, in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    local = next(
        i for i in range(len(data)) if data.startswith(b"PK\x03\x04", i) and data[i + 30 : i + 30 + len(name)] == name
    )
    central = next(
        i for i in range(len(data)) if data.startswith(b"PK\x01\x02", i) and data[i + 46 : i + 46 + len(name)] == name
    )
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A sheet of 120 MB of blanks compressed to about 120 KB; a sheet of 5 MB announcing 1 KB."""
    with zipfile.ZipFile(excel_like_workbook(tmp_path / "good.xlsx")) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    bomb = SHEET.format(dimension="", rows=" " * 120 * 1024**2 + HOURS_ROWS, merges="").encode()
    _zip({**members, "xl/worksheets/sheet1.xml": bomb}, tmp_path / "bomb.xlsx")
    with pytest.raises(ExportReadError, match="partie xl/worksheets/sheet1.xml trop grande ou trop compressée"):
        open_workbook(tmp_path / "bomb.xlsx")
    small = SHEET.format(dimension="", rows=" " * 5 * 1024**2 + HOURS_ROWS, merges="").encode()
    _zip({**members, "xl/worksheets/sheet1.xml": small}, tmp_path / "understated.xlsx")
    _understate(tmp_path / "understated.xlsx", "xl/worksheets/sheet1.xml", 1024)
    with pytest.raises(ExportReadError, match="illisible .*larger than its declared uncompressed size"):
        read_xlsx(tmp_path / "understated.xlsx", "Heures", {"id_contrat", "mois"}, header_key)
