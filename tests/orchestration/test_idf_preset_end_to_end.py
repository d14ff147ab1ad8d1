"""The Île-de-France preset (2019–2025) generated, loaded and built through Dagster: the marts reproduce the
published Île-de-France figures, every file reconciles, links to DECP are right, and no identity leaks. Its open
data and dataviz: the buyer search answers on the region's buyers (headless Chromium, as tests/publication).

The expected figures are the published ones (issue 3: 2021, region-wide), not numbers from the code."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from publication import test_dataviz
from publication.test_dataviz_contracts import assert_buyer_search
from reliability_support import REFRESH_JOB, refresh_env

from observatoire.demo import drop_generated, seed_decp_inbox
from observatoire.pii_audit import identities_of, scan_duckdb
from observatoire.pseudonymisation import DEMO_MODE_ENV, normalise_name
from observatoire.settings import ENV_VARS, REPO_ROOT, settings_from

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("idf_preset")]

PUBLISHED_2021 = {  # figure: (published value, tolerance)
    "hours_worked": (6_300_000, 0.03),
    "beneficiary_count": (12_364, 0.03),
}
PUBLISHED_2021_SHARES = {  # share: (published value, tolerance in points)
    "women_share": (0.151, 0.015),
    "young_under_26_share": (0.30, 0.02),
    "qpv_resident_share": (0.15, 0.02),
    "cap_bep_or_below_share": (0.77, 0.02),
    "long_term_unemployed_share": (0.41, 0.02),
    "direct_hiring_share": (0.32, 0.02),
    "etti_share": (0.30, 0.02),
}
LARGE_PROGRAMMES = ("GRAND_PARIS_EXPRESS", "JOP_2024", "ANRU")


@pytest.fixture(scope="module")
def idf(tmp_path_factory: pytest.TempPathFactory, idf_preset: Path) -> tuple[Path, dict]:
    """What ``python -m observatoire.demo --preset idf`` loads and builds, with the preset the session generated
    already: the demo DECP files and the generated files dropped into the inbox, then the refresh job without the
    publications no test here reads (open data, dataviz, dbt docs, report: tests/reliability/refresh_job.py)."""
    work_dir = tmp_path_factory.mktemp("idf")
    env = {DEMO_MODE_ENV: "1", **refresh_env(work_dir)}
    settings = settings_from({name: env.get(variable) for name, variable in ENV_VARS.items()})
    settings.ensure_dirs()
    seed_decp_inbox(settings)
    drop_generated(settings, idf_preset)
    result = subprocess.run(
        [sys.executable, str(REFRESH_JOB), "--inbox-ready"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, f"idf run failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    manifest = json.loads((idf_preset / "manifest.json").read_text(encoding="utf-8"))
    return settings.warehouse_path, manifest


def one(warehouse: Path, sql: str) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_2021_indicators_reproduce_the_published_figures(idf) -> None:
    warehouse, _ = idf
    row = one(
        warehouse,
        "select * from marts.clause_indicators_by_territory_year where territory_level = 'ensemble' and year = 2021",
    )
    for name, (published, tolerance) in PUBLISHED_2021.items():
        assert abs(row[name] - published) / published <= tolerance, (name, row[name], published)
    for name, (published, points) in PUBLISHED_2021_SHARES.items():
        assert abs(row[name] - published) <= points, (name, row[name], published)


def test_2021_large_programmes_reproduce_the_published_figures(idf) -> None:
    warehouse, _ = idf
    row = one(
        warehouse,
        f"""
        with worked_2021 as (
            select distinct employment_contract_key from marts.fct_insertion_hours where year = 2021 and hours > 0
        )
        select count(distinct e.beneficiary_key) as beneficiaries, count(*) as contracts,
               avg(e.duration_months) as mean_months
        from marts.fct_employment_contracts as e
        join worked_2021 using (employment_contract_key)
        join marts.dim_operation as o using (operation_key)
        where o.programme_code in {LARGE_PROGRAMMES}
    """,
    )
    assert abs(row["beneficiaries"] - 2_953) / 2_953 <= 0.03
    assert abs(row["contracts"] - 3_292) / 3_292 <= 0.03
    assert abs(row["mean_months"] - 3.0) <= 0.3


def test_every_generated_file_reconciles_read_loaded_rejected(idf) -> None:
    warehouse, manifest = idf
    with duckdb.connect(str(warehouse), read_only=True) as con:
        audit = con.execute(
            "select source_file, table_name, rows_read, rows_loaded, rows_rejected, status "
            "from raw_suivi_clauses.tracking_load_audit"
        ).fetchall()

    def source_and_file(path: str) -> str:  # the same file name exists in several sources
        return "/".join(Path(path).parts[-2:])

    by_file_table = {
        (source_and_file(f), t): (read, loaded, rejected, status) for f, t, read, loaded, rejected, status in audit
    }
    tracked_files = [f for f in manifest["files"] if f["path"].startswith("suivi_clauses/")]
    assert tracked_files
    for spec in tracked_files:
        read, loaded, rejected, status = by_file_table[(source_and_file(spec["path"]), spec["table"])]
        # "partial": some rows rejected (the planted defects), the others loaded
        assert status == ("partial" if rejected else "loaded") and read == spec["rows"] == loaded + rejected, spec


def test_links_to_decp_match_the_planted_links(idf) -> None:
    warehouse, manifest = idf
    planted = {(link["source"], link["id_marche"]): link for link in manifest["decp_links"]}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        linked = con.execute(
            "select t.source_name, t.source_contract_id, t.link_method, c.contract_id "
            "from marts.fct_tracked_contracts as t left join marts.fct_contracts as c using (contract_key)"
        ).fetchall()
    found = {(source, contract): decp_id for source, contract, method, decp_id in linked if method != "unlinked"}
    for kind in ("id_decp", "fuzzy"):
        expected = {key: link["id_decp"] for key, link in planted.items() if link["kind"] == kind}
        right = sum(1 for key, decp_id in expected.items() if found.get(key) == decp_id)
        assert right / len(expected) >= 0.98, (kind, right, len(expected))
    wrong = sum(1 for key, decp_id in found.items() if planted.get(key, {}).get("id_decp") != decp_id)
    assert wrong / len(found) <= 0.02, (wrong, len(found))


def test_no_generated_name_or_birth_date_is_in_the_warehouse(idf) -> None:
    warehouse, manifest = idf
    from datetime import datetime

    people = [
        (p["nom"], p["prenom"], datetime.strptime(p["date_naissance"], "%d/%m/%Y").date())
        for p in manifest["identities"]
    ]
    assert len(people) > 60_000

    def about_participants(schema: str, table: str) -> bool:
        # Every table built from participant rows. Tables of public names (companies, operations, contract
        # objects, territories, DECP, SIRENE, COG) are left out: the generated names are common French names
        # that also name companies, streets and places there — homonyms, not leaks.
        participant_tables = {
            "participants",
            "contrats_travail",
            "sorties",
            "heures",
            "tracking_rejects",
            "tracking_load_audit",
            "stg_suivi_clauses__participants",
            "stg_suivi_clauses__employment_contracts",
            "stg_suivi_clauses__exits",
            "stg_suivi_clauses__monthly_hours",
            "stg_suivi_clauses__rejects",
        }
        prefixes = (
            "int_beneficiar",
            "int_insertion",
            "int_employment",
            "int_exits",
            "dim_beneficiary",
            "fct_employment",
            "fct_insertion",
            "fct_beneficiary",
        )
        return table in participant_tables or table.startswith(prefixes)

    assert scan_duckdb(warehouse, identities_of(people), only_tables=about_participants) == []
    # and the pseudonymised participants are all there: every distinct identity is one beneficiary
    identities = {(normalise_name(last), normalise_name(first), birth) for last, first, birth in people}
    row = one(warehouse, "select count(*) as n from marts.dim_beneficiary")
    assert abs(row["n"] - len(identities)) / len(identities) <= 0.001


# the Chromium of the dataviz tests (tests/publication/test_dataviz.py)
browser = test_dataviz.browser


def test_the_buyer_search_answers_on_the_buyers_of_the_region(idf, browser, tmp_path: Path) -> None:
    from observatoire.publication.dataviz import build_dataviz
    from observatoire.publication.open_data import write_open_data

    warehouse, _ = idf
    open_data_dir, site_dir = tmp_path / "open_data", tmp_path / "dataviz"
    started = time.perf_counter()
    write_open_data(warehouse, open_data_dir, threshold=11)
    written = time.perf_counter() - started
    index = build_dataviz(open_data_dir, site_dir)
    buyers = duckdb.execute(
        f"select count(distinct siret_acheteur) from {test_dataviz.parquet(open_data_dir, 'profils_acheteurs')}"
    ).fetchone()[0]
    print(f"idf open data written in {written:.1f} s; {buyers} buyers in the search index")
    page = browser.new_page(viewport={"width": 1360, "height": 900})
    events = test_dataviz.PageEvents(page)
    page.goto(index.as_uri())
    page.wait_for_function("window.dataviz && window.dataviz.pret", timeout=30_000)
    started = time.perf_counter()
    assert_buyer_search(page, events, open_data_dir, screenshot_name="11_acheteur_idf.png")
    print(f"buyer search, profile and a masked buyer shown in {time.perf_counter() - started:.1f} s")
    page.close()
