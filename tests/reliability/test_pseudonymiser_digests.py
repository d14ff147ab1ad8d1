"""The pseudonymiser keys its HMAC once and copies it per digest: pseudonyms stay those of the plain formula
HMAC-SHA256(key, fields joined by U+001F), truncated to 32 hex digits, computed here with hmac.new for each."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from observatoire.pseudonymisation import Pseudonymiser


def plain(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def test_digests_equal_the_plain_hmac_formula_for_every_call() -> None:
    key = b"pseudonymiser-test-key-0123456789"
    pseudonymiser = Pseudonymiser(key)
    for _ in range(2):  # the keyed HMAC is copied, never consumed: a second pass gives the same digests
        assert pseudonymiser.beneficiary("Li", "Wei", date(1958, 1, 1)) == plain(
            key, "beneficiary", "LI", "WEI", "1958-01-01"
        )
        assert pseudonymiser.beneficiary("Lefèvre", "Zoé", date(1990, 3, 12)) == plain(
            key, "beneficiary", "LEFEVRE", "ZOE", "1990-03-12"
        )
        assert pseudonymiser.beneficiary("N'Diaye", "Awa-Marie", date(2001, 12, 31)) == plain(
            key, "beneficiary", "N DIAYE", "AWA MARIE", "2001-12-31"
        )
        assert pseudonymiser.participant("coordination_93", " P1 ") == plain(
            key, "participant", "coordination_93", "P1"
        )
    assert Pseudonymiser(b"another-key-0123456789").participant("coordination_93", "P1") != pseudonymiser.participant(
        "coordination_93", "P1"
    )
