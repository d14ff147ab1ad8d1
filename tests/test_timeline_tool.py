"""tools/test_timeline.py: how a suite's tests fell on the xdist workers, from the timeline conftest.py writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from observatoire.settings import REPO_ROOT


def test_each_worker_is_shown_with_its_time_in_tests_its_idle_end_and_its_longest_tests(tmp_path: Path) -> None:
    # gw0 runs 0-300 and 300-760 s; gw1 runs 0-120, 120-130 and 130-690 s: it has nothing to run for the last 70 s
    tests = [
        ("gw0", "tests/reliability/test_kill.py::test_kill", 1000, 1300),
        ("gw0", "tests/publication/test_x.py::test_quick", 1300, 1760),
        ("gw1", "tests/orchestration/test_idf.py::test_idf", 1000, 1120),
        ("gw1", "tests/dbt/test_y.py::test_tiny", 1120, 1130),
        ("gw1", "tests/orchestration/test_subsets.py::test_tracking", 1130, 1690),
    ]
    timeline = tmp_path / "timeline.jsonl"
    timeline.write_text(
        "".join(json.dumps({"worker": w, "test": t, "start": s, "end": e}) + "\n" for w, t, s, e in tests),
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "test_timeline.py"), str(timeline), "--longest", "2"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "suite: 760 s from the first test's start to the last one's end"
    assert "gw0: 2 tests, 760 s in tests, from 0 s to 760 s, then idle 0 s" in lines
    assert "gw1: 3 tests, 690 s in tests, from 0 s to 690 s, then idle 70 s" in lines
    gw1 = lines[lines.index("gw1: 3 tests, 690 s in tests, from 0 s to 690 s, then idle 70 s") + 1 :]
    # its two longest tests, in the order it ran them, with their start and duration; not the 10 s one
    assert [line.split() for line in gw1] == [
        ["0", "s", "120.0", "s", "tests/orchestration/test_idf.py::test_idf"],
        ["130", "s", "560.0", "s", "tests/orchestration/test_subsets.py::test_tracking"],
    ]
