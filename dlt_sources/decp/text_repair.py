"""Reversible encoding damage in DECP text: UTF-8 text decoded as Latin-1/Windows-1252 ("mojibake", ``DÃ©partement``).

Such text can be repaired exactly (ftfy re-encodes and decodes it again); the raw record keeps the value as
published and the repairs go beside it, in the ``text_repairs`` column of ``raw_decp.decp_records`` (a JSON list
of field, published and repaired value), which staging applies and ``decp_record_issues`` reports. Text where
characters were replaced by U+FFFD is lost and cannot be repaired: dbt flags it (macros/decp_checks.sql
has_lost_characters).

Only values showing a mojibake sign (a Latin-1 lead byte read as ``Ã``, ``Â``, ``Å`` or ``â`` followed by a
continuation byte read as Latin-1/cp1252) are given to ftfy, so clean records cost one regular-expression search
per field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import ftfy

#: A UTF-8 lead byte (C2, C3, C5, E2) read as cp1252/Latin-1, then a continuation byte (80–BF) read the same way.
MOJIBAKE_SIGN = re.compile(
    "[\u00c2\u00c3\u00c5\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def repaired_text(value: Any) -> str | None:
    """The repaired text when ``value`` is reversible mojibake, else None."""
    if not isinstance(value, str) or not MOJIBAKE_SIGN.search(value):
        return None
    fixed = ftfy.fix_encoding(value)
    return fixed if fixed != value else None


def _buyer_name(record: dict[str, Any]) -> Any:
    for key in ("acheteur", "autoriteConcedante"):
        buyer = record.get(key)
        if isinstance(buyer, dict) and buyer.get("nom") is not None:
            return buyer["nom"]
    return None


def record_repairs(record: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, published, repaired) of every repaired text field of a canonical record: ``objet``,
    ``acheteur.nom`` (the buyer or granting authority) and ``titulaires[n].denominationSociale`` (holders or
    concession holders, n 1-based as in decp_record_issues)."""
    candidates: list[tuple[str, Any]] = [("objet", record.get("objet")), ("acheteur.nom", _buyer_name(record))]
    holders = record.get("titulaires", record.get("concessionnaires"))
    if isinstance(holders, list):
        candidates += [
            (f"titulaires[{position}].denominationSociale", holder.get("denominationSociale"))
            for position, holder in enumerate(holders, start=1)
            if isinstance(holder, dict)
        ]
    for field, value in candidates:
        fixed = repaired_text(value)
        if fixed is not None:
            yield field, value, fixed
