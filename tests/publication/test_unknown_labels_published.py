"""A tracking tool's label that its mapping does not know leaves the employment contract's type and modality empty
(audit.tracking_unmapped_labels says which). Such a person still counts in the published breakdowns, under the
modality `inconnu`, and the publication mart still builds: one unknown label must not stop the monthly
publication (it did with the showcase preset: `not_null` on `modalite` failed the whole refresh)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
from reliability_support import DemoOutputs
from support import run_dbt, warehouse_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

#: people with hours in a year, by département of residence, per contract-type and modality code (the test's SQL)
PEOPLE_BY_CODE = """
    select h.year as annee, g.departement_code, coalesce(c.{column}, 'inconnu') as modalite,
        count(distinct h.beneficiary_key) as beneficiaires
    from marts.fct_insertion_hours as h
    join marts.fct_employment_contracts as c using (employment_contract_key)
    join marts.dim_beneficiary as b on b.beneficiary_key = h.beneficiary_key
    join marts.dim_geography as g on g.commune_code = b.residence_commune_code
    where h.hours > 0 and g.is_ile_de_france
    group by all
"""


def test_contracts_with_unknown_labels_are_published_under_inconnu(demo_outputs: DemoOutputs, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_outputs.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        # the contracts of three people with hours in Île-de-France lose their type and modality, as an unknown
        # label would leave them
        emptied = con.execute(
            """
            update marts.fct_employment_contracts set contract_type_code = null, modality_code = null
            where beneficiary_key in (
                select h.beneficiary_key from marts.fct_insertion_hours as h
                join marts.dim_beneficiary as b using (beneficiary_key)
                join marts.dim_geography as g on g.commune_code = b.residence_commune_code
                where h.hours > 0 and g.is_ile_de_france
                group by all order by h.beneficiary_key limit 3
            )
            """
        ).fetchone()[0]
    assert emptied >= 3

    run_dbt(["build", "--select", "beneficiaires_par_territoire"], {**os.environ, **warehouse_env(tmp_path)}, tmp_path)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        for dimension, column in (("type_contrat", "contract_type_code"), ("modalite_realisation", "modality_code")):
            expected = con.execute(PEOPLE_BY_CODE.format(column=column)).fetchall()
            published = con.execute(
                """
                select annee, code_territoire, modalite, beneficiaires, libelle_modalite
                from marts.beneficiaires_par_territoire
                where niveau_territoire = 'departement' and dimension = ? and beneficiaires > 0
                """,
                [dimension],
            ).fetchall()
            assert sorted(row[:4] for row in published) == sorted(expected), dimension
            unknown = [row for row in published if row[2] == "inconnu"]
            assert sum(row[3] for row in unknown) >= 3
            assert {row[4] for row in unknown} <= {"Type de contrat inconnu", "Modalité inconnue"}
