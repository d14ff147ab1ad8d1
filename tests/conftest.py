"""Shared fixtures: isolated warehouses built by the real dlt sources and the real dbt project."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from reliability_support import DemoOutputs, querying_in_a_loop, start, wait_success
from support import SHARED_PARSE_ENV, SNAPSHOT_DECP_FILES, load_decp, run_dbt, warehouse_env

BuildWarehouse = Callable[[str, list[Path]], Path]

#: The test modules that take minutes, then those that take tens of seconds, in the order they should start
#: (longest first, from a timeline of the suite: tools/test_timeline.py). The kill test builds the demo the other
#: demo tests wait for, while the other worker generates and refreshes the idf preset. Started after the quick
#: tests, the reliability modules (the last in collection order) kept one worker busy for a minute while the other
#: had nothing left to run.
LONGEST_FIRST = (
    "reliability/test_kill.py",
    "orchestration/test_idf_preset_end_to_end.py",
    "orchestration/test_source_subsets.py",
    "performance/test_incremental_equals_full.py",
    "orchestration/test_demo_end_to_end.py",
    "reliability/test_pii_audit.py",
    "dbt/test_decp_marts.py",  # with test_decp_rules.py, the xdist group decp_warehouses
    "bad_inputs/test_decp_inputs.py",  # the first module of the xdist group bad_inputs
    "publication/test_disclosure.py",
    "reliability/test_concurrency.py",
    "publication/test_dataviz.py",
    "publication/test_snapshot.py",
    "dbt/test_clauses_marts.py",
)


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
    # The tests that take minutes start first (the Makefile turns xdist's own ordering, largest group first, off):
    # started last, one of them ran alone on one core for the last minutes of the session.
    items.sort(key=start_rank)


def start_rank(item: pytest.Item) -> int:
    """The rank of the item's module in LONGEST_FIRST; every other test after them, in collection order."""
    return next((rank for rank, module in enumerate(LONGEST_FIRST) if module in item.nodeid), len(LONGEST_FIRST))


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every worker of this test session shares (under xdist, the parent of the workers'
    own folders)."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


@pytest.fixture(scope="session", autouse=True)
def shared_dbt_parse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One saved dbt parse for every test's dbt run in this session, whatever the worker (support.run_dbt)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SHARED_PARSE_ENV, str(session_folder(tmp_path_factory) / "dbt_partial_parse.msgpack"))
        yield


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


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(folder)`` once per test session, into an empty ``folder`` that is returned. Under xdist the first
    worker that needs it builds it in the session's shared temporary folder, at its final path (paths are part of
    what a refresh writes), while a lock makes the others wait; a marker file says the build completed."""
    from filelock import FileLock

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        folder = tmp_path_factory.mktemp(name)
        build(folder)
        return folder
    shared = session_folder(tmp_path_factory)
    folder, completed = shared / name, shared / f"{name}.completed"
    with FileLock(shared / f"{name}.lock"):
        if not completed.exists():
            shutil.rmtree(folder, ignore_errors=True)  # left by a worker that died while building
            folder.mkdir()
            build(folder)
            completed.touch()
    return folder


@pytest.fixture(scope="session")
def idf_preset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's idf preset with the demo's seed (what ``python -m observatoire.demo --preset idf``
    generates: suivi_clauses/, decp/, manifest.json), generated once per session (``built_once``): the demo
    generator tests read it and the idf end-to-end test drops it into its inbox."""
    from demo_generator import generate
    from observatoire.demo import DEMO_SEED

    return built_once(tmp_path_factory, "idf_preset", lambda out: generate("idf", DEMO_SEED, out))


@pytest.fixture(scope="session")
def snapshot_decp_warehouse(build_decp_warehouse: BuildWarehouse) -> Path:
    """DECP files only, loaded and built: the snapshot tests' warehouse, and the previous month's snapshot the
    demo refreshes over."""
    return build_decp_warehouse("snapshot_decp", SNAPSHOT_DECP_FILES)


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> DemoOutputs:
    """`make demo`'s command (``python -m observatoire.demo``) run once per session, for every xdist worker
    (``built_once``): the end-to-end tests read what it built and printed, the publication tests start from its
    warehouse, the personal-data audit and the quality page are checked on its outputs, and the kill test goes on
    from its work folder (the only test that changes it). The demo refreshes over a previous month's snapshot
    (DECP files only) queried in a loop by another process meanwhile: the snapshot test checks every query got an
    answer (tests/publication/test_snapshot.py)."""

    def build(folder: Path) -> None:
        from observatoire.publication.snapshot import publish_snapshot

        demo = DemoOutputs(folder)
        snapshot_dir = Path(warehouse_env(demo.work_dir)["OBSERVATOIRE_DATA_DIR"]) / "published" / "snapshot"
        previous = publish_snapshot(request.getfixturevalue("snapshot_decp_warehouse"), snapshot_dir)
        shutil.copyfile(previous, demo.previous_snapshot)
        with querying_in_a_loop(previous, demo.snapshot_reads, pause=0.2):
            command = [sys.executable, "-m", "observatoire.demo"]
            wait_success(start(command, demo.work_dir, "demo"), demo.work_dir, "demo")
        shutil.copytree(demo.work_dir, demo.copy_dir, symlinks=True)

    return DemoOutputs(built_once(tmp_path_factory, "demo", build))


#: A file to which each test's start and end times are appended (one JSON line per test, with its xdist worker), to
#: see how the suite's minutes fall on the workers: ``tools/test_timeline.py`` reads it.
TIMELINE_ENV = "OBSERVATOIRE_TEST_TIMELINE"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[object]:
    timeline = os.environ.get(TIMELINE_ENV)
    if not timeline:
        return (yield)
    import json
    import time

    started = time.time()
    try:
        return (yield)
    finally:
        line = {
            "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "test": item.nodeid,
            "start": started,
            "end": time.time(),
        }
        with open(timeline, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
