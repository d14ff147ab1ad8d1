"""The short French summary a facilitator reads after a tracking load: per file and table, rows read, loaded and
rejected, values kept with an issue, the three main reasons, and the mapping used."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

STATUS_LABELS = {
    "loaded": "chargé",
    "partial": "partiel",
    "rejected": "rejeté",
    "failed": "non lu",
    "empty": "vide",
    "duplicate_content": "doublon",
}


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' if count > 1 else ''}".replace(",", "\u202f")


def load_summary(con: duckdb.DuckDBPyConnection, load_ids: Sequence[str], inbox: Path | None = None) -> str:
    """The summary of the tracking files processed by ``load_ids`` (an empty load says so)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw_suivi_clauses' and table_name = 'tracking_load_audit'"
    ).fetchone()
    rows = []
    if load_ids and exists and exists[0]:
        rows = con.execute(
            "select source_file, table_name, status, rows_read, rows_loaded, rows_rejected, "
            "coalesce(values_with_issue, 0), error, mapping_file from raw_suivi_clauses.tracking_load_audit "
            "where _dlt_load_id in (select unnest(?)) order by source_file, table_name",
            [list(load_ids)],
        ).fetchall()
    if not rows:
        return "Suivi des clauses : aucun nouveau fichier à charger."
    lines = [f"Suivi des clauses : {_plural(len({row[0] for row in rows}), 'fichier')} traité(s)"]
    for source_file, table, status, read, loaded, rejected, issues, error, mapping in rows:
        shown = Path(source_file)
        if inbox is not None and shown.is_relative_to(inbox):
            shown = shown.relative_to(inbox)
        label = STATUS_LABELS.get(status, status)
        head = f"- {shown}" + (f" ({table})" if table else "") + f" : {label}"
        if status not in ("failed", "duplicate_content"):
            head += f" — {_plural(read, 'ligne')} lue(s), {_plural(loaded, 'chargée')}, {_plural(rejected, 'rejetée')}"
            if issues:
                head += f", {_plural(issues, 'valeur')} signalée(s)"
        lines.append(head)
        if error:
            lines.append(f"    {error}")
        if status not in ("duplicate_content",):
            lines.append(f"    mapping : {mapping or 'aucun (en-têtes du format d’échange)'}")
    return "\n".join(lines)
