"""Annual report and territory fiches, in French, as HTML and PDF.

Every figure about people comes from the open-data Parquet files written by ``open_data.write_open_data``,
where statistical secrecy has already been applied: a masked value is NULL with ``secret = true`` on its
row and is shown here as "s" with a footnote. Figures that describe no person (contracts, data-quality
counts, the list of territories) are read from the warehouse.

By job: :mod:`.formatting` (French numbers, dates, labels), :mod:`.data` (every query), :mod:`.charts`,
:mod:`.rendering` (templates, HTML and PDF).
"""

from observatoire.publication.report.formatting import (
    MASKED,
    format_change,
    format_date,
    format_number,
    format_percent,
)
from observatoire.publication.report.rendering import render_annual_report, render_territory_fiches

__all__ = [
    "MASKED",
    "format_change",
    "format_date",
    "format_number",
    "format_percent",
    "render_annual_report",
    "render_territory_fiches",
]
