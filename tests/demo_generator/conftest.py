"""Generated data sets shared by the demo generator tests (generated once per session; the idf preset, which
the idf end-to-end test uses too, is ``idf_preset`` in tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # dg_files.py, the file readers of these tests, lives beside this file
    sys.path.insert(0, str(HERE))

from demo_generator import generate  # noqa: E402


@pytest.fixture(scope="session")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_2024")
    generate("demo", 2024, out)
    return out
