"""Shared fixtures: isolated warehouses built by the real dlt sources and the real dbt project."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability_support import DemoOutputs, mart_checksums, start, wait_success, warehouse_of
from support import load_decp, run_dbt, warehouse_env

BuildWarehouse = Callable[[str, list[Path]], Path]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make ``--dist loadgroup`` honour the ``xdist_group`` marks again: pytest-xdist 3.8 writes the group into
    ``item._nodeid``, which pytest 9.2 no longer reads (node ids are structured ``item._id``), so every group was
    split over the workers and each worker built the heavy session fixtures (demo, idf preset, corpus) again."""
    from _pytest.nodeid import NodeId

    for item in items:
        grouped = item.__dict__.get("_nodeid")
        if grouped and grouped != item.nodeid:
            item._id = NodeId.parse(grouped)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def build_decp_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildWarehouse]:
    """Factory: a warehouse with these DECP files loaded and the DECP marts built (cached by name)."""
    built: dict[str, Path] = {}

    def build(name: str, files: list[Path]) -> Path:
        if name not in built:
            work_dir = tmp_path_factory.mktemp(f"decp_{name}")
            warehouse = load_decp(files, work_dir, with_reference=True)
            run_dbt(["build", "--select", "+path:models/*/decp"], {**os.environ, **warehouse_env(work_dir)}, work_dir)
            built[name] = warehouse
        return built[name]

    yield build


@pytest.fixture(scope="session")
def idf_preset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's idf preset with the demo's seed (what ``python -m observatoire.demo --preset idf``
    generates: suivi_clauses/, decp/, manifest.json), generated once per session: the demo generator tests read
    it and the idf end-to-end test drops it into its inbox. Under xdist the first worker that needs it generates
    it into the session's shared temporary folder (a lock makes the others wait) and renames it when complete."""
    from filelock import FileLock

    from demo_generator import generate
    from observatoire.demo import DEMO_SEED

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp("idf_preset")
        generate("idf", DEMO_SEED, out)
        return out
    shared = tmp_path_factory.getbasetemp().parent
    out = shared / "idf_preset"
    with FileLock(shared / "idf_preset.lock"):
        if not out.exists():
            partial = shared / "idf_preset.partial"
            shutil.rmtree(partial, ignore_errors=True)  # left by a worker that died while generating
            generate("idf", DEMO_SEED, partial)
            partial.rename(out)
    return out


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory) -> DemoOutputs:
    """`make demo`'s command (``python -m observatoire.demo``) run once per session: the end-to-end tests read what
    it built and printed, the publication tests start from its warehouse, the personal-data audit and the quality
    page are checked on its outputs, and the kill test goes on from its work folder. Tests using it are in the
    xdist group "demo", so one worker builds it."""
    work_dir = tmp_path_factory.mktemp("demo")
    output = wait_success(start([sys.executable, "-m", "observatoire.demo"], work_dir, "demo"), work_dir, "demo")
    copy_dir = tmp_path_factory.mktemp("demo_outputs")
    shutil.copytree(work_dir, copy_dir, dirs_exist_ok=True, symlinks=True)
    return DemoOutputs(work_dir, copy_dir, mart_checksums(warehouse_of(work_dir)), output)
