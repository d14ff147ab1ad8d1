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


def flatten_items(value: Any, wrapper: str) -> list[Any]:
    """Items of a published list, whatever its container shape: missing values (null, NaN, "") are dropped,
    ``{wrapper: ...}`` objects and nested lists are unwrapped, other objects are canonical records."""
    kind = type(value)
    if kind is list:
        items: list[Any] = []
        for element in value:
            element_kind = type(element)
            if element_kind is dict:
                if len(element) == 1 and wrapper in element:
                    items.extend(flatten_items(element[wrapper], wrapper))
                else:
                    items.append(canonical_record(element))
            elif element_kind is list:
                items.extend(flatten_items(element, wrapper))
            elif not (element is None or element == "" or (element_kind is float and element != element)):
                # A scalar item: a string enum (considerationSociale) or a broken holder written as a string;
                # kept as published, staging tells them apart.
                items.append(element)
        return items
    if kind is dict:
        if len(value) == 1 and wrapper in value:
            return flatten_items(value[wrapper], wrapper)
        return [canonical_record(value)]
    if value is None or value == "" or (kind is float and value != value):
        return []
    return [value]


def _expand_dotted_keys(record: dict[str, Any]) -> dict[str, Any]:
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
    """Return the record with canonical containers (see module docstring).

    Called once per published record (millions for the national DECP): written with exact type checks and
    no helper call per value, the JSON parser producing plain dicts, lists, strings and numbers."""
    if "." in "".join(record):
        record = _expand_dotted_keys(record)
    canonical: dict[str, Any] = {}
    for key, value in record.items():
        wrapper = LIST_WRAPPERS.get(key)
        if wrapper is not None:
            canonical[key] = flatten_items(value, wrapper)
        elif type(value) is dict:
            canonical[key] = canonical_record(value)
        elif type(value) is float and value != value:  # NaN
            canonical[key] = None
        else:
            canonical[key] = value
    return canonical
