"""The demo warehouse of the session (``demo_outputs``, built by `make demo`'s command) and its open data.

``published_demo`` (session-scoped) yields a namespace with ``.warehouse`` (a copy of the demo's DuckDB file, read
it read-only) and ``.open_data_dir`` (every dataset written by ``write_open_data`` into a folder of its own,
default threshold): the publication tests exercise the publication code on the demo's marts, beside what the demo
itself published.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from reliability_support import DemoOutputs


@pytest.fixture(scope="session")
def published_demo(demo_outputs: DemoOutputs, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    from observatoire.publication.open_data import write_open_data

    work_dir = tmp_path_factory.mktemp("published_demo")
    warehouse = work_dir / "warehouse.duckdb"
    shutil.copyfile(demo_outputs.warehouse, warehouse)
    open_data_dir = work_dir / "published" / "open_data"
    started = time.perf_counter()
    write_open_data(warehouse, open_data_dir, threshold=11)
    print(f"open data written in {time.perf_counter() - started:.1f} s")
    yield SimpleNamespace(warehouse=warehouse, open_data_dir=open_data_dir)
