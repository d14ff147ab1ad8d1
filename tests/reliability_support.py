"""Helpers of the tests that run the product's refresh in a subprocess (tests/reliability/refresh_job.py or the
demo command): new input files, what the warehouse holds, a reader of the analysts' snapshot in another process.
The demo itself is built once per session by the ``demo_outputs`` fixture of tests/conftest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
from support import warehouse_env

from observatoire.settings import REPO_ROOT

REFRESH_JOB = Path(__file__).parent / "reliability" / "refresh_job.py"
#: New DECP files added after the first refresh: the generator's demo preset with another seed.
NEW_FILES_SEED = 7


def refresh_env(work_dir: Path) -> dict[str, str]:
    """Every path of the product in ``work_dir`` (dbt's per-run target folders too)."""
    return {
        **os.environ,
        **warehouse_env(work_dir),
        "DAGSTER_HOME": str(work_dir / "dagster_home"),
        "DBT_TARGET_PATH": str(work_dir / "dbt_target"),
    }


def warehouse_of(work_dir: Path) -> Path:
    return Path(warehouse_env(work_dir)["OBSERVATOIRE_WAREHOUSE"])


def start(command: list[str], work_dir: Path, log_name: str, env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """Start ``command`` in its own process group (so a test can kill it with its dbt child); ``env`` adds to
    :func:`refresh_env`."""
    log = (work_dir / f"{log_name}.log").open("w")
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**refresh_env(work_dir), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_refresh(
    work_dir: Path, log_name: str, args: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> subprocess.Popen:
    return start([sys.executable, str(REFRESH_JOB), *args], work_dir, log_name, env)


def wait_success(process: subprocess.Popen, work_dir: Path, log_name: str, timeout: int = 1500) -> str:
    process.wait(timeout=timeout)
    output = (work_dir / f"{log_name}.log").read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, f"{log_name} failed ({process.returncode}):\n{output[-6000:]}"
    return output


def run_refresh(work_dir: Path, log_name: str, args: Sequence[str] = ()) -> str:
    return wait_success(start_refresh(work_dir, log_name, args), work_dir, log_name)


class DbtLog:
    """dbt's JSON log of the next dbt invocation (dagster-dbt writes one folder per invocation under
    DBT_TARGET_PATH; the folders already there belong to earlier runs). dbt reports reusing its saved parse at
    level debug, and the refresh logs at level info: start the run with ``DbtLog.DEBUG`` in its environment to
    call :meth:`partial_parse_reused`."""

    DEBUG = {"DBT_LOG_LEVEL_FILE": "debug"}

    def __init__(self, work_dir: Path) -> None:
        self.folder = work_dir / "dbt_target"
        self.earlier = set(self.folder.glob("*/dbt.log*"))

    def events(self) -> list[dict]:
        events = []
        for path in set(self.folder.glob("*/dbt.log*")) - self.earlier:  # dbt rotates it at 10 MB: dbt.log.1
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("{"):
                    try:
                        events.append(json.loads(line))
                    except json.JSONDecodeError:  # the line being written
                        continue
        return events

    def created(self, model: str) -> bool:
        """Whether dbt reported ``model`` built (its table committed)."""
        return any(
            e["info"]["name"] == "LogModelResult"
            and e["data"].get("status") == "OK"
            and e["data"]["node_info"]["node_name"] == model
            for e in self.events()
        )

    def parse_events(self) -> list[str]:
        """dbt's messages about reusing its saved parse of the project."""
        names = ("UnableToPartialParse", "PartialParsingEnabled", "PartialParsingNotEnabled", "ParsedFileLoadFailed")
        return [f"{e['info']['name']}: {e['info']['msg']}" for e in self.events() if e["info"]["name"] in names]

    def partial_parse_reused(self) -> bool:
        """Whether dbt loaded a saved parse and did not have to parse the whole project again."""
        names = {e["info"]["name"] for e in self.events()}
        return (
            "UnableToPartialParse" not in names
            and "ParsedFileLoadFailed" not in names
            and bool(names & {"PartialParsingEnabled", "PartialParsingSkipParsing"})
        )

    def finished(self) -> bool:
        return any(e["info"]["name"] in ("EndOfRunSummary", "CommandCompleted") for e in self.events())


def add_new_decp_files(work_dir: Path) -> list[Path]:
    """Drop new DECP files (generated, another seed) into the inbox, as a buyer's monthly publication."""
    from demo_generator import generate

    generated = work_dir / f"seed_{NEW_FILES_SEED}"
    generate(preset="demo", seed=NEW_FILES_SEED, out=generated)
    inbox = work_dir / "data" / "inbox" / "decp" / f"new_seed_{NEW_FILES_SEED}"
    inbox.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted((generated / "decp").iterdir()):
        copied.append(Path(shutil.copyfile(source, inbox / source.name)))
    return copied


def mart_checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every mart, without the load-id columns (a clean load
    and an incremental one give the same rows different load ids)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set search_path = 'marts,audit'")
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema in ('marts', 'audit') "
            "and column_name not like '%load_id' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(f'"{column}"')
        return {
            table: con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f"from (select md5(row({', '.join(names)})::varchar) as h from {table})"
            ).fetchone()
            for table, names in columns.items()
        }


def table_counts(warehouse: Path, schemas: Iterable[str]) -> dict[str, int]:
    """Rows of every base table of ``schemas`` (dlt's bookkeeping tables excluded)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema in (select unnest(?)) and table_name not like '\\_dlt%' "
            "escape '\\' order by 1",
            [list(schemas)],
        ).fetchall()
        return {name: con.execute(f"select count(*) from {name}").fetchone()[0] for (name,) in tables}


@dataclass(frozen=True)
class DemoOutputs:
    """`make demo`'s command run once in ``work_dir`` (the kill test goes on from there), and a copy of what it
    built in ``copy_dir`` for the tests that only read (or plant identifiers in a copy of their own). The demo
    refreshed over ``previous_snapshot`` (a copy of it, as published before the demo) while a separate process
    queried it in a loop, one line per attempt in ``snapshot_reads`` (see ``querying_in_a_loop``)."""

    folder: Path

    @property
    def work_dir(self) -> Path:
        return self.folder / "work"

    @property
    def copy_dir(self) -> Path:
        return self.folder / "copy"

    @property
    def previous_snapshot(self) -> Path:
        return self.folder / "previous_snapshot.duckdb"

    @property
    def snapshot_reads(self) -> Path:
        return self.folder / "snapshot_reads.jsonl"

    @cached_property
    def marts(self) -> dict[str, tuple[int, str]]:
        """The marts as the demo left them (read from the copy: the kill test changes the work folder)."""
        return mart_checksums(self.warehouse)

    @property
    def output(self) -> str:
        """What the demo command printed."""
        return (self.copy_dir / "demo.log").read_text(encoding="utf-8", errors="replace")

    @property
    def warehouse(self) -> Path:
        return warehouse_of(self.copy_dir)

    @property
    def published(self) -> Path:
        return self.copy_dir / "data" / "published"

    @property
    def inbox(self) -> Path:
        return self.copy_dir / "data" / "inbox"


#: A separate process querying the snapshot in a loop until the stop file exists; one JSON line per attempt.
READER_LOOP = r"""
import json, sys, time
from pathlib import Path
import duckdb

snapshot, log, stop, pause = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), float(sys.argv[4])
with log.open("w") as out:
    while not stop.exists():
        try:
            with duckdb.connect(str(snapshot), read_only=True) as con:
                published, tables = con.execute(
                    "select max(published_at)::varchar, count(*) from snapshot_info"
                ).fetchone()
                contracts = con.execute("select count(*) from marts.fct_contracts").fetchone()[0]
            out.write(json.dumps({"ok": True, "published_at": published, "tables": tables, "contracts": contracts}))
        except Exception as exc:
            out.write(json.dumps({"ok": False, "error": repr(exc)}))
        out.write("\n")
        out.flush()
        time.sleep(pause)
"""


@contextmanager
def querying_in_a_loop(snapshot: Path, log: Path, pause: float) -> Iterator[None]:
    """A separate process queries the analysts' ``snapshot`` in a loop, ``pause`` seconds apart, while the block
    runs: one JSON line per attempt in ``log`` (``read_log``), with ``ok``, ``published_at`` and ``contracts``."""
    stop = log.with_name(f"{log.name}.stop")
    reader = subprocess.Popen([sys.executable, "-c", READER_LOOP, str(snapshot), str(log), str(stop), str(pause)])
    try:
        yield
    finally:
        stop.touch()
        reader.wait(timeout=60)


def read_log(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
