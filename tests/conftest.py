"""Shared fixtures: isolated warehouses built by the real dlt sources and the real dbt project."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import load_decp, run_dbt, warehouse_env

BuildWarehouse = Callable[[str, list[Path]], Path]


@pytest.fixture(scope="session")
def build_decp_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuildWarehouse]:
    """Factory: a warehouse with these DECP files loaded and the DECP marts built (cached by name)."""
    built: dict[str, Path] = {}

    def build(name: str, files: list[Path]) -> Path:
        if name not in built:
            work_dir = tmp_path_factory.mktemp(f"decp_{name}")
            warehouse = load_decp(files, work_dir, with_reference=True)
            run_dbt(
                ["build", "--select", "+path:models/marts/decp"], {**os.environ, **warehouse_env(work_dir)}, work_dir
            )
            built[name] = warehouse
        return built[name]

    yield build
