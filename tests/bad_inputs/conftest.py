"""One warehouse for the whole bad-input corpus: every DECP and tracking case is written into one inbox, each source
is loaded by its dlt source twice (the second run must load nothing), the reference data once, and one dbt build
makes the marts the cases are checked against."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb
import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the case catalogues live beside this file
    sys.path.insert(0, str(HERE))

import decp_cases  # noqa: E402
import registry_cases  # noqa: E402
import tracking_cases  # noqa: E402
from corpus import Corpus  # noqa: E402
from support import run_dbt, warehouse_env  # noqa: E402

HMAC_KEY = "bad-inputs-corpus-key-not-secret-0123"
RAW_TABLES = {
    "raw_decp": ("decp_records", "decp_tabular_rows"),
    "raw_suivi_clauses": (
        "operations", "marches", "entreprises", "participants", "contrats_travail", "heures", "sorties",
        "tracking_rejects",
    ),
}  # fmt: skip


def _raw_rows(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        existing = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
        return {
            f"{schema}.{table}": con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
            for schema, tables in RAW_TABLES.items()
            for table in tables
            if (schema, table) in existing
        }


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    started = time.perf_counter()
    work_dir = tmp_path_factory.mktemp("bad_inputs")
    env = {**warehouse_env(work_dir), "OBSERVATOIRE_HMAC_KEY": HMAC_KEY}
    corpus = Corpus(
        work_dir=work_dir,
        warehouse=Path(env["OBSERVATOIRE_WAREHOUSE"]),
        decp_inbox=work_dir / "data" / "inbox" / "decp",
        tracking_inbox=work_dir / "data" / "inbox" / "suivi_clauses",
    )
    mappings = work_dir / "mappings"
    corpus.decp_inbox.mkdir(parents=True)
    mappings.mkdir()
    for case in decp_cases.CASES:
        case.build(corpus.decp_inbox)
    for index, case in enumerate(tracking_cases.CASES, start=1):
        folder = corpus.tracking_inbox / case.id
        folder.mkdir(parents=True)
        case.build(folder, mappings, index)
    corpus.seconds["build inputs"] = time.perf_counter() - started

    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
        from dlt_sources.decp import decp_source
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source
        from dlt_sources.suivi_clauses import suivi_clauses_source

        for family, make_source in (
            ("decp", lambda: decp_source(paths=[str(corpus.decp_inbox)])),
            (
                "suivi_clauses",
                lambda: suivi_clauses_source(inbox=str(corpus.tracking_inbox), mappings_dir=str(mappings)),
            ),
        ):
            for run in (1, 2):
                step = time.perf_counter()
                info = warehouse_pipeline(family).run(make_source())
                corpus.loads.setdefault(family, []).append(info.loads_ids[0] if info.loads_ids else "")
                for table, rows in _raw_rows(corpus.warehouse).items():
                    if table.startswith(f"raw_{family}."):
                        corpus.raw_rows.setdefault(table, []).append(rows)
                corpus.seconds[f"dlt {family} run {run}"] = time.perf_counter() - step
        step = time.perf_counter()
        warehouse_pipeline("reference").run(reference_source())
        registry_cases.load_flagged_lists(work_dir)
        corpus.seconds["dlt reference and registries"] = time.perf_counter() - step

    step = time.perf_counter()
    run_dbt(
        [
            "build",
            "--select",
            "+path:models/*/decp",
            "+path:models/*/clauses",
            "path:models/staging/registries",
        ],
        {**os.environ, **env},
        work_dir,
    )
    corpus.seconds["dbt build"] = time.perf_counter() - step
    corpus.seconds["total"] = time.perf_counter() - started
    print("bad-input corpus:", {name: round(value, 1) for name, value in corpus.seconds.items()})
    return corpus
