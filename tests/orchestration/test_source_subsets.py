"""An observatory with only some of its sources: every refresh succeeds and publishes what exists (issue 11).

Each test runs `make refresh`'s command (``python -m observatoire.refresh``) in a subprocess on its own data
folder and Dagster home, with a small inbox: only DECP files (the usual first month), only clause-tracking exports
(with one orphan employment contract). ``decp_refresh`` and ``tracking_refresh`` run first on a fresh warehouse,
as the inbox sensors would; ``full_refresh`` follows with no new file: it changes no mart row the first run built
(an idempotent refresh) and dbt starts from the first run's saved parse. The reference data are loaded by every
run; what a refresh publishes with neither DECP nor tracking data is the union of the two cases: the tracking run
has no DECP and the DECP run no tracking.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from reliability_support import DbtLog, mart_checksums, start, wait_success, warehouse_of

pytestmark = pytest.mark.slow

#: An employment contract whose participant is not in the export (and its hours): one bad line of a month.
ORPHAN_CONTRACT = "K9999999;P999999;M00002;79100982292058;CDD;EMBAUCHE_DIRECTE;02/08/2022;17/12/2022\n"
ORPHAN_HOURS = "K9999999;09/2022;35\n"
SANS_SUIVI = "Aucune donnée de suivi des clauses n'a encore été chargée"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's demo preset (a few hundred rows per source, deterministic)."""
    from demo_generator import generate

    out = tmp_path_factory.mktemp("subsets_generated")
    generate(preset="demo", seed=2024, out=out)
    return out


def inbox(work_dir: Path) -> Path:
    return work_dir / "data" / "inbox"


def drop_decp(generated: Path, work_dir: Path) -> None:
    target = inbox(work_dir) / "decp"
    target.mkdir(parents=True, exist_ok=True)
    for source in sorted((generated / "decp").iterdir()):
        shutil.copyfile(source, target / source.name)


def drop_tracking(generated: Path, work_dir: Path) -> None:
    """Two sources (an ABC Clauses export read through its mapping, an exchange-format one) and an orphan line."""
    for source in ("coordination_93", "sgp_grand_paris_express"):
        shutil.copytree(generated / "suivi_clauses" / source, inbox(work_dir) / "suivi_clauses" / source)
    folder = inbox(work_dir) / "suivi_clauses" / "sgp_grand_paris_express"
    with (folder / "contrats_travail.csv").open("a", encoding="utf-8") as handle:
        handle.write(ORPHAN_CONTRACT)
    with (folder / "heures_2023.csv").open("a", encoding="utf-8") as handle:
        handle.write(ORPHAN_HOURS)


def refresh(work_dir: Path, job: str, log_name: str, *options: str, env: dict[str, str] | None = None) -> str:
    (work_dir / "data").mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "observatoire.refresh", "--job", job, *options]
    process = start(command, work_dir, log_name, env)
    return wait_success(process, work_dir, log_name, timeout=900)


def refresh_again_unchanged(work_dir: Path) -> str:
    """``full_refresh`` with no new file after the first run: every mart that run built keeps its rows (the
    full refresh may add marts of the missing source, empty), and dbt reuses the first run's parse."""
    first = mart_checksums(warehouse_of(work_dir))
    dbt_log = DbtLog(work_dir)
    output = refresh(work_dir, "full_refresh", "full_refresh", env=DbtLog.DEBUG)
    assert "full_refresh succeeded" in output
    assert dbt_log.partial_parse_reused(), dbt_log.parse_events()
    again = mart_checksums(warehouse_of(work_dir))
    assert first and set(first) <= set(again)
    assert {table: again[table] for table in first} == first
    return output


def published(work_dir: Path) -> Path:
    return work_dir / "data" / "published"


def assert_published(work_dir: Path) -> None:
    """The outputs of every refresh: snapshot, dbt docs, open data, dataviz, quality page."""
    out = published(work_dir)
    for path in (
        "snapshot/observatoire.duckdb",
        "snapshot/dbt_docs/static_index.html",
        "open_data/marches_clauses_sociales/marches_clauses_sociales.csv",
        "open_data/beneficiaires_par_territoire/README.md",
        "dataviz/index.html",
        "dataviz/assets/data.js",
        "quality/index.html",
    ):
        assert (out / path).is_file(), path


def dataviz_data(work_dir: Path) -> dict:
    text = (published(work_dir) / "dataviz" / "assets" / "data.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.OBSERVATOIRE_DATA = ").rstrip().removesuffix(";"))


def gx_summary(work_dir: Path, table: str) -> dict:
    path = published(work_dir) / "quality" / "great_expectations" / f"{table}.json"
    return json.loads(path.read_text(encoding="utf-8"))["summary"]


def assert_without_tracking(work_dir: Path) -> None:
    """No tracking export: each tracking publication says so, in French, and shows no zero."""
    quality = (published(work_dir) / "quality" / "index.html").read_text(encoding="utf-8")
    assert "Aucun export de suivi chargé." in quality
    data = dataviz_data(work_dir)
    assert data["annees"] == [] and data["suivi_disponible"] is False
    assert data["beneficiaires"] == [] and data["heures_mois"] == []
    assert data["structures"]["lignes"], "the insertion structures are shown without tracking data"
    assert SANS_SUIVI in (published(work_dir) / "dataviz" / "assets" / "app.js").read_text(encoding="utf-8")
    readme = (published(work_dir) / "open_data" / "beneficiaires_par_territoire" / "README.md").read_text()
    assert "Aucune donnée pour l'instant" in readme and "aucun export de suivi des clauses" in readme


def test_only_decp_files_first_run_is_decp_refresh(generated: Path, tmp_path: Path) -> None:
    drop_decp(generated, tmp_path)
    output = refresh(tmp_path, "decp_refresh", "decp_refresh")  # the inbox sensor's job on a fresh warehouse
    assert "decp_refresh succeeded" in output
    assert "No complete year in the open data: no annual report" in output
    assert_published(tmp_path)
    refresh_again_unchanged(tmp_path)
    assert_published(tmp_path)
    assert_without_tracking(tmp_path)
    with duckdb.connect(str(warehouse_of(tmp_path)), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_contracts").fetchone()[0] > 0
        assert con.execute("select count(*) from marts.dim_geography").fetchone()[0] > 0  # reference loaded too
    contracts = published(tmp_path) / "open_data" / "marches_clauses_sociales" / "marches_clauses_sociales.csv"
    assert len(contracts.read_text(encoding="utf-8").splitlines()) > 1


def test_only_tracking_exports_first_run_is_tracking_refresh(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OBSERVATOIRE_DEMO_MODE", "1")  # the published demo key: generated people only
    drop_tracking(generated, tmp_path)
    # the inbox sensor's job on a fresh warehouse (the annual report is rendered once, after the full refresh)
    output = refresh(tmp_path, "tracking_refresh", "tracking_refresh", "--no-annual-report")
    assert "tracking_refresh succeeded" in output
    assert "not loaded" in output  # the summary names the tables no source has created yet
    assert_published(tmp_path)
    output = refresh_again_unchanged(tmp_path)
    assert_published(tmp_path)
    # no DECP file: the suite of the DECP table the full refresh checks says why it validated nothing
    quality = (published(tmp_path) / "quality" / "index.html").read_text(encoding="utf-8")
    assert "non validée : aucune donnée chargée" in quality
    assert gx_summary(tmp_path, "raw_decp.decp_records")["skipped"]

    # the orphan contract is a warning (dbt's not_null test of severity warn), recorded, and did not stop the month
    assert "not_null_fct_employment_contracts_beneficiary_key" in output  # listed among the checks with warnings
    assert gx_summary(tmp_path, "marts.fct_employment_contracts")["success"] is True
    with duckdb.connect(str(warehouse_of(tmp_path)), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_contracts").fetchone()[0] == 0
        assert con.execute("select count(*) from marts.fct_insertion_hours").fetchone()[0] > 0
        recorded = con.execute(
            "select count(*) from audit.clause_tracking_issues where table_name = 'contrats_travail' "
            "and issue = 'participant inconnu de la source'"
        ).fetchone()[0]
        assert recorded == 1
    quality = (published(tmp_path) / "quality" / "index.html").read_text(encoding="utf-8")
    assert "Aucun fichier DECP chargé." in quality
    data = dataviz_data(tmp_path)
    assert data["suivi_disponible"] is True and data["beneficiaires"]
    # complete years of tracking data: the annual report follows the refresh
    assert "annual_report" in output and "annual_report 20" in output
    assert list((published(tmp_path) / "report").glob("*/*.pdf"))
