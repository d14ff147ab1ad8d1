"""Reading tracking exports as they come: CSV in UTF-8 (with or without BOM), Windows-1252, both mixed in one
file, or UTF-16 (Excel's "Unicode text"), with `;`, `,`, tab or `|` separators, and XLSX (first sheet or a named
one, header row possibly below a title).

Readers only return text cells with their line number; mapping and validation happen elsewhere."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

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
            raise ExportReadError("no column separator found in the header line (expected ; , tab or |)") from None
        return best


def read_csv(path: Path, encoding: str | None = None) -> Sheet:
    """The header and rows of a CSV export. Iterating the rows raises ExportReadError where the file stops being
    readable (a quote never closed, a field over 128 KB): the rows before it have been returned."""
    encoding = encoding or detect_encoding(path)
    with _open_text(path, encoding) as handle:
        sample = handle.read(SNIFF_BYTES)
    if not sample.strip():
        raise ExportReadError("empty file")
    separator = detect_separator(sample)
    handle = _open_text(path, encoding)
    # strict: a quote left open makes the reader fail at the end of the file instead of returning every line
    # after it as one field
    reader = csv.reader(handle, delimiter=separator, strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        handle.close()
        raise ExportReadError(f"unreadable header line ({exc})" if str(exc) else "empty file") from None

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


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    return value


def open_workbook(path: Path) -> Any:
    """The workbook, read-only. Opening parses every sheet when the file does not state its dimensions (files
    written by openpyxl): a workbook holding several tables is opened once for all of them."""
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise ExportReadError(f"not a readable XLSX workbook ({type(exc).__name__}: {exc})") from exc


def read_xlsx(
    path: Path, sheet_name: str | None, expected_headers: set[str], header_key, workbook: Any = None
) -> Sheet:
    """A sheet of the workbook at ``path``, or of ``workbook`` when given (opened by ``open_workbook``, closed by
    the caller); otherwise the file is opened here and closed once the rows are read."""
    owned = workbook is None
    workbook = open_workbook(path) if owned else workbook

    def close() -> None:
        if owned:
            workbook.close()

    if sheet_name and sheet_name not in workbook.sheetnames:
        close()
        raise ExportReadError(f"sheet {sheet_name!r} not found (sheets: {', '.join(workbook.sheetnames)})")
    worksheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
    iterator = worksheet.iter_rows(values_only=True)
    header: list[str] | None = None
    header_line = 0
    for line, cells in enumerate(iterator, start=1):
        texts = [str(c).strip() if c is not None else "" for c in cells]
        if sum(1 for t in texts if t and header_key(t) in expected_headers) >= 2:
            header, header_line = texts, line
            break
        if line >= XLSX_HEADER_SEARCH_ROWS:
            break
    if header is None:
        close()
        raise ExportReadError(
            f"no header row found in the first {XLSX_HEADER_SEARCH_ROWS} rows of sheet {worksheet.title!r}"
        )

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for line, cells in enumerate(iterator, start=header_line + 1):
                values = [_cell(c) for c in cells]
                if any(v not in (None, "") for v in values):
                    yield line, values
        finally:
            close()

    return Sheet(header=header, header_line=header_line, rows=rows())
