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


def test_each_identifier_is_counted_once_per_row_holding_it_with_its_column() -> None:
    """The audit reads each distinct value of a column once: the counts are still rows (names) and occurrences
    (patterns, dates), checked here against rows written by hand."""
    from datetime import date

    from observatoire.pii_audit import BIRTH_DATE, EMAIL, NAME, Scanner, identities_of

    scanner = Scanner(identities_of([("Dupont", "Jean", date(1990, 5, 17)), ("Curie", "Marie", date(1967, 11, 7))]))
    rows = [
        ("appeler Jean Dupont demain", "x", "y"),
        ("appeler Jean Dupont demain", None, None),  # the same value in another row
        ("DUPONT Jean", "", ""),  # the other order, other case: the same person
        ("Jean Dupont et Jean Dupont", "z", "z"),  # twice in one value: one row
        ("rien", "Dupont", "Jean"),  # last name and first name in two columns of a row
        ("rien", "Dupont", "Jean"),
        ("rien", "Dupont", "Marie"),  # two participants' names, nobody's identity
        ("rien", "Marie", "Marie"),
        ("né le 1990-05-17", "jean.dupont@example.fr", "06 12 34 56 78"),
        ("né le 1990-05-17 ou le 17/05/1990", "jean.dupont@example.fr", ""),
        ("Marie Curie, 1967-11-07", "", ""),
    ]
    try:
        scanner.con.execute("create table t (note varchar, nom varchar, prenom varchar)")
        scanner.con.executemany("insert into t values (?, ?, ?)", rows)
        hits = scanner.scan("t", "t", {"note": "note", "nom": "nom", "prenom": "prenom"})
    finally:
        scanner.close()
    counts = {(hit.where, hit.kind): (hit.count, sorted(hit.values)) for hit in hits}
    assert counts == {
        ("t.note", NAME): (5, ["JEAN DUPONT", "MARIE CURIE"]),
        ("t.nom+prenom", NAME): (2, ["JEAN DUPONT"]),
        ("t.nom", NAME): (2, ["JEAN DUPONT"]),  # in the e-mail address
        ("t.note", BIRTH_DATE): (4, ["17/05/1990", "1967-11-07", "1990-05-17"]),
        ("t.nom", EMAIL): (2, ["jean.dupont@example.fr"]),
        ("t.prenom", PHONE): (1, ["06 12 34 56 78"]),
    }
