"""Generated DECP files validate against the official 2024 schemas and carry the planted links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dg_files import ROOT, manifest
from jsonschema import Draft7Validator
from lxml import etree

SCHEMA = ROOT / "demo_data" / "decp" / "schemas" / "schema_decp_v2.0.3.json"
XSD = ROOT / "demo_data" / "decp" / "schemas" / "schema_decp_v2.0.2.xsd"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    return Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def _decp_entries(out: Path, fmt: str) -> list[dict]:
    return [f for f in manifest(out)["files"] if f["table"] == "decp" and f["format"] == fmt]


def test_json_files_validate(demo_out: Path, validator: Draft7Validator) -> None:
    entries = _decp_entries(demo_out, "json")
    assert entries
    for entry in entries:
        document = json.loads((demo_out / entry["path"]).read_text(encoding="utf-8"))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
        assert not errors, [(list(e.path), e.message) for e in errors[:5]]
        assert len(document["marches"]["marche"]) == entry["rows"]


def test_xml_files_validate_against_xsd(demo_out: Path) -> None:
    entries = _decp_entries(demo_out, "xml")
    assert entries
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for entry in entries:
        document = etree.parse(str(demo_out / entry["path"]))
        assert schema.validate(document), schema.error_log.last_error
        assert len(document.getroot()) == entry["rows"]


def test_share_with_social_consideration(demo_out: Path) -> None:
    records = []
    for entry in _decp_entries(demo_out, "json"):
        records += json.loads((demo_out / entry["path"]).read_text(encoding="utf-8"))["marches"]["marche"]
    social = [
        r for r in records if r["considerationsSociales"]["considerationSociale"] != ["Pas de considération sociale"]
    ]
    assert 0.12 <= len(social) / len(records) <= 0.30


def test_links_are_consistent_with_files(demo_out: Path) -> None:
    from dg_files import load_sources

    links = manifest(demo_out)["decp_links"]
    kinds = {link["kind"] for link in links}
    assert {"id_decp", "fuzzy", "missing_in_decp", "decp_only"} <= kinds
    decp_ids = set()
    for fmt in ("json",):
        for entry in _decp_entries(demo_out, fmt):
            doc = json.loads((demo_out / entry["path"]).read_text(encoding="utf-8"))
            decp_ids |= {r["id"] for r in doc["marches"]["marche"]}
    sources = load_sources(demo_out)
    tracked = {(s, r["id_marche"]): r for s, tables in sources.items() for r in tables.get("marches", [])}
    for link in links:
        if link["kind"] == "id_decp":
            assert tracked[(link["source"], link["id_marche"])]["id_decp"] == link["id_decp"]
        elif link["kind"] in ("fuzzy", "missing_in_decp"):
            assert tracked[(link["source"], link["id_marche"])]["id_decp"] == ""
