"""The reference dlt source: every file lands whole, as text, and an unchanged file is not reloaded."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import duckdb
import pytest

from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.reference import REFERENCE_FILES, ReferenceFileNotFoundError, reference_source
from observatoire.settings import DEMO_DATA_DIR

DEMO_REFERENCE_DIR = DEMO_DATA_DIR / "ref"


def csv_row_count(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1  # header


@pytest.fixture
def reference_dir(tmp_path: Path) -> Path:
    """A private copy of the demo reference files, so a test can change or remove one."""
    target = tmp_path / "ref"
    for spec in REFERENCE_FILES:
        (target / spec.relative_path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_REFERENCE_DIR / spec.relative_path, target / spec.relative_path)
    return target


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference_dir: Path) -> Path:
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("OBSERVATOIRE_REFERENCE_DIR", str(reference_dir))
    return tmp_path / "warehouse.duckdb"


def table_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            spec.table: con.execute(f"select count(*) from raw_reference.{spec.table}").fetchone()[0]
            for spec in REFERENCE_FILES
        }


def test_every_file_is_loaded_whole_as_text_with_provenance(warehouse: Path, reference_dir: Path) -> None:
    warehouse_pipeline("reference").run(reference_source())

    expected = {spec.table: csv_row_count(reference_dir / spec.relative_path) for spec in REFERENCE_FILES}
    assert table_counts(warehouse) == expected
    assert expected["cog_communes"] == 37_496 and expected["cpv"] == 9_454

    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = con.execute(
            "select distinct data_type from information_schema.columns "
            "where table_schema = 'raw_reference' and table_name = 'cog_communes' "
            "and column_name <> '_dlt_load_id'"
        ).fetchall()
        assert types == [("VARCHAR",)]
        row = con.execute(
            "select com, dep, reg, source_file, source_sha256 from raw_reference.cog_communes "
            "where typecom = 'COM' and com = '01001'"
        ).fetchone()
    assert row[:4] == ("01001", "01", "84", "cog/cog2026_communes_france_v_commune.csv")
    assert len(row[4]) == 64


def test_unchanged_files_are_skipped_and_keep_their_rows(
    warehouse: Path, reference_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline = warehouse_pipeline("reference")
    pipeline.run(reference_source())
    first = table_counts(warehouse)

    caplog.set_level(logging.INFO, logger="dlt_sources.reference")
    pipeline.run(reference_source())
    assert table_counts(warehouse) == first
    assert sum("unchanged" in message for message in caplog.messages) == len(REFERENCE_FILES)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = con.execute("select count(distinct _dlt_load_id) from raw_reference.cog_regions").fetchone()[0]
    assert loads == 1


def test_a_changed_file_replaces_its_table_only(warehouse: Path, reference_dir: Path) -> None:
    pipeline = warehouse_pipeline("reference")
    pipeline.run(reference_source())
    first = table_counts(warehouse)

    regions = reference_dir / "cog/cog_regions.csv"
    lines = regions.read_text(encoding="utf-8").splitlines(keepends=True)
    regions.write_text("".join(lines[:-1]), encoding="utf-8")  # one region fewer

    # A new pipeline object, as a new process would build: the hashes come back from the dlt state.
    warehouse_pipeline("reference").run(reference_source())
    second = table_counts(warehouse)
    assert second["cog_regions"] == first["cog_regions"] - 1
    assert {k: v for k, v in second.items() if k != "cog_regions"} == {
        k: v for k, v in first.items() if k != "cog_regions"
    }


def test_force_reloads_unchanged_files(warehouse: Path) -> None:
    pipeline = warehouse_pipeline("reference")
    pipeline.run(reference_source())
    first = table_counts(warehouse)
    pipeline.run(reference_source(force=True))
    assert table_counts(warehouse) == first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = con.execute("select count(distinct _dlt_load_id) from raw_reference.cpv").fetchone()[0]
    assert loads == 1  # rows of the first load were deleted, not kept beside the new ones


def test_a_missing_file_names_the_path_and_the_variable(warehouse: Path, reference_dir: Path) -> None:
    (reference_dir / "nomenclatures/cpv2008_fr.csv").unlink()
    with pytest.raises(Exception) as excinfo:
        warehouse_pipeline("reference").run(reference_source())
    chain, error = [], excinfo.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    missing = next(e for e in chain if isinstance(e, ReferenceFileNotFoundError))
    assert str(reference_dir / "nomenclatures/cpv2008_fr.csv") in str(missing)
    assert "OBSERVATOIRE_REFERENCE_DIR" in str(missing)


def test_the_real_qpv_list_is_loaded_as_published(warehouse: Path, reference_dir: Path) -> None:
    warehouse_pipeline("reference").run(reference_source())
    with (reference_dir / "qpv/qpv2024_extract.csv").open(encoding="utf-8", newline="") as handle:
        published = {row["code_qp"]: row for row in csv.DictReader(handle)}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loaded = {
            row[0]: row[1:]
            for row in con.execute(
                "select code_qp, insee_reg, insee_dep, insee_com, lib_com from raw_reference.qpv"
            ).fetchall()
        }
    assert len(loaded) == len(published) == 1_609
    assert sum(row[0] == "11" for row in loaded.values()) == 298  # Île-de-France
    for code, row in published.items():
        # an empty field is null (the collectivités d'outre-mer have no region)
        assert loaded[code] == (row["insee_reg"] or None, row["insee_dep"], row["insee_com"], row["lib_com"]), code
    # a QPV over two communes keeps the published list (staging splits it); a Paris QPV is on 75056
    assert loaded["QN07705M"][2:] == ("77083, 77337", "Champs-sur-Marne, Noisiel")
    assert loaded["QN07511M"][2] == "75056"
