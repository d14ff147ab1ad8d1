"""Residence given as postal code + town name, resolved to the INSEE commune code.

Tools that do not export the INSEE code give the postal code and the town as people write them. La Poste's
"base officielle des codes postaux" (``<reference dir>/postal/laposte_hexasmal_2022.csv``) lists, per postal
code, the communes it serves. A postal code serving one commune gives its code; otherwise the town name chooses
among them (compared without case, accents, hyphens, "St"/"Saint"). What stays ambiguous or unknown is an issue,
never a guess. Codes of communes that have since become delegated or associated communes are replaced by their
parent commune from the COG (``cog/cog2026_communes_france_v_commune.csv``) when that file is present.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .vocabulary import label_key

POSTAL_FILE = Path("postal") / "laposte_hexasmal_2022.csv"
COG_FILE = Path("cog") / "cog2026_communes_france_v_commune.csv"
ABBREVIATIONS = {"st": "saint", "ste": "sainte"}


def town_key(name: str) -> str:
    """A town name for comparison: label_key, with "St"/"Ste" spelled out and articles kept."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in label_key(name).split())


@dataclass(frozen=True)
class Resolution:
    commune_code: str | None
    reason: str | None  # why no code was chosen (an issue), None when resolved


@dataclass
class PostalIndex:
    #: postal code → [(INSEE code, its names as written: La Poste's, then the COG's)]
    communes: dict[str, list[tuple[str, tuple[str, ...]]]]
    #: postal code → [(INSEE code, comparison keys of its names)], computed when a code is first resolved
    _keyed: dict[str, list[tuple[str, frozenset[str]]]] = field(default_factory=dict)

    def _candidates(self, postal_code: str) -> list[tuple[str, frozenset[str]]]:
        if postal_code not in self._keyed:
            self._keyed[postal_code] = [
                (code, frozenset(town_key(name) for name in names))
                for code, names in self.communes.get(postal_code, ())
            ]
        return self._keyed[postal_code]

    def resolve(self, postal_code: str | None, town: str | None) -> Resolution:
        digits = re.sub(r"\D", "", postal_code or "")
        if len(digits) == 4:  # a spreadsheet dropped the leading zero (01300 → 1300)
            digits = "0" + digits
        candidates = self._candidates(digits)
        if not candidates:
            return Resolution(None, "code postal inconnu de la base La Poste: commune de résidence non renseignée")
        codes = {code for code, _ in candidates}
        if len(codes) == 1:
            return Resolution(codes.pop(), None)
        if not town or not town.strip():
            return Resolution(None, "code postal commun à plusieurs communes et nom de commune absent: commune ambiguë")
        key = town_key(town)
        matched = {code for code, names in candidates if key in names}
        if len(matched) == 1:
            return Resolution(matched.pop(), None)
        if matched:
            return Resolution(None, "plusieurs communes de ce nom pour ce code postal: commune ambiguë")
        return Resolution(None, "nom de commune absent de la base La Poste pour ce code postal: commune non renseignée")


@cache
def postal_index(reference_dir: Path) -> PostalIndex:
    """The index of ``reference_dir``'s postal base (read once per process; names are keyed when first needed)."""
    path = reference_dir / POSTAL_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: base des codes postaux absente (nécessaire pour traduire code postal + commune en code INSEE)"
        )
    parents, cog_names = _cog(reference_dir / COG_FILE)
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter=";")
        header = next(rows)
        insee, name, postal, line5, routing = (
            header.index(column)
            for column in ("Code_commune_INSEE", "Nom_commune", "Code_postal", "Ligne_5", "Libellé_d_acheminement")
        )
        for row in rows:
            code = parents.get(row[insee], row[insee])
            entry = names[(row[postal], code)]
            entry += [row[column] for column in (name, routing, line5) if row[column]]
            if row[name].startswith(("PARIS ", "LYON ", "MARSEILLE ")):  # "PARIS 11" is also "Paris"
                entry.append(row[name].split(" ")[0])
    communes: dict[str, list[tuple[str, tuple[str, ...]]]] = defaultdict(list)
    for (postal_code, code), written in names.items():  # the COG's spelling too (La Poste: MONTCOURT FROMONVILLE)
        communes[postal_code].append((code, (*written, *cog_names.get(code, ()))))
    return PostalIndex(dict(communes))


def resolve_residences(
    index: PostalIndex, communes: list[str | None], postal_codes: list[str | None], towns: list[str | None]
) -> tuple[list[str | None], list[tuple[int, str]]]:
    """``communes`` completed from postal code + town where absent, and the (position, reason) of every row whose
    postal code and town give no single commune."""
    resolved = list(communes)
    issues: list[tuple[int, str]] = []
    cache: dict[tuple[str, str | None], Resolution] = {}
    for position, (commune, postal, town) in enumerate(zip(communes, postal_codes, towns, strict=True)):
        if commune is not None or postal is None:
            continue
        key = (postal, town)
        if key not in cache:
            cache[key] = index.resolve(postal, town)
        resolution = cache[key]
        resolved[position] = resolution.commune_code
        if resolution.reason:
            issues.append((position, resolution.reason))
    return resolved, issues


def _cog(path: Path) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Delegated and associated communes → their parent commune, and commune code → its COG names (both empty
    without the COG file)."""
    parents: dict[str, str] = {}
    names: dict[str, tuple[str, ...]] = {}
    if not path.exists():
        return parents, names
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        kind, code, parent, spelled, label = (
            header.index(column) for column in ("TYPECOM", "COM", "COMPARENT", "NCCENR", "LIBELLE")
        )
        for row in rows:
            if row[kind] in ("COMD", "COMA") and row[parent]:
                parents[row[code]] = row[parent]
            elif row[kind] in ("COM", "ARM"):
                names[row[code]] = (row[spelled], row[label])
    return parents, names
