"""DECP readers: every published layout and quirk in shared/data/decp, streamed record by record."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from dlt_sources.decp.documents import Document, discover_documents
from dlt_sources.decp.readers import RecordParseError, iter_records
from dlt_sources.decp.shape import canonical_record
from observatoire.settings import DEMO_DATA_DIR

DECP = DEMO_DATA_DIR / "decp"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "decp"
BIG_2019 = DECP / "real_2019_format/decp-json_marches-publics.info_2019-03-07.json"


def document(path: Path) -> Document:
    [doc] = list(discover_documents([path]))
    assert isinstance(doc, Document)
    return doc


def test_2019_json_yields_every_record_in_order_with_its_type() -> None:
    published = json.loads(BIG_2019.read_text(encoding="utf-8"))["marches"]
    records = list(iter_records(document(BIG_2019)))

    assert len(records) == len(published) == 4509
    assert [r.record["id"] for r in records] == [p["id"] for p in published]
    assert sum(r.record_type == "concession" for r in records) == 10
    assert {r.format_version for r in records} == {"2019"}
    assert [r.index for r in records] == list(range(4509))


def test_2024_json_reads_marches_and_concessions() -> None:
    path = DECP / "official_examples/v2.0/marches_concessions.json"
    published = json.loads(path.read_text(encoding="utf-8"))["marches"]
    records = list(iter_records(document(path)))

    assert [r.record["id"] for r in records if r.record_type == "marche"] == [m["id"] for m in published["marche"]]
    assert [r.record["id"] for r in records if r.record_type == "concession"] == [
        c["id"] for c in published["contrat-concession"]
    ]
    assert {r.format_version for r in records} == {"2024"}


def test_xml_and_json_of_the_same_contract_give_the_same_canonical_record() -> None:
    [from_xml] = list(iter_records(document(FIXTURES / "TEST2022_marche_from_official_json.xml")))
    from_json = [
        r
        for r in iter_records(document(DECP / "official_examples/v2.0/marches_avec_modifications.json"))
        if r.record["id"] == "TEST2022"
    ][0]

    assert from_xml.record["id"] == "TEST2022" and from_xml.format_version == "2024"

    # XML carries text where JSON has numbers and booleans: compare the values as text.
    def as_text(value: object) -> object:
        if isinstance(value, dict):
            return {k: as_text(v) for k, v in value.items()}
        if isinstance(value, list):
            return [as_text(v) for v in value]
        if isinstance(value, bool):
            return str(value).lower()
        return str(value)

    assert as_text(from_xml.record) == as_text(from_json.record)


def test_nan_values_are_read_leniently_and_no_record_is_lost() -> None:
    path = DECP / "real_2024_format/decp-processing_tests_decp_test_2022.json"
    published = json.loads(path.read_text(encoding="utf-8"), parse_constant=lambda _: None)["marches"]["marche"]
    records = list(iter_records(document(path)))

    assert [r.record["id"] for r in records] == [p["id"] for p in published]
    nan_record = next(r for r in records if "concessionnaires" in r.record)
    assert nan_record.record["concessionnaires"] == []


def test_real_quirks_are_canonicalised_without_changing_values() -> None:
    path = DECP / "real_2019_format/decp-processing_tests_decp_test_2019.json"
    first, second = (r.record for r in iter_records(document(path)))

    assert first["acheteur"] == {"id": "21500222100012"}  # flattened "acheteur.id" key
    # titulaires as lists of lists inside modifications, nested four deep in the second record
    assert first["modifications"][0]["titulaires"] == [
        {"typeIdentifiant": "SIRET", "denominationSociale": "AMC FOLLIOT", "id": "12345678900022"}
    ]
    assert [t["id"] for t in second["modifications"][0]["titulaires"]] == ["34027049500021", "1111111111"]
    assert second["dureeMois"] == "NC"  # kept as published: staging flags it


def test_wrapped_holders_and_single_object_containers() -> None:
    record = canonical_record(
        {
            "titulaires": {"titulaire": {"id": "1", "typeIdentifiant": "SIRET"}},
            "modifications": {"modification": [{"id": 1, "titulaires": [{"titulaire": {"id": "2"}}]}]},
            "considerationsSociales": {"considerationSociale": "Clause sociale"},
            "donneesExecution": None,
        }
    )
    assert record["titulaires"] == [{"id": "1", "typeIdentifiant": "SIRET"}]
    assert record["modifications"] == [{"id": 1, "titulaires": [{"id": "2"}]}]
    assert record["considerationsSociales"] == ["Clause sociale"]
    assert record["donneesExecution"] == []


def test_per_buyer_zip_yields_110_documents_named_after_their_member() -> None:
    archive = DECP / "real_2019_format/decp-json_data.gouv.fr_pes-json_2019-02-01_per-buyer-files.zip"
    docs = list(discover_documents([archive]))
    with zipfile.ZipFile(archive) as zf:
        members = sorted(i.filename for i in zf.infolist() if i.filename.endswith(".json"))
        published = sum(len(json.loads(zf.read(m))["marches"]) for m in members)

    assert len(docs) == 110 == len(members)
    assert all(isinstance(d, Document) and d.display_path.startswith(f"{archive}!") for d in docs)
    assert sum(len(list(iter_records(d))) for d in docs if isinstance(d, Document)) == published


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": "1"}]', "top-level JSON array"),
        ('{"records": []}', "no 'marches' key"),
        ("", "empty document \\(0 bytes\\)"),
        ('{"marches": [{"id": "1"}, {"id": "2"', "invalid JSON after record 1"),
    ],
)
def test_unusable_json_raises_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    records: list[object] = []
    with pytest.raises(RecordParseError, match=message):
        for record in iter_records(document(path)):
            records.append(record)
    if "after record 1" in message:
        assert len(records) == 1  # what was read before the error is kept


def test_truncated_xml_keeps_the_records_before_the_break(tmp_path: Path) -> None:
    text = (DECP / "official_examples/v1.5.0/paquet.xml").read_text(encoding="utf-8")
    cut = text.index("</contrat-concession>") + len("</contrat-concession>")
    path = tmp_path / "truncated.xml"
    path.write_text(text[: cut + 40], encoding="utf-8")
    records = []
    with pytest.raises(RecordParseError, match="invalid XML after record 1"):
        for record in iter_records(document(path)):
            records.append(record)
    assert [r.record_type for r in records] == ["concession"]


def test_zip_refuses_unsafe_members_and_nested_archives(tmp_path: Path) -> None:
    archive = tmp_path / "mixed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../etc/evil.json", '{"marches": []}')
        zf.writestr("inner.zip", b"PK")
        zf.writestr("ok.json", '{"marches": [{"id": "A", "acheteur": {"id": "1"}}]}')
    items = list(discover_documents([archive]))
    refused = {path: reason for path, reason in (i for i in items if isinstance(i, tuple))}

    assert refused[f"{archive}!../../etc/evil.json"].startswith("unsafe member name")
    assert refused[f"{archive}!inner.zip"].startswith("nested archive")
    [ok] = [i for i in items if isinstance(i, Document)]
    assert ok.display_path == f"{archive}!ok.json"
