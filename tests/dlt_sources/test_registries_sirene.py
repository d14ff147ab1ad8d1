"""The SIRENE source: only the referenced SIRETs/SIRENs, [ND] nulled and flagged, no personal names, no reload."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import duckdb
import pytest

from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.registries import sirene_source
from observatoire.settings import DEMO_DATA_DIR

REGISTRIES = DEMO_DATA_DIR / "ref" / "registries"
ETABLISSEMENTS = REGISTRIES / "sirene_stock_etablissement_demo.csv"
UNITES = REGISTRIES / "sirene_stock_unite_legale_demo.csv"


def stock(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path / "warehouse.duckdb"


def loaded(warehouse: Path, table: str, key: str) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(f"select * from raw_registries.{table}")
        names = [d[0] for d in cursor.description]
        return {row[names.index(key)]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_only_the_referenced_sirets_present_in_the_file_are_kept(warehouse: Path) -> None:
    rows = stock(ETABLISSEMENTS)
    in_file = [r["siret"] for r in rows]
    referenced = in_file[::7] + ["12345678900017", "552 032 534 00019", "not a siret"]
    warehouse_pipeline("registries").run(sirene_source(sirets=referenced))

    expected = {s.replace(" ", "") for s in referenced} & set(in_file)
    etablissements = loaded(warehouse, "sirene_etablissements", "siret")
    assert set(etablissements) == expected and len(expected) == len(in_file[::7])
    # Positions are those of the file (0-based, header excluded).
    assert {s: r["row_index"] for s, r in etablissements.items()} == {
        r["siret"]: i for i, r in enumerate(rows) if r["siret"] in expected
    }
    sirens = {s[:9] for s in referenced if s[:9].isdigit()} & {r["siren"] for r in stock(UNITES)}
    assert set(loaded(warehouse, "sirene_unites_legales", "siren")) == sirens


def test_non_diffusible_values_become_null_with_a_flag_and_no_personal_name_is_loaded(warehouse: Path) -> None:
    masked = [r for r in stock(ETABLISSEMENTS) if r["statutDiffusionEtablissement"] == "P"]
    sole_traders = [r for r in stock(UNITES) if r["categorieJuridiqueUniteLegale"].startswith("1")]
    assert masked and sole_traders
    sirets = [r["siret"] for r in masked] + [r["siren"] + "00000" for r in sole_traders]
    warehouse_pipeline("registries").run(sirene_source(sirets=sirets))

    etablissements = loaded(warehouse, "sirene_etablissements", "siret")
    for source_row in masked:
        row = etablissements[source_row["siret"]]
        assert row["statut_diffusion_etablissement"] == "P"
        assert row["enseigne1_etablissement"] is None and row["denomination_usuelle_etablissement"] is None
        assert row["non_diffusible_columns"] == "enseigne1Etablissement,denominationUsuelleEtablissement"
        assert row["activite_principale_etablissement"] == source_row["activitePrincipaleEtablissement"]
    assert "libelle_voie_etablissement" not in next(iter(etablissements.values()))  # street address not loaded

    unites = loaded(warehouse, "sirene_unites_legales", "siren")
    assert {r["siren"] for r in sole_traders} <= set(unites)
    columns = set(next(iter(unites.values())))
    personal = {"sexe", "prenom1", "prenom2", "prenom3", "prenom4", "prenom_usuel", "nom", "nom_usage", "pseudonyme"}
    assert not {c for c in columns if c.removesuffix("_unite_legale") in personal}
    values = {value for row in unites.values() for value in row.values()}
    assert not values & {"NOMFICTIF", "PRENOMFICTIF", "[ND]"}


def test_identifiers_are_read_from_the_raw_tables_that_exist(warehouse: Path) -> None:
    rows = stock(ETABLISSEMENTS)
    holder, modified_holder, buyer, employer = (rows[i]["siret"] for i in range(4))
    record = {
        "id": "X1",
        "acheteur": {"id": buyer},
        "titulaires": [{"id": holder}, {"id": "not-a-siret"}],
        "modifications": [{"titulaires": [{"id": modified_holder}]}],
    }
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw_decp; create schema raw_suivi_clauses")
        con.execute("create table raw_decp.decp_records as select ? as record", [json.dumps(record)])
        con.execute(f"create table raw_suivi_clauses.contrats_travail as select '{employer}' as employeur_siret")
    warehouse_pipeline("registries").run(sirene_source())
    assert set(loaded(warehouse, "sirene_etablissements", "siret")) == {holder, modified_holder, buyer, employer}


def test_unchanged_file_and_identifiers_are_skipped_and_new_identifiers_reload(
    warehouse: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sirets = [r["siret"] for r in stock(ETABLISSEMENTS)][:40]
    pipeline = warehouse_pipeline("registries")
    pipeline.run(sirene_source(sirets=sirets))
    caplog.set_level(logging.INFO, logger="dlt_sources.registries")
    pipeline.run(sirene_source(sirets=sirets))
    assert caplog.text.count("unchanged, skipped") == 2
    assert len(loaded(warehouse, "sirene_etablissements", "siret")) == 40

    pipeline.run(sirene_source(sirets=sirets[:10]))
    assert set(loaded(warehouse, "sirene_etablissements", "siret")) == set(sirets[:10])
