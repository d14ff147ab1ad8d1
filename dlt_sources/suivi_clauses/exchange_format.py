"""The exchange format ("format d'échange clauses sociales") as published: Frictionless table schemas in
``exchange_format/schemas`` and nomenclatures in ``dbt_project/seeds/clauses``. Both are read here, so
the loader validates exactly what the documentation publishes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from observatoire.settings import DBT_PROJECT_DIR, REPO_ROOT

SCHEMAS_DIR = REPO_ROOT / "exchange_format" / "schemas"
NOMENCLATURES_DIR = DBT_PROJECT_DIR / "seeds" / "clauses"
#: Order in which tables are listed (and matched against file names: longest names first).
TABLE_NAMES = (
    "operations",
    "marches",
    "entreprises",
    "participants",
    "contrats_travail",
    "heures",
    "sorties",
    "engagements_moa",
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, date, number, integer, yearmonth
    required: bool
    pattern: str | None
    minimum: float | None
    maximum: float | None
    enum: tuple[str, ...] | None
    nomenclature: str | None
    separator: str | None
    personal: str | None  # None, "identite" (pseudonym input), "directe" (dropped), "pseudonymisee"

    @property
    def is_siret(self) -> bool:
        return bool(self.pattern and self.pattern.startswith("[0-9]{14}"))

    @property
    def hours(self) -> bool:
        """A number of hours (heures, heures_prevues, heures_engagees): also read as 151h40 or 151:40."""
        return self.type == "number" and self.name.startswith("heures")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


def _field(spec: dict) -> Field:
    constraints = spec.get("constraints", {})
    return Field(
        name=spec["name"],
        type=spec["type"],
        required=bool(constraints.get("required")),
        pattern=constraints.get("pattern"),
        minimum=constraints.get("minimum"),
        maximum=constraints.get("maximum"),
        enum=tuple(constraints["enum"]) if "enum" in constraints else None,
        nomenclature=spec.get("nomenclature"),
        separator=spec.get("separator"),
        personal=spec.get("donneePersonnelle"),
    )


@cache
def exchange_tables() -> dict[str, Table]:
    tables = {}
    for name in TABLE_NAMES:
        spec = json.loads((SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        tables[name] = Table(name=name, title=spec["title"], fields=tuple(_field(f) for f in spec["fields"]))
    return tables


def schema_path(table: str) -> Path:
    return SCHEMAS_DIR / f"{table}.json"
