"""`make bench PRESET=demo|idf|national|decp200k`: every stage of the warehouse on a preset, beside its baselines.

    .venv/bin/python -m benchmarks.run --preset demo [--seed 2024] [--bench-dir DIR] [--stages a,b] [--no-save]

The preset's inputs are generated once and cached under ``--bench-dir`` (default ``$OBSERVATOIRE_BENCH_DIR``,
else ``data/bench``; see :mod:`benchmarks.inputs`). Each stage then runs in a fresh child process, sampled
every 10 ms for peak RSS (:mod:`benchmarks.measure`):

1. ingestion into one warehouse: DECP JSON, DECP tabular, DECP XML, clause tracking, reference and registries,
   each dlt stage beside DuckDB's own reader making a table of the same files (``read_json`` / ``read_csv``);
2. ``dbt build`` on that warehouse, beside the SQL dbt compiled run directly by DuckDB, in dependency order,
   on a copy of the same raw warehouse;
3. the Great Expectations suites, then the publication assets;
4. the Dagster job ``full_refresh`` on a fresh warehouse with every month but the last, then the same job
   after the last month's files landed (the monthly refresh, incremental);
5. loading the Dagster code location in a fresh process (three times; the first is cold).

Preset ``decp200k`` (issue 15) runs other stages, on one 200,000-record DECP 2019 JSON file
(:func:`benchmarks.inputs.prepare_decp200k`): DuckDB's ``read_json`` + unnest (the floor), the DECP ingestion,
``dbt build --select +fct_contracts`` on what it loaded, and the two back to back on a fresh warehouse (end to
end), against the reference pipeline's figure quoted from the issue.

It prints one row per stage (wall time, rows, rows/s, peak RSS, load average), the ratios to the baselines
and the targets of issues 6 and 15, and writes the same figures to ``benchmarks/results/<preset>-<git sha>.json``.
Absolute times move with the machine's load (recorded per stage); ratios measured in the same command much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from benchmarks import measure, stages
from benchmarks.inputs import DECP200K_RECORDS, link_inbox, prepare, prepare_decp200k
from observatoire.settings import DBT_PROJECT_DIR, DEMO_MAPPINGS_DIR, REPO_ROOT

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
DECP200K = "decp200k"
STAGES = (
    "code_location",
    "decp",
    "tracking",
    "registries",
    "dbt",
    "quality",
    "publication",
    "dagster",
)
#: Targets of issue 6, tightened by issue 15 (the time targets are for the national preset on this 2-core machine):
#: DECP ingestion ≤ 1.5 × DuckDB's reader and < 2 GB; national full refresh ≤ 6 min (issue 6: 15); monthly refresh
#: ≤ 0.10 × the full one; every stage's peak RSS ≤ 4 GB (issue 15); code location < 3 s (issue 6: 5).
DECP_RATIO_TARGET = 1.5
DECP_RSS_TARGET_MB = 2048
FULL_REFRESH_TARGET_S = 6 * 60
INCREMENTAL_SHARE_TARGET = 0.10
STAGE_RSS_TARGET_MB = 4096
CODE_LOCATION_TARGET_S = 3.0
#: Issue 15, target 1: DECP file → ``fct_contracts`` on the 200,000-record file ≤ 0.7 × the reference pipeline,
#: peak RSS ≤ 1 GB. decp-processing is not installable here (not on PyPI): its figure is quoted from the issue
#: (v2.12.1, read → clean → dedup → Parquet, same file and machine, median of 3 runs, 2026-12-06).
DECP_REFERENCE_PIPELINE_S = 19.8
DECP_REFERENCE_SHARE_TARGET = 0.7
DECP_END_TO_END_RSS_TARGET_MB = 1024


@dataclass
class Row:
    stage: str
    run: measure.StageRun
    baseline_of: str | None = None

    def as_dict(self) -> dict:
        return {
            "stage": self.stage,
            "baseline_of": self.baseline_of,
            "seconds": self.run.seconds,
            "rows": self.run.rows,
            "rows_per_s": round(self.run.rows / self.run.seconds) if self.run.seconds else None,
            "peak_rss_mb": self.run.peak_rss_mb,
            "cpu_seconds": self.run.cpu_seconds,
            "load_before": self.run.load_before,
            "load_after": self.run.load_after,
            "details": self.run.output,
        }


class Bench:
    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.rows: list[Row] = []

    def run(
        self, stage: str, code: str, args: list[str], env: dict[str, str] | None = None, baseline_of: str | None = None
    ) -> Row:
        print(f"  {stage} ...", flush=True)
        row = Row(stage, measure.run_stage(stage, code, args, self.work_dir, env=env, cwd=REPO_ROOT), baseline_of)
        self.rows.append(row)
        run = row.run
        print(f"    {run.seconds} s (CPU {run.cpu_seconds} s), {run.rows} rows, {run.peak_rss_mb} MB", flush=True)
        return row

    def get(self, stage: str) -> Row | None:
        return next((r for r in self.rows if r.stage == stage), None)


def _warehouse_env(folder: Path) -> dict[str, str]:
    return {
        "OBSERVATOIRE_DATA_DIR": str(folder / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(folder / "warehouse.duckdb"),
        "DAGSTER_HOME": str(folder / "dagster_home"),
        "OBSERVATOIRE_DEMO_MODE": "1",  # generated people: pseudonyms with the published demo key
        "OBSERVATOIRE_MAPPINGS_DIR": str(DEMO_MAPPINGS_DIR),  # the generated sources' mappings
    }


def _files(folder: Path, suffix: str) -> list[str]:
    return [str(p) for p in sorted(folder.rglob(f"*{suffix}")) if p.is_file()]


def _git_revision() -> tuple[str, bool]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip()

    return git("rev-parse", "--short", "HEAD") or "unknown", bool(git("status", "--porcelain", "--untracked-files=no"))


def _dbt_parse() -> None:
    """The manifest the Dagster code location reads (``make dbt-parse``)."""
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run([str(dbt), "parse", "--profiles-dir", ".", "--quiet"], cwd=DBT_PROJECT_DIR, check=True)


def run_stages(bench: Bench, inputs_base: list[Path], month: list[Path], run_dir: Path, selected: set[str]) -> None:
    shared = run_dir / "warehouse"
    env = _warehouse_env(shared)
    link_inbox([*inputs_base, *month], shared / "data" / "inbox")
    decp_inbox = shared / "data" / "inbox" / "decp"
    tracking_inbox = shared / "data" / "inbox" / "suivi_clauses"

    if "code_location" in selected:
        for attempt in range(3):
            bench.run(f"code_location_load_{'cold' if attempt == 0 else attempt + 1}", stages.CODE_LOCATION, [], env)

    if "decp" in selected:
        json_files, csv_files, xml_files = (_files(decp_inbox, s) for s in (".json", ".csv", ".xml"))
        bench.run("decp_json_dlt", stages.DECP_DLT, json_files, env)
        bench.run("decp_json_duckdb_read_json", stages.DECP_READ_JSON, json_files, baseline_of="decp_json_dlt")
        if csv_files:
            bench.run("decp_tabular_dlt", stages.DECP_DLT, csv_files, env)
            bench.run("decp_tabular_duckdb_read_csv", stages.READ_CSV, csv_files, baseline_of="decp_tabular_dlt")
        if xml_files:
            bench.run("decp_xml_dlt", stages.DECP_DLT, xml_files, env)

    if "tracking" in selected:
        bench.run("tracking_dlt", stages.TRACKING_DLT, [], env)
        csv_files = _files(tracking_inbox, ".csv")
        bench.run("tracking_duckdb_read_csv", stages.READ_CSV, csv_files, baseline_of="tracking_dlt")

    if "registries" in selected:
        bench.run("registries_dlt", stages.REGISTRIES_DLT, [], env)

    if "dbt" in selected:
        direct = run_dir / "dbt_sql_direct"
        direct.mkdir(parents=True)
        # the same raw warehouse, under the same file name (compiled SQL names the database after the file)
        shutil.copyfile(shared / "warehouse.duckdb", direct / "warehouse.duckdb")
        target = run_dir / "dbt_target"
        bench.run("dbt_build", stages.DBT_BUILD, [str(target)], env)
        direct_env = {**_warehouse_env(direct), "OBSERVATOIRE_BUILT_WAREHOUSE": str(shared / "warehouse.duckdb")}
        bench.run(
            "dbt_models_duckdb_sql_direct",
            stages.DBT_SQL_DIRECT,
            [str(target / "manifest.json")],
            direct_env,
            baseline_of="dbt_build",
        )

    if "quality" in selected:
        bench.run("quality_checks_gx", stages.QUALITY_CHECKS, [], env)

    if "publication" in selected:
        if (REPO_ROOT / "orchestration" / "assets" / "publication.py").exists():
            bench.run("publication", stages.PUBLICATION, [], env)
        else:
            print("  publication: skipped (no publication assets in this revision)")

    if "dagster" in selected:
        refresh = run_dir / "dagster"
        link_inbox(inputs_base, refresh / "data" / "inbox")
        bench.run("dagster_full_refresh", stages.DAGSTER_FULL_REFRESH, [], _warehouse_env(refresh))
        link_inbox(month, refresh / "data" / "inbox")
        bench.run("dagster_monthly_refresh", stages.DAGSTER_FULL_REFRESH, [], _warehouse_env(refresh))


def run_decp200k(bench: Bench, decp_file: Path, run_dir: Path) -> None:
    """The stages of preset ``decp200k`` (see the module docstring)."""
    files = [str(decp_file)]
    bench.run("decp_json_duckdb_read_json", stages.DECP_READ_JSON, files, baseline_of="decp_json_dlt")
    shared, end_to_end_dir = run_dir / "warehouse", run_dir / "end_to_end"
    for folder in (shared, end_to_end_dir):  # the CPV nomenclature fct_contracts reads; not part of the timings
        bench.run(f"reference_dlt_setup_{folder.name}", stages.REFERENCE_DLT, [], _warehouse_env(folder))
    bench.run("decp_json_dlt", stages.DECP_DLT, files, _warehouse_env(shared))
    select = ["--select", "+fct_contracts"]
    target = _dbt_target(run_dir / "dbt_target", _warehouse_env(shared))
    bench.run("dbt_build_fct_contracts", stages.DBT_BUILD, [target, *select], _warehouse_env(shared))
    end_to_end = [_dbt_target(run_dir / "end_to_end_target", _warehouse_env(end_to_end_dir)), *files]
    bench.run("decp_to_fct_contracts", stages.DECP_TO_CONTRACTS, end_to_end, _warehouse_env(end_to_end_dir))


def _dbt_target(folder: Path, env: dict[str, str]) -> str:
    """A dbt target folder holding a partial parse made for the stage's warehouse (dbt re-parses the project
    when the profile changed, and the warehouse path is in it), as ``dbt_project/target`` holds one between
    two refreshes: the benchmarked ``dbt build`` then starts as a refresh does."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "parse", "--profiles-dir", ".", "--quiet", "--target-path", str(folder)]
    subprocess.run(command, cwd=DBT_PROJECT_DIR, env={**os.environ, **env}, check=True)
    return str(folder)


def _ratio(row: Row, baseline: Row) -> dict:
    return {
        "stage": row.stage,
        "baseline": baseline.stage,
        "time_ratio": round(row.run.seconds / baseline.run.seconds, 2) if baseline.run.seconds else None,
        "cpu_ratio": round(row.run.cpu_seconds / baseline.run.cpu_seconds, 2) if baseline.run.cpu_seconds else None,
        "rss_ratio": round(row.run.peak_rss_mb / baseline.run.peak_rss_mb, 2) if baseline.run.peak_rss_mb else None,
    }


def ratios(bench: Bench) -> list[dict]:
    out = []
    for row in bench.rows:
        if row.baseline_of and (measured := bench.get(row.baseline_of)):
            out.append(_ratio(measured, row))
    end_to_end, floor = bench.get("decp_to_fct_contracts"), bench.get("decp_json_duckdb_read_json")
    if end_to_end and floor:
        out.append(_ratio(end_to_end, floor))
    full, monthly = bench.get("dagster_full_refresh"), bench.get("dagster_monthly_refresh")
    if full and monthly:
        out.append(_ratio(monthly, full))
    return out


def targets(bench: Bench, ratio_rows: list[dict]) -> list[dict]:
    out = []

    def target(name: str, value: float | None, limit: float, unit: str) -> None:
        if value is not None:
            out.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": value <= limit})

    for r in ratio_rows:
        if r["stage"] in ("decp_json_dlt", "decp_tabular_dlt"):
            target(f"{r['stage']} time / DuckDB baseline", r["time_ratio"], DECP_RATIO_TARGET, "×")
    for stage in ("decp_json_dlt", "decp_tabular_dlt", "decp_xml_dlt"):
        if row := bench.get(stage):
            target(f"{stage} peak RSS", row.run.peak_rss_mb, DECP_RSS_TARGET_MB, "MB")
    if full := bench.get("dagster_full_refresh"):
        target("full refresh through Dagster", full.run.seconds, FULL_REFRESH_TARGET_S, "s")
    for r in ratio_rows:
        if r["stage"] == "dagster_monthly_refresh":
            target("monthly refresh / full refresh", r["time_ratio"], INCREMENTAL_SHARE_TARGET, "×")
    for row in bench.rows:
        if row.stage.startswith("code_location_load"):
            target(row.stage, row.run.seconds, CODE_LOCATION_TARGET_S, "s")
    for row in bench.rows:
        if row.baseline_of is None and not row.stage.startswith("decp_"):  # DECP ingestion: 2 GB, above
            target(f"{row.stage} peak RSS", row.run.peak_rss_mb, STAGE_RSS_TARGET_MB, "MB")
    if end_to_end := bench.get("decp_to_fct_contracts"):
        seconds, share = end_to_end.run.seconds, round(end_to_end.run.seconds / DECP_REFERENCE_PIPELINE_S, 2)
        name = f"DECP file → fct_contracts {seconds} s / reference pipeline {DECP_REFERENCE_PIPELINE_S} s (issue 15)"
        target(name, share, DECP_REFERENCE_SHARE_TARGET, "×")
        target("DECP file → fct_contracts peak RSS", end_to_end.run.peak_rss_mb, DECP_END_TO_END_RSS_TARGET_MB, "MB")
    return out


def print_report(title: str, bench: Bench, ratio_rows: list[dict], target_rows: list[dict]) -> None:
    print(f"\n{title}")
    header = f"{'stage':<34} {'seconds':>9} {'CPU s':>8} {'rows':>11} {'rows/s':>9} {'peak RSS MB':>12} {'load':>11}"
    print(header)
    print("-" * len(header))
    for row in bench.rows:
        r = row.as_dict()
        name = ("  vs " if row.baseline_of else "") + row.stage
        load = f"{r['load_before']:.1f}→{r['load_after']:.1f}"
        print(
            f"{name:<34} {r['seconds']:>9} {r['cpu_seconds']:>8} {r['rows']:>11} {r['rows_per_s'] or '':>9} "
            f"{r['peak_rss_mb']:>12} {load:>11}"
        )
        for line in r["details"]:
            print(f"{'':<6}{line}")
    if ratio_rows:
        print("\nRatios (measured in this run)")
        for r in ratio_rows:
            print(
                f"  {r['stage']} / {r['baseline']}: time ×{r['time_ratio']}, CPU ×{r['cpu_ratio']}, "
                f"peak RSS ×{r['rss_ratio']}"
            )
    if target_rows:
        print("\nTargets (issues 6 and 15)")
        for t in target_rows:
            print(f"  {'met    ' if t['met'] else 'NOT MET'} {t['target']}: {t['value']} {t['unit']} (≤ {t['limit']})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=("demo", "idf", "national", DECP200K), default="demo")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=Path(os.environ.get("OBSERVATOIRE_BENCH_DIR", REPO_ROOT / "data" / "bench")),
        help="where generated inputs are cached and stages run (default $OBSERVATOIRE_BENCH_DIR or data/bench)",
    )
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {', '.join(STAGES)}")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/*.json")
    args = parser.parse_args(argv)
    selected = set(args.stages.split(","))
    unknown = selected - set(STAGES)
    if unknown:
        parser.error(f"unknown stage(s) {', '.join(sorted(unknown))}; choose among {', '.join(STAGES)}")

    bench_dir = args.bench_dir.resolve()
    print(f"Inputs of preset {args.preset} (seed {args.seed}), cached under {bench_dir} ...", flush=True)
    if args.preset == DECP200K:
        decp_file = prepare_decp200k(bench_dir)
        summary = {
            "preset": DECP200K,
            "file": decp_file.name,
            "records": DECP200K_RECORDS,
            "bytes": decp_file.stat().st_size,
        }
    else:
        inputs = prepare(args.preset, args.seed, bench_dir)
        summary = inputs.summary()
    run_dir = bench_dir / "runs" / args.preset
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    _dbt_parse()
    revision, dirty = _git_revision()
    started = dt.datetime.now(dt.UTC)
    bench = Bench(run_dir / "stages")
    print(f"Stages (work folder {run_dir}):", flush=True)
    if args.preset == DECP200K:
        run_decp200k(bench, decp_file, run_dir)
    else:
        run_stages(bench, [inputs.base], [inputs.increment], run_dir, selected)
    ratio_rows = ratios(bench)
    target_rows = targets(bench, ratio_rows)
    title = (
        f"Benchmark {args.preset} (seed {args.seed}), git {revision}{' + uncommitted changes' if dirty else ''}, "
        f"{os.cpu_count()} CPUs, {started:%Y-%m-%d %H:%M} UTC"
    )
    print_report(title, bench, ratio_rows, target_rows)
    if not args.no_save:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{args.preset}-{revision}.json"
        result = {
            "preset": args.preset,
            "seed": args.seed,
            "git_revision": revision,
            "uncommitted_changes": dirty,
            "started_utc": started.isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "inputs": summary,
            "stages": [row.as_dict() for row in bench.rows],
            "ratios": ratio_rows,
            "targets": target_rows,
        }
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"\nFigures written to {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
