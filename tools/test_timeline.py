"""How the test suite's time falls on the xdist workers, from the timeline the tests write when
OBSERVATOIRE_TEST_TIMELINE names a file (tests/conftest.py):

    OBSERVATOIRE_TEST_TIMELINE=/tmp/timeline.jsonl make test
    python tools/test_timeline.py /tmp/timeline.jsonl

prints, for each worker, how long it spent in tests, when it ended its last one and how long it then had nothing
left to run while the other worked, and its longest tests in the order it ran them.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path


def report(path: Path, longest: int = 12) -> None:
    """Print the timeline of ``path`` by worker (see the module's docstring)."""
    runs = defaultdict(list)
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        runs[record["worker"]].append(record)
    first = min(r["start"] for records in runs.values() for r in records)
    last = max(r["end"] for records in runs.values() for r in records)
    print(f"suite: {last - first:.0f} s from the first test's start to the last one's end")
    for worker, records in sorted(runs.items()):
        records.sort(key=lambda r: r["start"])
        busy = sum(r["end"] - r["start"] for r in records)
        end = records[-1]["end"] - first
        print(
            f"\n{worker}: {len(records)} tests, {busy:.0f} s in tests, from {records[0]['start'] - first:.0f} s"
            f" to {end:.0f} s, then idle {last - first - end:.0f} s"
        )
        threshold = sorted((r["end"] - r["start"] for r in records), reverse=True)[:longest][-1]
        for r in records:
            if r["end"] - r["start"] >= threshold:
                print(f"  {r['start'] - first:6.0f} s  {r['end'] - r['start']:6.1f} s  {r['test']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("timeline", type=Path, help="the file OBSERVATOIRE_TEST_TIMELINE named")
    parser.add_argument("--longest", type=int, default=12, help="how many of each worker's longest tests to list")
    arguments = parser.parse_args()
    report(arguments.timeline, arguments.longest)
