"""Publication and quality steps on synthetic warehouses of any size, built in DuckDB (issue 15).

    .venv/bin/python -m benchmarks.synthetic snapshot [--rows 10000000] [--work-dir DIR]
    .venv/bin/python -m benchmarks.synthetic gx [--rows 5000000] [--work-dir DIR]

``snapshot``: a warehouse whose ``marts`` hold a person-level fact of ``--rows`` rows (with the export-line columns
the snapshot drops), a contracts fact of a tenth of that and a small dimension, commented as dbt persists its
descriptions; then the analysts' snapshot (:func:`observatoire.publication.snapshot.publish_snapshot`, 102 s at the
national scale in the issue).

``gx``: a ``marts.fct_insertion_hours`` of ``--rows`` rows (the suite's columns, 1 % out of range, 1 % without
contract), validated by its Great Expectations suite with ``batch_rows`` larger than the table (one frame, as
before issue 15: 7.3 GB at the national scale) then with the default :data:`expectations.runner.BATCH_ROWS`;
both must report the same unexpected counts.

Each step runs in a fresh child process measured as a ``make bench`` stage (wall time, CPU, peak RSS). The
warehouse is built once per ``--work-dir`` and reused. Run a step with ``PYTHONPATH`` on another checkout to
measure that checkout's code on the same warehouse.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import textwrap
from pathlib import Path

import duckdb

from benchmarks import measure

PUBLISH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from observatoire.publication.snapshot import publish_snapshot, snapshot_tables
    snapshot = publish_snapshot(Path(sys.argv[1]), Path(sys.argv[2]))
    print(sum(snapshot_tables(snapshot).values()))
    """
)


VALIDATE = textwrap.dedent(
    """
    import sys
    from expectations.runner import BATCH_ROWS, validate_table
    batch_rows = int(sys.argv[2]) or BATCH_ROWS
    report = validate_table(sys.argv[1], "marts.fct_insertion_hours", batch_rows=batch_rows)
    print("detail: unexpected counts " + ", ".join(str(r.unexpected_count) for r in report.results))
    print(report.row_count)
    """
)


def snapshot_warehouse(rows: int) -> list[str]:
    """The statements building the ``snapshot`` warehouse."""
    comments = [
        f"comment on table marts.{t} is 'Table synthétique {t}.'" for t in ("fct_hours", "fct_contracts", "dim")
    ]
    return [
        f"""
        create table marts.fct_hours as
        select md5(i::varchar) as beneficiary_key, i // 12 as contract_key,
               date '2015-01-01' + to_months((i % 120)::integer) as month_date,
               (i % 151) + 0.5 as hours, 'heures_' || (i % 40) || '.csv' as source_file, i as line_number,
               ['75', '77', '78', '91', '92', '93', '94', '95'][1 + i % 8] as departement_code
        from range({rows}) as t(i)
        """,
        f"""
        create table marts.fct_contracts as
        select md5('c' || i) as contract_key, 'objet du marché n° ' || i as contract_object,
               (i * 7919) % 1000000 / 3.0 as amount_eur, i % 3 = 0 as has_social_clause
        from range({rows // 10}) as t(i)
        """,
        "create table marts.dim as select i as code, 'libellé ' || i as label from range(100) t(i)",
        *comments,
        "comment on column marts.fct_hours.hours is 'Heures d''insertion du mois.'",
    ]


def hours_warehouse(rows: int) -> list[str]:
    """The statements building the ``gx`` warehouse."""
    return [
        f"""
        create table marts.fct_insertion_hours as
        select md5(i::varchar) as beneficiary_key,
               case when i % 100 = 1 then null else md5('c' || (i // 30)) end as tracked_contract_key,
               date '2015-01-01' + to_months((i % 120)::integer) as month_date,
               case when i % 100 = 2 then 400.0 else (i % 151) + 0.5 end as hours
        from range({rows}) as t(i)
        """
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("snapshot", "gx"))
    parser.add_argument("--rows", type=int)
    parser.add_argument("--work-dir", type=Path)
    args = parser.parse_args()
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix=f"synthetic-{args.step}-"))
    warehouse = work_dir / "warehouse.duckdb"
    if args.step == "snapshot":
        statements = snapshot_warehouse(args.rows or 10_000_000)
        runs = [("publish_snapshot", PUBLISH, [str(warehouse), str(work_dir / "snapshot")])]
    else:
        statements = hours_warehouse(args.rows or 5_000_000)
        runs = [
            (name, VALIDATE, [str(warehouse), str(batch)])
            for name, batch in (("gx_one_frame", 2**62), ("gx_batches", 0))  # 0: the default
        ]
    if not warehouse.exists():
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema marts")
            for statement in statements:
                con.execute(statement)
    for name, code, stage_args in runs:
        for stale in (name, "snapshot"):  # a previous run's output
            shutil.rmtree(work_dir / stale, ignore_errors=True)
        run = measure.run_stage(name, code, stage_args, work_dir)
        print(
            f"{name} on {warehouse} ({warehouse.stat().st_size / 1e6:.0f} MB): {run.seconds} s, "
            f"CPU {run.cpu_seconds} s, {run.rows} rows, peak RSS {run.peak_rss_mb} MB, "
            f"load {run.load_before}→{run.load_after}" + "".join(f"; {line}" for line in run.output)
        )


if __name__ == "__main__":
    main()
