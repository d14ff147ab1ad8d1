"""Test helpers (importable as ``support``): isolated warehouses built by the real dlt sources and dbt project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from observatoire.settings import DBT_PROJECT_DIR, DEMO_DATA_DIR, DEMO_MAPPINGS_DIR

DBT = Path(sys.executable).with_name("dbt")
DECP_DEMO = DEMO_DATA_DIR / "decp"
FIXTURES = Path(__file__).parent / "fixtures"
#: Where the tests' dbt runs share their saved parse (run_dbt).
SHARED_PARSE_ENV = "OBSERVATOIRE_TESTS_DBT_PARSE"
#: DECP files of every format the snapshot tests publish (conftest.py ``snapshot_decp_warehouse``).
SNAPSHOT_DECP_FILES = [
    DECP_DEMO / "official_examples/v2.0/marches_avec_modifications.json",
    DECP_DEMO / "official_examples/v2.0/concessions_avec_modifications.json",
    FIXTURES / "decp/considerations_variants_2024.json",
    DECP_DEMO / "real_2024_format/eclaireur-public_tests_raw_2024_altered.json",
    DECP_DEMO / "real_2019_format/decp-json_data.gouv.fr_pes-json_2019-02-01_per-buyer-files.zip",
]


def run_dbt(args: list[str], env: dict[str, str], work_dir: Path) -> subprocess.CompletedProcess[str]:
    """dbt on the project, with its own target and log folders in ``work_dir`` so parallel runs do not collide.

    dbt rejects a saved parse made for another profile, and the warehouse path is part of the profile: so dbt
    runs from ``work_dir`` with the warehouse path relative to it (``warehouse.duckdb``, when the warehouse is
    there), every test's profile reads the same, and dbt starts from the parse an earlier test saved
    (``$OBSERVATOIRE_TESTS_DBT_PARSE``, set by conftest.py) instead of parsing the whole project again."""
    target = work_dir / "target"
    cwd = DBT_PROJECT_DIR
    warehouse = Path(env.get("OBSERVATOIRE_WAREHOUSE", ""))
    if warehouse.parent == work_dir:
        env, cwd = {**env, "OBSERVATOIRE_WAREHOUSE": warehouse.name}, work_dir
    shared_parse = Path(env.get(SHARED_PARSE_ENV) or os.environ.get(SHARED_PARSE_ENV) or "")
    saved_parse = target / "partial_parse.msgpack"
    if shared_parse.name and shared_parse.is_file() and not saved_parse.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_parse, saved_parse)
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(work_dir / "logs"),
    ]
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    if shared_parse.name and cwd == work_dir and "--vars" not in args and saved_parse.is_file():
        partial = shared_parse.with_name(f"{shared_parse.name}.{os.getpid()}")
        shutil.copyfile(saved_parse, partial)
        os.replace(partial, shared_parse)  # atomic: another worker may be copying it
    return result


def load_inbox(env: dict[str, str]) -> None:
    """Every dlt source of the refresh job, on the inbox of ``env`` (as the Dagster assets run them)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.decp import decp_source
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source
        from dlt_sources.registries import registry_files_source, sirene_source
        from dlt_sources.suivi_clauses import suivi_clauses_source
        from observatoire.settings import load_settings

        settings = load_settings()
        warehouse_pipeline("decp", settings).run(decp_source(paths=settings.decp_paths))
        tracking = suivi_clauses_source(inbox=str(settings.tracking_inbox), mappings_dir=str(settings.mappings_dir))
        warehouse_pipeline("suivi_clauses", settings).run(tracking)
        warehouse_pipeline("reference", settings).run(reference_source())
        registries = warehouse_pipeline("registries", settings)
        registries.run(registry_files_source(reference_dir=str(settings.reference_dir)))
        registries.run(sirene_source(registries_dir=str(settings.registries_dir)))


def build_seeds_and_models(env: dict[str, str], work_dir: Path) -> None:
    """``dbt seed`` then ``dbt run``, in one invocation (one parse of the project instead of two): the tables a
    refresh's dbt build makes, without its tests."""
    run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], {**os.environ, **env}, work_dir)


def warehouse_env(work_dir: Path) -> dict[str, str]:
    """Environment variables that point every path of the product into ``work_dir``, with the demo's reference
    files and the mappings of the generator's sources (tests load generated exports)."""
    return {
        "OBSERVATOIRE_DATA_DIR": str(work_dir / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(work_dir / "warehouse.duckdb"),
        "OBSERVATOIRE_REFERENCE_DIR": str(DEMO_DATA_DIR / "ref"),
        "OBSERVATOIRE_MAPPINGS_DIR": str(DEMO_MAPPINGS_DIR),
    }


def load_decp(files: list[Path], work_dir: Path, with_reference: bool = False) -> Path:
    """Copy ``files`` into a fresh inbox and run the DECP dlt source (and the reference one if asked: the
    DECP marts name buyers and companies from reference data); return the warehouse path."""
    env = warehouse_env(work_dir)
    inbox = work_dir / "data" / "inbox" / "decp"
    inbox.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copyfile(file, inbox / file.name)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.decp import decp_source
        from dlt_sources.pipelines import warehouse_pipeline

        warehouse_pipeline("decp").run(decp_source(paths=[str(inbox)]))
        if with_reference:
            from dlt_sources.reference import reference_source

            warehouse_pipeline("reference").run(reference_source())
    return Path(env["OBSERVATOIRE_WAREHOUSE"])
