"""The consolidated tabular DECP files, CSV or Parquet, in two layouts:

* decp.info ("DECP consolidées format tabulaire"): one row per marché × titulaire, ``acheteur_id``,
  ``titulaire_id``...;
* the Ministry's "DECP valides" export (data.economie.gouv.fr, 2019 and 2022 variants): one row per published
  record × flattened modification, ``;``-separated, dotted ``acheteur.id``, up to three holders in
  ``titulaire_id_1..3`` / ``titulaire_denominationSociale_1..3`` / ``titulaire_typeIdentifiant_1..3``, one
  modification (``idModification``, ``montantModification``...) and sub-contracting columns per row.

Both are loaded into the same raw table in the decp.info shape: a "DECP valides" row becomes one row per holder
it lists (``titulaire_position`` 1..3; one row without holder when it lists none), its other columns kept under
their published name (dots as underscores), with ``layout`` saying which layout the row came from. DuckDB reads
the file (it is the fastest CSV/Parquet reader at hand) and hands Arrow batches to dlt; every value stays text,
as published, and typing happens in dbt staging.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from observatoire.warehouse import sql_identifier, sql_literal

from ..common import csv_error_reason, duckdb_arrow_batches, irregular_csv_line
from .readers import RecordParseError

#: Columns without which a row cannot become a contract.
REQUIRED_TABULAR_COLUMNS = ("id", "acheteur_id", "titulaire_id", "montant", "dateNotification")
#: The decp.info layout read by staging; optional columns missing from a file are loaded as NULL so the raw
#: table always has them. Columns beyond these are loaded too (as text) and left to analysts.
TABULAR_COLUMNS = (
    "uid",
    "id",
    "type",
    "codeCPV",
    "acheteur_id",
    "acheteur_nom",
    "titulaire_id",
    "titulaire_nom",
    "montant",
    "dateNotification",
    "procedure",
    "dureeMois",
    "offresRecues",
    "acheteur_departement_code",
    "titulaire_departement_code",
    "acheteur_region_code",
    "titulaire_region_code",
    # filled for the "DECP valides" layout (NULL for decp.info files)
    "layout",
    "titulaire_position",
    "titulaire_typeIdentifiant",
    "datePublicationDonnees",
    "objet",
    "nature",
    "idModification",
    "objetModification",
    "dureeMoisModification",
    "montantModification",
    "dateNotificationModification",
    "datePublicationDonneesModification",
    "titulairesModification",
)
#: Columns that make a file the Ministry's "DECP valides" layout.
VALIDES_REQUIRED_COLUMNS = ("id", "acheteur.id", "titulaire_id_1", "montant", "dateNotification")
#: Columns only the 2022 variant of that layout has (the 2019 one writes ``technique``, ``modaliteExecution``).
VALIDES_2022_COLUMNS = ("techniques", "modalitesExecution")
#: decp.info column ← "DECP valides" column (holder columns aside).
VALIDES_MAPPING = {
    "id": "id",
    "type": "nature",
    "codeCPV": "codeCPV",
    "acheteur_id": "acheteur.id",
    "acheteur_nom": "acheteur.nom",
    "montant": "montant",
    "dateNotification": "dateNotification",
    "procedure": "procedure",
    "dureeMois": "dureeMois",
    "offresRecues": "offresRecues",
    "datePublicationDonnees": "datePublicationDonnees",
    "objet": "objet",
    "nature": "nature",
    "idModification": "idModification",
    "objetModification": "objetModification",
    "dureeMoisModification": "dureeMoisModification",
    "montantModification": "montantModification",
    "dateNotificationModification": "dateNotificationModification",
    "datePublicationDonneesModification": "datePublicationDonneesModification",
    "titulairesModification": "titulairesModification",
}
#: The holder columns of the "DECP valides" layout: decp.info column ← published column pattern (k = 1..3).
VALIDES_HOLDER_COLUMNS = {
    "titulaire_id": "titulaire_id_{k}",
    "titulaire_nom": "titulaire_denominationSociale_{k}",
    "titulaire_typeIdentifiant": "titulaire_typeIdentifiant_{k}",
}


def _scan_sql(path: Path) -> str:
    if path.suffix.lower() == ".parquet":
        return f"select * from read_parquet({sql_literal(str(path))})"
    return f"select * from read_csv({sql_literal(str(path))}, all_varchar = true, header = true)"


def _columns(path: Path) -> list[str]:
    with duckdb.connect() as con:
        return list(con.sql(_scan_sql(path)).columns)


def _text(name: str, present: list[str]) -> str:
    return f"cast({sql_identifier(name)} as varchar)" if name in present else "cast(null as varchar)"


def tabular_layout(present: list[str]) -> str | None:
    """``decp_info``, ``decp_valides_2019``, ``decp_valides_2022``, or None for a file in neither layout."""
    if all(column in present for column in REQUIRED_TABULAR_COLUMNS):
        return "decp_info"
    if all(column in present for column in VALIDES_REQUIRED_COLUMNS):
        return "decp_valides_2022" if any(c in present for c in VALIDES_2022_COLUMNS) else "decp_valides_2019"
    return None


def _decp_info_sql(path: Path, present: list[str]) -> str:
    expected = [
        f"{_text(name, present)} as {sql_identifier(name)}"
        if name != "layout"
        else f"'decp_info' as {sql_identifier(name)}"
        for name in TABULAR_COLUMNS
    ]
    extra = [f"{_text(name, present)} as {sql_identifier(name)}" for name in present if name not in TABULAR_COLUMNS]
    return f"select {', '.join(expected + extra)} from ({_scan_sql(path)})"


def _valides_sql(path: Path, present: list[str], layout: str) -> str:
    """One row per holder of each row (titulaire_position k), or one row without holder when it lists none."""
    positions = [k for k in (1, 2, 3) if f"titulaire_id_{k}" in present]
    holder_cells = {
        target: "case position "
        + " ".join(f"when {k} then {_text(pattern.format(k=k), present)}" for k in positions)
        + " end"
        for target, pattern in VALIDES_HOLDER_COLUMNS.items()
    }
    columns = []
    for name in TABULAR_COLUMNS:
        if name == "layout":
            columns.append(f"'{layout}' as layout")
        elif name == "titulaire_position":
            columns.append("case when has_holders then cast(position as varchar) end as titulaire_position")
        elif name in holder_cells:
            columns.append(f"case when has_holders then {holder_cells[name]} end as {sql_identifier(name)}")
        else:
            columns.append(f"{_text(VALIDES_MAPPING.get(name, name), present)} as {sql_identifier(name)}")
    used = set(VALIDES_MAPPING.values()) | {
        pattern.format(k=k) for pattern in VALIDES_HOLDER_COLUMNS.values() for k in (1, 2, 3)
    }
    extra = [
        f"{_text(name, present)} as {sql_identifier(name.replace('.', '_'))}"
        for name in present
        if name not in used and name.replace(".", "_") not in TABULAR_COLUMNS
    ]
    listed = " or ".join(f"nullif(trim({_text(f'titulaire_id_{k}', present)}), '') is not null" for k in positions)
    return f"""
        with published as (
            select *, row_number() over () as published_row, coalesce({listed or "false"}, false) as has_holders
            from ({_scan_sql(path)})
        ),
        holders as (
            select published.*, positions.position
            from published
            cross join (select unnest({positions or [1]}) as position) as positions
        )
        select {", ".join(columns + extra)}
        from holders
        where not has_holders and position = {(positions or [1])[0]}
            or has_holders and nullif(trim({holder_cells["titulaire_id"]}), '') is not null
        order by published_row, position
    """


def iter_tabular_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the file's rows in the decp.info shape, all columns as text, in file order."""
    try:
        present = _columns(path)
        layout = tabular_layout(present)
        if layout is None:
            missing = [column for column in REQUIRED_TABULAR_COLUMNS if column not in present]
            raise RecordParseError(
                (irregular_csv_line(path) if path.suffix.lower() == ".csv" else "")
                or f"not a DECP tabular file: missing column(s) {', '.join(missing)} "
                f"(expected the decp.info layout: {', '.join(REQUIRED_TABULAR_COLUMNS)}, ..., "
                f"or the DECP valides layout: {', '.join(VALIDES_REQUIRED_COLUMNS)}, ...)"
            )
        sql = _decp_info_sql(path, present) if layout == "decp_info" else _valides_sql(path, present, layout)
        yield from duckdb_arrow_batches(sql)
    except duckdb.Error as exc:
        reason = csv_error_reason(path, exc) if path.suffix.lower() == ".csv" else str(exc).strip().splitlines()[0]
        raise RecordParseError(f"unreadable tabular file: {reason}") from exc
