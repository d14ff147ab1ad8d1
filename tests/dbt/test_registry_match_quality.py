"""registry_match_quality on a real DECP file enriched by the registry files and the SIRENE fixture: contract holders
and buyers that no registry knows stay in the marts with an unknown classification, and are counted."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from support import DECP_DEMO, load_decp, run_dbt, warehouse_env

from observatoire.settings import DBT_PROJECT_DIR, DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("registry_match_quality")]

REF = DEMO_DATA_DIR / "ref"
DECP_2019 = DECP_DEMO / "real_2019_format/decp-json_marches-publics.info_2019-03-07.json"


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


SIRENE_SIRETS = {r["siret"] for r in read_csv(REF / "registries/sirene_stock_etablissement_demo.csv")}
LEGAL_CATEGORIES = {
    r["siren"]: r["categorieJuridiqueUniteLegale"]
    for r in read_csv(REF / "registries/sirene_stock_unite_legale_demo.csv")
}
BUYER_TYPE_PREFIXES = [
    r["legal_category_prefix"] for r in read_csv(DBT_PROJECT_DIR / "seeds/registries/buyer_types.csv")
]


def registry_sirets() -> set[str]:
    """SIRETs of the SIAE (ASP), GEIQ, EA lists and of the ESAT (FINESS category 246), spaces and tabs removed."""
    lists = [r["SIRET"] for r in read_csv(REF / "inclusion/itou_2019_07_liste_siae_france_sans_contacts.csv")] + [
        r["SIRET"] for r in read_csv(REF / "inclusion/itou_2019_11_21_liste_geiq_france_sans_contacts.csv")
    ]
    lists += [r["SIRET"] for r in read_csv(REF / "registries/dgefp_liste_ea_idf_fixture.csv", ";")]
    finess = (REF / "registries/finess_etalab_etablissements_idf_fixture.csv").read_text(encoding="utf-8")
    lists += [
        f[22] for f in (line.split(";") for line in finess.splitlines()) if f[0] == "structureet" and f[18] == "246"
    ]
    return {"".join(s.split()) for s in lists if s.strip()}


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    work_dir = tmp_path_factory.mktemp("registry_match_quality")
    env = warehouse_env(work_dir)
    warehouse = load_decp([DECP_2019], work_dir, with_reference=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.registries import registry_files_source, sirene_source

        pipeline = warehouse_pipeline("registries")
        pipeline.run(registry_files_source())
        pipeline.run(sirene_source())  # the SIRETs of the DECP file and of the registry lists
    run_dbt(["build", "--select", "+registry_match_quality"], {**os.environ, **env}, work_dir)
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


def metric(con: duckdb.DuckDBPyConnection, population: str) -> dict:
    cursor = con.execute("select * from audit.registry_match_quality where population = ?", [population])
    names = [d[0] for d in cursor.description]
    [row] = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_only_the_populations_present_have_a_row(con) -> None:
    # no clause-tracking export loaded: no employer
    assert sorted(r[0] for r in con.execute("select population from audit.registry_match_quality").fetchall()) == [
        "buyers",
        "contract_holders",
    ]


def test_holders_no_registry_knows_are_kept_and_counted(con) -> None:
    holders = {r[0] for r in con.execute("select distinct holder_id from marts.fct_contract_holders").fetchall()}
    known = holders & (SIRENE_SIRETS | registry_sirets())
    row = metric(con, "contract_holders")
    assert row["entity_count"] == len(holders) > 1000
    assert row["in_sirene_count"] == len(holders & SIRENE_SIRETS)
    assert row["unknown_count"] == len(holders - known) > 0
    assert row["unknown_share"] == round((len(holders) - len(known)) / len(holders), 4)
    # never dropped: every unknown holder is in dim_company, classified 'inconnu'
    unknown_in_dim = con.execute(
        "select count(*) from marts.dim_company where not is_known_to_a_registry and structure_kind = 'inconnu' "
        "and company_id in (select holder_id from marts.fct_contract_holders)"
    ).fetchone()[0]
    assert unknown_in_dim == row["unknown_count"]


def test_buyers_without_a_type_are_kept_and_counted(con) -> None:
    buyers = {r[0] for r in con.execute("select distinct buyer_siret from marts.fct_contracts").fetchall()}

    def typed(siret: str) -> bool:
        category = LEGAL_CATEGORIES.get(siret[:9]) if siret in SIRENE_SIRETS else None
        return category is not None and any(category.startswith(prefix) for prefix in BUYER_TYPE_PREFIXES)

    untyped = {b for b in buyers if not typed(b)}
    row = metric(con, "buyers")
    assert row["entity_count"] == len(buyers) > 100
    assert row["in_sirene_count"] == len(buyers & SIRENE_SIRETS)
    assert row["unknown_count"] == len(untyped) > 0
    assert row["unknown_count"] < row["entity_count"]  # the Île-de-France buyers SIRENE knows are typed
    assert con.execute("select count(*) from marts.dim_buyer where buyer_type = 'inconnu'").fetchone()[0] == len(
        untyped
    )
