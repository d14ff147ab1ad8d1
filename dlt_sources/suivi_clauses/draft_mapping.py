"""The mapping assistant: a draft mapping for a new source's export, and a check of what a mapping would still reject.

``draft_source(folder)`` reads every file of a source folder with the loader's readers and proposes:
* which exchange-format table each file (each workbook sheet) holds: by file or sheet name as the loader does
  (``SourceMapping.tables_for``), else by the best overlap of its headers with each table's fields;
* for each header, the field it stands for: similarity of the header (``header_key`` words) to the field's name,
  its schema title and a few synonyms tools use ("Civilité", "CP", "Ville", "N° sécu", "Mail"...), one field per
  header and no field twice, with the score; the headers left unmatched are listed;
* a wide hours sheet (months as columns: "janv. 2024", "02/2024"...): ``months_as_columns`` with the format found and
  the total-like headers to ignore;
* for every coded field (a nomenclature or a closed list), each distinct value with its count: the labels the
  loader already knows (codes, seed labels, universal spellings) as comments, the others with a proposed code and its
  reason: the tools' usual words no seed label resembles ("Bac", "Infra 3", "Intérim": ``LABEL_HINTS``), the
  intermediary structure a modality names ("Mise à disposition ETTI"), the most similar label of the nomenclature
  (and the score), or a code written inside the label ("art. L2112-2"); "?" when nothing is close enough.
  Multi-valued cells are split on the default separators, and the separators seen are proposed.
Personal fields (``donneePersonnelle`` in the schema) are matched by header only: their values are never read.

``render_yaml(draft)`` writes the draft as a commented YAML mapping that ``mapping.load_mapping`` reads as it is
("?" is an unresolved label). ``check_source(folder, mapping)`` runs the real dlt source on the folder with that
mapping into a throwaway warehouse and reports the load summary, the unknown labels and the rejects by reason.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import re
import secrets
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from .exchange_format import TABLE_NAMES, Field, exchange_tables
from .mapping import SourceMapping, header_key
from .readers import ExportReadError, Sheet, open_workbook, read_csv, read_xlsx
from .validation import InvalidValue, ValueIssue, parse_field
from .vocabulary import (
    DEFAULT_SEPARATORS,
    UNRESOLVED,
    UnknownLabel,
    build_vocabulary,
    label_key,
    nomenclature_rows,
    split_labels,
)
from .wide_months import month_of_header

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx")
#: A header is matched to a field from this score on (0 to 1).
MIN_HEADER_SCORE = 0.6
#: A label gets the code of the most similar nomenclature label from this score on, when the next code is at least
#: LABEL_MARGIN behind; otherwise it is left "?" with the closest candidate in a comment.
MIN_LABEL_SCORE = 0.75
LABEL_MARGIN = 0.05
#: At most this many distinct labels are listed per field (the rest are counted in a comment).
MAX_LABELS = 200
#: A sheet is wide (one column per month) when at least this many headers are months.
MIN_MONTH_HEADERS = 3
#: Formats tried on the headers of a sheet to recognise months ("%b" and "%B" read French month names too).
MONTH_FORMATS = ("%b %Y", "%B %Y", "%b-%Y", "%b-%y", "%b %y", "%m/%Y", "%Y-%m", "%m-%Y", "%m/%y", "%m-%y", "%Y%m")
#: The check lists at most this many line numbers per reject reason.
MAX_LINES_SHOWN = 10
#: Progress is reported every this many rows.
PROGRESS_ROWS = 50_000

#: Words that carry no meaning in a header; identifier markers are one word, "id".
STOPWORDS = frozenset({"de", "du", "des", "d", "la", "le", "l", "les", "a", "au", "aux", "en", "et", "s", "e"})
WORD_SYNONYMS = {
    "n": "id",
    "no": "id",
    "num": "id",
    "numero": "id",
    "identifiant": "id",
    "ref": "id",
    "reference": "id",
    "beneficiaire": "participant",
    "beneficiaires": "participant",
    "salarie": "participant",
    "nb": "nombre",
    "hrs": "heures",
}
#: Headers tools write → field, per table (compared as ``_words``).
HEADER_SYNONYMS: dict[str, dict[str, str]] = {
    "participants": {
        "matricule": "id_participant",
        "matricule participant": "id_participant",
        "civilite": "sexe",
        "genre": "sexe",
        "h f": "sexe",
        "ne e le": "date_naissance",
        "ne le": "date_naissance",
        "nee le": "date_naissance",
        "date de naissance": "date_naissance",
        "nom de naissance": "nom",
        "nom de famille": "nom",
        "nom d usage": "nom",
        "cp": "code_postal_residence",
        "code postal": "code_postal_residence",
        "ville": "commune_residence_libelle",
        "commune": "commune_residence_libelle",
        # a town's name, as tools write it beside the postal code; the INSEE code has "code" in its header
        "commune de residence": "commune_residence_libelle",
        "commune de domicile": "commune_residence_libelle",
        "code commune de residence": "commune_residence",
        "localite": "commune_residence_libelle",
        "code insee": "commune_residence",
        "code insee domicile": "commune_residence",
        "code insee residence": "commune_residence",
        "code commune": "commune_residence",
        "n secu": "nir",
        "n ss": "nir",
        "numero de securite sociale": "nir",
        "securite sociale": "nir",
        "mail": "courriel",
        "email": "courriel",
        "e mail": "courriel",
        "adresse mail": "courriel",
        "tel": "telephone",
        "portable": "telephone",
        "mobile": "telephone",
        "niveau d etudes": "niveau_formation",
        "niveau de diplome": "niveau_formation",
        "niveau scolaire": "niveau_formation",
        "niveau": "niveau_formation",
        "diplome": "niveau_formation",
        "oriente par": "prescripteur",
        "structure prescriptrice": "prescripteur",
        "criteres d eligibilite": "publics",
        "eligibilite": "publics",
        "orienteur": "prescripteur",
        "structure orienteuse": "prescripteur",
        "structure orientatrice": "prescripteur",
        "organisme prescripteur": "prescripteur",
        "statut a l entree": "publics",
        "situation a l entree": "publics",
        "origine": "prescripteur",
        "situation s": "publics",
        "situations": "publics",
        "situation": "publics",
        "public": "publics",
        "public s": "publics",
        "statut": "publics",
        "qpv o n": "resident_qpv",
        "qpv oui non": "resident_qpv",
        "resident qpv": "resident_qpv",
        "habite en qpv": "resident_qpv",
        "date d entree": "date_entree",
        "entree": "date_entree",
        "date entree dans la clause": "date_entree",
    },
    "operations": {
        "ouvrage": "id_operation",
        "designation de l ouvrage": "nom_operation",
        "commune": "commune_insee",
        "demarrage": "date_debut",
        "livraison": "date_fin",
        "moa": "maitre_ouvrage_nom",
    },
    "engagements_moa": {"moa": "maitre_ouvrage_nom", "ouvrage": "id_operation"},
    "contrats_travail": {
        "matricule": "id_participant",
        "matricule participant": "id_participant",
        "mode d embauche": "modalite",
        "modalite d embauche": "modalite",
        "mode de recrutement": "modalite",
        "type de contrat": "type_contrat",
        "contrat": "type_contrat",
        "siret employeur": "employeur_siret",
        "employeur": "employeur_siret",
        "date d embauche": "date_debut",
        "debut": "date_debut",
        "fin": "date_fin",
    },
    "heures": {
        "periode": "mois",
        "mois": "mois",
        "heures": "heures",
        "nombre d heures": "heures",
        "heures realisees": "heures",
        "heures effectuees": "heures",
    },
    "sorties": {
        "matricule": "id_participant",
        "matricule participant": "id_participant",
        "situation a la sortie": "situation_sortie",
        "motif de sortie": "situation_sortie",
    },
    "marches": {
        "article": "base_juridique",
        "objet": "objet",
        "heures prevues": "heures_prevues",
        "notifie le": "date_notification",
        "intitule": "objet",
        "ouvrage": "id_operation",
        "objectif heures": "heures_prevues",
        "date de notification": "date_notification",
        "fondement juridique": "base_juridique",
        "siret donneur d ordre": "acheteur_siret",
        "siret acheteur": "acheteur_siret",
        "siret maitre d ouvrage": "acheteur_siret",
        "siret pouvoir adjudicateur": "acheteur_siret",
    },
    "entreprises": {
        "siret": "siret",
        "nom": "raison_sociale",
        "entreprise": "raison_sociale",
        "nom entreprise": "raison_sociale",
        "nom de l entreprise": "raison_sociale",
        "denomination": "raison_sociale",
        "categorie": "type_structure",
    },
}
#: Sheet or file name words → table, when the name does not hold the table's name.
TABLE_WORDS = {
    "beneficiaires": "participants",
    "beneficiaire": "participants",
    "salaries": "participants",
    "parcours": "participants",
    "contrats": "contrats_travail",
    "embauches": "contrats_travail",
    "suivi heures": "heures",
    "lots": "marches",
    "ouvrages": "operations",
    "engagements": "engagements_moa",
}
#: Labels tools write that no label of the nomenclature resembles, per field: label key → (code, why). Proposed in
#: the draft like any other proposal, for a person to confirm; the loader alone does not read them.
LABEL_HINTS: dict[str, dict[str, tuple[str, str]]] = {
    "niveau_formation": {
        **dict.fromkeys(
            ("bac", "bac pro", "baccalaureat", "bac general", "bac technologique"), ("4", "bac : niveau 4")
        ),
        **dict.fromkeys(
            ("sans qualification", "sans diplome", "aucun diplome", "aucune qualification"),
            ("1", "sans diplôme ni qualification : niveau 1"),
        ),
        **dict.fromkeys(("cap", "bep", "cap bep", "cap ou bep"), ("3", "CAP, BEP : niveau 3")),
        **dict.fromkeys(("bac 2", "bts", "dut", "deug", "but"), ("5", "bac+2 (BTS, DUT) : niveau 5")),
        **dict.fromkeys(("bac 3", "bac 4", "licence", "maitrise"), ("6", "bac+3/4 : niveau 6")),
        **dict.fromkeys(("bac 5", "master"), ("7", "bac+5 : niveau 7")),
        **dict.fromkeys(
            ("infra 3", "infra niveau 3", "infra cap", "infra v", "infra niveau v", "infra 5", "infra bac"),
            ("1", "sous le niveau 3 : niveau 1 ou 2, à vérifier (les deux comptent « CAP/BEP ou moins »)"),
        ),
    },
    "prescripteur": {
        **dict.fromkeys(
            ("spontane", "spontanee", "demarche spontanee", "de lui meme", "d elle meme"),
            ("CANDIDATURE_SPONTANEE", "venu(e) de sa propre initiative"),
        ),
    },
    "type_contrat": {
        **dict.fromkeys(
            ("interim", "mission d interim", "contrat de mission", "travail temporaire"),
            ("CTT", "intérim classique ; CTTI si la mission passe par une ETTI"),
        ),
        **dict.fromkeys(("interim d insertion", "etti", "mission etti"), ("CTTI", "intérim d'insertion (ETTI)")),
        **dict.fromkeys(
            ("contrat pro", "professionnalisation", "contrat de professionnalisation"), ("PRO", "alternance")
        ),
        **dict.fromkeys(("pec", "cui", "cui cie", "parcours emploi competences"), ("CUI_PEC", "contrat aidé")),
    },
    "modalite": {
        "etti": ("MAD_ETTI", "mise à disposition par une ETTI"),
        "geiq": ("MAD_GEIQ", "mise à disposition par un GEIQ"),
        **dict.fromkeys(("ai", "association intermediaire"), ("MAD_AI", "mise à disposition par une AI")),
        **dict.fromkeys(("ett", "interim", "interim classique"), ("MAD_ETT", "intérim classique")),
    },
}
#: A code written inside a label ("Clause d'insertion (art. L2112-2)") is proposed when its comparison key has at
#: least this many characters (shorter codes, "F", "ML", are words of other labels too).
MIN_WRITTEN_CODE = 3
#: Words that turn a label into the opposite of a code it names ("Hors QPV", "Non RSA"): no code is read in it.
NEGATIONS = frozenset({"non", "hors", "sans", "pas", "aucun", "aucune", "ni"})
#: Labels that mean "not known": proposed as null (or as the nomenclature's INCONNU code when it has one).
UNKNOWN_LABELS = frozenset({"non renseigne", "nr", "inconnu", "ne sait pas", "nsp", "non communique", "nc", "n c"})
#: Why a file or sheet is not used when no line of it names two fields (its cells are not copied: they may be data).
NO_HEADER_ROW = (
    "moins de deux en-têtes reconnus sur la ligne d'en-têtes : à associer à la main (cellules non recopiées)"
)
#: Headers of a wide sheet that are neither fields nor months: totals.
TOTAL_WORDS = ("total", "cumul", "somme")


# ----------------------------------------------------------------------------------------------------- data


@dataclass
class HeaderMatch:
    header: str
    field: str | None
    score: float
    how: str  # "nom", "titre", "synonyme"; for an unmatched header, the closest field in ``hint``
    hint: tuple[str, float] | None = None


@dataclass
class LabelProposal:
    label: str
    count: int
    code: str | None  # the proposed or known code; None with ``unresolved`` for "?", else "means unknown"
    score: float
    known: bool  # the loader already recognises the label
    unresolved: bool = False
    note: str = ""


@dataclass
class TableDraft:
    table: str
    files: list[str] = field(default_factory=list)  # file names (or patterns) of the folder
    sheet: str | None = None
    headers: list[HeaderMatch] = field(default_factory=list)
    months_format: str | None = None
    month_headers: int = 0
    ignore: list[str] = field(default_factory=list)
    rows: int = 0
    cells: dict[str, Counter[str]] = field(default_factory=dict)  # coded field → its cells as written
    labels: dict[str, Counter[str]] = field(default_factory=dict)  # coded field → its labels (cells split)
    separators: dict[str, set[str]] = field(default_factory=dict)
    proposals: dict[str, list[LabelProposal]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def matched(self) -> list[HeaderMatch]:
        return [h for h in self.headers if h.field]

    @property
    def unmatched(self) -> list[HeaderMatch]:
        return [h for h in self.headers if not h.field]

    def missing_required(self) -> list[str]:
        present = {h.field for h in self.matched}
        if self.months_format:
            present |= {"mois", "heures"}
        return [name for name in exchange_tables()[self.table].required if name not in present]


@dataclass
class SourceDraft:
    source: str
    folder: Path
    tables: dict[str, TableDraft] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    files_read: int = 0
    encodings: Counter[str] = field(default_factory=Counter)
    separators: Counter[str] = field(default_factory=Counter)

    def unresolved(self) -> list[tuple[str, str, LabelProposal]]:
        return [
            (t.table, name, p)
            for t in self.tables.values()
            for name, proposals in t.proposals.items()
            for p in proposals
            if p.unresolved
        ]

    @property
    def complete(self) -> bool:
        """Nothing left to a person: every file recognised, header matched, required field found, label known."""
        return not (
            self.refused
            or self.unresolved()
            or any(t.unmatched or t.missing_required() or t.notes for t in self.tables.values())
        )


# ------------------------------------------------------------------------------------------------ headers


def _words(text: str) -> tuple[str, ...]:
    """A header as meaningful words: ``header_key`` words, identifier markers as "id", stopwords dropped."""
    words = [WORD_SYNONYMS.get(word, word) for word in header_key(text).split("_") if word]
    return tuple(word for word in words if word not in STOPWORDS)


@cache
def _synonyms(table: str) -> dict[tuple[str, ...], str]:
    return {_words(header): name for header, name in HEADER_SYNONYMS.get(table, {}).items()}


def _dice(a: Iterable[str], b: Iterable[str]) -> float:
    a, b = set(a), set(b)
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def _similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Words in common, or close spelling of the whole text (typos, abbreviations), whichever is higher."""
    if not a or not b:
        return 0.0
    return max(_dice(a, b), difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio())


@cache
def _field_texts(table: str) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """field → (words, how) to compare a header with: its name and its schema title."""
    return {
        f.name: [(_words(f.name), "nom"), (_words(_title(table, f.name)), "titre")]
        for f in exchange_tables()[table].fields
    }


@cache
def _titles(table: str) -> dict[str, str]:
    from .exchange_format import schema_path

    spec = json.loads(schema_path(table).read_text(encoding="utf-8"))
    return {f["name"]: f.get("title") or f["name"] for f in spec["fields"]}


def _title(table: str, name: str) -> str:
    return _titles(table).get(name, name)


def header_scores(table: str, header: str, fields: Iterable[str] | None = None) -> list[tuple[float, str, str]]:
    """(score, field, how) of a header against every field of ``table`` (or ``fields``), best first."""
    words = _words(header)
    allowed = set(fields) if fields is not None else None
    scores = []
    synonym = _synonyms(table).get(words)
    for name, texts in _field_texts(table).items():
        if allowed is not None and name not in allowed:
            continue
        if header_key(header) == name or synonym == name:
            scores.append((1.0, name, "nom" if header_key(header) == name else "synonyme"))
            continue
        best = max(((_similarity(words, text), how) for text, how in texts), default=(0.0, "nom"))
        score = round(best[0], 2)
        if synonym is not None:  # a synonym says which field the header is: words in common come after it
            score = min(score, 0.99)
        scores.append((score, name, best[1]))
    return sorted(scores, key=lambda s: (-s[0], s[1]))


def match_headers(table: str, headers: list[str], fields: Iterable[str] | None = None) -> list[HeaderMatch]:
    """One field per header, no field twice: the best pairs first (greedy), from MIN_HEADER_SCORE on."""
    candidates = []
    scored = {}
    for position, header in enumerate(headers):
        scored[position] = header_scores(table, header, fields)
        candidates += [(score, position, name, how) for score, name, how in scored[position]]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    chosen: dict[int, tuple[str, float, str]] = {}
    taken: set[str] = set()
    for score, position, name, how in candidates:
        if score < MIN_HEADER_SCORE:
            break
        if position in chosen or name in taken:
            continue
        chosen[position] = (name, score, how)
        taken.add(name)
    matches = []
    for position, header in enumerate(headers):
        if position in chosen:
            name, score, how = chosen[position]
            matches.append(HeaderMatch(header, name, score, how))
        else:
            hint = next(((name, score) for score, name, _ in scored[position] if name not in taken), None)
            matches.append(HeaderMatch(header, None, hint[1] if hint else 0.0, "", hint))
    return matches


def _table_fit(table: str, headers: list[str]) -> float:
    """How well headers fit a table: the matched scores, with its required fields weighing double."""
    required = set(exchange_tables()[table].required)
    return sum(m.score * (2 if m.field in required else 1) for m in match_headers(table, headers) if m.field)


# ------------------------------------------------------------------------------------------------- months


def month_format(headers: list[Any]) -> tuple[str | None, int]:
    """The month format most headers parse with (None when fewer than MIN_MONTH_HEADERS do) and their number."""
    best: tuple[str | None, int] = (None, 0)
    for fmt in MONTH_FORMATS:
        count = sum(1 for h in headers if str(h).strip() and _month_header(h, fmt))
        if count > best[1]:
            best = (fmt, count)
    return best if best[1] >= MIN_MONTH_HEADERS else (None, best[1])


def _month_header(header: Any, fmt: str) -> bool:
    try:
        return month_of_header(header, fmt) is not None
    except (ValueError, KeyError):
        return False


# ------------------------------------------------------------------------------------------------- labels


ROMAN = {"i", "ii", "iii", "iv", "v", "vi"}


@cache
def _label_candidates(exchange_field: Field) -> tuple[tuple[str, str, str], ...]:
    """(code, comparison text, what it is) of a coded field: codes, seed labels and their parts, universal labels;
    built once per field (each label of a draft reads them up to three times)."""
    from .vocabulary import UNIVERSAL_LABELS

    candidates = []
    if exchange_field.nomenclature:
        for row in nomenclature_rows(exchange_field.nomenclature):
            code, libelle = row["code"], row.get("libelle") or ""
            candidates.append((code, label_key(code), "code"))
            if libelle:
                candidates.append((code, label_key(libelle), f"libellé « {libelle} »"))
                for part in re.split(r"\s+-\s+|\(|\)", libelle):  # "PLIE - Plan local..." → "PLIE", "Plan local..."
                    if label_key(part) and label_key(part) != label_key(libelle):
                        candidates.append((code, label_key(part), f"libellé « {libelle} »"))
    for code in exchange_field.enum or ():
        candidates.append((code, label_key(code), "code"))
    for key, code in UNIVERSAL_LABELS.get(exchange_field.name, {}).items():
        candidates.append((code, key, f"libellé « {key} »"))
    return tuple(candidates)


def _label_score(label: str, candidate: str) -> float:
    """Similarity of two label keys: spelling, words in common, every word of one in the other, acronym."""
    if not label or not candidate:
        return 0.0
    a, b = label.split(), candidate.split()
    significant_a = [w for w in a if w not in STOPWORDS]
    significant_b = [w for w in b if w not in STOPWORDS]
    score = max(difflib.SequenceMatcher(None, label, candidate).ratio(), _dice(significant_a, significant_b))
    if len(significant_a) >= 2 and set(significant_a) <= set(significant_b):
        score = max(score, 0.85)  # "travailleur handicape" in "travailleur handicape rqth"
    compact = label.replace(" ", "")
    if len(compact) >= 3 and compact == "".join(w[0] for w in significant_b):
        score = max(score, 0.8)  # acronym
    if len(label) >= 5 and candidate.startswith(label):
        score = max(score, 0.8)  # prefix "demandeur d emploi"
    return score


def _nomenclature_1969(exchange_field: Field, label: str) -> tuple[str, str] | None:
    """Training levels written in the 1969 nomenclature ("Niveau V", "IV"): the 2019 code when the seed's column
    ``nomenclature_1969`` gives exactly one; None otherwise."""
    if exchange_field.nomenclature != "clauses_niveaux_formation":
        return None
    words = [w for w in label.split() if w != "niveau"]
    if len(words) != 1 or words[0] not in ROMAN:
        return None
    numeral = words[0].upper()
    codes = [
        row["code"]
        for row in nomenclature_rows(exchange_field.nomenclature)
        if numeral in [part.strip() for part in (row.get("nomenclature_1969") or "").split("/")]
    ]
    return (codes[0], f"nomenclature 1969 : niveau {numeral}") if len(codes) == 1 else None


def propose_label(exchange_field: Field, label: str) -> tuple[str | None, float, str, bool]:
    """(code or None, score, note, resolved) for a label the loader does not know."""
    key = label_key(label)
    if key in UNKNOWN_LABELS:
        codes = {c for c, _, _ in _label_candidates(exchange_field)}
        if "INCONNU" in codes:
            return "INCONNU", 1.0, "valeur « inconnue »", True
        return None, 1.0, "valeur « inconnue » : champ laissé vide, sans signalement", True
    level = _nomenclature_1969(exchange_field, key)
    if level:
        return level[0], 0.9, level[1], True
    hint = LABEL_HINTS.get(exchange_field.name, {}).get(key)
    if hint and hint[0] in {code for code, _, _ in _label_candidates(exchange_field)}:
        return hint[0], 0.9, hint[1], True
    structure = _structure_named_in(exchange_field, key)
    if structure:
        return structure[0], 0.9, f"structure « {structure[1]} » nommée dans le libellé", True
    best: dict[str, tuple[float, str]] = {}
    negated = set(key.split()) & NEGATIONS
    for code, text, what in _label_candidates(exchange_field):
        if negated - set(text.split()):  # "hors qpv" is not "qpv"; "sans diplome" may be "... (sans diplôme)"
            continue
        score = _label_score(key, text)
        if score > best.get(code, (-1.0, ""))[0]:
            best[code] = (score, what)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
    if not ranked:
        return (
            None,
            0.0,
            "libellé négatif : aucun code proposé (null s'il n'en désigne aucun)" if negated else "aucun code",
            False,
        )
    code, (score, what) = ranked[0]
    second = ranked[1][1][0] if len(ranked) > 1 else 0.0
    if score >= MIN_LABEL_SCORE and score - second >= LABEL_MARGIN:
        return code, round(score, 2), what, True
    written = _code_written_in(exchange_field, key)
    if written:
        return written, 0.9, f"code « {written} » écrit dans le libellé", True
    near = ", ".join(f"{c} ({s:.2f})" for c, (s, _) in ranked[:2] if s > 0.3)
    return None, round(score, 2), f"à compléter ; le plus proche : {near}" if near else "à compléter", False


def _structure_named_in(exchange_field: Field, key: str) -> tuple[str, str] | None:
    """(modality, structure) when the label names the intermediary structure of exactly one modality
    ("Mise à disposition ETTI" → MAD_ETTI): the seed's column ``structure_intermediaire``; None otherwise."""
    words = set(key.split())
    if exchange_field.nomenclature != "clauses_modalites" or words & NEGATIONS:
        return None
    named = {
        row["code"]: structure
        for row in nomenclature_rows(exchange_field.nomenclature)
        for structure in (row.get("structure_intermediaire") or "").split("/")
        if structure and label_key(structure) in words
    }
    return next(iter(named.items())) if len(named) == 1 else None


def _code_written_in(exchange_field: Field, key: str) -> str | None:
    """The code of the field written as words of the label key ("clause d insertion art l2112 2" holds L2112-2):
    the longest one; None when there is none, two of that length, or a negation ("hors qpv")."""
    if set(key.split()) & NEGATIONS:
        return None
    padded = f" {key} "
    written = {
        code: len(code_key)
        for code, code_key, what in _label_candidates(exchange_field)
        if what == "code" and len(code_key.replace(" ", "")) >= MIN_WRITTEN_CODE and f" {code_key} " in padded
    }
    if not written:
        return None
    longest = max(written.values())
    codes = [code for code, length in written.items() if length == longest]
    return codes[0] if len(codes) == 1 else None


@cache
def _default_vocabulary(exchange_field: Field) -> Any:
    return build_vocabulary(exchange_field)


def _known(exchange_field: Field, label: str) -> tuple[bool, Any]:
    """Whether the loader recognises ``label`` without any mapping entry, and its code."""
    vocabulary = _default_vocabulary(exchange_field)
    try:
        return True, parse_field(exchange_field, label, vocabulary)
    except (ValueIssue, UnknownLabel, InvalidValue):
        return False, None


def _split(exchange_field: Field, cell: str) -> tuple[list[str], set[str]]:
    """The labels of a cell (a multi-valued cell split on the default separators unless known whole) and the
    separators it used."""
    if exchange_field.separator is None or _known(exchange_field, cell)[0]:
        return [cell], set()
    parts, used = split_labels(cell, DEFAULT_SEPARATORS)
    return parts, used if len(parts) > 1 else set()


def propose_values(table: TableDraft) -> None:
    """Labels of every coded field (its distinct cells split), the separators seen, and a proposal per label."""
    fields = {f.name: f for f in exchange_tables()[table.table].fields}
    for name, cells in table.cells.items():
        for text, count in cells.items():
            labels, used = _split(fields[name], text)
            counter = table.labels.setdefault(name, Counter())
            for label in labels:
                counter[label] += count
            if used:
                table.separators.setdefault(name, set()).update(used)
    for name, counts in table.labels.items():
        exchange_field = fields[name]
        proposals = []
        for label, count in sorted(counts.items(), key=lambda item: (-item[1], label_key(item[0]))):
            known, code = _known(exchange_field, label)
            if known:
                proposals.append(LabelProposal(label, count, None if code is None else str(code), 1.0, True))
                continue
            code, score, note, resolved = propose_label(exchange_field, label)
            proposals.append(LabelProposal(label, count, code, score, False, not resolved, note))
        table.proposals[name] = proposals


def coded_fields(table: str) -> dict[str, Field]:
    """Fields whose values are read: coded (a vocabulary exists) and not personal."""
    return {
        f.name: f for f in exchange_tables()[table].fields if f.personal is None and build_vocabulary(f) is not None
    }


# ---------------------------------------------------------------------------------------------- files


def _header_like(text: str) -> bool:
    """A cell that can be a column header: text that is not a number or a date."""
    text = str(text).strip()
    if not text:
        return False
    if re.fullmatch(r"[\d\s.,:/-]+", text) and not _month_like(text):
        return False
    return True


def _month_like(text: str) -> bool:
    return any(_month_header(text, fmt) for fmt in ("%m/%Y", "%Y-%m", "%m-%Y"))


@cache
def recognised_header(text: str) -> bool:
    """A cell that names a field of some table (score from MIN_HEADER_SCORE on) or a month."""
    if not _header_like(text):
        return False
    if _month_like(text) or any(_month_header(text, fmt) for fmt in ("%b %Y", "%B %Y")):
        return True
    return any(header_scores(table, text)[0][0] >= MIN_HEADER_SCORE for table in TABLE_NAMES)


def _xlsx_sheets(path: Path) -> Iterator[tuple[str, Sheet | None]]:
    """(sheet name, sheet) of every worksheet; the header row is found as the loader's reader finds it, the first row
    of the first 15 with two cells naming fields (or months). None for a sheet with no such row: never a data row
    taken for headers, whose cells (names, dates) would be written in the draft."""
    workbook = open_workbook(path)
    try:
        for name in workbook.worksheets:
            try:
                sheet = read_xlsx(path, name, {"h"}, lambda text: "h" if recognised_header(text) else "", workbook)
            except ExportReadError:
                sheet = None
            yield name, sheet
    finally:
        workbook.close()


def _table_by_name(name: str) -> str | None:
    """The table a file or sheet name says (the loader's rule on table names, then common words)."""
    found = SourceMapping("", None, ()).tables_for(name)
    if found:
        return found[0].table
    key = " ".join(header_key(Path(name).stem).split("_"))
    for words, table in TABLE_WORDS.items():
        if re.search(rf"\b{words}\b", key):
            return table
    return None


def _choose_table(names: list[str], headers: list[str]) -> tuple[str | None, str | None]:
    """(table, month format) of a sheet: a wide month sheet is hours; else a name saying it; else header overlap."""
    fmt, months = month_format(headers)
    if fmt:
        return "heures", fmt
    for name in names:
        table = _table_by_name(name)
        if table:
            return table, None
    fits = {table: _table_fit(table, headers) for table in TABLE_NAMES}
    best = max(fits, key=lambda t: fits[t])
    return (best, None) if fits[best] > 0 else (None, None)


def _generalised(name: str, others: list[str]) -> str:
    """A file pattern for ``name``: runs of 4+ digits (years, dates) as '*' when that matches none of ``others``."""
    pattern = re.sub(r"\d{4,}", "*", name)
    if pattern != name and not any(fnmatch.fnmatch(o.lower(), pattern.lower()) for o in others):
        return pattern
    return name


def draft_source(
    folder: Path, source: str | None = None, progress: Callable[[str, int], None] | None = None
) -> SourceDraft:
    """The draft mapping of the files in ``folder`` (see the module docstring). ``progress(file, rows)`` is called
    when a file starts (rows = 0) and every PROGRESS_ROWS rows."""
    draft = SourceDraft(source or folder.name, folder)
    files = (
        sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "~$")))
        if folder.is_dir()
        else []
    )
    names = [str(p.relative_to(folder)) for p in files]
    assigned: dict[str, set[str]] = {}  # file → the tables it holds
    for path in files:
        relative = str(path.relative_to(folder))
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            draft.refused.append((relative, f"format {path.suffix or '(sans extension)'} non pris en charge"))
            continue
        if progress:
            progress(relative, 0)
        draft.files_read += 1
        try:
            if path.suffix.lower() == ".xlsx":
                for sheet_name, sheet in _xlsx_sheets(path):
                    if sheet is None:
                        draft.refused.append((f"{relative} (feuille « {sheet_name} »)", NO_HEADER_ROW))
                        continue
                    _read_sheet(draft, relative, sheet_name, sheet, [sheet_name, path.name], assigned, progress)
            else:
                sheet = read_csv(path)
                draft.encodings[sheet.encoding or ""] += 1
                draft.separators[sheet.separator or ""] += 1
                _read_sheet(draft, relative, None, sheet, [path.name], assigned, progress)
        except (ExportReadError, OSError) as exc:
            draft.refused.append((relative, f"illisible : {exc}"))
    for table in draft.tables.values():
        _qpv_codes_column(table)
        others = [n for n in names if table.table not in assigned.get(n, set())]
        table.files = sorted({_generalised(f, others) for f in table.files})
        propose_values(table)
    return draft


def _read_sheet(
    draft: SourceDraft,
    relative: str,
    sheet_name: str | None,
    sheet: Sheet,
    names: list[str],
    assigned: dict[str, set[str]],
    progress: Callable[[str, int], None] | None,
) -> None:
    headers = [str(h).strip() if h is not None else "" for h in sheet.header]
    where = relative + (f" (feuille « {sheet_name} »)" if sheet_name else "")
    if sum(1 for h in headers if recognised_header(h)) < 2:  # a file without header line: its first line is data
        draft.refused.append((where, NO_HEADER_ROW))
        _drain(sheet)
        return
    table_name, fmt = _choose_table(names, [h for h in headers if h])
    if table_name is None:
        draft.refused.append((where, "aucune table du format d'échange reconnue dans les en-têtes"))
        _drain(sheet)
        return
    table = draft.tables.get(table_name)
    if table is None:
        table = draft.tables[table_name] = TableDraft(table_name)
    elif sheet_name and table.sheet and table.sheet != sheet_name:
        table.notes.append(
            f"la feuille « {sheet_name} » de {relative} semble aussi contenir la table {table_name} : une seule "
            f"feuille par table dans une correspondance ; enregistrez-la dans un fichier à part"
        )
        _drain(sheet)
        return
    table.files.append(relative.replace(os.sep, "/").split("/")[-1])
    assigned.setdefault(relative, set()).add(table_name)
    if sheet_name:
        table.sheet = sheet_name
    # headers: the ones not seen in an earlier file of the table are matched against the fields still free
    months = {i for i, h in enumerate(headers) if fmt and _month_header(h, fmt)}
    if fmt:
        table.months_format, table.month_headers = fmt, len(months)
    seen = {header_key(h.header) for h in table.headers}
    fields = [f for f in exchange_tables()[table_name].field_names if f not in {h.field for h in table.matched}]
    if fmt:
        fields = [f for f in fields if f not in ("mois", "heures")]
    new = [h for i, h in enumerate(headers) if h and i not in months and header_key(h) not in seen]
    matches = match_headers(table_name, new, fields)
    if fmt:  # totals of a wide sheet are ignored, not listed as unknown
        for match in matches:
            if not match.field and any(word in header_key(match.header) for word in TOTAL_WORDS):
                table.ignore.append(match.header)
        matches = [m for m in matches if m.header not in table.ignore]
    table.headers += matches
    # values of the coded, non-personal fields
    coded = coded_fields(table_name)
    columns = {
        i: coded[m.field] for i, h in enumerate(headers) for m in table.matched if m.header == h and m.field in coded
    }
    rows = 0
    for _, cells in sheet.rows:
        rows += 1
        if progress and rows % PROGRESS_ROWS == 0:
            progress(relative, rows)
        for index, exchange_field in columns.items():
            raw = cells[index] if index < len(cells) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
            if isinstance(raw, datetime | date):
                text = raw.isoformat()
            table.cells.setdefault(exchange_field.name, Counter())[text] += 1
    table.rows += rows


QPV_CODE = re.compile(r"Q[NP][0-9A-Z]{6,7}")


def _qpv_codes_column(table: TableDraft) -> None:
    """A "Quartier prioritaire" column matched to the oui/non flag but holding QPV codes goes to code_qpv."""
    cells = table.cells.get("resident_qpv")
    if not cells or any(h.field == "code_qpv" for h in table.headers):
        return
    codes = sum(count for text, count in cells.items() if QPV_CODE.fullmatch(text.strip().upper()))
    if codes >= 0.8 * sum(cells.values()):
        for match in table.headers:
            if match.field == "resident_qpv":
                match.field, match.how = "code_qpv", "valeurs : codes QPV"
        del table.cells["resident_qpv"]


def _drain(sheet: Sheet) -> None:
    """Close a sheet's file (its rows iterator closes it when exhausted)."""
    try:
        close = getattr(sheet.rows, "close", None)
        if close:
            close()
    except ExportReadError:
        pass


# ------------------------------------------------------------------------------------------------- YAML


def yaml_text(text: str) -> str:
    """A YAML double-quoted scalar (JSON's quoting is valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


#: Plain YAML scalars that would not read back as the same text.
YAML_RESERVED = frozenset({"Y", "N", "YES", "NO", "ON", "OFF", "TRUE", "FALSE", "NULL"})


def yaml_code(code: str) -> str:
    """A code as written in a mapping: plain when it reads back as itself (CDDI, 3), quoted otherwise."""
    if re.fullmatch(r"[A-Z0-9_]+", code) and code not in YAML_RESERVED and not code.startswith("0"):
        return code
    return yaml_text(code)


def _plural(count: int, word: str) -> str:
    return f"{count:,}".replace(",", "\u202f") + f" {word}{'s' if count > 1 else ''}"


def render_yaml(draft: SourceDraft) -> str:
    """The draft as a commented YAML mapping, readable by ``mapping.load_mapping``."""
    out = [
        f"# Brouillon de correspondance de la source « {draft.source} », écrit par `python -m observatoire.mappings "
        f"draft` le {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"# à partir de {_plural(draft.files_read, 'fichier')} du dossier {draft.folder}.",
        '# À relire avant usage : chaque proposition porte son score (0 à 1). Remplacez chaque "?" par un code (ou',
        "# par null si le libellé veut dire « inconnu »), puis vérifiez ce que le chargement rejetterait encore :",
        f"#   python -m observatoire.mappings check {draft.folder} --mapping <ce fichier>",
        '# Un "?" laissé tel quel est un libellé inconnu : la ligne est gardée, le champ laissé vide et signalé.',
        "# Les valeurs des champs personnels (nom, date de naissance, contacts...) ne sont jamais lues ici.",
    ]
    for name, why in draft.refused:
        out.append(f"# Fichier non utilisé : {name} — {why}")
    out += [f"source: {yaml_text(draft.source)}"]
    if draft.encodings:
        encoding = draft.encodings.most_common(1)[0][0]
        separator = draft.separators.most_common(1)[0][0] if draft.separators else ""
        out.append(f"encoding: {encoding}  # informatif (détecté) ; séparateur {separator!r}")
    out.append("tables:")
    for name in TABLE_NAMES:
        if name in draft.tables:
            out += _render_table(draft.tables[name])
    return "\n".join(out) + "\n"


def _render_table(table: TableDraft) -> list[str]:
    exchange = exchange_tables()[table.table]
    out = [f"  {table.table}:  # {exchange.title} — {_plural(table.rows, 'ligne')}"]
    for note in table.notes:
        out.append(f"    # Attention : {note}")
    missing = table.missing_required()
    if missing:
        out.append(f"    # Champs obligatoires sans colonne (le fichier serait refusé) : {', '.join(missing)}")
    out.append("    files:")
    out += [f"    - {yaml_text(f)}" for f in table.files]
    if table.sheet:
        out.append(f"    sheet: {yaml_text(table.sheet)}")
    out.append("    columns:")
    personal = {f.name for f in exchange.fields if f.personal}
    width = max((len(yaml_text(h.header)) + len(h.field or "") for h in table.matched), default=0) + 2
    for match in table.matched:
        line = f"      {yaml_text(match.header)}: {match.field}"
        how = {"nom": "nom du champ", "titre": "titre du champ", "synonyme": "synonyme"}.get(match.how, match.how)
        flag = " ; donnée personnelle : valeurs non lues" if match.field in personal else ""
        out.append(f"{line.ljust(width + 10)}# {match.score:.2f} ({how}){flag}")
    if not table.matched:
        out[-1] = "    columns: {}"
    if table.unmatched:
        out.append("    # En-têtes sans champ (ignorés au chargement ; ajoutez-les à 'columns' s'ils en ont un) :")
        for match in table.unmatched:
            hint = f" — le plus proche : {match.hint[0]} ({match.hint[1]:.2f})" if match.hint and match.hint[1] else ""
            out.append(f"    #   {yaml_text(match.header)}{hint}")
    if table.months_format:
        out.append(f"    months_as_columns:  # {table.month_headers} colonnes de mois reconnues")
        out.append(f"      format: {yaml_text(table.months_format)}")
        if table.ignore:
            out.append(f"      ignore: [{', '.join(yaml_text(h) for h in table.ignore)}]")
    if table.proposals:
        out.append("    values:  # libellé de l'export: code du format d'échange")
        for name, proposals in table.proposals.items():
            out.append(f"      {name}:")
            shown = proposals[:MAX_LABELS]
            for p in shown:
                count = _plural(p.count, "ligne")
                if p.known:
                    out.append(f"        # {yaml_text(p.label)} → {p.code} (reconnu, {count})")
                elif p.unresolved:
                    out.append(f'        {yaml_text(p.label)}: "{UNRESOLVED}"  # {count} ; {p.note}')
                else:
                    code = "null" if p.code is None else yaml_code(p.code)
                    out.append(f"        {yaml_text(p.label)}: {code}  # {count} ; {p.score:.2f} ({p.note})")
            if len(proposals) > len(shown):
                rest = proposals[len(shown) :]
                out.append(
                    f"        # ... et {len(rest)} autres libellés ({_plural(sum(p.count for p in rest), 'ligne')}) "
                    "non listés"
                )
    if table.separators:
        out.append("    separators:  # séparateurs vus dans les cellules à plusieurs valeurs")
        for name, used in sorted(table.separators.items()):
            ordered = "".join(sep for sep in DEFAULT_SEPARATORS if sep in used)
            out.append(f"      {name}: {yaml_text(ordered)}")
    return out


# ------------------------------------------------------------------------------------------------- check


@dataclass
class CheckReport:
    summary: str
    unknown_labels: list[tuple[str, str, str, str | None, int]]  # table, header, field, label, count
    #: file (in the folder), table, column, reason, rows, first line numbers
    rejects: list[tuple[str, str, str | None, str, int, list[int]]]
    other_issues: list[tuple[str, str, str, int]]  # table, field, reason, rows
    failed_files: list[tuple[str, str | None]]  # file, error
    rows: dict[str, int]  # table → rows loaded

    @property
    def clean(self) -> bool:
        return not (self.unknown_labels or self.rejects or self.failed_files)


def check_source(
    folder: Path, mapping: Path | None, source: str | None = None, reference_dir: Path | None = None
) -> CheckReport:
    """Load ``folder`` with ``mapping`` (None: no mapping) by the real dlt source into a throwaway warehouse, with a
    throwaway pseudonymisation key, and report what it loaded, rejected and left unknown. Raises ``MappingError``
    when the mapping cannot be used."""
    import duckdb

    # raw rows keep the id of their load, which the summary selects by
    from dlt_sources.pipelines import duckdb_pipeline
    from observatoire.pseudonymisation import DEMO_MODE_ENV, KEY_ENV, KEY_FILE_ENV
    from observatoire.settings import environment, load_settings

    from .mapping import load_mapping
    from .source import suivi_clauses_source
    from .summary import load_summary

    source = source or folder.name
    with tempfile.TemporaryDirectory(prefix="mapping_check_") as tmp:
        work = Path(tmp)
        inbox, mappings = work / "inbox", work / "mappings"
        target = inbox / source
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                link = target / path.relative_to(folder)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(path.resolve())
        mappings.mkdir()
        temporary_mapping = mappings / f"{source}.yaml"
        if mapping is not None:
            shutil.copyfile(mapping, temporary_mapping)
        load_mapping(source, mappings)  # a mapping error is the caller's to report
        if reference_dir is None:
            reference_dir = load_settings().reference_dir
        # throwaway key: the warehouse is deleted with the folder
        with environment(**{KEY_ENV: secrets.token_hex(32), KEY_FILE_ENV: None, DEMO_MODE_ENV: None}):
            pipeline = duckdb_pipeline(
                "observatoire_mapping_check", work / "pipelines", work / "check.duckdb", "raw_suivi_clauses"
            )
            info = pipeline.run(
                suivi_clauses_source(inbox=str(inbox), mappings_dir=str(mappings), reference_dir=str(reference_dir))
            )
        with duckdb.connect(str(work / "check.duckdb"), read_only=True) as con:
            summary = load_summary(con, list(info.loads_ids), inbox)
            tables = {
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'raw_suivi_clauses'"
                ).fetchall()
            }
            unknown, other, rejects, failed, rows = [], [], [], [], {}
            if "tracking_value_issues" in tables:
                unknown = con.execute(
                    "select table_name, column_name, field_name, published_value, count(*) "
                    "from raw_suivi_clauses.tracking_value_issues where issue_kind = 'libelle_inconnu' "
                    "group by all order by 1, 3, 5 desc, 4"
                ).fetchall()
                other = con.execute(
                    "select table_name, field_name, reason, count(*) from raw_suivi_clauses.tracking_value_issues "
                    "where issue_kind <> 'libelle_inconnu' group by all order by 1, 2, 4 desc"
                ).fetchall()
            if "tracking_rejects" in tables:
                rejects = [
                    (str(Path(file).relative_to(target)), table, column, reason, count, sorted(lines)[:MAX_LINES_SHOWN])
                    for file, table, column, reason, count, lines in con.execute(
                        "select source_file, table_name, column_name, reason, count(*), list(distinct line_number) "
                        "from raw_suivi_clauses.tracking_rejects group by all order by 1, 5 desc, 2, 3, 4"
                    ).fetchall()
                ]
            failed = con.execute(
                "select source_file, error from raw_suivi_clauses.tracking_load_audit where status = 'failed' "
                "order by 1"
            ).fetchall()
            for table in TABLE_NAMES:
                if table in tables:
                    rows[table] = con.execute(f"select count(*) from raw_suivi_clauses.{table}").fetchone()[0]

    def shown(text: str | None) -> str | None:  # the folder and mapping as the user named them, not their copies
        if text is None:
            return None
        text = text.replace(str(temporary_mapping), str(mapping) if mapping else "aucun")
        return text.replace(str(target), str(folder))

    failed = [(str(Path(file).relative_to(inbox)), shown(error)) for file, error in failed]
    return CheckReport(shown(summary) or "", unknown, rejects, other, failed, rows)


__all__ = [
    "CheckReport",
    "SourceDraft",
    "TableDraft",
    "check_source",
    "draft_source",
    "header_scores",
    "match_headers",
    "month_format",
    "propose_label",
    "render_yaml",
]
