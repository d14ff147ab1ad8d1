"""Hours sheets with one column per month ("janv. 2024", "févr. 2024", ..., "Total"), turned into the exchange
format's rows (id_contrat, mois, heures): one row per non-empty month cell, with the line number of the sheet row.

The mapping names the format of the month headers (``months_as_columns.format``, strptime directives where %b and
%B also read French month names) and the headers to ignore (a total column)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from .mapping import MonthColumns, header_key
from .readers import Sheet
from .validation import month_names_as_numbers

MONTH_FIELD, HOURS_FIELD = "mois", "heures"


def month_of_header(header: Any, fmt: str) -> date | None:
    """The month a header stands for, None when it is not a month in ``fmt``. A workbook header that is a date
    cell is its month."""
    if isinstance(header, datetime | date):
        return (header.date() if isinstance(header, datetime) else header).replace(day=1)
    text = str(header).strip()
    if "%b" in fmt or "%B" in fmt:
        # month names (with their abbreviation dot) become numbers, in the header and the format alike:
        # "janv. 2024" with "%b %Y" → "1 2024" with "%m %Y"
        text = month_names_as_numbers(text)
        fmt = fmt.replace("%b.", "%m").replace("%B", "%m").replace("%b", "%m")
    for candidate in (fmt, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, candidate).date().replace(day=1)
        except ValueError:
            continue
    return None


def melt_months(sheet: Sheet, months: MonthColumns, mapped: set[str]) -> tuple[Sheet, list[str]]:
    """The long sheet of a wide one, and the headers ignored (neither mapped, nor a month, nor declared ignored).

    Mapped columns (``mapped``: header keys) are kept in front; each month column gives, for every row, a row with
    the month and the cell; empty month cells give no row. A CSV sheet stays text (the month as MM/AAAA), a workbook
    keeps typed cells (the month as a date)."""
    kept: list[int] = []
    month_columns: list[tuple[int, date]] = []
    unknown: list[str] = []
    for index, header in enumerate(sheet.header):
        key = header_key(header)
        if key in mapped:
            kept.append(index)
            continue
        month = month_of_header(header, months.format)
        if month is not None:
            month_columns.append((index, month))
        elif key and key not in months.ignore:
            unknown.append(str(header).strip())
    header = [sheet.header[index] for index in kept] + [MONTH_FIELD, HOURS_FIELD]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for line, cells in sheet.rows:
            front = [cells[index] if index < len(cells) else None for index in kept]
            for index, month in month_columns:
                value = cells[index] if index < len(cells) else None
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                yield line, [*front, month, value]

    if sheet.separator is not None:  # CSV: every cell stays text, so the long rows take the column-wise text path
        texts = {month: month.strftime("%m/%Y") for _, month in month_columns}

        def text_rows() -> Iterator[tuple[int, list[Any]]]:
            for line, (*front, month, value) in rows():
                yield line, [*("" if cell is None else cell for cell in front), texts[month], value]

        return Sheet(header, sheet.header_line, text_rows(), sheet.encoding, sheet.separator), unknown
    return Sheet(header, sheet.header_line, rows(), sheet.encoding, None), unknown
