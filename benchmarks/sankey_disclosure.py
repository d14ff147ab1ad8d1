"""Time the statistical-secrecy protection of the Sankey table (parcours_beneficiaires) on a built warehouse.

    PYTHONPATH=$PWD .venv/bin/python -m benchmarks.sankey_disclosure WAREHOUSE [--save MASK.npy] [--compare MASK.npy]

The table and its groups are built as open_data builds them (read-only on the warehouse), then only
:func:`observatoire.publication.disclosure.protect` is timed; it prints the wall time, the peak RSS of the process
and the number of masked cells. ``--save`` writes the mask (one boolean per published row) so that another version
of the code can be checked to mask exactly the same cells (``--compare``).
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import duckdb
import numpy as np

from observatoire.publication import disclosure, open_data
from observatoire.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    options = parser.parse_args()

    captured: dict = {}

    def capture(frame, **kwargs):  # stands in for protect() while the table is built
        captured.update(frame=frame, **kwargs)
        result = frame.loc[~frame[kwargs["hidden"]]].drop(columns=kwargs["hidden"]) if kwargs.get("hidden") else frame
        return result.assign(**{disclosure.SECRET_COLUMN: False})

    open_data.protect = capture
    with duckdb.connect(str(options.warehouse), read_only=True) as con:
        open_data._paths(con, open_data._Geography.load(con), load_settings().secrecy_threshold)
    frame = captured.pop("frame")
    groups = sum(len(list(column_groups)) for column_groups in captured["groups"].values())
    print(f"parcours_beneficiaires: {len(frame)} rows, {groups} groups")

    start = time.perf_counter()
    result = disclosure.protect(frame, **captured)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mask = result[disclosure.SECRET_COLUMN].to_numpy(dtype=bool)
    print(f"protect: {elapsed:.1f} s, peak RSS {peak:.0f} MiB, {int(mask.sum())} masked of {mask.size}")
    if options.save:
        np.save(options.save, mask)
    if options.compare:
        reference = np.load(options.compare)
        differing = np.flatnonzero(reference != mask)
        print(f"same mask as {options.compare}: {differing.size == 0} ({differing.size} rows differ)")


if __name__ == "__main__":
    main()
