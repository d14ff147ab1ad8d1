"""A warehouse with the reference files loaded by dlt and the reference dbt models built, once per session."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import run_dbt

from observatoire.settings import DEMO_DATA_DIR


@pytest.fixture(scope="session")
def reference_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Path of a DuckDB warehouse holding raw_reference and the staging/marts reference models."""
    work_dir = tmp_path_factory.mktemp("reference_warehouse")
    warehouse = work_dir / "warehouse.duckdb"
    overrides = {
        "OBSERVATOIRE_DATA_DIR": str(work_dir / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(warehouse),
        "OBSERVATOIRE_REFERENCE_DIR": str(DEMO_DATA_DIR / "ref"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in overrides.items():
            patch.setenv(name, value)
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source

        warehouse_pipeline("reference").run(reference_source())
        started = time.perf_counter()
        result = run_dbt(
            ["build", "--select", "staging.reference", "marts.reference"],
            {**os.environ, **overrides},
            work_dir,
        )
        print(f"dbt build of the reference models: {time.perf_counter() - started:.1f} s")
        assert "ERROR=0" in result.stdout
        yield warehouse
