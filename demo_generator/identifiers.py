"""SIRET/SIREN helpers: Luhn check digits for made-up identifiers (python-stdnum validates them)."""

from __future__ import annotations

import numpy as np


def luhn_ok(number: str) -> bool:
    """True when the digit string passes the Luhn check (SIREN and SIRET use it)."""
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _check_digit(body: str) -> str:
    for candidate in "0123456789":
        if luhn_ok(body + candidate):
            return candidate
    raise AssertionError("unreachable")


def complete_siret(siren: str, rng: np.random.Generator | None = None, nic_prefix: str = "0001") -> str:
    """A Luhn-valid SIRET for this SIREN: NIC = nic_prefix (4 digits, or random) + the check digit."""
    prefix = nic_prefix if rng is None else f"{int(rng.integers(1, 10_000)):04d}"
    return siren + prefix + _check_digit(siren + prefix)


def made_up_sirets(rng: np.random.Generator, count: int, exclude: set[str] | None = None) -> list[str]:
    """Distinct made-up SIRETs whose SIREN and SIRET both pass Luhn (made up: may collide with a real one)."""
    seen = set(exclude or ())
    out: list[str] = []
    while len(out) < count:
        body = f"{int(rng.integers(30_000_000, 99_999_999)):08d}"
        siren = body + _check_digit(body)
        siret = complete_siret(siren, rng)
        if siret not in seen:
            seen.add(siret)
            out.append(siret)
    return out


def break_luhn(siret: str) -> str:
    """The same SIRET with its last digit changed so that the Luhn check fails (planted defect)."""
    last = int(siret[-1])
    return siret[:-1] + str((last + 1) % 10)
