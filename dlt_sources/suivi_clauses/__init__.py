"""dlt source of clause execution tracking exports (format d'échange clauses sociales).

Files are dropped in ``data/inbox/suivi_clauses/<source>/`` (one folder per coordination or export). Each
file holds one exchange-format table, found through the source's mapping file or the file name. Rows are
typed and validated against the published table schema; a row that fails goes to ``tracking_rejects``
(file, line, column, reason) and every other row to the table of the same name in ``raw_suivi_clauses``.
Participants are pseudonymised in memory before anything is written (``observatoire.pseudonymisation``):
names, birth dates and contact fields never reach DuckDB. ``tracking_load_audit`` says, per file and table,
rows read = rows loaded + rows rejected, and the status: ``loaded``, ``empty``, ``partial`` (the file stops being
readable at a line: the rows before it are loaded), ``failed`` (not read: the reason says what to do; read again
at the next run) or ``duplicate_content`` (the same bytes as a file of the source already loaded).
"""

from .source import suivi_clauses_source

__all__ = ["suivi_clauses_source"]
