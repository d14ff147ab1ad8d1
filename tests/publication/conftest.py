"""A demo warehouse built once per session through the real Dagster job, and its open data.

``published_demo`` (session-scoped) yields a namespace with ``.warehouse`` (the DuckDB file, read it read-only)
and ``.open_data_dir`` (the nine datasets written by ``write_open_data``, default threshold). Other publication
tests may reuse it.

The warehouse is built like ``make demo`` (real DECP samples and the generated demo preset in the inbox, then the
``full_refresh`` job in process) but without the publication assets: those are what the tests exercise, and the
open data is written by calling ``write_open_data`` directly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import warehouse_env

from observatoire.settings import REPO_ROOT

#: Runs in a child process: the orchestration code reads the settings (paths) from the environment at import.
BUILD_WAREHOUSE = """
import os, sys
from dagster import DagsterInstance
from observatoire import demo
from observatoire.pseudonymisation import DEMO_MODE_ENV

os.environ.setdefault(DEMO_MODE_ENV, "1")
settings = demo.load_settings()
settings.ensure_dirs()
demo.seed_decp_inbox(settings)
demo.generate_tracking_demo(settings)
demo.prepare_dagster_home(settings)
from orchestration.definitions import defs

job = defs.resolve_job_def("full_refresh")
keys = [key for key in job.asset_layer.executable_asset_keys if key.path[0] != "publication"]
with DagsterInstance.get() as instance:
    result = job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False)
failed = [event.step_key for event in result.all_events if event.is_step_failure]
if failed:
    sys.exit(f"failed steps: {failed}")
"""


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    work_dir = tmp_path_factory.mktemp("published_demo")
    env = {**os.environ, **warehouse_env(work_dir), "DAGSTER_HOME": str(work_dir / "dagster_home")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", BUILD_WAREHOUSE], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200
    )
    assert result.returncode == 0, f"demo warehouse build failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    print(f"demo warehouse built through Dagster in {time.perf_counter() - started:.1f} s")

    from observatoire.publication.open_data import write_open_data

    warehouse = Path(warehouse_env(work_dir)["OBSERVATOIRE_WAREHOUSE"])
    open_data_dir = work_dir / "published" / "open_data"
    started = time.perf_counter()
    write_open_data(warehouse, open_data_dir, threshold=11)
    print(f"open data written in {time.perf_counter() - started:.1f} s")
    yield SimpleNamespace(warehouse=warehouse, open_data_dir=open_data_dir)
