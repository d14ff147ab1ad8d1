"""Every tracking export parses with its declared encoding and separator, and maps onto the exchange format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dg_files import MAPPINGS, all_fields, load_sources, manifest, read_canonical, read_rows, schema_fields

from demo_generator.mappings import render
from demo_generator.reference import load_reference
from demo_generator.sources import SOURCES


def test_mapping_files_are_up_to_date() -> None:
    for spec in SOURCES.values():
        path = MAPPINGS / f"{spec.name}.yaml"
        if spec.mapped:
            assert path.read_text(encoding="utf-8") == render(spec), "run python -m demo_generator --write-mappings"
        else:
            assert not path.exists(), f"{spec.name} uses canonical headers: no mapping expected"


def test_files_parse_and_map_to_schema(demo_out: Path) -> None:
    m = manifest(demo_out)
    formats = {(f["format"], f.get("encoding")) for f in m["files"] if f["table"] != "decp"}
    assert {("xlsx", None), ("csv", "cp1252"), ("csv", "utf-8-sig")} <= formats
    for entry in m["files"]:
        if entry["table"] == "decp":
            continue
        table, rows = read_canonical(demo_out, entry)
        assert table == entry["table"]
        fields = schema_fields(table)
        names = set(rows[0]) if rows else set()
        assert names <= all_fields(table), names - all_fields(table)
        required = {n for n, f in fields.items() if f.get("constraints", {}).get("required")}
        assert required <= names, (entry["path"], required - names)
        assert len(rows) == entry["rows"]


def test_manifest_counts(demo_out: Path) -> None:
    m = manifest(demo_out)
    totals: dict[str, int] = {}
    for entry in m["files"]:
        if entry["table"] != "decp":
            _, rows = read_rows(demo_out, entry)
            assert len(rows) == entry.get("lines", entry["rows"]), entry["path"]
        totals[entry["table"]] = totals.get(entry["table"], 0) + entry["rows"]
    assert totals == m["counts"]
    n_participants = sum(e["rows"] for e in m["files"] if e["table"] == "participants")
    assert len(m["identities"]) == n_participants


def test_values_follow_the_format(demo_out: Path) -> None:
    """Dates dd/mm/yyyy, months MM/YYYY, decimal commas, SIRET digits, hours <= 300 except planted defects."""
    sources = load_sources(demo_out)
    defects = {(d["source"], d["kind"]) for d in manifest(demo_out)["defects"]}
    date = re.compile(r"^\d{2}/\d{2}/\d{4}$")
    for source, tables in sources.items():
        for row in tables.get("participants", []):
            assert date.match(row["date_naissance"]) and date.match(row["date_entree"])
            assert row["sexe"] in ("F", "M")
        for row in tables.get("heures", []):
            assert re.match(r"^\d{2}/\d{4}$", row["mois"]), row
            hours = float(row["heures"].replace(" ", "").replace(",", "."))
            assert hours <= 300 or (source, "heures_above_300") in defects
        for row in tables.get("contrats_travail", []):
            assert re.match(r"^\d{14}$", row["employeur_siret"])


@pytest.mark.slow  # generates the idf preset
def test_cross_source_duplicates_and_personal_data(idf_preset: Path) -> None:
    m = manifest(idf_preset)
    assert len(m["cross_source_duplicates"]) >= 10
    sources = load_sources(idf_preset)
    assert any(r.get("nir") for r in sources["coordination_93"]["participants"])
    assert any(r.get("courriel") for r in sources["coordination_75"]["participants"])
    # arrondissement codes in the Paris export
    assert any(r["commune_residence"].startswith("751") for r in sources["coordination_75"]["participants"])


def test_planted_defects_are_where_the_manifest_says(demo_out: Path) -> None:
    m = manifest(demo_out)
    kinds = {d["kind"] for d in m["defects"]}
    assert {"heures_above_300", "heures_duplicate_key", "heures_orphan_contract", "contrat_dates_inverted"} <= kinds
    entries = {e["path"]: e for e in m["files"]}
    for d in m["defects"]:
        header, rows = read_rows(demo_out, entries[d["file"]])
        row = dict(zip(header, rows[d["line"] - 2], strict=True))
        if d["kind"] == "heures_above_300":
            assert "320" in row.values()
        if d["kind"] == "heures_orphan_contract":
            assert "K9999999" in row.values()


def test_qpv_residents_get_a_real_qpv_of_their_commune(demo_out: Path) -> None:
    """The QPV codes are those of the real 2024 list (demo_data/ref/qpv), on the resident's commune: one of the
    communes of a QPV over several, the QPV's arrondissement for a Paris resident written by arrondissement."""
    ref = load_reference()
    communes_of: dict[str, set[str]] = {}
    for pairs in ref.qpv.values():
        for code, commune in pairs:
            communes_of.setdefault(code, set()).add(commune)
    assert len(communes_of) == 298  # every Île-de-France QPV of the list
    assert communes_of["QN07705M"] == {"77083", "77337"}  # Champs-sur-Marne and Noisiel
    assert communes_of["QN09335M"] == {"93066", "93072"}  # 2024 list: Pierrefitte (93059), now in Saint-Denis
    paris = {code for code, communes in communes_of.items() if communes == {"75056"}}
    assert len(paris) == 21 and paris == set(ref.qpv_arrondissement)
    assert ref.qpv_arrondissement["QN07511M"] == "75118"  # la Goutte d'Or

    residents = [
        row
        for tables in load_sources(demo_out).values()
        for row in tables.get("participants", [])
        if row.get("code_qpv")
    ]
    assert len(residents) > 10
    for row in residents:
        commune = row["commune_residence"]
        if commune.startswith("751"):
            assert ref.qpv_arrondissement[row["code_qpv"]] == commune, row
        else:
            assert commune in communes_of[row["code_qpv"]], row
