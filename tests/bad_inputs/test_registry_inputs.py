"""The registry cases: a list that cannot be loaded stops the load with an error naming it and changes nothing;
a list that loads keeps every line and staging flags what is wrong."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from corpus import Case, Corpus
from registry_cases import CASES, LOADED, REFERENCE_DIR, SPECS, case_file

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bad_inputs")]
REFUSED = [case for case in CASES if case.expect["error"] is not None]


def counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw_registries.{t}").fetchone()[0] for t in SPECS}


@pytest.fixture(scope="module")
def registries(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A warehouse with the four lists loaded from the real files, and their row counts."""
    work_dir = tmp_path_factory.mktemp("registry_cases")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBSERVATOIRE_DATA_DIR", str(work_dir / "data"))
        patch.setenv("OBSERVATOIRE_WAREHOUSE", str(work_dir / "warehouse.duckdb"))
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.registries import registry_files_source

        warehouse_pipeline("registries").run(registry_files_source(reference_dir=str(REFERENCE_DIR)))
    warehouse = work_dir / "warehouse.duckdb"
    return warehouse, counts(warehouse)


@pytest.mark.parametrize("case", REFUSED, ids=[case.id for case in REFUSED])
def test_a_list_that_cannot_be_loaded_stops_the_load_and_changes_nothing(
    case: Case, registries: tuple[Path, dict[str, int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlt.pipeline.exceptions import PipelineStepFailed

    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.registries import registry_files_source

    warehouse, before = registries
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(warehouse.parent / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(warehouse))
    bad_file = case_file(case, tmp_path)
    with pytest.raises(PipelineStepFailed) as failure:
        warehouse_pipeline("registries").run(
            registry_files_source(reference_dir=str(REFERENCE_DIR), paths={case.expect["table"]: str(bad_file)})
        )
    message = str(failure.value)
    assert case.expect["error"] in message and str(bad_file) in message, message
    assert counts(warehouse) == before


@pytest.mark.parametrize("case", LOADED, ids=[case.id for case in LOADED])
def test_a_list_that_loads_keeps_every_line_and_is_flagged_in_staging(case: Case, corpus: Corpus) -> None:
    with corpus.reader() as con:
        assert con.execute(case.expect["check"]).fetchall() == [(True,)], case.expect["check"]
