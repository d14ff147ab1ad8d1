"""Running one benchmark stage in a fresh child process, measuring wall time and peak RSS (psutil, 10 ms)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class StageRun:
    seconds: float
    rows: int  # the last line the stage printed
    peak_rss_mb: int


def run_stage(name: str, code: str, args: list[str], work_dir: Path) -> StageRun:
    """Run ``code`` with ``args`` in its own process and warehouse under ``work_dir/name``."""
    env = {
        **os.environ,
        "OBSERVATOIRE_DATA_DIR": str(work_dir / name / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(work_dir / name / "warehouse.duckdb"),
        "RUNTIME__LOG_LEVEL": "WARNING",
    }
    (work_dir / name).mkdir(parents=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    watched = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.01)
    stdout, stderr = process.communicate()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"stage {name} failed:\n{stderr[-3000:]}")
    return StageRun(round(elapsed, 2), int(stdout.strip().splitlines()[-1]), round(peak / 1024**2))
