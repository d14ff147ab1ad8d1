"""Typing and validating one exported value against its exchange-format field.

Each parser returns the typed value or raises ``InvalidValue`` with a reason in French (what the data
steward reads in the rejects table). Accepted spellings are those of real exports: dd/mm/yyyy and ISO
dates, Excel dates, months and dates with a French month name ("mars 2024", "15 mars 2024"), decimal commas and
spaces as thousands separators, hours with their unit ("12,5h", "151h40"), codes in any case. The cross-field rules of
a typed row (nothing in the future, dates in order, a plausible age) are here too.

These are the rules; ``columnar`` only applies them faster to whole batches."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from stdnum.fr import siret

from .exchange_format import Field
from .vocabulary import UnknownLabel, Vocabulary, build_vocabulary, label_key

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
YEARMONTH_FORMATS = ("%m/%Y", "%Y-%m", "%m-%Y")
#: French month names and abbreviations (compared without accents or case) → month number; the English
#: abbreviations a spreadsheet in English writes too.
FRENCH_MONTHS = {
    **dict.fromkeys(("janvier", "janv", "jan"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "feb"), 2),
    **dict.fromkeys(("mars", "mar"), 3),
    **dict.fromkeys(("avril", "avr", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "jul"), 7),
    **dict.fromkeys(("aout", "aou", "aug"), 8),
    **dict.fromkeys(("septembre", "sept", "sep"), 9),
    **dict.fromkeys(("octobre", "oct"), 10),
    **dict.fromkeys(("novembre", "nov"), 11),
    **dict.fromkeys(("decembre", "dec"), 12),
}
#: A word, with its abbreviation dot ("janv.").
WORD = re.compile(r"([A-Za-zÀ-ÿ]+\.?)")
#: Months and dates written with a month name, once the name is its number: "mars 2024", "mars-24", "Mars 2024",
#: "15 mars 2024", "1er mars 2024" (separators read as one space).
NAMED_YEARMONTH_FORMATS = ("%m %Y", "%m %y")
NAMED_DATE_FORMATS = ("%d %m %Y",)
MIN_YEAR, MAX_YEAR = 1900, 2100
MIN_AGE, MAX_AGE = 14, 80
#: Facts that cannot lie after the day of the load: table → (field, latest accepted value from today, reason).
NOT_IN_THE_FUTURE: dict[str, tuple[tuple[str, Callable[[date], date], str], ...]] = {
    "heures": (("mois", lambda today: today.replace(day=1), "mois dans le futur: heures pas encore réalisées"),),
    "participants": (("date_entree", lambda today: today, "date d'entrée dans le futur"),),
    "sorties": (("date_sortie", lambda today: today, "date de sortie dans le futur"),),
}


class InvalidValue(ValueError):
    """A value that does not fit its field; ``str()`` is the reason."""


class ValueIssue(ValueError):
    """A value the row is kept with (``kept``), recorded as an issue: ``str()`` is the reason, ``kind`` its code,
    ``values`` what to record as published (the unknown labels of a multi-valued cell; None: the cell itself)."""

    def __init__(self, kept: Any, reason: str, kind: str, values: list[str] | None = None):
        self.kept, self.kind, self.values = kept, kind, values
        super().__init__(reason)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _dd_mm_yyyy(text: str) -> date | None:
    """``text`` as a date when it is written dd/mm/yyyy with ASCII digits (millions of cells per national load:
    much faster than strptime, which parses it the same way); None otherwise."""
    digits = text[:2] + text[3:5] + text[6:]
    if len(text) != 10 or text[2] != "/" or text[5] != "/" or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return date(int(text[6:]), int(text[3:5]), int(text[:2]))
    except ValueError:
        return None


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        parsed = _dd_mm_yyyy(text) if fmt == "%d/%m/%Y" else None  # the usual spelling, without strptime
        try:
            parsed = parsed or datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _in_years(parsed, "date")
    named = _named_month(text, NAMED_DATE_FORMATS)
    if named is not None:
        return _in_years(named, "date")
    try:
        datetime.strptime(text, "%m/%d/%Y")
    except ValueError:
        raise InvalidValue("date illisible (attendu JJ/MM/AAAA)") from None
    raise InvalidValue("date illisible (attendu JJ/MM/AAAA): date au format américain MM/JJ/AAAA ?")


def month_names_as_numbers(text: str) -> str:
    """``text`` with each French (or English abbreviated) month name replaced by its number: "janv. 2024" →
    "1 2024"; other words unchanged."""
    return "".join(
        str(FRENCH_MONTHS[label_key(word)]) if label_key(word) in FRENCH_MONTHS else word for word in WORD.split(text)
    )


def _named_month(text: str, formats: tuple[str, ...]) -> date | None:
    """A date or month written with a month name ("mars 2024", "15 mars 2024"), None when ``text`` has none or does
    not read in ``formats``."""
    numbered = month_names_as_numbers(text)
    if numbered == text:
        return None
    spaced = " ".join(word for word in re.split(r"[\s./-]+", re.sub(r"^1er\b", "1", numbered.strip())) if word)
    for fmt in formats:
        try:
            return datetime.strptime(spaced, fmt).date()
        except ValueError:
            continue
    return None


def _in_years(parsed: date, what: str) -> date:
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise InvalidValue(f"{what} hors de {MIN_YEAR}-{MAX_YEAR}")
    return parsed


def parse_yearmonth(value: Any) -> date:
    if isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).replace(day=1)
    text = str(value).strip()
    for fmt in YEARMONTH_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _in_years(parsed, "mois")
    named = _named_month(text, NAMED_YEARMONTH_FORMATS)
    if named is not None:
        return _in_years(named, "mois")
    try:
        return parse_date(text).replace(day=1)
    except InvalidValue:
        raise InvalidValue("mois illisible (attendu MM/AAAA)") from None


#: Hours and minutes as exports write durations: 151h40, 151 h 40, 151H, 151:40.
HOURS_MINUTES = re.compile(r"(\d+)\s*[hH:]\s*(\d{1,2})?(?:\s*(?:min|mn))?")
#: Decimal hours with their unit: 12,5h, 12.5 h, 35 heures, 7,5 hrs (spaces removed, decimal comma as a point).
DECIMAL_HOURS = re.compile(r"(\d+(?:\.\d+)?)(?:h|hr|hrs|heure|heures)", re.IGNORECASE)


def parse_number(value: Any, hours: bool = False) -> float:
    """A number as exports write it (decimal comma, spaces as thousands separators); with ``hours``, also a duration
    in hours and minutes (151h40 = 151.67)."""
    if isinstance(value, bool):
        raise InvalidValue("nombre attendu")
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        pass
    if hours:
        decimal = DECIMAL_HOURS.fullmatch(text)
        if decimal:
            return float(decimal.group(1))
        matched = HOURS_MINUTES.fullmatch(text)
        if matched:
            minutes = int(matched.group(2) or 0)
            if minutes >= 60:
                raise InvalidValue("durée illisible: minutes au-delà de 59 (attendu 151h40 ou 151:40)")
            return int(matched.group(1)) + minutes / 60
        raise InvalidValue("nombre d'heures illisible (attendu 151,5 ou 151h30)")
    raise InvalidValue("nombre illisible")


def parse_integer(value: Any) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise InvalidValue("entier attendu")
    return int(number)


def _cell_text(raw: Any) -> str | None:
    """A cell as text: spreadsheet numbers used as codes lose their ".0" ("75056.0" → "75056")."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return _text(raw)


def _integer_code(text: str) -> str | None:
    try:
        return str(parse_integer(text))
    except InvalidValue:
        return None


@cache
def default_vocabulary(field: Field) -> Vocabulary | None:
    """The vocabulary of a coded field when the source's mapping declares no label for it."""
    return build_vocabulary(field)


def parse_field(field: Field, raw: Any, vocabulary: Vocabulary | None = None) -> Any:
    """The typed, validated value of ``raw`` for ``field`` (None when absent and optional).

    Raises ``InvalidValue`` when the value cannot be used (the row is rejected), ``ValueIssue`` when the row is kept
    with the issue's ``kept`` value and the issue recorded: a label the vocabulary does not know (the field is left
    unknown) or a SIRET whose check digit is wrong (kept as published). Reasons never quote the value: the
    published value of a non-personal field is stored beside them, a personal one never."""
    if isinstance(raw, str) or raw is None:
        if _text(raw) is None:
            if field.required:
                raise InvalidValue("valeur obligatoire absente")
            return None
    vocabulary = vocabulary or default_vocabulary(field)
    if vocabulary is not None:  # a coded field: the label is translated before typing
        text = _cell_text(raw)
        try:
            code = vocabulary.translate(text, joiner=field.separator)
        except UnknownLabel as exc:
            if field.type == "integer" and _integer_code(text) in vocabulary.codes:  # "3,0", "03"
                return int(_integer_code(text))
            kept = exc.kept if exc.kept is None or field.type == "string" else parse_integer(exc.kept)
            reason = "libellé inconnu: à ajouter au mapping (values)"
            raise ValueIssue(kept, reason, "libelle_inconnu", exc.labels) from None
        if code is None:  # a label that means "unknown" ("Non renseigné")
            if field.required:
                raise InvalidValue("valeur obligatoire absente")
            return None
        return parse_integer(code) if field.type == "integer" else code
    if field.type == "date":
        value: Any = parse_date(raw)
    elif field.type == "yearmonth":
        value = parse_yearmonth(raw)
    elif field.type == "number":
        value = parse_number(raw, hours=field.hours)
    elif field.type == "integer":
        value = parse_integer(raw)
    else:
        value = _cell_text(raw)
    if field.minimum is not None and value < field.minimum:
        raise InvalidValue(f"valeur inférieure au minimum {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        raise InvalidValue(f"valeur supérieure au maximum {field.maximum:g}")
    if field.pattern and isinstance(value, str):
        if field.is_siret:  # spaces and dots are common in exports
            value = re.sub(r"[\s.]", "", value)
        if not re.fullmatch(field.pattern, value):
            raise InvalidValue(f"format invalide (attendu {field.pattern})")
        if field.is_siret and not siret.is_valid(value):
            raise ValueIssue(value, "SIRET invalide (clé de contrôle): ligne gardée, à vérifier", "siret_invalide")
    return value


def age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def cross_field_errors(table: str, record: dict[str, Any], today: date) -> list[tuple[str, str, str | None]]:
    """The first rule a typed row of ``table`` breaks, as [(field, reason, published value)]; [] when none.
    ``columnar.cross_field_pass`` is the column-wise twin of these rules: change both together."""
    for field_name, limit, reason in NOT_IN_THE_FUTURE.get(table, ()):
        value = record[field_name]
        if value is not None and value > limit(today):
            return [(field_name, reason, value.isoformat())]
    if table == "contrats_travail" and record["date_fin"] and record["date_fin"] < record["date_debut"]:
        return [("date_fin", "date de fin antérieure à la date de début", record["date_fin"].isoformat())]
    if table == "participants":
        birth, entry = record["date_naissance"], record["date_entree"]
        if birth > entry:
            return [("date_naissance", "date de naissance postérieure à la date d'entrée", None)]
        years = age(birth, entry)
        if not MIN_AGE <= years <= MAX_AGE:
            return [("date_naissance", f"âge à l'entrée invraisemblable ({years} ans)", None)]
    return []
