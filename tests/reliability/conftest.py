"""Fixtures of the reliability tests: the demo built once by `python -m observatoire.demo`; its outputs are
what the personal-data audit and the quality page are checked on, and the kill test goes on from it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:  # reliability_support.py, the helpers of these tests, lives beside this file
    sys.path.insert(0, str(HERE))

from reliability_support import DemoOutputs, mart_checksums, start, wait_success, warehouse_of  # noqa: E402


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory: pytest.TempPathFactory) -> DemoOutputs:
    work_dir = tmp_path_factory.mktemp("reliability")
    wait_success(start([sys.executable, "-m", "observatoire.demo"], work_dir, "demo"), work_dir, "demo")
    copy_dir = tmp_path_factory.mktemp("demo_outputs")
    shutil.copytree(work_dir, copy_dir, dirs_exist_ok=True, symlinks=True)
    return DemoOutputs(work_dir, copy_dir, mart_checksums(warehouse_of(work_dir)))
