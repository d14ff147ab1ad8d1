"""Canonical container shape of a DECP record.

The same DECP field is published in several container shapes, depending on the format version and on
whether the file went through an XML→JSON conversion:

* ``"titulaires": [{...}]`` (2019 JSON), ``[{"titulaire": {...}}]`` (2024 JSON),
  ``{"titulaire": {...}}`` or ``{"titulaire": [{...}]}`` (XML converted to JSON),
  lists of lists ``[[{...}]]`` nested at any depth (consolidation artefacts);
* flattened keys such as ``"acheteur.id": "..."`` instead of ``"acheteur": {"id": "..."}``;
* ``NaN`` where a list is expected.

``canonical_record`` removes only the *containers*: every list becomes a flat JSON list of its items and
dotted keys become nested objects. Values are kept exactly as published ("NC", "test", upper-case enums,
numbers as strings): typing and validation belong to dbt staging, where they are flagged, not fixed.
"""

from __future__ import annotations

import math
from typing import Any

#: list field → the wrapper key that the XML-derived shape puts around each item.
LIST_WRAPPERS: dict[str, str] = {
    "titulaires": "titulaire",
    "modifications": "modification",
    "concessionnaires": "concessionnaire",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
    "typesPrix": "typePrix",
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "actesSousTraitance": "acteSousTraitance",
    "modificationsActesSousTraitance": "modificationActeSousTraitance",
    "donneesExecution": "donneesAnnuelles",
    "tarifs": "tarif",
}


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def flatten_items(value: Any, wrapper: str) -> list[Any]:
    """Items of a published list, whatever its container shape."""
    if _is_missing(value):
        return []
    if isinstance(value, dict):
        if wrapper in value and len(value) == 1:
            return flatten_items(value[wrapper], wrapper)
        return [canonical_record(value)]
    if isinstance(value, list):
        items: list[Any] = []
        for element in value:
            items.extend(flatten_items(element, wrapper))
        return items
    # A scalar item: a string enum (considerationSociale) or a broken holder written as a string;
    # kept as published, staging tells them apart.
    return [value]


def _expand_dotted_keys(record: dict[str, Any]) -> dict[str, Any]:
    if not any("." in key for key in record):
        return record
    expanded: dict[str, Any] = {}
    for key, value in record.items():
        if "." not in key:
            expanded[key] = value
    for key, value in record.items():
        if "." not in key:
            continue
        head, _, tail = key.partition(".")
        target = expanded.setdefault(head, {})
        if isinstance(target, dict) and tail not in target:
            target[tail] = value
        else:  # conflicting shapes: keep the published key untouched rather than lose a value
            expanded[key] = value
    return expanded


def canonical_record(record: dict[str, Any]) -> dict[str, Any]:
    """Return the record with canonical containers (see module docstring)."""
    record = _expand_dotted_keys(record)
    canonical: dict[str, Any] = {}
    for key, value in record.items():
        if key in LIST_WRAPPERS:
            canonical[key] = flatten_items(value, LIST_WRAPPERS[key])
        elif isinstance(value, dict):
            canonical[key] = canonical_record(value)
        elif isinstance(value, float) and math.isnan(value):
            canonical[key] = None
        else:
            canonical[key] = value
    return canonical
