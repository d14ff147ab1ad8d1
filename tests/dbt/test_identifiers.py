"""The SIRET/SIREN rules of macros/identifiers.sql are python-stdnum's: the macros, rendered as dbt renders them,
are run in DuckDB on more than 30,000 generated identifiers and on every identifier-shaped value of demo_data,
and compared value by value with stdnum.fr.siret / stdnum.fr.siren (the independent computation)."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import duckdb
import jinja2
import pyarrow as pa
import pytest
from stdnum import luhn
from stdnum.fr import siren, siret

from observatoire.settings import DEMO_DATA_DIR

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros"


def render(expression: str) -> str:
    """An expression using the project's macros, rendered with plain Jinja (the macros use no dbt context)."""
    source = "".join((MACROS / name).read_text(encoding="utf-8") for name in ("identifiers.sql", "decp_values.sql"))
    return jinja2.Environment().from_string(source + "{{ " + expression + " }}").render().strip()


def with_check_digit(digits: str) -> str:
    return digits + luhn.calc_check_digit(digits)


def generated_identifiers(seed: int = 20241206) -> list[str]:
    rng = random.Random(seed)
    digits = "0123456789"

    def rand(n: int) -> str:
        return "".join(rng.choice(digits) for _ in range(n))

    values: list[str] = []
    for _ in range(8_000):  # valid: SIREN with its key, then the SIRET key
        valid = with_check_digit(with_check_digit(rand(8)) + rand(4))
        values.append(valid)
        position = rng.randrange(14)  # one digit changed
        changed = valid[:position] + rng.choice(digits.replace(valid[position], "")) + valid[position + 1 :]
        values.append(changed)
    found = 0
    while found < 6_000:  # the SIRET Luhn key is right, the SIREN's is wrong
        candidate = with_check_digit(rand(13))
        if not luhn.is_valid(candidate[:9]):
            values.append(candidate)
            found += 1
    for _ in range(3_000):  # La Poste establishments (digit sum modulo 5), any last digits
        values.append("356000000" + rand(5))
    values += ["35600000000048", "35600000000049", "35600000000000", "35600000000005", "35600000012345"]
    for _ in range(3_000):  # SIRENs, valid or not
        values.append(with_check_digit(rand(8)))
        values.append(rand(9))
    for length in (0, 1, 8, 10, 13, 15, 16, 28):  # every length around 9 and 14
        values += [rand(length) for _ in range(50)]
        values += [with_check_digit(rand(length - 1)) for _ in range(50) if length > 1]
    for digit in digits:  # one repeated digit, and the usual fillers
        values += [digit * 14, digit * 9]
    values += ["12345678900000", "12345678901234", "12345678912345", "98765432100000", "123456789", "00000000000000"]
    values += [
        "", " ", "ABCDEFGHIJKLMN", "2193005300001A", "21930053000017 ", " 21930053000017", "219 300 530 00017",
        "219.300.530.00017", "21930053000017\n", "-2193005300001", "+2193005300001", "2193005300001.",
        "٢١٩٣٠٠٥٣٠٠٠٠١٧", "２１９３００５３０００００１７", "21930053000017x", "1e13", "null", "None",
    ]  # fmt: skip
    return values


def identifiers_of_demo_data() -> set[str]:
    """Every 9- and 14-digit token of every text file (and archive member) under demo_data/."""
    token = re.compile(r"(?<![0-9])(?:[0-9]{14}|[0-9]{9})(?![0-9])")
    found: set[str] = set()
    for path in DEMO_DATA_DIR.rglob("*"):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                texts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        elif path.is_file() and path.suffix in (".json", ".xml", ".csv", ".txt", ".md"):
            texts = [path.read_text(encoding="utf-8", errors="replace")]
        else:
            continue
        for text in texts:
            found.update(token.findall(text))
    return found


def compare(values: list[str]) -> list[tuple[str, bool, bool, bool, bool]]:
    """Disagreements: (value, macro SIRET, stdnum SIRET, macro SIREN, stdnum SIREN) where a macro and stdnum differ."""
    siret_sql = render("is_valid_siret(clean_siret('value'))")
    siren_sql = render("is_valid_siren(clean_siret('value'))")
    sql = f"select value, {siret_sql} as macro_siret, {siren_sql} as macro_siren from candidates"
    candidates = pa.table({"value": pa.array(values, pa.string())})
    with duckdb.connect() as con:
        con.register("candidates", candidates)
        rows = con.execute(sql).fetchall()
    assert len(rows) == len(values)
    return [
        (value, macro_siret, siret.is_valid(value), macro_siren, siren.is_valid(value))
        for value, macro_siret, macro_siren in rows
        if macro_siret is not siret.is_valid(value) or macro_siren is not siren.is_valid(value)
    ]


def test_macro_equals_stdnum_on_generated_identifiers() -> None:
    values = generated_identifiers()
    assert len(values) >= 30_000
    # the generator covers every class (computed with stdnum, not with the macro)
    assert sum(siret.is_valid(v) for v in values) > 8_000
    assert any(luhn.is_valid(v) and len(v) == 14 and not siret.is_valid(v) for v in values)
    assert any(v.startswith("356000000") and siret.is_valid(v) and not luhn.is_valid(v) for v in values)
    assert compare(values) == []


def test_macro_equals_stdnum_on_every_identifier_of_demo_data() -> None:
    values = sorted(identifiers_of_demo_data())
    assert len(values) > 1_000
    assert compare(values) == []


def test_siren_invalid_but_siret_luhn_valid_is_invalid() -> None:
    # 14-digit Luhn-valid, SIREN 123456780 fails its own key: the rule the old macro missed
    value = with_check_digit("1234567800001")
    assert luhn.is_valid(value) and not siren.is_valid(value[:9]) and not siret.is_valid(value)
    assert compare([value]) == []


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        ("00000000000000", True), ("11111111111111", True), ("99999999900017", True), ("12345678900000", True),
        ("12345678901234", True), ("98765432100012", True), ("000000000", True), ("21930053000017", False),
        ("35600000000048", False), ("1234567890", False), (None, False), ("ABCDEFGHIJKLMN", False),
    ],
)  # fmt: skip
def test_placeholder_identifiers(value: str | None, placeholder: bool) -> None:
    with duckdb.connect() as con:
        rule = render("is_placeholder_identifier('v')")
        [(flag,)] = con.execute(f"select {rule} from (select ? as v)", [value]).fetchall()
    assert flag is placeholder
