"""Running one benchmark stage in a fresh child process, measuring wall time and peak RSS (psutil, 10 ms).

Peak RSS is the largest sum of the resident memory of the process and its children (dbt and the Dagster
runs start subprocesses) seen at one sampling instant. CPU time (user + system, of the stage and the
children it waits for) is recorded beside wall time, with the machine's load average before and after:
on a shared machine absolute times vary with the load; CPU time, and ratios to a baseline run in the same
command, much less.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


@dataclass(frozen=True)
class StageRun:
    seconds: float
    rows: int  # the last line the stage printed
    peak_rss_mb: int
    cpu_seconds: float = 0.0  # user + system time of the process and the children it waited for
    load_before: float = 0.0  # 1-minute load average when the stage started
    load_after: float = 0.0
    output: list[str] = field(default_factory=list)  # the lines printed as "detail: ..." (prefix removed)


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_stage(
    name: str,
    code: str,
    args: list[str],
    work_dir: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> StageRun:
    """Run ``code`` with ``args`` in its own process.

    By default the stage gets its own data folder and warehouse under ``work_dir/name``; ``env`` replaces
    those variables (stages that work on a shared warehouse pass its paths)."""
    stage_env = env or {
        "OBSERVATOIRE_DATA_DIR": str(work_dir / name / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(work_dir / name / "warehouse.duckdb"),
    }
    (work_dir / name).mkdir(parents=True, exist_ok=env is not None)
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Output goes to files, not pipes: a chatty child (dbt, Dagster logs) would block on a full pipe.
    out_path, err_path = work_dir / name / "stdout.txt", work_dir / name / "stderr.txt"
    started = time.perf_counter()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env={**os.environ, "RUNTIME__LOG_LEVEL": "WARNING", **stage_env},
            cwd=cwd,
            stdout=out,
            stderr=err,
        )
        watched = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.NoSuchProcess:
                break
            time.sleep(0.01)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    stdout = out_path.read_text(errors="replace")
    if process.returncode != 0:
        stderr = err_path.read_text(errors="replace")
        raise SystemExit(f"stage {name} failed:\n{stdout[-3000:]}\n{stderr[-5000:]}")
    lines = stdout.strip().splitlines()
    return StageRun(
        seconds=round(elapsed, 2),
        rows=int(lines[-1]),
        peak_rss_mb=round(peak / 1024**2),
        cpu_seconds=round(cpu, 2),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
        output=[line.removeprefix("detail: ") for line in lines[:-1] if line.startswith("detail: ")],
    )
