"""The one pseudonymiser: keyed HMAC-SHA256 over normalised identity fields (docs/architecture.md, "Personal data").

A participant's identity (last name, first name, birth date) is turned into a stable pseudonym *before*
anything is written: the same person reported by two sources gets the same ``beneficiary_pseudonym``,
and without the key the pseudonym cannot be recomputed from a list of names.

The key comes from ``OBSERVATOIRE_HMAC_KEY`` (or the file named by ``OBSERVATOIRE_HMAC_KEY_FILE``); it is
never committed, logged or put in run metadata. In demo mode (``OBSERVATOIRE_DEMO_MODE=1``, set by
``make demo``) a fixed demo key is used, with a warning: demo pseudonyms are not protected.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

log = logging.getLogger(__name__)

KEY_ENV = "OBSERVATOIRE_HMAC_KEY"
KEY_FILE_ENV = "OBSERVATOIRE_HMAC_KEY_FILE"
DEMO_MODE_ENV = "OBSERVATOIRE_DEMO_MODE"
#: Only for demo data: anyone can recompute demo pseudonyms.
DEMO_KEY = b"observatoire-demo-key-not-secret"
MIN_KEY_BYTES = 16


class PseudonymisationKeyError(RuntimeError):
    """No usable HMAC key outside demo mode; the message says how to provide one."""


def demo_mode() -> bool:
    return os.environ.get(DEMO_MODE_ENV, "").strip().lower() in ("1", "true", "yes")


def load_key() -> bytes:
    """The HMAC key from the environment, or the demo key in demo mode; a clear error otherwise."""
    value = os.environ.get(KEY_ENV, "")
    key_file = os.environ.get(KEY_FILE_ENV, "")
    if not value and key_file:
        path = Path(key_file)
        if not path.is_file():
            raise PseudonymisationKeyError(f"{KEY_FILE_ENV} points to {path}, which is not a readable file")
        value = path.read_text(encoding="utf-8").strip()
    if value:
        if len(value.encode()) < MIN_KEY_BYTES:
            raise PseudonymisationKeyError(f"{KEY_ENV} is too short: use at least {MIN_KEY_BYTES} random characters")
        return value.encode()
    if demo_mode():
        log.warning("Pseudonymisation uses the DEMO key (%s=1): pseudonyms are not protected", DEMO_MODE_ENV)
        return DEMO_KEY
    raise PseudonymisationKeyError(
        f"no pseudonymisation key: set {KEY_ENV} (e.g. `export {KEY_ENV}=$(openssl rand -hex 32)`, kept in a "
        f"secret store) or {KEY_FILE_ENV}; for demo data only, set {DEMO_MODE_ENV}=1"
    )


def normalise_name(value: str) -> str:
    """Upper case, no accents, letters only, single spaces: 'Zoë  de-la Tour' → 'ZOE DE LA TOUR'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z]+", " ", ascii_text.upper()).strip()


@dataclass(frozen=True)
class Pseudonymiser:
    key: bytes = field(repr=False)
    #: the HMAC keyed once; each digest starts from a copy (keying it costs as much as hashing a short message)
    _keyed: hmac.HMAC = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_keyed", hmac.new(self.key, digestmod=hashlib.sha256))

    def __reduce__(self) -> tuple[type[Pseudonymiser], tuple[bytes]]:
        """Pickled as its key (the keyed HMAC cannot be), for the worker processes that read tracking files."""
        return (Pseudonymiser, (self.key,))

    def _digest(self, *parts: str) -> str:
        mac = self._keyed.copy()
        mac.update("\x1f".join(parts).encode())
        return mac.hexdigest()[:32]

    def beneficiary(self, last_name: str, first_name: str, birth_date: date) -> str:
        """Same person, same pseudonym, whatever the source and the spelling of accents/case/hyphens."""
        return self._digest(
            "beneficiary", normalise_name(last_name), normalise_name(first_name), birth_date.isoformat()
        )

    def participant(self, source_name: str, participant_id: str) -> str:
        """A source's own participant id, pseudonymised (it links that source's contracts and exits)."""
        return self._digest("participant", source_name, participant_id.strip())
