"""Open data written from a demo warehouse built through Dagster: files, schemas, secrecy, and every published
figure reconciled with the marts by SQL written here (not by the code under test)."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from observatoire.publication.open_data import DATASETS, SCHEMAS_DIR, CatalogueError, load_dataset, write_open_data
from observatoire.warehouse import WarehouseUnavailableError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo")]

THRESHOLD = 11
NAMES = [dataset.name for dataset in DATASETS]
#: columns counting people, per dataset
PEOPLE = {
    "beneficiaires_par_territoire": "beneficiaires",
    "heures_par_territoire_mois": "beneficiaires",
    "sorties_par_territoire": "sorties",
    "heures_prevues_realisees": "beneficiaires",
    "grands_programmes": "beneficiaires",
    "profils_acheteurs": "beneficiaires",
    "sorties_grands_programmes": "sorties",
    "parcours_beneficiaires": "beneficiaires",
    "beneficiaires_par_qpv": "beneficiaires",
}


def parquet(open_data_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(open_data_dir / name / f"{name}.parquet")


def marts(warehouse: Path, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).df()


def published(open_data_dir: Path, name: str) -> str:
    return f"read_parquet('{open_data_dir / name / f'{name}.parquet'}')"


def test_every_dataset_has_its_four_files(published_demo: SimpleNamespace) -> None:
    folders = sorted(p.name for p in published_demo.open_data_dir.iterdir())
    assert folders == sorted(NAMES)
    for name in NAMES:
        files = sorted(p.name for p in (published_demo.open_data_dir / name).iterdir())
        assert files == sorted(["README.md", "schema.json", f"{name}.csv", f"{name}.parquet"])
        assert len(parquet(published_demo.open_data_dir, name)) > 0, name
    parent = published_demo.open_data_dir.parent
    assert [p.name for p in parent.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def read_csv_with_schema(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of the CSV converted by the Table Schema's types; fails on any value the schema does not allow."""
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    fields = schema["fields"]
    missing = set(schema["missingValues"])
    with (folder / f"{folder.name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=",")
        header = next(reader)
        assert header == [field["name"] for field in fields], folder.name
        rows = []
        for line, values in enumerate(reader, start=2):
            row = {}
            for field, value in zip(fields, values, strict=True):
                where = f"{folder.name}.csv line {line} column {field['name']}"
                if value in missing:
                    assert not field.get("constraints", {}).get("required"), f"{where}: required value missing"
                    row[field["name"]] = None
                elif field["type"] == "integer":
                    assert re.fullmatch(r"-?\d+", value), f"{where}: not an integer: {value!r}"
                    row[field["name"]] = int(value)
                elif field["type"] == "number":
                    row[field["name"]] = float(value)  # raises on anything else
                elif field["type"] == "boolean":
                    assert value in ("true", "false"), f"{where}: not a boolean: {value!r}"
                    row[field["name"]] = value == "true"
                else:
                    assert field["type"] == "string", where
                    row[field["name"]] = value
            rows.append(row)
    return rows, schema


@pytest.mark.parametrize("name", NAMES)
def test_csv_follows_its_table_schema_and_equals_the_parquet(published_demo: SimpleNamespace, name: str) -> None:
    folder = published_demo.open_data_dir / name
    rows, schema = read_csv_with_schema(folder)
    for field in schema["fields"]:
        assert field["title"] and field["description"], f"{name}.{field['name']} has no French title/description"
    keys = [tuple(row[k] for k in schema["primaryKey"]) for row in rows]
    assert len(keys) == len(set(keys)), f"{name}: primary key {schema['primaryKey']} not unique"
    frame = parquet(published_demo.open_data_dir, name)
    assert list(frame.columns) == [field["name"] for field in schema["fields"]]
    if "niveau_territoire" in frame:  # hidden cells (parts of EPT straddling two départements) never published
        assert set(frame["niveau_territoire"]) <= {"region", "departement", "ept", "commune"}
    assert len(frame) == len(rows)
    for row, record in zip(rows, frame.to_dict("records"), strict=True):
        for column, value in row.items():
            stored = record[column]
            if value is None:
                assert pd.isna(stored), (name, column, stored)
            elif isinstance(value, float):
                assert math.isclose(value, stored, rel_tol=1e-12), (name, column, value, stored)
            else:
                assert value == stored, (name, column, value, stored)


@pytest.mark.parametrize("name", NAMES)
def test_published_schema_is_its_catalogue_file_and_the_mart_has_its_columns(
    published_demo: SimpleNamespace, name: str
) -> None:
    source = json.loads((SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    written = json.loads((published_demo.open_data_dir / name / "schema.json").read_text(encoding="utf-8"))
    assert written["primaryKey"] == source["primaryKey"]
    assert written["fields"] == [
        {key: field[key] for key in ("name", "type", "title", "description", "constraints") if key in field}
        for field in source["fields"]
    ]
    if name == "structures_inclusion":  # the listing renames the columns of the mart inclusion_structures
        return
    columns = marts(published_demo.warehouse, f"select * from marts.{name} limit 0").columns
    published_columns = [field["name"] for field in source["fields"] if field["name"] != "secret"]
    assert [column for column in columns if column != "statut_rapprochement"] == published_columns


def test_a_malformed_catalogue_file_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    schema = json.loads((SCHEMAS_DIR / "sorties_par_territoire.json").read_text(encoding="utf-8"))
    broken = tmp_path / "sorties_par_territoire.json"
    schema["fields"][0]["type"] = "date"
    broken.write_text(json.dumps(schema), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"sorties_par_territoire\.json: field 1 \(annee\) has type 'date'"):
        load_dataset(broken)
    schema["fields"][0]["type"] = "integer"
    schema["fields"] = [field for field in schema["fields"] if field["name"] != "secret"]
    broken.write_text(json.dumps(schema), encoding="utf-8")
    with pytest.raises(CatalogueError, match="secretStatistique is true but there is no field 'secret'"):
        load_dataset(broken)
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid JSON"):
        load_dataset(broken)


def test_readme_states_content_secrecy_rule_licence_and_coverage(published_demo: SimpleNamespace) -> None:
    for dataset in DATASETS:
        text = (published_demo.open_data_dir / dataset.name / "README.md").read_text(encoding="utf-8")
        assert text.startswith(f"# {dataset.title}\n")
        assert "Licence Ouverte" in text and "etalab.gouv.fr" in text and "## Citer ce jeu" in text
        for field in dataset.fields:
            assert f"`{field.name}`" in text
        frame = parquet(published_demo.open_data_dir, dataset.name)
        if "annee" in frame:
            assert f"Années : {frame['annee'].min()} à {frame['annee'].max()}." in text
        if dataset.name in PEOPLE:
            assert f"entre 1 et {THRESHOLD - 1} ne sont pas publiés (seuil de {THRESHOLD} personnes)" in text
            assert f"Lignes masquées : {int(frame['secret'].sum())} sur {len(frame)}." in text


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_no_published_count_of_people_below_the_threshold(published_demo: SimpleNamespace, name: str) -> None:
    frame = parquet(published_demo.open_data_dir, name)
    column = PEOPLE[name]
    shown = frame.loc[~frame["secret"], column]
    assert shown.notna().all()
    assert not shown.between(1, THRESHOLD - 1).any(), shown[shown.between(1, THRESHOLD - 1)]
    hidden = frame.loc[frame["secret"]]
    assert hidden[column].isna().all()
    if "heures_realisees" in frame:
        assert hidden["heures_realisees"].isna().all()
        assert frame.loc[~frame["secret"], "heures_realisees"].notna().all()


#: (dimension, modality) of beneficiaires_par_territoire -> column of clause_indicators_by_territory_year
INDICATORS = {
    ("ensemble", "total"): "beneficiary_count",
    ("sexe", "F"): "women_count",
    ("residence_qpv", "QPV"): "qpv_resident_count",
    ("tranche_age", "moins de 26 ans"): "young_under_26_count",
    ("tranche_age", "50 ans et plus"): "senior_50_count",
    ("public", "DELD"): "long_term_unemployed_count",
    ("public", "MINIMA_RSA"): "rsa_count",
    ("public", "TH"): "disabled_count",
}


def check_against_indicators(warehouse: Path, open_data_dir: Path) -> pd.DataFrame:
    """Published beneficiaries (and hours) beside clause_indicators_by_territory_year, which counts them by residence
    too; Paris is one commune in the open data and its arrondissements are separate communes in the mart: Paris is
    compared with the mart's EPT 75056. Returns the compared rows."""
    cases = " ".join(f"when p.dimension = '{d}' and p.modalite = '{m}' then i.{c}" for (d, m), c in INDICATORS.items())
    pairs = ", ".join(f"('{d}', '{m}')" for d, m in INDICATORS)
    compared = marts(
        warehouse,
        f"""
        select p.dimension, p.modalite, p.niveau_territoire, p.code_territoire, p.annee, p.beneficiaires,
            p.heures_realisees, case {cases} end as expected, i.hours_worked
        from {published(open_data_dir, "beneficiaires_par_territoire")} as p
        inner join marts.clause_indicators_by_territory_year as i
            on i.year = p.annee
            and i.territory_level = case when p.code_territoire = '75056' then 'ept' else p.niveau_territoire end
            and i.territory_code = p.code_territoire
        where not p.secret and (p.dimension, p.modalite) in ({pairs})
        """,
    )
    assert set(compared["dimension"] + "|" + compared["modalite"]) == {f"{d}|{m}" for d, m in INDICATORS}
    wrong = compared[compared["beneficiaires"] != compared["expected"]]
    assert wrong.empty, wrong
    totals = compared[compared["dimension"] == "ensemble"]
    assert (totals["heures_realisees"] - totals["hours_worked"]).abs().max() < 0.01
    return compared


def test_beneficiaries_equal_the_observatory_indicators_where_published(published_demo: SimpleNamespace) -> None:
    compared = check_against_indicators(published_demo.warehouse, published_demo.open_data_dir)
    assert {"region", "departement", "ept"} <= set(compared["niveau_territoire"])
    # every territory-year of the mart with beneficiaries is in the open data, masked or not
    missing = marts(
        published_demo.warehouse,
        f"""
        select i.territory_level, i.territory_code, i.year from marts.clause_indicators_by_territory_year as i
        where i.beneficiary_count > 0 and i.territory_level in ('region', 'departement', 'ept')
            and i.territory_code <> 'INCONNU'
        and not exists (select 1 from {published(published_demo.open_data_dir, "beneficiaires_par_territoire")} p
            where p.annee = i.year and p.niveau_territoire = i.territory_level and p.code_territoire = i.territory_code
            and p.dimension = 'ensemble')
        """,
    )
    assert missing.empty, missing


def test_breakdowns_absent_from_the_indicators_mart_are_recomputed_from_the_facts(
    published_demo: SimpleNamespace,
) -> None:
    # prescriber and employment-contract type by département, from the fact tables, written independently
    expected = marts(
        published_demo.warehouse,
        """
        select h.year as annee, g.departement_code as code_territoire, 'prescripteur' as dimension,
            b.prescriber_code as modalite, count(distinct h.beneficiary_key) as n, sum(h.hours) as hours
        from marts.fct_insertion_hours h
        join marts.dim_beneficiary b using (beneficiary_key)
        join marts.dim_geography g on g.commune_code = b.residence_commune_code
        where h.hours > 0 and g.is_ile_de_france group by all
        union all
        select h.year, g.departement_code, 'type_contrat', c.contract_type_code,
            count(distinct h.beneficiary_key), sum(h.hours)
        from marts.fct_insertion_hours h
        join marts.fct_employment_contracts c using (employment_contract_key)
        join marts.dim_beneficiary b on b.beneficiary_key = h.beneficiary_key
        join marts.dim_geography g on g.commune_code = b.residence_commune_code
        where h.hours > 0 and g.is_ile_de_france group by all
        """,
    )
    frame = parquet(published_demo.open_data_dir, "beneficiaires_par_territoire")
    frame = frame[
        (frame["niveau_territoire"] == "departement") & frame["dimension"].isin(["prescripteur", "type_contrat"])
    ]
    merged = frame.merge(expected, how="left", on=["annee", "code_territoire", "dimension", "modalite"])
    assert merged["n"].fillna(0).sum() > 0
    shown = merged[~merged["secret"]]
    assert (shown["beneficiaires"] == shown["n"].fillna(0)).all()
    assert ((shown["heures_realisees"] - shown["hours"].fillna(0)).abs() < 0.01).all()
    # every (year, département, modality) with someone is published, masked or not
    keys = set(map(tuple, frame[["annee", "code_territoire", "dimension", "modalite"]].to_numpy().tolist()))
    assert set(map(tuple, expected[["annee", "code_territoire", "dimension", "modalite"]].to_numpy().tolist())) <= keys


def test_no_additive_group_has_exactly_one_masked_cell(published_demo: SimpleNamespace) -> None:
    frame = parquet(published_demo.open_data_dir, "beneficiaires_par_territoire")
    key = ["annee", "niveau_territoire", "code_territoire"]
    total = frame[frame["dimension"] == "ensemble"].set_index(key)["secret"]
    for dimension in ("sexe", "tranche_age", "niveau_diplome", "residence_qpv", "prescripteur", "type_contrat"):
        masked = frame[frame["dimension"] == dimension].groupby(key)["secret"].sum()
        assert ((masked + total.reindex(masked.index).astype(int)) != 1).all(), dimension
    # départements -> region, for every modality
    territorial = frame[frame["niveau_territoire"].isin(["region", "departement"])]
    per_modality = territorial.groupby(["annee", "dimension", "modalite"])["secret"].sum()
    assert (per_modality != 1).all(), per_modality[per_modality == 1]
    # months -> year for the hours by place of operation (both published, protected together)
    monthly = parquet(published_demo.open_data_dir, "heures_par_territoire_mois")
    annual = parquet(published_demo.open_data_dir, "heures_prevues_realisees").set_index(key)["secret"]
    masked_months = monthly.groupby(key)["secret"].sum()
    assert ((masked_months + annual.reindex(masked_months.index).astype(int)) != 1).all()


def test_beneficiaries_by_qpv_equal_the_mart_and_add_up_to_the_qpv_residents(published_demo: SimpleNamespace) -> None:
    warehouse, open_data_dir = published_demo.warehouse, published_demo.open_data_dir
    compared = marts(
        warehouse,
        f"""
        select annee, code_qpv, code_commune, m.code_departement, m.beneficiaires as expected,
            m.heures_realisees as expected_hours, p.beneficiaires, p.heures_realisees, p.secret
        from marts.beneficiaires_par_qpv as m
        full outer join {published(open_data_dir, "beneficiaires_par_qpv")} as p using (annee, code_qpv, code_commune)
        """,
    )
    # the same rows; published values are the mart's, masked ones are empty and held someone
    assert compared["secret"].notna().all() and compared["expected"].notna().all()
    assert compared["expected"].sum() > 0
    shown, masked = compared[~compared["secret"]], compared[compared["secret"]]
    assert (shown["beneficiaires"] == shown["expected"]).all()
    assert ((shown["heures_realisees"] - shown["expected_hours"]).abs() < 0.01).all()
    assert masked[["beneficiaires", "heures_realisees"]].isna().all().all() and (masked["expected"] > 0).all()
    # the QPV residents of each département and year, from the facts with SQL written here
    residents = marts(
        warehouse,
        """
        with yearly as (
            select h.year as annee, h.beneficiary_key
            from marts.fct_insertion_hours as h
            inner join marts.fct_employment_contracts as c using (employment_contract_key)
            where h.hours > 0
            group by all
        )
        select yearly.annee, g.departement_code as code_departement, count(*) as residents
        from yearly
        inner join marts.dim_beneficiary as b using (beneficiary_key)
        inner join marts.dim_geography as g on g.commune_code = b.residence_commune_code
        where b.is_qpv_resident and g.is_ile_de_france
        group by all
        """,
    )
    by_departement = compared.groupby(["annee", "code_departement"])["expected"].sum().reset_index()
    merged = by_departement.merge(residents, how="outer", on=["annee", "code_departement"]).fillna(0)
    assert merged["residents"].sum() > 0 and (merged["expected"] == merged["residents"]).all(), merged
    # secrecy: within a département and year, the QPV rows and the département's QPV residents published in
    # beneficiaires_par_territoire never hold exactly one masked cell
    territory = parquet(open_data_dir, "beneficiaires_par_territoire")
    totals = territory[
        (territory["niveau_territoire"] == "departement")
        & (territory["dimension"] == "residence_qpv")
        & (territory["modalite"] == "QPV")
    ].set_index(["annee", "code_territoire"])["secret"]
    masked_rows = compared.groupby(["annee", "code_departement"])["secret"].sum()
    assert ((masked_rows + totals.reindex(masked_rows.index).astype(int).to_numpy()) != 1).all()


def test_hours_by_operation_place_equal_the_marts_and_months_add_up(published_demo: SimpleNamespace) -> None:
    annual = marts(
        published_demo.warehouse,
        f"""
        select p.annee, p.niveau_territoire, p.code_territoire, p.heures_realisees, p.beneficiaires, p.secret,
            coalesce(i.hours_worked_on_territory, 0) as hours, coalesce(i.beneficiaries_working_on_territory, 0) as n
        from {published(published_demo.open_data_dir, "heures_prevues_realisees")} p
        left join marts.clause_indicators_by_territory_year i
            on i.year = p.annee and i.territory_level = p.niveau_territoire and i.territory_code = p.code_territoire
        where p.niveau_territoire <> 'commune' or p.code_territoire <> '75056'
        """,
    )
    shown = annual[~annual["secret"]]
    assert shown["hours"].sum() > 0
    assert ((shown["heures_realisees"] - shown["hours"]).abs() < 0.01).all()
    assert (shown["beneficiaires"] == shown["n"]).all()
    monthly = parquet(published_demo.open_data_dir, "heures_par_territoire_mois")
    region = monthly[monthly["niveau_territoire"] == "region"].groupby("annee")
    for year, months in region:
        if not months["secret"].any():
            expected = annual[(annual["annee"] == year) & (annual["niveau_territoire"] == "region")]["hours"].item()
            assert abs(months["heures_realisees"].sum() - expected) < 0.01
    planned = marts(
        published_demo.warehouse,
        f"""
        select p.annee, p.heures_prevues, coalesce(sum(t.hours_planned), 0) as expected
        from {published(published_demo.open_data_dir, "heures_prevues_realisees")} p
        left join (
            marts.fct_tracked_contracts t
            join marts.dim_operation o using (operation_key)
            join marts.dim_geography g on g.commune_code = o.commune_code and g.is_ile_de_france
        ) on t.notification_year = p.annee
        where p.niveau_territoire = 'region' group by all
        """,
    )
    assert (planned["heures_prevues"] - planned["expected"]).abs().max() < 0.01 and planned["expected"].sum() > 0


def test_exits_equal_the_marts_where_published(published_demo: SimpleNamespace) -> None:
    compared = marts(
        published_demo.warehouse,
        f"""
        select p.issue, p.sorties, case p.issue when 'ensemble' then i.exit_count
            when 'emploi_durable' then i.lasting_employment_exit_count
            when 'emploi_transition' then i.transition_employment_exit_count
            when 'sortie_positive' then i.positive_exit_count end as expected
        from {published(published_demo.open_data_dir, "sorties_par_territoire")} p
        join marts.clause_indicators_by_territory_year i
            on i.year = p.annee and i.territory_level = p.niveau_territoire and i.territory_code = p.code_territoire
        where not p.secret and p.issue in ('ensemble', 'emploi_durable', 'emploi_transition', 'sortie_positive')
        """,
    )
    assert len(compared) > 0 and (compared["sorties"] == compared["expected"]).all()


def test_programmes_contracts_reconciliation_and_structures_equal_the_marts(published_demo: SimpleNamespace) -> None:
    open_data, warehouse = published_demo.open_data_dir, published_demo.warehouse
    programmes = marts(
        warehouse,
        f"""
        select p.programme, p.annee, p.heures_realisees, p.heures_prevues, p.heures_engagees, p.secret,
            sum(c.hours_worked) as worked, sum(c.hours_planned) as planned, sum(c.hours_committed) as committed
        from {published(open_data, "grands_programmes")} p
        left join marts.clause_hours_committed_vs_worked c on c.programme_code = p.programme and c.year = p.annee
        group by all
        """,
    )
    shown = programmes[~programmes["secret"]]
    assert ((shown["heures_realisees"] - shown["worked"].fillna(0)).abs() < 0.01).all()
    assert ((programmes["heures_prevues"] - programmes["planned"].fillna(0)).abs() < 0.01).all()
    assert ((programmes["heures_engagees"].fillna(0) - programmes["committed"].fillna(0)).abs() < 0.01).all()
    active = marts(
        warehouse,
        """
        select distinct programme_code, year from marts.clause_hours_committed_vs_worked
        where hours_committed is not null or hours_planned > 0 or hours_worked > 0
        """,
    )
    assert set(zip(active["programme_code"], active["year"], strict=True)) <= set(
        zip(programmes["programme"], programmes["annee"], strict=True)
    )
    assert "GRAND_PARIS_EXPRESS" in set(programmes["programme"])

    contracts = marts(
        warehouse,
        f"""
        select sum(marches) as published, sum(marches_avec_clause_sociale) as p_clause,
            (select count(*) from marts.fct_contracts where is_notification_date_valid) as contracts,
            (select count(*) from marts.fct_contracts where is_notification_date_valid and has_social_clause) as clause
        from {published(open_data, "marches_clauses_sociales")}
        """,
    ).iloc[0]
    assert contracts["published"] == contracts["contracts"] > 0 and contracts["p_clause"] == contracts["clause"]

    reconciliation = marts(
        warehouse,
        f"""
        select p.categorie, sum(p.marches) as published, any_value(m.n) as expected
        from {published(open_data, "rapprochement_decp_suivi")} p
        join (select reconciliation_status, count(*) as n from marts.social_clause_reconciliation
              where is_buyer_tracked group by all) m
            on m.reconciliation_status = case p.categorie when 'declare_et_suivi' then 'declared_and_tracked'
                when 'declare_non_suivi' then 'declared_not_tracked'
                when 'suivi_non_declare' then 'tracked_not_declared'
                when 'suivi_declaration_inconnue' then 'tracked_declaration_unknown'
                when 'suivi_absent_decp' then 'tracked_not_in_decp' end
        group by all
        """,
    )
    assert len(reconciliation) > 0 and (reconciliation["published"] == reconciliation["expected"]).all()

    structures = marts(
        warehouse,
        f"""
        select p.niveau_territoire, p.code_territoire, p.structures, p.population, s.structure_count,
            s.population as pop
        from {published(open_data, "structures_par_territoire")} p
        join marts.structures_by_territory s
            on s.territory_level = p.niveau_territoire and s.territory_code = p.code_territoire
        where p.type_structure = 'ensemble'
        """,
    )
    assert len(structures) == 8 + 12
    assert (structures["structures"] == structures["structure_count"]).all()
    assert (structures["population"] == structures["pop"]).all()
    by_territory = parquet(open_data, "structures_par_territoire")
    region = by_territory[
        (by_territory["niveau_territoire"] == "region") & (by_territory["type_structure"] == "ensemble")
    ]
    listing = parquet(open_data, "structures_inclusion")
    departements = structures[structures["niveau_territoire"] == "departement"]
    assert region["structures"].item() == departements["structures"].sum() == len(listing) > 0
    assert listing["siret"].is_unique and listing["code_departement"].notna().all()


def test_a_lower_threshold_publishes_smaller_counts_and_rewrites_in_place(
    published_demo: SimpleNamespace, tmp_path: Path
) -> None:
    out = tmp_path / "open_data"
    write_open_data(published_demo.warehouse, out, threshold=3)
    first = (out / "sorties_par_territoire" / "sorties_par_territoire.csv").stat().st_mtime_ns
    frame = parquet(out, "beneficiaires_par_territoire")
    shown = frame.loc[~frame["secret"], "beneficiaires"]
    assert not shown.between(1, 2).any() and shown.between(3, 10).any()
    compared = check_against_indicators(published_demo.warehouse, out)
    assert set(compared["niveau_territoire"]) == {"region", "departement", "ept", "commune"}
    assert "seuil de 3 personnes" in (out / "beneficiaires_par_territoire" / "README.md").read_text(encoding="utf-8")
    # a failing build leaves the published folder as it was; a new build replaces it whole
    with pytest.raises(WarehouseUnavailableError, match="does not exist"):
        write_open_data(tmp_path / "missing.duckdb", out)
    assert (out / "sorties_par_territoire" / "sorties_par_territoire.csv").stat().st_mtime_ns == first
    write_open_data(published_demo.warehouse, out, threshold=3)
    assert (out / "sorties_par_territoire" / "sorties_par_territoire.csv").stat().st_mtime_ns != first
    # the same warehouse gives the same masked cells (DuckDB returns grouped rows in no set order)
    pd.testing.assert_frame_equal(parquet(out, "beneficiaires_par_territoire"), frame)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["open_data"]


def test_no_masked_exit_count_can_be_recomputed_from_the_published_ones(published_demo: SimpleNamespace) -> None:
    """The attacker's view of sorties_par_territoire, built here from dim_geography alone: unknown non-negative
    exits per (département x EPT part, issue); every published cell is a sum of them. Each masked cell must keep
    a feasible interval of positive width (linear programming)."""
    parts = marts(
        published_demo.warehouse,
        """
        select distinct departement_code, coalesce(ept_code, '-') as ept_code from marts.dim_geography
        where is_ile_de_france and commune_type = 'COM'
        """,
    )
    issues = ["emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie", "inconnue"]
    variables = [
        (d, e, issue) for d, e in zip(parts["departement_code"], parts["ept_code"], strict=True) for issue in issues
    ]

    def coefficients(level: str, code: str, issue: str) -> np.ndarray:
        """Which unknowns a published cell sums."""
        return np.array(
            [
                (issue in ("ensemble", i))
                and (level == "region" or (level == "departement" and d == code) or (level == "ept" and e == code))
                for d, e, i in variables
            ],
            dtype=float,
        )

    frame = parquet(published_demo.open_data_dir, "sorties_par_territoire")
    checked = 0
    for _, cells in frame.groupby("annee"):
        shown, hidden = cells[~cells["secret"]], cells[cells["secret"]]
        a_eq = np.array([coefficients(r.niveau_territoire, r.code_territoire, r.issue) for r in shown.itertuples()])
        b_eq = shown["sorties"].to_numpy(dtype=float)
        for row in hidden.itertuples():
            objective = coefficients(row.niveau_territoire, row.code_territoire, row.issue)
            low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
            assert low.status == 0 and high.status in (0, 3), (low.message, high.message)
            assert high.status == 3 or -high.fun - low.fun > 1e-6, f"recoverable: {row}"
            checked += 1
    assert checked == int(frame["secret"].sum()) > 0


def test_nobody_residing_in_a_qpv_publishes_the_qpv_dataset_empty(
    published_demo: SimpleNamespace, tmp_path: Path
) -> None:
    """A coordination's first export with no QPV resident (found with a hand-written export of 2 participants): the
    open data used to fail on the missing QPV columns and stop the whole publication."""
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(published_demo.warehouse.read_bytes())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.beneficiaires_par_qpv")
    out = tmp_path / "open_data"
    write_open_data(warehouse, out, threshold=11)
    assert parquet(out, "beneficiaires_par_qpv").empty
    # the territories are published as before, one row per row of the mart (the QPV rows only add masking groups)
    territories = parquet(out, "beneficiaires_par_territoire")
    before = parquet(published_demo.open_data_dir, "beneficiaires_par_territoire")
    keys = ["annee", "niveau_territoire", "code_territoire", "dimension", "modalite"]
    assert len(territories) == len(before) > 0
    pd.testing.assert_frame_equal(territories[keys].reset_index(drop=True), before[keys].reset_index(drop=True))
