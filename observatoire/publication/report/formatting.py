"""French formatting of the report: numbers, percentages, changes, dates, labels, and the tables and key
figures the templates print (a masked value is printed "s")."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

NNBSP = "\u202f"  # narrow no-break space: French thousands separator and space before "%"
MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
MONTHS_FR_SHORT = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


class _Masked:
    """A value withheld by statistical secrecy (published as NULL with ``secret = true``)."""

    _instance: _Masked | None = None

    def __new__(cls) -> _Masked:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MASKED"


MASKED = _Masked()
Value = float | int | _Masked | None  # None: no data (nothing published for that cell)


def is_number(value: Value) -> bool:
    return isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value))


# --- French formatting --------------------------------------------------------------------------------------


def format_number(value: Value, decimals: int = 0) -> str:
    """``12345.6`` → ``12 345,6`` (narrow no-break space between thousands, decimal comma); "s" if masked."""
    if value is MASKED:
        return "s"
    if not is_number(value):
        return "–"
    rounded = round(float(value), decimals)
    if rounded == 0:
        rounded = 0.0  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",").replace("-", "−")


def format_percent(ratio: Value, decimals: int = 1) -> str:
    """A ratio as a French percentage: ``0.513`` → ``51,3 %``."""
    if not is_number(ratio):
        return format_number(ratio)
    return f"{format_number(float(ratio) * 100, decimals)}{NNBSP}%"


def format_change(ratio: Value) -> str:
    """A relative change with its sign: ``0.032`` → ``+3,2 %``, ``-0.1`` → ``−10,0 %``."""
    if not is_number(ratio):
        return format_number(ratio)
    sign = "+" if round(float(ratio) * 100, 1) > 0 else ""
    return f"{sign}{format_percent(ratio)}"


def format_points(difference: Value) -> str:
    """A difference of two shares in percentage points: ``0.004`` → ``+0,4 pt``."""
    if not is_number(difference):
        return format_number(difference)
    points = float(difference) * 100
    sign = "+" if round(points, 1) > 0 else ""
    return f"{sign}{format_number(points, 1)}{NNBSP}pt"


def format_date(day: dt.date) -> str:
    """``2025-03-01`` → ``1er mars 2025``."""
    return f"{'1er' if day.day == 1 else day.day} {MONTHS_FR[day.month - 1]} {day.year}"


def share(part: Value, whole: Value) -> Value:
    """``part / whole``; masked when either is masked, no data when the whole is zero or absent."""
    if part is MASKED or whole is MASKED:
        return MASKED
    if not is_number(part) or not is_number(whole) or whole == 0:
        return None
    return float(part) / float(whole)


def change(current: Value, previous: Value) -> Value:
    """Relative change from ``previous`` to ``current``."""
    if current is MASKED or previous is MASKED:
        return MASKED
    if not is_number(current) or not is_number(previous) or previous == 0:
        return None
    return (float(current) - float(previous)) / float(previous)


CELL_FORMATS = {
    "int": lambda v: format_number(v, 0),
    "dec1": lambda v: format_number(v, 1),
    "pct": format_percent,
    "change": format_change,
    "points": format_points,
    "eur": lambda v: format_number(v, 0) if not is_number(v) else f"{format_number(float(v) / 1e6, 1)}{NNBSP}M€",
}


def cell(value: Any, kind: str = "text") -> Markup:
    """One table cell's content; a masked value is an "s" styled as secret."""
    if value is MASKED:
        return Markup('<span class="secret" title="secret statistique">s</span>')
    if kind == "text":
        return escape("–" if value is None else value)
    return escape(CELL_FORMATS[kind](value))


# --- tables and key figures handed to the templates -------------------------------------------------------


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, int, dec1, pct, change, eur

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    note: str | None = None

    @property
    def has_secret(self) -> bool:
        return any(value is MASKED for row in [*self.rows, self.total or []] for value in row)


@dataclass
class KeyFigure:
    label: str
    value: Value
    kind: str = "int"
    change: Value = None
    change_kind: str = "change"  # relative change, or "points" for a share
    detail: str | None = None

    @property
    def formatted(self) -> Markup:
        return cell(self.value, self.kind)


# --- labels ----------------------------------------------------------------------------------------------------

DIMENSION_TITLES = {
    "sexe": "Sexe",
    "tranche_age": "Tranche d'âge à l'entrée",
    "niveau_diplome": "Niveau de diplôme",
    "public": "Public éligible",
    "residence_qpv": "Résidence en quartier prioritaire (QPV)",
    "type_contrat": "Type de contrat de travail",
    "modalite_realisation": "Modalité de réalisation de la clause",
    "prescripteur": "Prescripteur",
}

FILE_STATUS_LABELS = {
    "loaded": "chargés",
    "partial": "partiellement lus",
    "empty": "vides",
    "failed": "refusés",
    "duplicate_content": "déjà chargés (même contenu)",
}


def file_detail(counts: dict[str, int]) -> str:
    """``{'loaded': 12, 'failed': 1}`` → ``12 chargés, 1 refusés`` (statuses in a fixed order)."""
    ordered = sorted(
        counts.items(),
        key=lambda item: (
            list(FILE_STATUS_LABELS).index(item[0]) if item[0] in FILE_STATUS_LABELS else len(FILE_STATUS_LABELS)
        ),
    )
    return ", ".join(f"{format_number(count)} {FILE_STATUS_LABELS.get(status, status)}" for status, count in ordered)
