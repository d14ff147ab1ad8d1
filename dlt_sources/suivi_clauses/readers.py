"""Reading tracking exports as they come: CSV in UTF-8 (with or without BOM), Windows-1252, both mixed in one
file, or UTF-16 (Excel's "Unicode text"), with `;`, `,`, tab or `|` separators, and XLSX (first sheet or a named
one, header row possibly below a title).

Readers only return text cells with their line number; mapping and validation happen elsewhere."""

from __future__ import annotations

import codecs
import csv
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, TextIO
from xml.etree import ElementTree

CSV_SEPARATORS = ";,\t|"
SNIFF_BYTES = 64 * 1024
#: An XLSX header row is searched in the first rows (exports often carry a title above it).
XLSX_HEADER_SEARCH_ROWS = 15


class ExportReadError(ValueError):
    """The file cannot be read as a table; the message says why."""


@dataclass
class Sheet:
    header: list[str]
    header_line: int
    rows: Iterator[tuple[int, list[Any]]]  # (line number, cells)
    encoding: str | None = None
    separator: str | None = None


def _utf8_or_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: a byte that is not part of UTF-8 text is read as Windows-1252 (Latin-1 for the five
    bytes Windows-1252 leaves undefined). A file edited with two tools (UTF-8 rows and Windows-1252 rows) keeps
    every accent right, where decoding it whole as Windows-1252 would turn its UTF-8 accents into "Ã©"."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    byte = error.object[error.start : error.start + 1]
    try:
        return byte.decode("cp1252"), error.start + 1
    except UnicodeDecodeError:
        return byte.decode("latin-1"), error.start + 1


codecs.register_error("utf8_or_cp1252", _utf8_or_cp1252)
#: Encodings detect_encoding may return → (Python codec, error handler).
CODECS = {
    "utf-8": ("utf-8", "strict"),
    "utf-8-sig": ("utf-8-sig", "strict"),
    "utf-16": ("utf-16", "strict"),
    "cp1252": ("utf-8", "utf8_or_cp1252"),
}


def detect_encoding(path: Path) -> str:
    """'utf-16' or 'utf-8-sig' with a BOM, 'utf-8' when the whole file decodes, else 'cp1252' (Windows exports;
    read byte by byte as UTF-8 where it is, so files mixing both encodings are read right)."""
    with path.open("rb") as handle:
        head = handle.read(3)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            return "cp1252"


def _open_text(path: Path, encoding: str) -> TextIO:
    codec, errors = CODECS[encoding]
    return path.open(encoding=codec, errors=errors, newline="")


def detect_separator(sample: str) -> str:
    header = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(sample, delimiters=CSV_SEPARATORS).delimiter
    except csv.Error:
        counts = {sep: header.count(sep) for sep in CSV_SEPARATORS}
        best = max(counts, key=counts.get)  # type: ignore[arg-type]
        if counts[best] == 0:
            raise ExportReadError(
                "aucun séparateur de colonnes dans la ligne d'en-têtes (attendu ; , tabulation ou |)"
            ) from None
        return best


def read_csv(path: Path, encoding: str | None = None) -> Sheet:
    """The header and rows of a CSV export. Iterating the rows raises ExportReadError where the file stops being
    readable (a quote never closed, a field over 128 KB): the rows before it have been returned."""
    encoding = encoding or detect_encoding(path)
    with _open_text(path, encoding) as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise ExportReadError("fichier vide")
    separator = detect_separator(sample)
    handle = _open_text(path, encoding)
    # strict: a quote left open makes the reader fail at the end of the file instead of returning every line
    # after it as one field
    reader = csv.reader(handle, delimiter=separator, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        handle.close()
        raise ExportReadError(f"ligne d'en-têtes illisible ({exc})" if str(exc) else "fichier vide") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        with handle:
            last = reader.line_num
            try:
                for cells in reader:
                    if "".join(cells).strip():  # a line of empty cells is skipped
                        yield reader.line_num, cells
                    last = reader.line_num
            except UnicodeDecodeError as exc:
                raise ExportReadError(f"fichier illisible après la ligne {last}: encodage {encoding} invalide") from exc
            except csv.Error as exc:
                raise ExportReadError(
                    f"fichier illisible après la ligne {last} ({exc}): guillemet jamais fermé ou champ de plus de "
                    f"{csv.field_size_limit()} caractères"
                ) from exc

    return Sheet(header=header, header_line=1, rows=rows(), encoding=encoding, separator=separator)


#: A workbook part is refused above this uncompressed size, or when it is more than MAX_COMPRESSION_RATIO times its
#: compressed size and over 100 MB (a zip bomb): calamine holds a whole sheet in memory.
MAX_PART_BYTES = 2 * 1024**3
MAX_COMPRESSION_RATIO = 200
#: Numbers below this are written without exponent by Excel and openpyxl: an integral one is read back as an int.
EXACT_INTEGERS = 1e16
NAMESPACED = re.compile(r"\{[^}]*\}")
CELL_REFERENCE = re.compile(r"([A-Z]+)([0-9]+)")


def _local(tag: str) -> str:
    return NAMESPACED.sub("", tag, count=1)


def _normalised(cells: list[Any]) -> list[Any]:
    """Cells as the tracking rules expect them (and as openpyxl gave them): empty → None, an integral number → int
    (a code typed as a number: 75056, not 75056.0), a date at midnight → date."""
    return [
        None
        if value == ""
        else (int(value) if value.is_integer() and -EXACT_INTEGERS < value < EXACT_INTEGERS else value)
        if value.__class__ is float
        else (value.date() if value.time() == time() else value)
        if value.__class__ is datetime
        else value
        for value in cells
    ]


def _part_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The decompressed bytes of a workbook part; zipfile stops at the announced size and checks the CRC, so a part
    lying about its size (a zip bomb) raises here before calamine inflates it."""
    try:
        with archive.open(info) as stream:
            yield from iter(lambda: stream.read(1 << 20), b"")
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ExportReadError(f"classeur XLSX illisible: partie {info.filename} corrompue ({exc})") from exc


class XlsxWorkbook:
    """An XLSX workbook read with calamine (python-calamine): a sheet is parsed when ``sheet_rows`` asks for it."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ExportReadError(f"classeur XLSX illisible ({type(exc).__name__}: {exc})") from exc
        try:
            for info in self.archive.infolist():
                if info.file_size > MAX_PART_BYTES or (
                    info.compress_size
                    and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
                    and info.file_size > 100 * 1024**2
                ):
                    raise ExportReadError(
                        f"classeur XLSX illisible: partie {info.filename} trop grande ou trop compressée "
                        f"({info.file_size} octets), zip bomb possible; réenregistrez-le depuis le tableur"
                    )
                if info.filename.lower().endswith("sharedstrings.xml"):  # read by calamine when opening
                    for _ in _part_chunks(self.archive, info):
                        pass
            self.parts = self._sheet_parts()
            self.book = CalamineWorkbook.from_path(str(path))
        except (CalamineError, ElementTree.ParseError, KeyError, ValueError) as exc:
            self.archive.close()
            raise ExportReadError(f"classeur XLSX illisible ({type(exc).__name__}: {exc})") from exc
        except ExportReadError:
            self.archive.close()
            raise
        self.sheet_names: list[str] = self.book.sheet_names
        #: what openpyxl called worksheets: sheets holding cells (hidden ones included), not chart sheets
        self.worksheets = [m.name for m in self.book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]

    def _sheet_parts(self) -> dict[str, str]:
        """Sheet name → path of its part in the archive (from the workbook part and its relationships)."""
        names = set(self.archive.namelist())
        main = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for relation in ElementTree.fromstring(self.archive.read("_rels/.rels")):
                if relation.get("Type", "").endswith("/officeDocument"):
                    main = relation.get("Target", main).lstrip("/")
        folder, leaf = posixpath.split(main)
        targets = {}
        relations_part = posixpath.join(folder, "_rels", leaf + ".rels")
        if relations_part in names:
            for relation in ElementTree.fromstring(self.archive.read(relations_part)):
                target = relation.get("Target", "")
                targets[relation.get("Id")] = (
                    target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                )
        parts = {}
        for element in ElementTree.fromstring(self.archive.read(main)).iter():
            if _local(element.tag) == "sheet":
                relation_id = next(
                    (v for k, v in element.attrib.items() if k.startswith("{") and _local(k) == "id"), ""
                )
                parts[element.get("name", "")] = targets.get(relation_id, "")
        return parts

    def error_cells(self, sheet_name: str) -> dict[int, list[tuple[int, str]]]:
        """Row → [(column, text)] of the sheet's cells holding an Excel error ('#DIV/0!', '#N/A'), numbered from 1 as
        Excel does; calamine reads them as empty. The part is first scanned for an attribute value "e" (a few ms per
        MB, and it checks the part against its announced size): a sheet without one is not parsed here."""
        part = self.parts.get(sheet_name, "")
        if part not in self.archive.NameToInfo:
            return {}
        info = self.archive.getinfo(part)
        marked, tail = False, b""
        for chunk in _part_chunks(self.archive, info):
            window = tail + chunk
            marked = marked or b'"e"' in window or b"'e'" in window
            tail = chunk[-2:]
        if not marked:
            return {}
        errors: dict[int, list[tuple[int, str]]] = {}
        row = column = 0
        try:
            with self.archive.open(info) as stream:
                for event, element in ElementTree.iterparse(stream, events=("start", "end")):
                    name = _local(element.tag)
                    if event == "start":
                        if name == "row":  # as openpyxl numbers them: a row or cell without reference follows the last
                            row, column = int(element.get("r") or row + 1), 0
                        continue
                    if name == "c":
                        reference = CELL_REFERENCE.fullmatch(element.get("r") or "")
                        if reference:
                            letters, number = reference.groups()
                            row, column = int(number), 0
                            for letter in letters:
                                column = column * 26 + ord(letter) - 64
                        else:
                            column += 1
                        if element.get("t") == "e":
                            text = next((child.text for child in element if _local(child.tag) == "v"), None)
                            if text:
                                errors.setdefault(row, []).append((column, text))
                        element.clear()
                    elif name == "row":
                        element.clear()
        except (ElementTree.ParseError, ValueError) as exc:
            raise ExportReadError(f"feuille {sheet_name!r} illisible ({type(exc).__name__}: {exc})") from exc
        return errors

    def close(self) -> None:
        self.book.close()
        self.archive.close()


def open_workbook(path: Path) -> XlsxWorkbook:
    """The workbook at ``path``; ExportReadError when it is not a readable XLSX file. A workbook holding several
    tables is opened once for all of them (``read_xlsx(..., workbook)``), and closed by the caller."""
    return XlsxWorkbook(path)


def read_xlsx(
    path: Path, sheet_name: str | None, expected_headers: set[str], header_key, workbook: XlsxWorkbook | None = None
) -> Sheet:
    """A sheet of the workbook at ``path``, or of ``workbook`` when given (opened by ``open_workbook``, closed by
    the caller); otherwise the file is opened here and closed once the rows are read. Line numbers are the sheet's
    row numbers, as Excel shows them; cells are as ``_normalised`` gives them, an Excel error as its text."""
    from python_calamine import CalamineError

    owned = workbook is None
    book = open_workbook(path) if workbook is None else workbook

    def close() -> None:
        if owned:
            book.close()

    try:
        if sheet_name and sheet_name not in book.sheet_names:
            raise ExportReadError(f"feuille {sheet_name!r} introuvable (feuilles: {', '.join(book.sheet_names)})")
        if not sheet_name and not book.worksheets:
            raise ExportReadError("le classeur ne contient aucune feuille")
        name = sheet_name or book.worksheets[0]
        try:
            sheet = book.book.get_sheet_by_name(name)
        except CalamineError as exc:
            raise ExportReadError(f"feuille {name!r} illisible ({type(exc).__name__}: {exc})") from exc
        errors = book.error_cells(name)
    except ExportReadError:
        close()
        raise
    # python-calamine 0.9.1's iter_rows starts at the sheet's first row but at its first used column (the test of
    # this reader pins both, on a sheet whose first rows and columns are empty)
    first_column = sheet.start[1] if sheet.start else 0

    def lines() -> Iterator[tuple[int, list[Any]]]:
        padding = [None] * first_column
        for line, cells in enumerate(sheet.iter_rows() if sheet.start else (), start=1):
            values = padding + _normalised(cells)
            for column, text in errors.get(line, ()):  # calamine read the error cells of the line as empty
                values += [None] * (column - len(values))
                values[column - 1] = text
            yield line, values

    iterator = lines()
    header: list[str] | None = None
    header_line = 0
    for line, cells in iterator:
        if line > XLSX_HEADER_SEARCH_ROWS:
            break
        texts = [str(c).strip() if c is not None else "" for c in cells]
        if sum(1 for t in texts if t and header_key(t) in expected_headers) >= 2:
            header, header_line = texts, line
            break
    if header is None:
        close()
        raise ExportReadError(
            f"aucune ligne d'en-têtes reconnue dans les {XLSX_HEADER_SEARCH_ROWS} premières lignes "
            f"de la feuille {name!r}"
        )

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, values in iterator:
                if any(v is not None for v in values):
                    yield line, values
        finally:
            close()

    return Sheet(header=header, header_line=header_line, rows=rows())
