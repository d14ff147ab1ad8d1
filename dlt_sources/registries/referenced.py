"""The company identifiers the warehouse references: the SIRETs/SIRENs worth looking up in SIRENE."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

#: (schema, table, column) holding SIRETs to look up; tables not built yet are skipped.
REFERENCING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("marts", "fct_contract_holders", "holder_id"),
    ("marts", "fct_contracts", "buyer_siret"),
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
    warehouse: Path, columns: tuple[tuple[str, str, str], ...] = REFERENCING_COLUMNS
) -> tuple[set[str], set[str]]:
    """SIRETs and SIRENs found in the existing ``columns`` of the warehouse (opened read-only)."""
    if not warehouse.is_file():
        log.warning("warehouse %s does not exist: no referenced SIRET", warehouse)
        return set(), set()
    values: list[str | None] = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        existing = {
            (schema, table, column)
            for schema, table, column in con.execute(
                "select table_schema, table_name, column_name from information_schema.columns"
            ).fetchall()
        }
        for schema, table, column in columns:
            if (schema, table, column) not in existing:
                log.info("referenced SIRETs: %s.%s.%s absent, skipped", schema, table, column)
                continue
            rows = con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall()
            values.extend(row[0] for row in rows)
    return split_identifiers(values)
