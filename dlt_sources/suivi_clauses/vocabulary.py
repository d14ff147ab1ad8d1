"""Value vocabularies: how the labels a tracking tool writes translate to the exchange format's codes.

Real exports carry labels, not codes ("Homme", "Niveau V (CAP/BEP)", "France Travail", "BRSA"). For every coded
field (a nomenclature or a closed list), a source's vocabulary is, by priority:
1. the ``values`` its mapping declares for the field (label → code; ``null`` = the label means "unknown");
2. the codes themselves, and the labels (``libelle``) of the nomenclature seed;
3. a few universal spellings (sexe: Femme/Homme/Mme/M.; yes/no flags: O/N, oui/non, 1/0...).
Labels compare by ``label_key``: without case, accents, punctuation or parentheses, spaces collapsed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from .exchange_format import NOMENCLATURES_DIR, Field

#: Letters NFKD does not decompose, spelled out before accents are dropped ("Crèvecœur" = "CREVECOEUR").
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
#: Separators of a multi-valued cell, when the mapping declares none for the field.
DEFAULT_SEPARATORS = ",;|/+"
#: A label the draft command could not resolve: left for a person to complete, read as unknown until then.
UNRESOLVED = "?"
#: Spellings every tool uses, per closed list (field name → label → code).
UNIVERSAL_LABELS: dict[str, dict[str, str]] = {
    "sexe": {
        "femme": "F",
        "f": "F",
        "feminin": "F",
        "mme": "F",
        "madame": "F",
        "mlle": "F",
        "mademoiselle": "F",
        "homme": "M",
        "h": "M",
        "m": "M",
        "masculin": "M",
        "monsieur": "M",
        "mr": "M",
    },
    "resident_qpv": {
        "oui": "oui",
        "o": "oui",
        "y": "oui",
        "yes": "oui",
        "x": "oui",
        "1": "oui",
        "vrai": "oui",
        "true": "oui",
        "non": "non",
        "n": "non",
        "no": "non",
        "0": "non",
        "faux": "non",
        "false": "non",
    },
    # France Travail's name until 2024, and still the label of its code (3) in the ASP's reference of prescribers
    # (ref_orienteur): exports keep writing it. Without it the draft mapping proposed Cap emploi ("… emploi").
    "prescripteur": {
        "pole emploi": "FT",
    },
}


def label_key(text: object) -> str:
    """Comparison key of a label: lower case, no accents, punctuation and parentheses as spaces, spaces collapsed
    ("Niveau V (CAP/BEP)" → "niveau v cap bep", "M." → "m", "L2112-2" → "l2112 2")."""
    text = str(text).translate(LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", decomposed).split())


@cache
def nomenclature_rows(name: str) -> list[dict[str, str]]:
    """The rows of a nomenclature seed (code, libelle and its other columns), read once."""
    with (NOMENCLATURES_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def nomenclature_labels(name: str) -> dict[str, str]:
    """code → libellé of a nomenclature seed."""
    return {row["code"]: row.get("libelle") or "" for row in nomenclature_rows(name)}


def split_labels(text: str, separators: str) -> tuple[list[str], set[str]]:
    """The labels of a multi-valued cell and the separators that split it. A separator inside parentheses is part of
    its label: "BRSA, Minima sociaux (ASS/AAH)" is two labels even when "/" separates labels elsewhere."""
    parts: list[str] = []
    used: set[str] = set()
    depth, current = 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if depth == 0 and char in separators:
            used.add(char)
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()], used


class UnknownLabel(ValueError):
    """A label the vocabulary does not know. ``kept`` is the value to load when the row is kept (the known labels
    of a multi-valued cell, or None) and ``labels`` the unknown ones."""

    def __init__(self, field_name: str, labels: list[str], kept: str | None):
        self.field_name, self.labels, self.kept = field_name, labels, kept
        super().__init__(f"libellé inconnu pour {field_name}")


@dataclass(frozen=True)
class Vocabulary:
    """The labels of one coded field for one source: ``label_key`` → code (None: the label means "unknown")."""

    field_name: str
    labels: Mapping[str, str | None]
    separators: str | None = None  # set for a multi-valued field
    declared: frozenset[str] = field(default_factory=frozenset)  # keys that come from the mapping

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code in self.labels.values() if code is not None)

    def _one(self, text: str) -> tuple[bool, str | None]:
        key = label_key(text)
        if key in self.labels:
            return True, self.labels[key]
        return False, None

    def translate(self, text: str, joiner: str | None = None) -> str | None:
        """The code of ``text`` (a multi-valued cell: its codes joined by ``joiner``); None for a label meaning
        "unknown". Raises ``UnknownLabel`` for a label not in the vocabulary."""
        known, code = self._one(text)
        if known:
            return code
        if not self.separators:
            raise UnknownLabel(self.field_name, [text.strip()], None)
        # A multi-valued cell: split on every separator; a label holding a separator ("RSA/ASS") is matched whole
        # above before this.
        parts, _ = split_labels(text, self.separators)
        codes: list[str] = []
        unknown: list[str] = []
        for part in parts:
            known, code = self._one(part)
            if not known:
                unknown.append(part)
            elif code is not None and code not in codes:
                codes.append(code)
        kept = (joiner or "|").join(codes) if codes else None
        if unknown:
            raise UnknownLabel(self.field_name, unknown, kept)
        return kept


def _multi_valued(exchange_field: Field) -> bool:
    return exchange_field.separator is not None


def build_vocabulary(
    exchange_field: Field, declared: Mapping[str, object] | None = None, separators: str | None = None
) -> Vocabulary | None:
    """The vocabulary of a coded field (a nomenclature or a closed list), None for a field that is not coded."""
    codes: Iterable[str]
    labels: dict[str, str | None] = {}
    if exchange_field.nomenclature:
        seed = nomenclature_labels(exchange_field.nomenclature)
        codes = seed
        for code, libelle in seed.items():
            if libelle:
                labels.setdefault(label_key(libelle), code)
    elif exchange_field.enum:
        codes = exchange_field.enum
    else:
        return None
    for code in codes:
        labels[label_key(code)] = code
    for key, code in UNIVERSAL_LABELS.get(exchange_field.name, {}).items():
        labels.setdefault(key, code)
    canonical = {label_key(code): code for code in codes}
    declared_keys = set()
    for label, code in (declared or {}).items():
        if isinstance(code, str) and code.strip() == UNRESOLVED:
            continue
        key = label_key(label)
        labels[key] = None if code is None else canonical.get(label_key(code), str(code))
        declared_keys.add(key)
    if _multi_valued(exchange_field):
        separators = separators or DEFAULT_SEPARATORS
    else:
        separators = None
    return Vocabulary(exchange_field.name, labels, separators, frozenset(declared_keys))


def check_declared_codes(exchange_field: Field, declared: Mapping[str, object]) -> list[str]:
    """Declared labels whose code is not a code of the field (what a mapping file must not say)."""
    if exchange_field.nomenclature:
        valid = {label_key(code): code for code in nomenclature_labels(exchange_field.nomenclature)}
    else:
        valid = {label_key(code): code for code in exchange_field.enum or ()}
    wrong = []
    for label, code in declared.items():
        if code is None or (isinstance(code, str) and code.strip() == UNRESOLVED):
            continue
        if label_key(code) not in valid:
            wrong.append(f"{label!r}: {code!r}")
    return wrong
