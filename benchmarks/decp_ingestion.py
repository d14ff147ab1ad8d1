"""DECP ingestion benchmark on given files: the project's dlt source beside DuckDB's own reader, same run.

    .venv/bin/python -m benchmarks.decp_ingestion [FILE ...] [--json OUT]

The stages are those of ``make bench`` (:mod:`benchmarks.stages`), on any files: JSON files against
``read_json``, CSV files against ``read_csv``, each stage in a fresh child process (so peak RSS is its own).
Prints wall time, CPU time, records, records/s and peak RSS per stage, and the ratios to the baselines.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchmarks import measure, stages
from observatoire.settings import DEMO_DATA_DIR

DEFAULT_FILE = DEMO_DATA_DIR / "decp/real_2019_format/decp-json_marches-publics.info_2019-03-07.json"


def run_stage(name: str, code: str, files: list[Path], work_dir: Path) -> dict[str, float | int | str]:
    run = measure.run_stage(name, code, [str(f) for f in files], work_dir)
    return {
        "stage": name,
        "seconds": run.seconds,
        "cpu_seconds": run.cpu_seconds,
        "records": run.rows,
        "records_per_s": round(run.rows / run.seconds),
        "peak_rss_mb": run.peak_rss_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    files = [f.resolve() for f in args.files]
    pairs = [
        ("json", [f for f in files if f.suffix.lower() == ".json"], stages.DECP_READ_JSON, "duckdb read_json"),
        ("csv", [f for f in files if f.suffix.lower() == ".csv"], stages.READ_CSV, "duckdb read_csv"),
    ]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, selected, baseline_code, baseline_name in pairs:
            if selected:
                baseline = run_stage(f"{baseline_name} (baseline)", baseline_code, selected, Path(tmp))
                measured = run_stage(f"dlt DECP source ({kind})", stages.DECP_DLT, selected, Path(tmp))
                results += [baseline, {**measured, "ratio": round(measured["seconds"] / baseline["seconds"], 2)}]
    print(f"DECP ingestion of {', '.join(f.name for f in files)} ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    header = ("stage", "seconds", "CPU s", "records", "records/s", "peak RSS MB", "× baseline")
    print("{:<30} {:>8} {:>7} {:>9} {:>10} {:>12} {:>11}".format(*header))
    for row in results:
        print(
            f"{row['stage']:<30} {row['seconds']:>8} {row['cpu_seconds']:>7} {row['records']:>9} "
            f"{row['records_per_s']:>10} {row['peak_rss_mb']:>12} {row.get('ratio', 1.0):>11.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
