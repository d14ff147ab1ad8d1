"""The personal-data audit's number patterns, run by DuckDB as the audit runs them: a NIR or a phone number is
found in text, and the digits of a decimal number or of an identifier are not one (an SVG coordinate of the
report, ``49.857142857142854)``, was reported as a NIR)."""

from __future__ import annotations

import duckdb
import pytest

from observatoire.pii_audit import NIR, PATTERNS, PHONE, identifier

#: 1 85 05 78 006 084 + key 91 (97 - 1850578006084 mod 97): a valid NIR that belongs to nobody in particular.
VALID_NIR = "185057800608491"


def found(kind: str, text: str) -> list[str]:
    matches = duckdb.execute("select unnest(regexp_extract_all(?, ?))", [text, PATTERNS[kind]]).fetchall()
    return [value for (match,) in matches if (value := identifier(kind, match))]


@pytest.mark.parametrize("text", [VALID_NIR, f"NIR : {VALID_NIR}.", f"({VALID_NIR})", "1 85 05 78 006 084 91"])
def test_a_nir_in_text_is_found(text: str) -> None:
    assert [value.replace(" ", "") for value in found(NIR, text)] == [VALID_NIR]


NOT_A_NIR = [f"translate(-2,49.{VALID_NIR})", f"id_{VALID_NIR}", f"9{VALID_NIR}", f"/tmp/{VALID_NIR}"]


@pytest.mark.parametrize("text", NOT_A_NIR)
def test_digits_of_a_decimal_number_or_an_identifier_are_not_a_nir(text: str) -> None:
    assert found(NIR, text) == []


def test_phone_numbers_keep_their_rule() -> None:
    assert found(PHONE, "tél. 06 12 34 56 78, test 12.0612345678") == ["06 12 34 56 78"]
