"""The generated exports speak like real tools: their own labels, mapped by the shipped mapping's ``values``; the
layouts of real exports (postal code + town, wide monthly hours, civilité, QPV O/N flag)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from dg_files import (
    ROOT,
    ValueReader,
    coded_fields,
    manifest,
    mapping,
    read_canonical,
    read_rows,
    recognised_without_mapping,
    schema_fields,
    table_of,
)

from demo_generator.generate import PostalResidence
from demo_generator.reference import load_postal_book, load_reference
from demo_generator.sources import SOURCES, STYLES
from demo_generator.vocabulary import VOCABULARIES, label_key
from dlt_sources.suivi_clauses.residence import postal_index

#: the idf preset's labels are read once (idf_labels): every test of the module on the same xdist worker
pytestmark = pytest.mark.xdist_group("idf_vocabulary")


def _written_labels(out: Path) -> dict[tuple[str, str, str], Counter]:
    """(source, table, field) -> Counter of the raw labels written in that coded column (split if multi-valued)."""
    labels: dict[tuple[str, str, str], Counter] = {}
    for entry in manifest(out)["files"]:
        if entry["table"] == "decp" or not entry["mapping"]:
            continue
        table, rows = read_canonical(out, entry, translate=False)
        separators = mapping(entry["source"])["tables"][table].get("separators") or {}
        for field in coded_fields(table):
            for row in rows:
                text = row.get(field, "")
                items = re.split("[" + re.escape(separators[field]) + "]", text) if field in separators else [text]
                for item in items:
                    if item.strip():
                        labels.setdefault((entry["source"], table, field), Counter())[item] += 1
    return labels


@pytest.fixture(scope="module")
def idf_labels(idf_preset: Path) -> dict[tuple[str, str, str], Counter]:
    return _written_labels(idf_preset)


@pytest.mark.slow  # reads the idf preset (generated once per session)
def test_every_label_is_mapped_or_a_planted_unknown(idf_preset: Path, idf_labels) -> None:
    """A label is in the mapping's values (or a code / seed label / built-in); the others are exactly the unknown
    labels the manifest lists, all in optional fields, on at most 1 % of a table's rows."""
    planted = {
        (u["source"], u["table"], u["field"], u["label"]): u["rows"] for u in manifest(idf_preset)["unknown_labels"]
    }
    assert planted, "some unknown labels are expected in the idf preset"
    found: dict[tuple, int] = {}
    for (source, table, field), counter in idf_labels.items():
        reader = ValueReader(source, table)
        for label, n in counter.items():
            if reader.one(field, label) is None:
                key = (source, table, field, label.strip())
                found[key] = found.get(key, 0) + n
    assert found == planted
    for _, table, field, _ in planted:
        assert not schema_fields(table).get(field, {}).get("constraints", {}).get("required"), (table, field)
    rows: Counter = Counter()
    for e in manifest(idf_preset)["files"]:
        if e["table"] != "decp":
            rows[(e["source"], e["table"])] += e["rows"]
    per_table = Counter()
    for (source, table, _, _), n in planted.items():
        per_table[(source, table)] += n
    for key, n in per_table.items():
        assert n / rows[key] <= 0.01, (key, n, rows[key])


@pytest.mark.slow  # reads the idf preset (generated once per session)
def test_labels_exercise_the_value_mapping(idf_labels) -> None:
    """Most labels written are the tool's own: neither our codes nor the seed's libellés."""
    for source in ("coordination_75", "coordination_92", "coordination_grande_couronne", "solideo_jop_2024"):
        total = native = 0
        for (s, table, field), counter in idf_labels.items():
            if s != source:
                continue
            known = recognised_without_mapping(table, field)
            for label, n in counter.items():
                total += n
                native += n * (label_key(label) in known)
        assert total and native / total < 0.6, (source, native / total)
        # spelling variants are written too (same key, other spelling)
        spellings = {
            (t, f, label_key(label), label)
            for (s, t, f), counter in idf_labels.items()
            if s == source
            for label in counter
        }
        keys = Counter((t, f, k) for t, f, k, _ in spellings)
        assert any(n > 1 for n in keys.values()), source


@pytest.mark.parametrize("style", sorted(VOCABULARIES))
def test_vocabularies_are_unambiguous(style: str) -> None:
    """No label means two codes, none is read by the loader as another code, none holds its field's separator."""
    for (table, field), words in VOCABULARIES[style].fields.items():
        assert field in STYLES[style][table], (style, table, field)
        known = recognised_without_mapping(table, field)
        codes = set(known.values())
        seen: dict[str, str] = {}
        for code, labels in words.labels.items():
            assert code in codes, (style, field, code)
            for label in labels:
                key = label_key(label)
                assert seen.setdefault(key, code) == code, (style, field, label)
                assert known.get(key, code) == code, (style, field, label, known.get(key))
                if words.separator:
                    assert words.separator.strip() not in label, (style, field, label)
        for label in words.unknown:
            assert label_key(label) not in seen and label_key(label) not in known
            if words.separator:
                assert words.separator.strip() not in label


#: Communes whose COG name La Poste's base does not know (the loader resolves La Poste's names only), or spells
#: with a ligature the loader's label_key drops ("œ"): a loader gap, reported; unresolved (an issue), never wrong.
NAMES_LA_POSTE_DOES_NOT_KNOW = {"77144", "77302", "77432", "77526"}


def test_postal_residence_round_trip() -> None:
    """For every commune of Île-de-France, whatever spelling the generator writes, the loader's La Poste index
    resolves postal code + town back to that commune (Paris: its arrondissements)."""
    book, communes = load_postal_book(), load_reference().communes
    index = postal_index(ROOT / "demo_data" / "ref")
    residence = PostalResidence(book, np.random.default_rng(1))
    for commune in [*communes.code.tolist(), *communes.arm_code.tolist()]:
        for _ in range(10):
            code, town = residence("75056" if commune == "75056" else commune)
            resolved = index.resolve(code, town).commune_code
            if commune in NAMES_LA_POSTE_DOES_NOT_KNOW:
                assert resolved in (None, commune), (commune, code, town, resolved)
            elif commune != "75056":  # Paris residents are written with their arrondissement
                assert resolved == commune, (commune, code, town, resolved)


@pytest.mark.slow  # reads the idf preset (generated once per session)
def test_residence_as_postal_code_and_town(idf_preset: Path) -> None:
    """The grande couronne export gives residence as postal code + town name (no INSEE code), the names spelled
    both as La Poste writes them and as people type them (accents, hyphens), postal codes often shared."""
    entry = next(
        e
        for e in manifest(idf_preset)["files"]
        if e.get("source") == "coordination_grande_couronne" and e["table"] == "participants"
    )
    _, rows = read_canonical(idf_preset, entry)
    assert rows and all("commune_residence" not in r for r in rows)
    index = postal_index(ROOT / "demo_data" / "ref")
    spellings = Counter()
    for r in rows:
        code, town = r["code_postal_residence"], r["commune_residence_libelle"]
        assert re.fullmatch(r"(75|77|78|91|92|93|94|95)\d{3}", code), code
        spellings["unresolved"] += index.resolve(code, town).commune_code is None  # NAMES_LA_POSTE_DOES_NOT_KNOW
        spellings["laposte" if town == town.upper() else "typed"] += 1
        spellings["accents_or_hyphens"] += bool("-" in town or re.search(r"[éèêàâîôûç]", town))
        spellings["shared"] += len(index.communes[code]) > 1
    assert spellings["laposte"] > len(rows) * 0.4 and spellings["typed"] > len(rows) * 0.3
    assert spellings["accents_or_hyphens"] > len(rows) * 0.1
    assert spellings["shared"] > len(rows) * 0.1, "postal codes shared by several communes must be met"
    assert spellings["unresolved"] <= len(rows) * 0.002, spellings


def test_wide_hours_sheet(demo_out: Path) -> None:
    """The 92 hours sheets: one column per month ("janv. 2024"), a Total column, some hours typed 151h40."""
    entries = [
        e for e in manifest(demo_out)["files"] if e.get("source") == "coordination_92" and e["table"] == "heures"
    ]
    assert entries
    typed = 0
    for entry in entries:
        header, rows = read_rows(demo_out, entry)
        year = re.search(r"(\d{4})\.csv$", entry["path"]).group(1)
        assert header[1] == f"janv. {year}" and header[-2] == f"déc. {year}" and header[-1] == "Total"
        months_map = mapping("coordination_92")["tables"]["heures"]["months_as_columns"]
        assert months_map == {"format": "%b %Y", "ignore": ["Total"]}
        _, records = read_canonical(demo_out, entry)
        assert len(records) == entry["rows"] == sum(1 for r in rows for c in r[1:-1] if c)
        assert len(rows) == entry["lines"]
        for r in rows:
            cells = [c for c in r[1:-1] if c]
            typed += sum(bool(re.fullmatch(r"\d+h\d{2}", c)) for c in cells)
            total = float(r[-1].replace(",", "."))
            hours = [
                int(c.split("h")[0]) + int(c.split("h")[1]) / 60 if "h" in c else float(c.replace(",", "."))
                for c in cells
            ]
            assert abs(sum(hours) - total) < 0.01 * len(hours) + 1e-6, r
    assert typed > 0


def test_civilite_and_qpv_flag(demo_out: Path) -> None:
    """The 92 spreadsheet writes civilité (M./Mme...) for sex and a QPV O/N flag instead of the QPV code."""
    entry = next(
        e for e in manifest(demo_out)["files"] if e.get("source") == "coordination_92" and e["table"] == "participants"
    )
    header, rows = read_rows(demo_out, entry)
    assert "Civilité" in header and "QPV (O/N)" in header
    raw = Counter(r[header.index("Civilité")].strip() for r in rows)
    assert {"M.", "Mme"} <= set(raw)
    flags = Counter(r[header.index("QPV (O/N)")].strip() for r in rows)
    assert {"O", "N"} <= set(flags)
    _, canonical = read_canonical(demo_out, entry)
    assert {r["sexe"] for r in canonical} == {"F", "M"}
    assert {r["resident_qpv"] for r in canonical} == {"oui", "non"}
    assert all("code_qpv" not in r for r in canonical)


def test_mapping_covers_every_mapped_source() -> None:
    for spec in SOURCES.values():
        if not spec.mapped:
            continue
        source_mapping = mapping(spec.name)
        for table, entry in source_mapping["tables"].items():
            mapped = {f for f in entry["columns"].values() if f in coded_fields(table)}
            assert mapped == set(entry.get("values", {})), (spec.name, table)
            for field, separators in (entry.get("separators") or {}).items():
                assert schema_fields(table)[field].get("separator") and " " not in separators


def test_table_of_wide_sheet(demo_out: Path) -> None:
    entry = next(e for e in manifest(demo_out)["files"] if e.get("layout") == "months_as_columns")
    assert table_of(entry, mapping(entry["source"])) == "heures"
