"""The registry list files (ASP SIAE, GEIQ, DGEFP EA, FINESS): loaded whole, with provenance, never twice."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import duckdb
import pytest

from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.registries import REGISTRY_FILES, registry_files_source
from observatoire.settings import DEMO_DATA_DIR

DEMO_REFERENCE_DIR = DEMO_DATA_DIR / "ref"
SPECS = {spec.table: spec for spec in REGISTRY_FILES}


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def finess_structure_lines(path: Path) -> list[tuple[int, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle, delimiter=";"))[1:]  # first line: finess;etalab;version;date
    return [(index, fields) for index, fields in enumerate(lines) if fields[0] == "structureet"]


@pytest.fixture
def reference_dir(tmp_path: Path) -> Path:
    target = tmp_path / "ref"
    for spec in REGISTRY_FILES:
        (target / spec.default_path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_REFERENCE_DIR / spec.default_path, target / spec.default_path)
    return target


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path / "warehouse.duckdb"


def counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw_registries.{t}").fetchone()[0] for t in SPECS}


def test_every_list_is_loaded_whole_with_its_position_and_provenance(warehouse: Path, reference_dir: Path) -> None:
    warehouse_pipeline("registries").run(registry_files_source(reference_dir=str(reference_dir)))

    siae = csv_rows(reference_dir / SPECS["siae_asp"].default_path)
    geiq = csv_rows(reference_dir / SPECS["geiq_list"].default_path)
    ea = csv_rows(reference_dir / SPECS["ea_dgefp"].default_path, ";")
    finess = finess_structure_lines(reference_dir / SPECS["finess_etablissements"].default_path)
    assert counts(warehouse) == {
        "siae_asp": len(siae),
        "geiq_list": len(geiq),
        "ea_dgefp": len(ea),
        "finess_etablissements": len(finess),
    }
    assert len(siae) == 3_932 and len(geiq) == 171

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select row_index, siret, mesure, denomination_sociale, source_file, source_sha256 "
            "from raw_registries.siae_asp order by row_index"
        ).fetchall()
        assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
            (i, row["SIRET"], row["MESURE"], row["DENOMINATION_SOCIALE"]) for i, row in enumerate(siae)
        ]
        assert {r[4] for r in rows} == {SPECS["siae_asp"].default_path} and len(rows[0][5]) == 64

        finess_rows = con.execute(
            "select row_index, nofinesset, categetab, siret "
            "from raw_registries.finess_etablissements order by row_index"
        ).fetchall()
        assert finess_rows == [(i, f[1], f[18], f[22]) for i, f in finess]  # position after the finess;etalab line
        assert sum(1 for r in finess_rows if r[2] == "246") == sum(1 for _, f in finess if f[18] == "246") == 9
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw_registries' "
                "and table_name = 'finess_etablissements'"
            ).fetchall()
        }
    assert "section" not in columns and not {"telephone", "telecopie"} & columns


def test_unchanged_lists_are_skipped_and_a_changed_one_is_reloaded(
    warehouse: Path, reference_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = warehouse_pipeline("registries")
    pipeline.run(registry_files_source(reference_dir=str(reference_dir)))
    first = counts(warehouse)

    caplog.set_level(logging.INFO, logger="dlt_sources.registries")
    pipeline.run(registry_files_source(reference_dir=str(reference_dir)))
    assert counts(warehouse) == first
    assert caplog.text.count("unchanged (sha256") == len(SPECS)

    ea_file = reference_dir / SPECS["ea_dgefp"].default_path
    lines = ea_file.read_text(encoding="utf-8").splitlines()
    ea_file.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")  # two EA left the list
    pipeline.run(registry_files_source(reference_dir=str(reference_dir)))
    assert counts(warehouse) == {**first, "ea_dgefp": first["ea_dgefp"] - 2}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = dict(
            con.execute(
                "select registry_table, count(distinct _dlt_load_id) from ("
                "select registry_table, _dlt_load_id from raw_registries.ea_dgefp union all "
                "select registry_table, _dlt_load_id from raw_registries.siae_asp) group by 1"
            ).fetchall()
        )
    assert loads == {"ea_dgefp": 1, "siae_asp": 1}


def test_a_path_can_point_a_table_to_another_file(warehouse: Path, reference_dir: Path) -> None:
    idf = DEMO_REFERENCE_DIR / "inclusion" / "itou_2019_07_liste_siae_idf_sans_contacts.csv"
    warehouse_pipeline("registries").run(
        registry_files_source(reference_dir=str(reference_dir), paths={"siae_asp": str(idf)})
    )
    assert counts(warehouse)["siae_asp"] == len(csv_rows(idf)) == 409
    with pytest.raises(ValueError, match="unknown registry tables"):
        registry_files_source(reference_dir=str(reference_dir), paths={"siae": str(idf)})
