"""DECP ingestion benchmark: the project's dlt source against DuckDB's own JSON reader, same file, same run.

    .venv/bin/python -m benchmarks.decp_ingestion [FILE ...] [--json OUT]

Each stage runs in a fresh child process (so peak RSS is its own), sampled every 10 ms with psutil.
Prints wall time, records, records/s and peak RSS per stage, and the ratio to the DuckDB baseline.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
from pathlib import Path

from benchmarks import measure
from observatoire.settings import DEMO_DATA_DIR

DEFAULT_FILE = DEMO_DATA_DIR / "decp/real_2019_format/decp-json_marches-publics.info_2019-03-07.json"

DLT_STAGE = textwrap.dedent(
    """
    import sys
    from dlt_sources.decp import decp_source
    from dlt_sources.pipelines import warehouse_pipeline
    warehouse_pipeline("decp").run(decp_source(paths=sys.argv[1:]))
    import duckdb
    with duckdb.connect(__import__("os").environ["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
        print(con.execute("select count(*) from raw_decp.decp_records").fetchone()[0])
    """
)

DUCKDB_STAGE = textwrap.dedent(
    """
    import os, sys, duckdb
    con = duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"])
    files = sys.argv[1:]
    total = 0
    for i, path in enumerate(files):
        con.execute(
            f"create or replace table records_{i} as select unnest(marches) as record "
            f"from read_json('{path}', maximum_object_size = 2147483647)"
        )
        total += con.execute(f"select count(*) from records_{i}").fetchone()[0]
    print(total)
    """
)


def run_stage(name: str, code: str, files: list[Path], work_dir: Path) -> dict[str, float | int | str]:
    run = measure.run_stage(name, code, [str(f) for f in files], work_dir)
    return {
        "stage": name,
        "seconds": run.seconds,
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
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(tmp)
        results = [
            run_stage("duckdb_read_json (baseline)", DUCKDB_STAGE, files, work_dir),
            run_stage("dlt DECP source", DLT_STAGE, files, work_dir),
        ]
    baseline = results[0]["seconds"]
    print(f"DECP ingestion of {', '.join(f.name for f in files)} ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB)")
    print(f"{'stage':<30} {'seconds':>8} {'records':>9} {'records/s':>10} {'peak RSS MB':>12} {'× baseline':>11}")
    for row in results:
        ratio = row["seconds"] / baseline if baseline else float("nan")
        print(
            f"{row['stage']:<30} {row['seconds']:>8} {row['records']:>9} {row['records_per_s']:>10} "
            f"{row['peak_rss_mb']:>12} {ratio:>11.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
