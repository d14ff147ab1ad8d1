"""Typing and validating one exported value against its exchange-format field.

Each parser returns the typed value or raises ``InvalidValue`` with a reason in French (what the data
steward reads in the rejects table). Accepted spellings are those of real exports: dd/mm/yyyy and ISO
dates, Excel dates, decimal commas and spaces as thousands separators, codes in any case. The cross-field rules of
a typed row (nothing in the future, dates in order, a plausible age) are here too.

These are the rules; ``columnar`` only applies them faster to whole batches."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from .exchange_format import Field, nomenclature_codes

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
YEARMONTH_FORMATS = ("%m/%Y", "%Y-%m", "%m-%Y")
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
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise InvalidValue(f"date hors de {MIN_YEAR}-{MAX_YEAR}: {text!r}")
        return parsed
    try:
        datetime.strptime(text, "%m/%d/%Y")
    except ValueError:
        raise InvalidValue(f"date illisible {text!r} (attendu JJ/MM/AAAA)") from None
    raise InvalidValue(f"date illisible {text!r} (attendu JJ/MM/AAAA): date au format américain MM/JJ/AAAA ?")


def parse_yearmonth(value: Any) -> date:
    if isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value).replace(day=1)
    text = str(value).strip()
    for fmt in YEARMONTH_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            raise InvalidValue(f"mois hors de {MIN_YEAR}-{MAX_YEAR}: {text!r}")
        return parsed
    try:
        return parse_date(text).replace(day=1)
    except InvalidValue:
        raise InvalidValue(f"mois illisible {text!r} (attendu MM/AAAA)") from None


def parse_number(value: Any) -> float:
    if isinstance(value, bool):
        raise InvalidValue(f"nombre attendu, pas {value!r}")
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise InvalidValue(f"nombre illisible {str(value).strip()!r}") from None


def parse_integer(value: Any) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise InvalidValue(f"entier attendu: {str(value).strip()!r}")
    return int(number)


def _code_key(text: str) -> str:
    """Codes compare without case, and with spaces, hyphens and underscores alike ("l2112 2" = "L2112-2")."""
    return re.sub(r"[\s\-_]+", "_", text.strip()).upper()


@cache
def _nomenclature_keys(name: str) -> dict[str, str]:
    """Comparison key → code, for every code of a nomenclature (built once: parse_field runs per value)."""
    return {_code_key(code): code for code in nomenclature_codes(name)}


def parse_field(field: Field, raw: Any) -> Any:
    """The typed, validated value of ``raw`` for ``field`` (None when absent and optional)."""
    if isinstance(raw, str) or raw is None:
        if _text(raw) is None:
            if field.required:
                raise InvalidValue("valeur obligatoire absente")
            return None
    if field.type == "date":
        value: Any = parse_date(raw)
    elif field.type == "yearmonth":
        value = parse_yearmonth(raw)
    elif field.type == "number":
        value = parse_number(raw)
    elif field.type == "integer":
        value = parse_integer(raw)
    else:
        value = _text(raw)
        if isinstance(raw, float) and raw.is_integer():  # spreadsheet numbers used as codes ("75056.0")
            value = str(int(raw))
    if field.minimum is not None and value < field.minimum:
        raise InvalidValue(f"valeur {value} inférieure au minimum {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        raise InvalidValue(f"valeur {value:g} supérieure au maximum {field.maximum:g}")
    if field.pattern and isinstance(value, str):
        if field.pattern.startswith("[0-9]{14}"):  # SIRET: spaces and dots are common in exports
            value = re.sub(r"[\s.]", "", value)
        if not re.fullmatch(field.pattern, value):
            raise InvalidValue(f"format invalide {value!r} (attendu {field.pattern})")
    if field.enum and isinstance(value, str):
        matches = [option for option in field.enum if option.lower() == value.lower()]
        if not matches:
            raise InvalidValue(f"valeur {value!r} hors de la liste ({', '.join(field.enum)})")
        value = matches[0]
    if field.nomenclature:
        codes = _nomenclature_keys(field.nomenclature)
        items = [str(value)] if not field.separator else re.split(r"[|;,]", str(value))
        keyed = [(item.strip(), _code_key(item)) for item in items if item.strip()]
        unknown = [item for item, key in keyed if key not in codes]
        if unknown:
            raise InvalidValue(f"code inconnu de la nomenclature {field.nomenclature}: {', '.join(unknown)}")
        normalised = [codes[key] for _, key in keyed]
        if field.separator:
            value = field.separator.join(normalised)
        elif field.type == "string":
            value = normalised[0]
        # integer nomenclatures (niveau_formation) keep their integer value
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
