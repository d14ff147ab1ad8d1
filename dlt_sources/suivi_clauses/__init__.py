"""dlt source of clause execution tracking exports (format d'échange clauses sociales).

Files are dropped in ``data/inbox/suivi_clauses/<source>/`` (one folder per coordination or export). Each
file holds one exchange-format table, found through the source's mapping file or the file name. Rows are
typed and validated against the published table schema; a row that fails goes to ``tracking_rejects``
(file, line, column, reason) and every other row to the table of the same name in ``raw_suivi_clauses``.
Participants are pseudonymised in memory before anything is written (``observatoire.pseudonymisation``):
names, birth dates and contact fields never reach DuckDB. ``tracking_load_audit`` says, per file,
rows read = rows loaded + rows rejected.
"""

from .source import suivi_clauses_source

__all__ = ["suivi_clauses_source"]
