"""The company identifiers the warehouse references: the SIRETs/SIRENs worth looking up in SIRENE."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from observatoire.warehouse import connect_reader

log = logging.getLogger(__name__)

#: (schema, table, expression) giving the SIRETs to look up, read from the *raw* layer so the SIRENE load
#: does not depend on the dbt models built from it (holders of modifications included: a superset is fine).
#: Tables not loaded yet are skipped.
REFERENCING_EXPRESSIONS: tuple[tuple[str, str, str], ...] = (
    ("raw_decp", "decp_records", "json_extract_string(record, '$.acheteur.id')"),
    ("raw_decp", "decp_records", "json_extract_string(record, '$.autoriteConcedante.id')"),
    ("raw_decp", "decp_records", "unnest(json_extract_string(record, '$.titulaires[*].id'))"),
    ("raw_decp", "decp_records", "unnest(json_extract_string(record, '$.concessionnaires[*].id'))"),
    ("raw_decp", "decp_records", "unnest(json_extract_string(record, '$.modifications[*].titulaires[*].id'))"),
    ("raw_decp", "decp_tabular_rows", "acheteur_id"),
    ("raw_decp", "decp_tabular_rows", "titulaire_id"),
    ("raw_suivi_clauses", "marches", "acheteur_siret"),
    ("raw_suivi_clauses", "contrats_travail", "employeur_siret"),
    ("raw_suivi_clauses", "entreprises", "siret"),
    ("raw_registries", "siae_asp", "siret"),
    ("raw_registries", "geiq_list", "siret"),
    ("raw_registries", "ea_dgefp", "siret"),
    ("raw_registries", "finess_etablissements", "siret"),
    ("raw_registries", "inclusion_api_siaes", "siret"),
)


def clean_identifier(value: str | None) -> str | None:
    """Digits of a SIRET/SIREN as published ("123 456 789 00012" → "12345678900012"); None if not 9/14 digits."""
    if value is None:
        return None
    digits = "".join(ch for ch in str(value) if not ch.isspace() and ch != ".")
    return digits if digits.isdigit() and len(digits) in (9, 14) else None


def split_identifiers(values: Iterable[str | None]) -> tuple[set[str], set[str]]:
    """(SIRETs, SIRENs): every 14-digit value is a SIRET whose first 9 digits are a SIREN; 9-digit values are SIRENs."""
    sirets: set[str] = set()
    sirens: set[str] = set()
    for value in values:
        cleaned = clean_identifier(value)
        if cleaned is None:
            continue
        if len(cleaned) == 14:
            sirets.add(cleaned)
        sirens.add(cleaned[:9])
    return sirets, sirens


def referenced_identifiers(
    warehouse: Path, expressions: tuple[tuple[str, str, str], ...] = REFERENCING_EXPRESSIONS
) -> tuple[set[str], set[str]]:
    """SIRETs and SIRENs found by ``expressions`` over the tables of the warehouse that exist."""
    if not warehouse.is_file():
        log.warning("warehouse %s does not exist: no referenced SIRET", warehouse)
        return set(), set()
    values: list[str | None] = []
    with connect_reader(warehouse) as con:
        existing = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        for schema, table, expression in expressions:
            if (schema, table) not in existing:
                log.info("referenced SIRETs: %s.%s absent, skipped", schema, table)
                continue
            rows = con.execute(f'select distinct {expression} from "{schema}"."{table}"').fetchall()
            values.extend(row[0] for row in rows)
    return split_identifiers(values)
