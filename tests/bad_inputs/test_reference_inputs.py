"""The reference cases: a file that cannot be loaded stops the load with an error naming it and changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from corpus import Case
from reference_cases import CASES, REFERENCE_DIR

from dlt_sources.reference import REFERENCE_FILES

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bad_inputs")]


def counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            f.table: con.execute(f"select count(*) from raw_reference.{f.table}").fetchone()[0] for f in REFERENCE_FILES
        }


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A warehouse with every reference file loaded from the real files, and the row counts."""
    work_dir = tmp_path_factory.mktemp("reference_cases")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATOIRE_DATA_DIR", str(work_dir / "data"))
        patch.setenv("OBSERVATOIRE_WAREHOUSE", str(work_dir / "warehouse.duckdb"))
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source

        warehouse_pipeline("reference").run(reference_source(reference_dir=str(REFERENCE_DIR)))
    warehouse = work_dir / "warehouse.duckdb"
    return warehouse, counts(warehouse)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_reference_file_that_cannot_be_loaded_stops_the_load_and_changes_nothing(
    case: Case, reference: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlt.pipeline.exceptions import PipelineStepFailed

    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.reference import reference_source

    warehouse, before = reference
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(warehouse.parent / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(warehouse))
    folder = tmp_path / "ref"
    shutil.copytree(REFERENCE_DIR, folder)
    case.build(folder)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse_pipeline("reference").run(reference_source(reference_dir=str(folder)))
    message = str(failure.value)
    assert case.expect["error"] in message and str(folder / case.expect["file"]) in message, message
    assert counts(warehouse) == before
