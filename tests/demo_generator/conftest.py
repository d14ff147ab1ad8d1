"""Generated data sets shared by the demo generator tests (generated once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for path in (ROOT, HERE):  # the package lives at the repo root; dg_files.py beside this file
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from demo_generator import generate  # noqa: E402


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_2024")
    generate("demo", 2024, out)
    return out


@pytest.fixture(scope="session")
def idf_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("idf_2024")
    generate("idf", 2024, out)
    return out
