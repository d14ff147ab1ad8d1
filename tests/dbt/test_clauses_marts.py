"""Clause-tracking marts on a hand-checked tiny fixture: expected values are computed by hand below.

Fixture (tests/fixtures/clauses/): two coordinations, coord_93 and coord_75, report four people by pseudonym only;
B-ALICE is reported by both (coord_93 earliest, living in Saint-Denis 93066, QPV, CAP/BEP level, DELD + JEUNE_26;
coord_75 later, Paris 18e, level 4, MINIMA_RSA). Both sources use the employment-contract id "C1" (ids are unique per
source only). DECP (2024 format): DECP-ID-001 (clause sociale) linked by id, DECP-FUZZY-002 ("pas de considération
sociale") linked by buyer + date + CPV + amount, DECP-DECLARED-003 declared but untracked, DECP-DECOY-004 a decoy.

Hours (h) per employment contract and month, with the residence of the person and the commune of the operation:
    coord_93 C1  Alice  CDD  EMBAUCHE_DIRECTE  on M1 (OP1, Saint-Denis 93066): 2021-02 100, 03 120, 04 110  = 330
                 (February was published first as 95 h, in an earlier export: the later row counts, everywhere)
    coord_75 C1  Alice  CTTI MAD_ETTI          on M3 (no operation):           2021-06 80, 07 90           = 170
    coord_93 C3  Bruno  CDI  EMBAUCHE_DIRECTE  on M2 (OP1):                    2021-03 60, 04 150, 12 140  = 350
    coord_93 C4  David  CTT  MAD_ETT           on M2 (OP1):                    2021-09 100, 10 0; 2022-01 120
    coord_75 C5  Emma   CDDI SOUS_TRAITANCE_SIAE on M3:                        2022-01 50, 02 70           = 120
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from support import FIXTURES, load_decp, run_dbt, warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("clauses_warehouse")]

CLAUSES = FIXTURES / "clauses"
# identity fields of the exchange format (participants.json) and their likely English names
PERSONAL_COLUMNS = {
    "nom",
    "prenom",
    "date_naissance",
    "courriel",
    "telephone",
    "adresse",
    "nir",
    "id_participant",
    "last_name",
    "first_name",
    "birth_date",
    "email",
    "phone",
    "address",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Reference and DECP fixture loaded by the real dlt sources, raw tracking tables by SQL, then dbt build."""
    work_dir = tmp_path_factory.mktemp("clauses_warehouse")
    env = warehouse_env(work_dir)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source

        warehouse_pipeline("reference").run(reference_source())
    path = load_decp([CLAUSES / "decp_2024_linked.json"], work_dir)
    with duckdb.connect(str(path)) as con:
        con.execute((CLAUSES / "raw_suivi_clauses.sql").read_text(encoding="utf-8"))
    started = time.perf_counter()
    result = run_dbt(
        ["build", "--select", "+path:models/*/clauses", "+path:models/*/decp"],
        {**os.environ, **env},
        work_dir,
    )
    print(f"dbt build of the clause marts: {time.perf_counter() - started:.1f} s")
    # one warning, expected: C1's February published twice (the rows replaced are counted, not summed)
    assert "ERROR=0" in result.stdout and "WARN=1" in result.stdout
    assert (
        "Warning in test unique_combination_stg_suivi_clauses__monthly_hours_employment_contract_key" in result.stdout
    )
    yield path


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def indicators(warehouse: Path, level: str, code: str, year: int) -> dict[str, Any]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(
            "select * from marts.clause_indicators_by_territory_year "
            "where territory_level = ? and territory_code = ? and year = ?",
            [level, code, year],
        )
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    assert len(rows) == 1, (level, code, year, rows)
    return dict(zip(names, rows[0], strict=True))


# ------------------------------------------------------------------------------- link to the DECP
def test_tracked_contracts_link_by_decp_id_and_by_buyer_date_cpv_amount(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select tracked.source_contract_id, decp.contract_id, tracked.link_method, tracked.link_confidence,
               tracked.link_days_apart, tracked.link_candidate_count
        from marts.fct_tracked_contracts as tracked
        left join marts.fct_contracts as decp using (contract_key)
        order by 1
        """,
    )
    assert rows == [
        ("M1", "DECP-ID-001", "decp_id_buyer", 1.0, 0, 1),
        # M2: 2021-03-01 vs DECP-FUZZY-002 2021-03-10 (9 days: 0.7), same CPV (1), 520,000 vs 500,000 (4 %: 0.8),
        # objects alike (Jaro-Winkler ≈ 0.95): score 0.25 × 3.45 ≈ 0.862, confidence 0.4 + 0.5 × score = 0.831;
        # the one other DECP contract of the buyer in the window does not pass the evidence threshold.
        # DECP-ID-001 (28 days, CPV 45, amount 48 % off) also qualifies (0.563); the decoy (CPV 71, 42 % off) not.
        ("M2", "DECP-FUZZY-002", "buyer_date_cpv_amount", 0.831, 9, 1),
        ("M3", None, "unlinked", None, None, 0),  # the coord_75 buyer has no DECP contract
    ]


def test_fct_contracts_gains_hours_and_tracking(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select contract_id, is_tracked, tracked_contract_count, hours_planned, hours_worked "
        "from marts.fct_contracts order by contract_id",
    )
    assert rows == [
        ("DECP-DECLARED-003", False, 0, None, None),
        ("DECP-DECOY-004", False, 0, None, None),
        ("DECP-FUZZY-002", True, 1, 500.0, 350.0 + 100.0 + 0.0 + 120.0),  # C3 + C4 on M2
        ("DECP-ID-001", True, 1, 1000.0, 330.0),  # coord_93 C1 on M1
    ]


def test_reconciliation_of_declared_and_tracked_contracts(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select reconciliation_status, decp.contract_id, tracked.source_contract_id
        from marts.social_clause_reconciliation as reconciliation
        left join marts.fct_contracts as decp using (contract_key)
        left join marts.fct_tracked_contracts as tracked using (tracked_contract_key)
        order by 1
        """,
    )
    assert rows == [
        ("declared_and_tracked", "DECP-ID-001", "M1"),
        ("declared_not_tracked", "DECP-DECLARED-003", None),
        ("tracked_not_declared", "DECP-FUZZY-002", "M2"),
        ("tracked_not_in_decp", None, "M3"),
    ]


# ------------------------------------------------------------------------------- beneficiaries
def test_one_beneficiary_per_person_earliest_entry_wins_publics_are_united(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select beneficiary_key, sex, age_band, education_level, is_cap_bep_or_below, residence_commune_code,
               is_qpv_resident, public_codes, is_long_term_unemployed, is_rsa, is_young_under_26, is_senior_50,
               prescriber_code, source_count, has_conflicting_attributes
        from marts.dim_beneficiary order by 1
        """,
    )
    assert rows == [
        (
            "B-ALICE",
            "F",
            "under_26",
            3,
            True,
            "93066",
            True,
            "DELD|JEUNE_26|MINIMA_RSA",
            True,
            True,
            True,
            False,
            "ML",
            2,
            True,
        ),
        ("B-BRUNO", "M", "50_and_over", 5, False, "93001", False, "DELD", True, False, False, True, "PLIE", 1, False),
        ("B-DAVID", "M", "26_49", 2, True, "94028", True, "TH", False, False, False, False, "INCONNU", 1, False),
        ("B-EMMA", "F", "26_49", None, None, "75118", False, None, False, False, False, False, "CAP_EMPLOI", 1, False),
    ]


def test_nothing_personal_is_needed_or_stored(warehouse: Path) -> None:
    columns = query(
        warehouse,
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema in ('raw_suivi_clauses', 'staging', 'intermediate', 'marts', 'audit')",
    )
    personal = [c for c in columns if c[2].lower() in PERSONAL_COLUMNS]
    assert personal == []
    # beneficiaries are known by their pseudonyms only
    assert {c[2] for c in columns if c[1] == "participants"} >= {"participant_pseudonym", "beneficiary_pseudonym"}


# ------------------------------------------------------------------------------- contracts, outcomes, paths
def test_employment_contracts_durations_and_lasting_employment(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select source_name, source_employment_contract_id, duration_days, duration_months, is_lasting_employment,
               hours_worked, contract_rank_in_path, cumulative_hours_in_path
        from marts.fct_employment_contracts order by 1, 2
        """,
    )
    assert rows == [
        ("coord_75", "C1", 61, round(61 / 30.4375, 2), False, 170.0, 2, 500.0),  # Alice's second contract
        ("coord_75", "C5", 81, round(81 / 30.4375, 2), False, 120.0, 1, 120.0),  # CDDI: never lasting
        ("coord_93", "C1", 89, round(89 / 30.4375, 2), False, 330.0, 1, 330.0),  # CDD under 6 months
        ("coord_93", "C3", None, None, True, 350.0, 1, 350.0),  # open-ended CDI
        ("coord_93", "C4", 181, round(181 / 30.4375, 2), True, 220.0, 1, 220.0),  # CTT 2021-09-01..2022-02-28
    ]


def test_outcomes_use_the_six_month_situation_when_known(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select beneficiary_key, exit_date::varchar, exit_category, six_month_category, outcome_basis, "
        "outcome_category, is_dynamic_exit from marts.fct_beneficiary_outcomes order by 1, 2",
    )
    assert rows == [
        ("B-ALICE", "2021-04-30", "emploi_transition", "emploi_durable", "six_months", "emploi_durable", True),
        ("B-ALICE", "2021-07-31", "sortie_positive", None, "exit", "sortie_positive", True),
        ("B-DAVID", "2022-02-28", "autre_sortie", "inconnue", "exit", "autre_sortie", False),
    ]


def test_beneficiary_paths(warehouse: Path) -> None:
    rows = query(
        warehouse,
        """
        select beneficiary_key, employment_contract_count, contract_type_sequence, total_hours_worked,
               months_with_hours,
               first_lasting_employment_date::varchar, lasting_employment_reached_through,
               months_to_first_lasting_employment
        from marts.fct_beneficiary_paths order by 1
        """,
    )
    assert rows == [
        # exit 2021-04-30 with a CDI six months later: 2021-10-30, 9 complete months after entry on 2021-01-10
        ("B-ALICE", 2, "CDD > CTTI", 500.0, 5, "2021-10-30", "six_month_situation", 9),
        ("B-BRUNO", 1, "CDI", 350.0, 3, "2021-03-15", "employment_contract", 1),  # entry 2021-02-15
        ("B-DAVID", 1, "CTT", 220.0, 2, "2021-09-01", "employment_contract", 0),  # the 0-hour month does not count
        ("B-EMMA", 1, "CDDI", 120.0, 2, None, None, None),
    ]


# ------------------------------------------------------------------------------- indicators
def test_region_wide_indicators_2021(warehouse: Path) -> None:
    row = indicators(warehouse, "ensemble", "ALL", 2021)
    # beneficiaries in 2021 = distinct people with > 0 h in a 2021 month: Alice (2 sources, once), Bruno, David
    assert row["beneficiary_count"] == 3
    assert row["hours_worked"] == 330 + 170 + 350 + 100
    assert row["women_share"] == round(1 / 3, 4)  # Alice
    assert row["young_under_26_share"] == round(1 / 3, 4)  # Alice, 24
    assert row["qpv_resident_share"] == round(2 / 3, 4)  # Alice (coord_93 record), David
    assert row["cap_bep_or_below_share"] == round(2 / 3, 4)  # levels 3 and 2 of 3, 5, 2
    assert row["long_term_unemployed_share"] == round(2 / 3, 4)  # Alice, Bruno (DELD)
    assert row["employment_contract_count"] == 4  # both C1, C3, C4
    assert (row["permanent_contract_count"], row["fixed_term_contract_count"]) == (1, 1)
    assert row["temporary_work_contract_count"] == 2  # CTTI, CTT
    assert row["direct_hiring_share"] == 0.5  # coord_93 C1, C3
    assert row["etti_share"] == 0.25  # coord_75 C1
    assert row["direct_hiring_hours_share"] == round((330 + 350) / 950, 4)
    assert row["exit_count"] == 2  # Alice's two exits
    assert row["lasting_employment_share"] == 0.5
    assert row["dynamic_exit_share"] == 1.0
    assert row["hours_worked_in_residence_territory"] is None


def test_indicators_2022_count_only_people_working_that_year(warehouse: Path) -> None:
    row = indicators(warehouse, "ensemble", "ALL", 2022)
    assert (row["beneficiary_count"], row["hours_worked"]) == (2, 120 + 50 + 70)  # David, Emma
    assert row["women_share"] == 0.5
    assert row["cap_bep_or_below_share"] == 1.0  # David level 2; Emma's level is unknown
    assert (row["exit_count"], row["dynamic_exit_count"]) == (1, 0)


def test_indicators_by_residence_with_mobility(warehouse: Path) -> None:
    seine_saint_denis = indicators(warehouse, "departement", "93", 2021)
    # residents: Alice (93066) and Bruno (93001). Known operation place: Alice's coord_93 C1 330 h and Bruno's C3 350 h
    # on OP1 (Saint-Denis, 93); Alice's coord_75 C1 (170 h) has no operation.
    assert (seine_saint_denis["beneficiary_count"], seine_saint_denis["hours_worked"]) == (2, 850.0)
    assert seine_saint_denis["hours_worked_in_residence_territory"] == 680.0
    assert seine_saint_denis["local_hours_share"] == 1.0
    # hours done on operations in the 93, whoever works: 330 + 350 + David's 100
    assert seine_saint_denis["hours_worked_on_territory"] == 780.0
    assert seine_saint_denis["beneficiaries_working_on_territory"] == 3

    val_de_marne = indicators(warehouse, "departement", "94", 2021)  # David lives in Créteil, works in Saint-Denis
    assert (val_de_marne["beneficiary_count"], val_de_marne["local_hours_share"]) == (1, 0.0)
    assert val_de_marne["hours_worked_on_territory"] == 0.0

    plaine_commune = indicators(warehouse, "ept", "200057867", 2021)
    assert (plaine_commune["territory_name"], plaine_commune["beneficiary_count"]) == ("Plaine Commune", 2)
    aubervilliers = indicators(warehouse, "commune", "93001", 2021)  # Bruno works in Saint-Denis, not Aubervilliers
    assert (aubervilliers["hours_worked"], aubervilliers["local_hours_share"]) == (350.0, 0.0)
    saint_denis = indicators(warehouse, "commune", "93066", 2021)
    assert (saint_denis["hours_worked_in_residence_territory"], saint_denis["local_hours_share"]) == (330.0, 1.0)
    assert (saint_denis["exit_count"], saint_denis["lasting_employment_exit_count"]) == (2, 1)


def test_hours_committed_versus_worked_per_project_owner(warehouse: Path) -> None:
    rows = query(
        warehouse,
        "select programme_code, project_owner_key, year, hours_committed, hours_planned, hours_worked, "
        "beneficiary_count from marts.clause_hours_committed_vs_worked order by 1, 2, 3",
    )
    assert rows == [
        ("AUTRE", "inconnu", 2021, None, 300.0, 170.0, 1),  # M3, no operation: Alice's coord_75 C1
        ("AUTRE", "inconnu", 2022, None, None, 120.0, 1),  # Emma
        # "Société des Grands Projets" (commitment) and "Société des grands projets" (operation) are one owner
        ("GRAND_PARIS_EXPRESS", "societe des grands projets", 2021, 2000.0, 1500.0, 330.0 + 350.0 + 100.0, 3),
        ("GRAND_PARIS_EXPRESS", "societe des grands projets", 2022, None, None, 120.0, 1),
    ]


# ------------------------------------------------------------------------------- Great Expectations
def test_gx_suites_pass_on_the_fixture_and_report_row_defects_as_warnings(warehouse: Path, tmp_path: Path) -> None:
    from expectations.runner import get_gx_context, load_suite, validate_table

    context = get_gx_context()
    warned_before = set()
    for name in ("marts.fct_insertion_hours", "marts.dim_beneficiary", "marts.fct_employment_contracts"):
        report = validate_table(warehouse, load_suite(name), context=context)
        assert report.success and not report.failed_errors, name
        warned_before |= {(r.type, r.column) for r in report.failed_warnings}

    # row defects (an implausible age, a contract ending before it starts): warnings, the table stays publishable
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(warehouse, broken)
    with duckdb.connect(str(broken)) as con:
        con.execute("update marts.dim_beneficiary set age_at_first_entry = 80 where beneficiary_key = 'B-EMMA'")
        con.execute(
            "update marts.fct_employment_contracts set end_date = date '2020-01-01' "
            "where source_employment_contract_id = 'C4'"
        )
    reports = [
        validate_table(broken, load_suite(name), context=context)
        for name in ("marts.dim_beneficiary", "marts.fct_employment_contracts")
    ]
    assert all(report.success and not report.failed_errors for report in reports)
    warned = {(r.type, r.column) for report in reports for r in report.failed_warnings}
    assert warned - warned_before == {
        ("expect_column_values_to_be_between", "age_at_first_entry"),
        ("expect_column_pair_values_a_to_be_greater_than_b", "end_date, start_date"),
    }

    # a table defect (a beneficiary twice) is dbt's: the primary key and the unique test of dim_beneficiary
