"""The idf preset reproduces the published Île-de-France figures, computed from the files (not the generator)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from dg_files import ROOT, load_sources

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("idf_calibration")]  # reads the idf preset (a minute)

YEAR = "2021"
PROGRAMMES = {"GRAND_PARIS_EXPRESS", "JOP_2024", "ANRU"}


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def _num(text: str) -> float:
    return float(text.replace(" ", "").replace(",", "."))


@pytest.fixture(scope="module")
def figures(idf_preset: Path) -> dict[str, float]:
    sources = load_sources(idf_preset)
    durable = {
        r["code"]
        for r in csv.DictReader(
            (ROOT / "dbt_project/seeds/clauses/clauses_situations_sortie.csv").open(encoding="utf-8")
        )
        if r["categorie"] == "emploi_durable"
    }
    hours = 0.0
    people: dict[tuple, dict] = {}
    prog_people: set[tuple] = set()
    prog_contracts: list[dict] = []
    modalites: list[str] = []
    six_months: list[str] = []
    for tables in sources.values():
        programme_of_op = {r["id_operation"]: r["programme"] for r in tables.get("operations", [])}
        op_of_marche = {r["id_marche"]: r["id_operation"] for r in tables.get("marches", [])}
        participants = {r["id_participant"]: r for r in tables.get("participants", [])}
        contracts = {r["id_contrat"]: r for r in tables.get("contrats_travail", [])}
        active: set[str] = set()
        for r in tables.get("heures", []):
            if r["mois"].endswith(YEAR):
                hours += _num(r["heures"])
                active.add(r["id_contrat"])
        for cid in sorted(active):
            c = contracts.get(cid)
            if c is None:
                continue  # planted orphan
            p = participants[c["id_participant"]]
            key = (p["nom"].upper(), p["prenom"], p["date_naissance"])
            people.setdefault(key, p)
            modalites.append(c["modalite"])
            if programme_of_op.get(op_of_marche.get(c["id_marche"], ""), "") in PROGRAMMES:
                prog_people.add(key)
                prog_contracts.append(c)
        six_months += [r["situation_6_mois"] for r in tables.get("sorties", []) if r["situation_6_mois"]]

    def age(p: dict) -> float:
        return (_date(p["date_entree"]) - _date(p["date_naissance"])).days / 365.25

    ps = list(people.values())
    known_level = [p for p in ps if p["niveau_formation"]]
    durations = [(_date(c["date_fin"]) - _date(c["date_debut"])).days + 1 for c in prog_contracts if c["date_fin"]]
    return {
        "hours": hours,
        "beneficiaries": len(people),
        "programme_beneficiaries": len(prog_people),
        "programme_contracts": len(prog_contracts),
        "programme_contract_months": sum(durations) / len(durations) / (365.25 / 12),
        "women": sum(p["sexe"] == "F" for p in ps) / len(ps),
        "young": sum(age(p) < 26 for p in ps) / len(ps),
        "qpv": sum(bool(p.get("code_qpv")) or p.get("resident_qpv") == "oui" for p in ps) / len(ps),
        "cap_bep_or_below": sum(int(p["niveau_formation"]) <= 3 for p in known_level) / len(known_level),
        "deld": sum("DELD" in p["publics"].split("|") for p in ps) / len(ps),
        "direct_hiring": modalites.count("EMBAUCHE_DIRECTE") / len(modalites),
        "etti": modalites.count("MAD_ETTI") / len(modalites),
        "lasting_employment_6_months": sum(s in durable for s in six_months) / len(six_months),
    }


@pytest.mark.parametrize(
    ("name", "target", "relative"),
    [
        ("hours", 6_300_000, 0.02),
        ("beneficiaries", 12_364, 0.03),
        ("programme_beneficiaries", 2_953, 0.03),
        ("programme_contracts", 3_292, 0.03),
        ("programme_contract_months", 3.0, 0.05),
    ],
)
def test_volumes(figures: dict[str, float], name: str, target: float, relative: float) -> None:
    assert abs(figures[name] / target - 1) <= relative, (name, figures[name], target)


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("women", 0.151),
        ("young", 0.30),
        ("qpv", 0.15),
        ("cap_bep_or_below", 0.77),
        ("deld", 0.41),
        ("direct_hiring", 0.32),
        ("etti", 0.30),
    ],
)
def test_shares(figures: dict[str, float], name: str, target: float) -> None:
    assert abs(figures[name] - target) <= 0.02, (name, figures[name], target)


def test_outcomes(figures: dict[str, float]) -> None:
    assert 0.27 <= figures["lasting_employment_6_months"] <= 0.40
