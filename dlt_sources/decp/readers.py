"""Stream DECP records out of one document, whatever its published layout.

Supported layouts (detected from the content, not from the file name):

* 2019 JSON: ``{"marches": [ {...}, ... ]}`` with ``_type`` = "Marché" | "Contrat de concession";
* 2024 JSON: ``{"marches": {"marche": [...], "contrat-concession": [...]}}``;
* XML of both versions: ``<marches><marche>…</marche><contrat-concession>…</contrat-concession></marches>``.

Records are streamed (JSON: :mod:`.json_stream`; XML: lxml iterparse) so memory stays bounded whatever the file
size. A parse error stops the document where it happens: the records read before it are kept and the error is
reported with the record number, so one broken file never stops the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .documents import Document
from .json_stream import RECORD_LISTS_2024, JsonLayoutError, iter_json_records
from .shape import canonical_record

#: Keys that exist only in the 2024 format (arrêtés du 22/12/2022).
FORMAT_2024_KEYS = frozenset(
    {
        "considerationsSociales",
        "considerationsEnvironnementales",
        "typesPrix",
        "techniques",
        "modalitesExecution",
        "offresRecues",
        "marcheInnovant",
        "ccag",
        "attributionAvance",
        "tauxAvance",
        "typeGroupementOperateurs",
        "sousTraitanceDeclaree",
        "origineUE",
        "origineFrance",
        "idAccordCadre",
        "actesSousTraitance",
        "modificationsActesSousTraitance",
        "autoriteConcedante",
    }
)


class RecordParseError(Exception):
    """The document's content is not (or no longer) a DECP layout; says where and why."""


@dataclass(frozen=True)
class ParsedRecord:
    record_type: str  # "marche" | "concession"
    format_version: str  # "2019" | "2024"
    index: int  # 0-based position of the record in its list within the document
    record: dict[str, Any]


def _record_type_2019(record: dict[str, Any]) -> str:
    published = str(record.get("_type", "")).lower()
    return "concession" if "concession" in published else "marche"


def _format_version(record: dict[str, Any], container_version: str | None) -> str:
    if container_version:
        return container_version
    return "2024" if FORMAT_2024_KEYS.intersection(record) else "2019"


# --------------------------------------------------------------------------- JSON
def _iter_json(doc: Document) -> Iterator[ParsedRecord]:
    """Records of a JSON document, in one streaming pass (see :mod:`.json_stream`)."""
    with doc.open() as stream:
        try:
            for layout, list_key, index, item in iter_json_records(stream):
                record_type = None if list_key is None else RECORD_LISTS_2024[list_key]
                yield _parsed(item, record_type, layout, index, doc)
        except JsonLayoutError as exc:
            raise RecordParseError(str(exc)) from exc


def _parsed(item: Any, record_type: str | None, layout: str, index: int, doc: Document) -> ParsedRecord:
    if not isinstance(item, dict):
        raise RecordParseError(f"record {index} is a JSON {type(item).__name__}, expected an object")
    kind = record_type or _record_type_2019(item)
    return ParsedRecord(kind, layout, index, canonical_record(item))


# --------------------------------------------------------------------------- XML
def _local_name(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _element_value(element: etree._Element) -> Any:
    """Generic XML → JSON value: leaves become text, repeated child tags become lists."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        text = (element.text or "").strip()
        return text or None
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(_local_name(child.tag), []).append(_element_value(child))
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


XML_RECORD_TAGS = {"marche": "marche", "contrat-concession": "concession"}


def _iter_xml(doc: Document) -> Iterator[ParsedRecord]:
    counters = {"marche": 0, "concession": 0}
    emitted = 0
    with doc.open() as stream:
        parser = etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
            load_dtd=False,
        )
        depth = 0
        try:
            for event, element in parser:
                if event == "start":
                    depth += 1
                    if depth == 1 and _local_name(element.tag) != "marches":
                        raise RecordParseError(
                            f"XML root element <{_local_name(element.tag)}>: expected <marches> (DECP layout)"
                        )
                    continue
                depth -= 1
                if depth != 1:
                    continue
                tag = _local_name(element.tag)
                record_type = XML_RECORD_TAGS.get(tag)
                if record_type is not None:
                    value = _element_value(element)
                    record = value if isinstance(value, dict) else {}
                    yield ParsedRecord(
                        record_type,
                        _format_version(record, None),
                        counters[record_type],
                        canonical_record(record),
                    )
                    counters[record_type] += 1
                    emitted += 1
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
        except etree.XMLSyntaxError as exc:
            raise RecordParseError(f"invalid XML after record {emitted}: {exc}") from exc


def iter_records(doc: Document) -> Iterator[ParsedRecord]:
    """Records of a JSON or XML document (tabular documents are read by :mod:`.tabular`)."""
    if doc.size_bytes == 0:
        raise RecordParseError("empty document (0 bytes): re-export or re-download the file")
    if doc.suffix == ".json":
        yield from _iter_json(doc)
    elif doc.suffix == ".xml":
        yield from _iter_xml(doc)
    else:  # pragma: no cover - guarded by the caller
        raise RecordParseError(f"not a JSON or XML document: {doc.display_path}")
