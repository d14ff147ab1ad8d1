"""dlt source of the DECP (données essentielles de la commande publique).

One resource reads every document of the inbox (and of configured paths or URLs) and dispatches rows to
three raw tables of the ``raw_decp`` dataset:

``decp_records``
    one row per published marché or concession (JSON or XML, 2019 or 2024 format), the record as
    published (containers canonicalised, see :mod:`.shape`) plus source file, content hash, position,
    ``_dlt_load_id`` and ``text_repairs`` (text fields repaired from mojibake, see :mod:`.text_repair`);
``decp_tabular_rows``
    one row per row of a consolidated tabular file (decp.info CSV/Parquet, or the Ministry's "DECP valides"
    export in the same shape, see :mod:`.tabular`), all values as text;
``decp_load_audit``
    one row per document seen for the first time: layout, status (``loaded``, ``partial``, ``failed``,
    ``duplicate_content``), records read, and the reason when something went wrong.

A document whose content (sha256) was already loaded is skipped; the set of seen documents lives in the
dlt resource state, committed atomically with each load.
"""

from __future__ import annotations

from .source import decp_source

__all__ = ["decp_source"]
