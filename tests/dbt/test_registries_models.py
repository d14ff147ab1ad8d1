"""Registry staging and intermediate models built on the real SIAE/GEIQ lists and the registry fixtures."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support import run_dbt, warehouse_env

from observatoire.settings import DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("registries_warehouse")]  # a warehouse built by dbt, once

REF = DEMO_DATA_DIR / "ref"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "registries"
_spec = importlib.util.spec_from_file_location("replay_server", FIXTURES / "replay_server.py")
replay_server = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(replay_server)  # type: ignore[union-attr]


def clean(siret: str | None) -> str | None:
    """The SIRET as the staging models clean it (the ASP list has SIRETs with tabs and spaces)."""
    return re.sub(r"[\s.]", "", siret or "") or None


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


SIAE_FRANCE = read_csv(REF / "inclusion" / "itou_2019_07_liste_siae_france_sans_contacts.csv")
SIAE_IDF = read_csv(REF / "inclusion" / "itou_2019_07_liste_siae_idf_sans_contacts.csv")
GEIQ = read_csv(REF / "inclusion" / "itou_2019_11_21_liste_geiq_france_sans_contacts.csv")
EA = read_csv(REF / "registries" / "dgefp_liste_ea_idf_fixture.csv", ";")
with (REF / "registries" / "finess_etalab_etablissements_idf_fixture.csv").open(encoding="utf-8") as _handle:
    FINESS = [line.split(";") for line in _handle.read().splitlines()[1:] if line.startswith("structureet;")]
API = [
    item
    for page in sorted((FIXTURES / "api_siaes").glob("*.json"))
    for item in json.loads(page.read_text(encoding="utf-8"))["results"]
]
SIRENE_UL = {row["siren"]: row for row in read_csv(REF / "registries" / "sirene_stock_unite_legale_demo.csv")}
SIRENE_ET = {row["siret"]: row for row in read_csv(REF / "registries" / "sirene_stock_etablissement_demo.csv")}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    work_dir = tmp_path_factory.mktemp("registries_warehouse")
    env = warehouse_env(work_dir)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source
        from dlt_sources.registries import inclusion_api_source, registry_files_source, sirene_source

        warehouse_pipeline("reference").run(reference_source())
        pipeline = warehouse_pipeline("registries")
        pipeline.run(registry_files_source())
        with replay_server.replay_api() as (base_url, _):
            pipeline.run(inclusion_api_source(base_url=base_url, departements=["93", "75"]))
        pipeline.run(sirene_source())  # the SIRETs of the registries loaded above
    run_dbt(
        [
            "build",
            "--select",
            "path:models/staging/registries path:models/intermediate/registries stg_reference__naf_codes",
        ],
        {**os.environ, **env},
        work_dir,
    )
    yield Path(env["OBSERVATOIRE_WAREHOUSE"])


def structures(warehouse: Path) -> dict[str, dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from intermediate.int_structures")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def test_one_row_per_listed_siret(warehouse: Path) -> None:
    expected = (
        {clean(r["SIRET"]) for r in SIAE_FRANCE}
        | {clean(r["SIRET"]) for r in GEIQ}
        | {clean(r["SIRET"]) for r in EA}
        | {clean(f[22]) for f in FINESS if f[18] == "246"}
        | {clean(i["siret"]) for i in API}
    ) - {None}
    rows = structures(warehouse)
    assert set(rows) == expected
    assert sum(r["is_esat"] for r in rows.values()) == sum(1 for f in FINESS if f[18] == "246") == 9
    assert sum(r["is_eatt"] for r in rows.values()) == sum(1 for r in EA if r["TYPE_EA"] == "EATT")
    assert sum(r["is_geiq"] for r in rows.values()) == len({clean(r["SIRET"]) for r in GEIQ} - {None})


def test_every_idf_siae_has_the_kinds_of_the_asp_list(warehouse: Path) -> None:
    rows = structures(warehouse)
    kinds: dict[str, set[str]] = {}
    for row in SIAE_FRANCE:
        kinds.setdefault(clean(row["SIRET"]), set()).add(row["MESURE"])
    for row in SIAE_IDF:
        structure = rows[clean(row["SIRET"])]
        assert set(structure["structure_kinds"]) >= kinds[clean(row["SIRET"])], row["SIRET"]
        assert structure["is_siae"] and structure["structure_family"] == "SIAE"


@pytest.mark.parametrize(
    ("siret", "kind", "name", "departement", "commune_code"),
    [
        # Hand-checked against itou_2019_07_liste_siae_idf_sans_contacts.csv
        # (MESURE, DENOMINATION_SOCIALE, CODE_POSTAL → arrondissement or commune).
        ("38305448300011", "AI", "ASSOC VILLETTE EMPLOI", "75", "75119"),
        ("61203795200019", "EI", "SARL HOTEL LE MISTRAL", "75", "75112"),
        ("40219166200319", "ETTI", "JANUS SAS PARIS", "75", "75110"),
        ("51926055800043", "ETTI", "SBC INSERTION", "75", "75112"),
        ("84920926700012", "ACI", "ARES APRES", "93", "93055"),
        # GEIQ list (CODE POSTAL 93400 Saint-Ouen-sur-Seine) and the marché de l'inclusion EA.
        ("49271220300040", "GEIQ", "GEIQ ILE-DE-FRANCE", "93", None),
        ("52054050100043", "EA", "FASTROAD IDF", "93", "93048"),
    ],
)
def test_hand_checked_structures(
    warehouse: Path, siret: str, kind: str, name: str, departement: str, commune_code: str | None
) -> None:
    row = structures(warehouse)[siret]
    assert kind in row["structure_kinds"]
    assert row["structure_name"].upper() == name
    assert row["departement_code"] == departement
    if commune_code:
        assert row["commune_code"] == commune_code


def test_a_siret_holding_two_conventions_keeps_both(warehouse: Path) -> None:
    row = structures(warehouse)["34356040500023"]  # COTIERE AVENIR (Ain): ACI and AI in the ASP list
    assert row["structure_kinds"] == ["ACI", "AI"] and row["is_aci"] and row["is_ai"] and not row["is_ei"]
    assert row["first_listed_on"].isoformat() == "2019-07-01"


def test_api_listing_wins_and_is_dated(warehouse: Path) -> None:
    item = API[0]
    row = structures(warehouse)[item["siret"]]
    assert "emplois_inclusion_api" in row["registry_sources"] and "asp_siae_list" in row["registry_sources"]
    assert row["structure_kind"] == item["type"]
    assert row["last_listed_on"].isoformat() == item["mis_a_jour_le"][:10]


def test_establishments_carry_sirene_names_activity_size_and_legal_category(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute("select * from intermediate.int_establishments")
        names = [d[0] for d in cursor.description]
        rows = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    referenced = {clean(r["SIRET"]) for r in SIAE_FRANCE + GEIQ + EA}
    referenced |= {clean(f[22]) for f in FINESS} | {clean(i["siret"]) for i in API}
    assert set(rows) == referenced & set(SIRENE_ET)

    company = rows["38305448300011"]
    assert company["official_name"] == SIRENE_UL["383054483"]["denominationUniteLegale"] == "ASSOC VILLETTE EMPLOI"
    assert company["naf_code"] == "94.99Z" and company["naf_label"].startswith("Autres organisations fonctionnant")
    assert company["legal_category_code"] == "9220"
    assert company["legal_category_level1_label"] == "Groupement de droit privé"
    assert company["size_band_code"] == SIRENE_ET["38305448300011"]["trancheEffectifsEtablissement"]

    sole_traders = [s for s, r in rows.items() if (r["legal_category_code"] or "").startswith("1")]
    assert sole_traders and all(
        rows[s]["legal_category_level1_label"] == "Entrepreneur individuel" for s in sole_traders
    )
    assert all(rows[s]["official_name_source"] != "denomination_unite_legale" for s in sole_traders)

    for siret, row in rows.items():
        source = SIRENE_ET[siret]
        assert row["is_active"] == (
            source["etatAdministratifEtablissement"] == "A"
            and SIRENE_UL.get(source["siren"], {}).get("etatAdministratifUniteLegale", "A") == "A"
        )
        legal_unit = SIRENE_UL.get(source["siren"], {})
        assert row["is_partially_diffusible"] == (
            source["statutDiffusionEtablissement"] == "P" or legal_unit.get("statutDiffusionUniteLegale") == "P"
        )
