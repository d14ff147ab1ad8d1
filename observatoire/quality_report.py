"""The data-quality page published with the outputs: ``published/quality/index.html`` (French).

Per source and per month of loading: files received, records read, kept, rejected, and the main reasons
for rejection; then the Great Expectations validations (the JSON results the checks write beside the page).

* DECP (``raw_decp.decp_load_audit``, ``audit.rejected_contract_records``): records read from the files
  loaded that month; rejected = records that identify no contract (no id, no buyer); unreadable files and
  files already loaded under another name are counted apart.
* Clause tracking, per source (``raw_suivi_clauses.tracking_load_audit``, ``tracking_rejects``,
  ``audit.clause_tracking_issues``): rows read = loaded + rejected (refused by validation), and the rows
  loaded but not usable as published (duplicated months, unknown contracts).

Reasons are grouped: numbers become « … » and the text after a colon (a code, a file) is dropped, so
« valeur 320 supérieure au maximum 300 » and « valeur 412 … » count together.

    python -m observatoire.quality_report [--warehouse PATH] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from observatoire.files import write_atomically
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

GX_FOLDER = "great_expectations"
TOP_REASONS = 5
#: SQL grouping a reason: the text before a colon, numbers replaced by « … ».
_REASON = "trim(regexp_replace(split_part({column}, ':', 1), '[0-9]+', '…', 'g'))"


@dataclass
class MonthFigures:
    """One source in one month of loading."""

    source: str
    month: str
    files: int
    read: int
    loaded: int
    rejected: int
    unusable: int = 0
    files_failed: int = 0
    files_duplicate: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class SuiteFigures:
    """A Great Expectations validation as written by the checks."""

    name: str
    table: str
    success: bool
    validated_at: str
    row_count: int
    failed: list[dict[str, Any]]
    expectations: int
    file_name: str
    skipped: str | None = None  # why the table was not validated (not loaded yet)


@dataclass
class UnmappedLabel:
    """A label a tracking tool wrote that its source's vocabulary does not know (audit.tracking_unmapped_labels)."""

    source: str
    table: str
    field: str
    column: str | None
    label: str
    rows: int
    mapping_file: str | None
    mapping_line: str


@dataclass
class QualityTotals:
    """Whole-warehouse counts (every load so far), as the annual report's methodology gives them."""

    decp_files: dict[str, int]  # load status -> files
    decp_records_read: int
    records_retained: int  # one per contract
    records_superseded: int  # by a later publication of the same contract
    records_rejected: int  # identify no contract
    record_issues: int  # published values unusable as such (flagged, record kept)
    contracts: int
    tracking_files: int
    tracking_tables: dict[str, int]  # load status -> tables read in the tracking files
    tracking_rows_read: int
    tracking_rows_loaded: int
    tracking_rows_rejected: int
    tracking_reject_reasons: int  # rows of raw_suivi_clauses.tracking_rejects
    tracking_issues: int  # rows of audit.clause_tracking_issues
    last_loaded_at: datetime | None  # when the last source file was loaded (Europe/Paris)


@dataclass
class QualityFigures:
    decp: list[MonthFigures]
    tracking: list[MonthFigures]
    suites: list[SuiteFigures]
    generated_at: str
    unmapped_labels: list[UnmappedLabel] = field(default_factory=list)
    totals: QualityTotals | None = None  # None until the marts are built


def _month_rows(con: Any, sql: str) -> list[MonthFigures]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [MonthFigures(**dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _reasons(con: Any, sql: str) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """(source, month) → the most frequent reasons, from rows (source, month, reason, count)."""
    grouped: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for source, month, reason, count in con.execute(sql).fetchall():
        grouped.setdefault((source, month), []).append((reason, int(count)))
    return {key: sorted(values, key=lambda r: (-r[1], r[0]))[:TOP_REASONS] for key, values in grouped.items()}


def decp_figures(con: Any) -> list[MonthFigures]:
    months = _month_rows(
        con,
        """
        with audit as (select *, strftime(processed_at, '%Y-%m') as month from raw_decp.decp_load_audit),
        rejected as (
            select a.month, count(*) as rejected
            from audit.rejected_contract_records r join audit a using (source_file) group by all)
        select 'DECP' as source, a.month, count(*) as files,
               coalesce(sum(records_read) filter (where status in ('loaded', 'partial')), 0) as read,
               read - coalesce(any_value(r.rejected), 0) as loaded, coalesce(any_value(r.rejected), 0) as rejected,
               count(*) filter (where status = 'failed') as files_failed,
               count(*) filter (where status = 'duplicate_content') as files_duplicate
        from audit a left join rejected r using (month) group by a.month order by a.month
        """,
    )
    reasons = _reasons(
        con,
        f"""
        with audit as (select *, strftime(processed_at, '%Y-%m') as month from raw_decp.decp_load_audit)
        select 'DECP', a.month, {_REASON.format(column="r.rejection_reason")}, count(*)
        from audit.rejected_contract_records r join audit a using (source_file) group by all
        union all
        select 'DECP', month, 'fichier illisible : ' || {_REASON.format(column="error")}, count(*)
        from audit where status in ('failed', 'partial') and error is not null group by all
        """,
    )
    for figures in months:
        figures.reasons = reasons.get((figures.source, figures.month), [])
    return months


def tracking_figures(con: Any) -> list[MonthFigures]:
    # dlt creates tracking_rejects only when a row is refused: none refused yet is an empty table.
    rejects = (
        "raw_suivi_clauses.tracking_rejects"
        if _exists(con, "raw_suivi_clauses", "tracking_rejects")
        else "(select null::varchar as source_name, null::varchar as source_file, null::varchar as reason where false)"
    )
    months = _month_rows(
        con,
        """
        with audit as (
            select *, strftime(processed_at, '%Y-%m') as month from raw_suivi_clauses.tracking_load_audit),
        file_month as (select source_name, source_file, min(month) as month from audit group by all),
        unusable as (
            select f.source_name, f.month, count(*) as unusable
            from audit.clause_tracking_issues i join file_month f using (source_name, source_file) group by all)
        select a.source_name as source, a.month, count(distinct a.source_file) as files,
               coalesce(sum(rows_read), 0) as read, coalesce(sum(rows_loaded), 0) as loaded,
               coalesce(sum(rows_rejected), 0) as rejected, coalesce(any_value(u.unusable), 0) as unusable,
               count(distinct a.source_file) filter (where status = 'failed') as files_failed
        from audit a left join unusable u using (source_name, month) group by all order by a.source_name, a.month
        """,
    )
    reasons = _reasons(
        con,
        f"""
        with audit as (
            select *, strftime(processed_at, '%Y-%m') as month from raw_suivi_clauses.tracking_load_audit),
        file_month as (select source_name, source_file, min(month) as month from audit group by all)
        select source_name, f.month, {_REASON.format(column="reason")}, count(*)
        from {rejects} join file_month f using (source_name, source_file) group by all
        union all
        select source_name, month, 'fichier refusé : ' || {_REASON.format(column="error")}, count(*)
        from audit where status = 'failed' and error is not null group by all
        union all
        select source_name, f.month, 'chargée mais inutilisable : ' || {_REASON.format(column="issue")}, count(*)
        from audit.clause_tracking_issues join file_month f using (source_name, source_file) group by all
        """,
    )
    for figures in months:
        figures.reasons = reasons.get((figures.source, figures.month), [])
    return months


def suite_figures(folder: Path) -> list[SuiteFigures]:
    """The Great Expectations results written by the checks (``<table>.json``), by table name."""
    suites = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        summary = json.loads(path.read_text(encoding="utf-8"))["summary"]
        results = summary.get("results", [])
        suites.append(
            SuiteFigures(
                name=summary["suite_name"],
                table=summary["table"],
                success=bool(summary["success"]),
                validated_at=summary.get("validated_at", ""),
                row_count=int(summary.get("row_count") or 0),
                failed=[r for r in results if not r.get("success")],
                expectations=len(results),
                file_name=path.name,
                skipped=summary.get("skipped"),
            )
        )
    return suites


def _exists(con: Any, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()
    return bool(row and row[0])


#: The models the totals count from (with the load audits of the sources loaded): (schema, table).
TOTALS_MODELS = (
    ("audit", "contract_record_lineage"),
    ("audit", "rejected_contract_records"),
    ("audit", "decp_record_issues"),
    ("marts", "fct_contracts"),
    ("audit", "clause_tracking_issues"),
)


def quality_totals(con: Any) -> QualityTotals:
    """Whole-warehouse counts; a source never loaded counts zero."""
    decp = _exists(con, "raw_decp", "decp_load_audit")
    tracking = _exists(con, "raw_suivi_clauses", "tracking_load_audit")

    def rows(sql: str, loaded: bool = True) -> list[tuple[Any, ...]]:
        return con.execute(sql).fetchall() if loaded else []

    def count(sql: str, loaded: bool = True) -> int:
        return con.execute(sql).fetchone()[0] if loaded else 0

    decp_files = rows(
        "select status, count(*), coalesce(sum(records_read), 0) from raw_decp.decp_load_audit group by 1", decp
    )
    tables = rows(
        "select status, count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        "coalesce(sum(rows_rejected), 0) from raw_suivi_clauses.tracking_load_audit group by 1",
        tracking,
    )
    fates = dict(rows("select record_fate, count(*) from audit.contract_record_lineage group by 1"))
    audits = [
        f"select max(processed_at) as processed_at from {table}"
        for table, loaded in (("raw_decp.decp_load_audit", decp), ("raw_suivi_clauses.tracking_load_audit", tracking))
        if loaded
    ]
    return QualityTotals(
        decp_files={status: files for status, files, _ in decp_files},
        decp_records_read=sum(records for _, _, records in decp_files),
        records_retained=fates.get("retained", 0),
        records_superseded=fates.get("superseded", 0),
        records_rejected=count("select count(*) from audit.rejected_contract_records"),
        record_issues=count("select count(*) from audit.decp_record_issues"),
        contracts=count("select count(*) from marts.fct_contracts"),
        tracking_files=count("select count(distinct source_file) from raw_suivi_clauses.tracking_load_audit", tracking),
        tracking_tables={row[0]: row[1] for row in tables},
        tracking_rows_read=sum(row[2] for row in tables),
        tracking_rows_loaded=sum(row[3] for row in tables),
        tracking_rows_rejected=sum(row[4] for row in tables),
        tracking_reject_reasons=count(
            "select count(*) from raw_suivi_clauses.tracking_rejects",
            _exists(con, "raw_suivi_clauses", "tracking_rejects"),
        ),
        tracking_issues=count("select count(*) from audit.clause_tracking_issues"),
        last_loaded_at=(
            con.execute(f"select max(processed_at) from ({' union all '.join(audits)})").fetchone()[0]
            if audits
            else None
        ),
    )


def quality_figures(warehouse: Path, quality_dir: Path | None = None) -> QualityFigures:
    """The data-quality figures of the warehouse, for this page and for the annual report's methodology (which
    reads :attr:`QualityFigures.totals`); the Great Expectations results written in ``quality_dir`` (none without
    it). A source never loaded has no audit table (dlt creates a table when rows arrive): its section is empty and
    says so, and the other sources are shown."""
    with connect_reader(warehouse) as con:
        con.execute("set TimeZone = 'Europe/Paris'")
        marts = _exists(con, "audit", "rejected_contract_records") and _exists(con, "audit", "clause_tracking_issues")
        totals = quality_totals(con) if all(_exists(con, schema, table) for schema, table in TOTALS_MODELS) else None
        decp = decp_figures(con) if marts and _exists(con, "raw_decp", "decp_load_audit") else []
        tracking = tracking_figures(con) if marts and _exists(con, "raw_suivi_clauses", "tracking_load_audit") else []
        unmapped = (
            [
                UnmappedLabel(*row[:6], Path(row[6]).name if row[6] else None, row[7])
                for row in con.execute(
                    "select source_name, table_name, field_name, column_name, label, row_count, mapping_file, "
                    "mapping_line from audit.tracking_unmapped_labels order by source_name, row_count desc, label"
                ).fetchall()
            ]
            if _exists(con, "audit", "tracking_unmapped_labels")
            else []
        )
    return QualityFigures(
        decp=decp,
        tracking=tracking,
        unmapped_labels=unmapped,
        totals=totals,
        suites=suite_figures(quality_dir / GX_FOLDER) if quality_dir else [],
        generated_at=datetime.now(UTC).astimezone().strftime("%d/%m/%Y %H:%M"),
    )


TEMPLATE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Qualité des données — Observatoire des clauses sociales</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1e1e1e; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f0f0; }
.ko { color: #b00020; font-weight: bold; } .ok { color: #1b6e20; }
ul { margin: 0; padding-left: 1.1rem; }
</style>
</head>
<body>
<h1>Qualité des données</h1>
<p>Observatoire des clauses sociales — page générée le {{ figures.generated_at }} à partir de l'entrepôt.
Chaque mois est celui du chargement des fichiers. « Lus » = « retenus » + « rejetés ».</p>

<h2>DECP (données essentielles de la commande publique)</h2>
<p>Rejetés : enregistrements qui n'identifient aucun marché (sans identifiant ou sans acheteur).
Les fichiers déjà chargés sous un autre nom ne sont pas relus.</p>
<table id="decp">
<thead><tr><th>Mois</th><th>Fichiers</th><th>Illisibles</th><th>Déjà chargés</th><th>Lus</th><th>Retenus</th>
<th>Rejetés</th><th>Principaux motifs</th></tr></thead>
<tbody>
{% for m in figures.decp %}<tr data-source="{{ m.source }}" data-month="{{ m.month }}">
<td>{{ m.month }}</td><td class="n">{{ m.files }}</td><td class="n">{{ m.files_failed }}</td>
<td class="n">{{ m.files_duplicate }}</td><td class="n">{{ m.read }}</td><td class="n">{{ m.loaded }}</td>
<td class="n">{{ m.rejected }}</td><td>{{ reasons(m) }}</td></tr>
{% else %}<tr><td colspan="8">Aucun fichier DECP chargé.</td></tr>{% endfor %}
</tbody>
</table>

<h2>Suivi de l'exécution des clauses, par source</h2>
<p>Lignes refusées à la validation (rejetées) et lignes chargées mais inutilisables telles que publiées
(mois en double, contrat inconnu…). Aucune valeur personnelle n'est reprise ici.</p>
<table id="suivi">
<thead><tr><th>Source</th><th>Mois</th><th>Fichiers</th><th>Refusés</th><th>Lues</th><th>Chargées</th>
<th>Rejetées</th><th>Inutilisables</th><th>Principaux motifs</th></tr></thead>
<tbody>
{% for m in figures.tracking %}<tr data-source="{{ m.source }}" data-month="{{ m.month }}">
<td>{{ m.source }}</td><td>{{ m.month }}</td><td class="n">{{ m.files }}</td><td class="n">{{ m.files_failed }}</td>
<td class="n">{{ m.read }}</td><td class="n">{{ m.loaded }}</td><td class="n">{{ m.rejected }}</td>
<td class="n">{{ m.unusable }}</td><td>{{ reasons(m) }}</td></tr>
{% else %}<tr><td colspan="9">Aucun export de suivi chargé.</td></tr>{% endfor %}
</tbody>
</table>

<h2>Libellés inconnus des mappings</h2>
<p>Valeurs écrites par un outil de suivi que le vocabulaire de sa source ne connaît pas : la ligne est chargée,
le champ reste vide. Ajoutez la ligne indiquée à la section <code>values</code> du mapping de la source, avec le
code voulu (codes : fichiers <code>dbt_project/seeds/clauses/clauses_*.csv</code>), puis relancez le chargement.</p>
<table id="libelles_inconnus">
<thead><tr><th>Source</th><th>Table</th><th>Champ (colonne)</th><th>Libellé</th><th>Lignes</th>
<th>À ajouter au mapping</th></tr></thead>
<tbody>
{% for u in figures.unmapped_labels %}<tr data-source="{{ u.source }}">
<td>{{ u.source }}</td><td>{{ u.table }}</td><td>{{ u.field }}{% if u.column %} ({{ u.column }}){% endif %}</td>
<td>{{ u.label }}</td><td class="n">{{ u.rows }}</td>
<td><code>{{ u.mapping_line }}</code><br>dans {{ u.mapping_file or u.source + ".yaml (à créer)" }}, dossier des
mappings (<code>OBSERVATOIRE_MAPPINGS_DIR</code>)</td></tr>
{% else %}<tr><td colspan="6">Aucun libellé inconnu.</td></tr>{% endfor %}
</tbody>
</table>

<h2>Validations Great Expectations</h2>
<table id="great_expectations">
<thead><tr><th>Table</th><th>Résultat</th><th>Validée le</th><th>Lignes</th><th>Règles</th>
<th>Règles non respectées</th><th>Détail</th></tr></thead>
<tbody>
{% for s in figures.suites %}<tr data-table="{{ s.table }}">
<td>{{ s.table }}</td>{% if s.skipped %}<td>non validée : aucune donnée chargée (table ou référence absente)</td>{%
else %}<td class="{{ 'ok' if s.success else 'ko' }}">{{ 'réussie' if s.success else 'échec' }}</td>{% endif %}
<td>{{ s.validated_at }}</td><td class="n">{{ s.row_count }}</td><td class="n">{{ s.expectations }}</td>
<td>{% if s.failed %}<ul>{% for r in s.failed %}<li>{{ r.type }} ({{ r.column }}, {{ r.severity }}{%
if r.unexpected_count is not none %}, {{ r.unexpected_count }} valeurs{% endif %})</li>{% endfor %}</ul>{%
else %}aucune{% endif %}</td>
<td><a href="{{ gx_folder }}/{{ s.file_name }}">résultat complet (JSON)</a></td></tr>
{% else %}<tr><td colspan="7">Aucune validation exécutée.</td></tr>{% endfor %}
</tbody>
</table>
</body>
</html>
"""


def render(figures: QualityFigures) -> str:
    environment = Environment(autoescape=True, undefined=StrictUndefined)
    template = environment.from_string(TEMPLATE)

    def reasons(month: MonthFigures) -> str:
        return " ; ".join(f"{reason} ({count})" for reason, count in month.reasons) or "—"

    return template.render(figures=figures, reasons=reasons, gx_folder=GX_FOLDER)


def write_quality_report(figures: QualityFigures, quality_dir: Path) -> Path:
    """Write ``<quality_dir>/index.html`` (replaced whole); return its path."""
    return write_atomically(quality_dir / "index.html", render(figures), mode=0o644)


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path)
    parser.add_argument("--out", type=Path, default=settings.published_dir / "quality")
    args = parser.parse_args(argv)
    path = write_quality_report(quality_figures(args.warehouse, args.out), args.out)
    print(f"Data-quality page written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
