"""Open-data aggregates of the observatory, under statistical secrecy (``disclosure.protect``).

``write_open_data(warehouse, out_dir)`` reads the marts (read-only), aggregates in DuckDB SQL, applies the
secrecy rule once in pandas, and writes one folder per dataset: ``<name>.csv`` (UTF-8, comma), ``<name>.parquet``,
``schema.json`` (Frictionless Table Schema, French titles and descriptions) and ``README.md`` (French: content,
source, coverage, definitions, secrecy rule, Licence Ouverte 2.0, how to cite). Everything is written into a
temporary sibling folder first, then swapped in with two renames, so a reader never sees half a dataset.

Territories. Levels ``region`` (11 Île-de-France), ``departement`` (its 8 départements), ``ept`` (the 11
établissements publics territoriaux of the Métropole du Grand Paris and Paris, code 75056) and ``commune``
(Paris as one commune 75056: arrondissements and former communes count in their current commune). People are
placed by their residence (``beneficiaires_par_territoire``, ``sorties_par_territoire``), hours by the place of
the operation (``heures_par_territoire_mois``, ``heures_prevues_realisees``). People residing outside
Île-de-France or whose residence is unknown, and hours of operations with no known place, appear in no
territory row.

Secrecy. Every count of people and what is computed on them go through ``disclosure.protect`` with the
additive structure of the table: categories adding up to the total of their territory, the sex x age table in
both directions, communes adding up to their département and EPT, départements to the region, EPT and
département pieces (Boucle Nord de Seine and Grand-Orly Seine Bièvre straddle two départements: the pieces
are hidden cells), months adding up to the year (monthly and annual hours are protected together because
both are published). Counts of distinct people across months, operation places, contract types or programmes
do not add up (a person can be in several), but the hours do: those tables are protected on their hours.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from observatoire.publication.disclosure import SECRET_COLUMN, AdditiveGroup, additive_groups, protect
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PRODUCER = "Observatoire régional des clauses sociales d'Île-de-France"
#: Levels of the published territories, from the largest.
LEVELS = ("region", "departement", "ept", "commune")
#: Hidden cells: the part of a département lying in one EPT (or outside the EPT), when it is no published cell.
PIECE = "morceau"

_TERRITORY_FIELDS = (
    ("niveau_territoire", "string", "Niveau de territoire", "region, departement, ept ou commune."),
    (
        "code_territoire",
        "string",
        "Code du territoire",
        "Code INSEE de la région (11), du département ou de la commune ; SIREN de l'EPT (75056 pour Paris).",
    ),
    ("nom_territoire", "string", "Nom du territoire", "Nom officiel du territoire."),
)
_SECRET_FIELD = (
    SECRET_COLUMN,
    "boolean",
    "Secret statistique",
    "true quand les valeurs relatives aux personnes de la ligne sont masquées (vides) au titre du secret.",
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, integer, number, boolean
    title: str
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    sources: tuple[str, ...]
    definitions: tuple[str, ...]
    under_secrecy: bool


def _fields(*specs: tuple[str, str, str, str]) -> tuple[Field, ...]:
    return tuple(Field(*spec) for spec in specs)


DATASETS: tuple[Dataset, ...] = (
    Dataset(
        name="beneficiaires_par_territoire",
        title="Bénéficiaires des clauses sociales par territoire de résidence",
        description=(
            "Nombre de bénéficiaires des clauses sociales d'insertion et heures d'insertion qu'ils ont réalisées, "
            "par année, territoire de résidence et caractéristique (sexe, tranche d'âge, niveau de diplôme, "
            "public éligible, résidence en QPV, type de contrat de travail, modalité de réalisation, "
            "prescripteur, sexe et tranche d'âge croisés)."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année civile des heures réalisées."),
            *_TERRITORY_FIELDS,
            (
                "dimension",
                "string",
                "Dimension",
                "ensemble, sexe, tranche_age, niveau_diplome, public, residence_qpv, type_contrat, "
                "modalite_realisation, prescripteur ou sexe_tranche_age.",
            ),
            (
                "modalite",
                "string",
                "Modalité",
                "Valeur de la dimension : total pour ensemble ; F ou M ; tranche d'âge à l'entrée ; niveau de "
                "diplôme 1 à 8 ou inconnu ; code du public, du type de contrat, de la modalité ou du prescripteur ; "
                "QPV ou hors QPV ; sexe|tranche d'âge pour sexe_tranche_age.",
            ),
            ("libelle_modalite", "string", "Libellé de la modalité", "Libellé en clair de la modalité."),
            (
                "beneficiaires",
                "integer",
                "Bénéficiaires",
                "Personnes distinctes ayant réalisé plus de 0 heure d'insertion dans l'année (vide si secret).",
            ),
            (
                "heures_realisees",
                "number",
                "Heures réalisées",
                "Heures d'insertion réalisées dans l'année par ces personnes (vide si secret).",
            ),
            _SECRET_FIELD,
        ),
        primary_key=("annee", "niveau_territoire", "code_territoire", "dimension", "modalite"),
        sources=("fct_insertion_hours", "fct_employment_contracts", "dim_beneficiary", "dim_geography"),
        definitions=(
            "Bénéficiaire de l'année : personne distincte (pseudonyme stable, une personne suivie par deux "
            "sources compte une fois) ayant réalisé plus de 0 heure d'insertion au cours d'au moins un mois de "
            "l'année, tous contrats confondus.",
            "Territoire : commune de résidence de la personne (Paris compte comme une seule commune, 75056). "
            "Les personnes résidant hors d'Île-de-France ou dont la résidence est inconnue ne figurent dans "
            "aucun territoire. Le niveau commune ne porte que la dimension ensemble.",
            "Sexe, tranche d'âge (à la première entrée dans le dispositif), niveau de diplôme (nomenclature "
            "2019, 1 à 8), résidence en quartier prioritaire de la politique de la ville (QPV) et prescripteur "
            "sont ceux de la première entrée ; ces dimensions s'additionnent jusqu'au total.",
            "Public éligible : une personne peut relever de plusieurs publics (ou d'aucun) ; type de contrat et "
            "modalité de réalisation : une personne compte dans chaque type ou modalité de ses contrats ayant "
            "des heures dans l'année. Ces dimensions ne s'additionnent pas en personnes ; les heures des types "
            "de contrat et des modalités s'additionnent.",
        ),
        under_secrecy=True,
    ),
    Dataset(
        name="heures_par_territoire_mois",
        title="Heures d'insertion réalisées par territoire du chantier et par mois",
        description=(
            "Heures d'insertion réalisées et nombre de bénéficiaires, par mois et par territoire où se situe "
            "l'opération (lieu du chantier ou de la prestation)."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année du mois travaillé."),
            ("mois", "integer", "Mois", "Mois travaillé (1 à 12)."),
            *_TERRITORY_FIELDS,
            ("heures_realisees", "number", "Heures réalisées", "Heures d'insertion réalisées (vide si secret)."),
            (
                "beneficiaires",
                "integer",
                "Bénéficiaires",
                "Personnes distinctes ayant réalisé plus de 0 heure dans le mois sur une opération du territoire "
                "(vide si secret).",
            ),
            _SECRET_FIELD,
        ),
        primary_key=("annee", "mois", "niveau_territoire", "code_territoire"),
        sources=("fct_insertion_hours", "dim_operation", "dim_geography"),
        definitions=(
            "Territoire : commune de l'opération à laquelle se rattache le marché, niveaux région, département "
            "et EPT. Les heures de marchés sans opération localisée ne figurent dans aucun territoire.",
            "Une personne travaillant sur plusieurs territoires ou plusieurs mois compte dans chacun : les "
            "bénéficiaires ne s'additionnent pas ; les heures s'additionnent.",
        ),
        under_secrecy=True,
    ),
    Dataset(
        name="sorties_par_territoire",
        title="Sorties des bénéficiaires par issue et territoire de résidence",
        description=(
            "Nombre de sorties du dispositif par année, territoire de résidence et issue (emploi durable, emploi "
            "de transition, sortie positive, autre sortie, issue inconnue)."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année de la sortie."),
            *_TERRITORY_FIELDS,
            (
                "issue",
                "string",
                "Issue",
                "ensemble, emploi_durable, emploi_transition, sortie_positive, autre_sortie ou inconnue.",
            ),
            ("libelle_issue", "string", "Libellé de l'issue", "Libellé en clair de l'issue."),
            ("sorties", "integer", "Sorties", "Nombre de sorties (vide si secret)."),
            _SECRET_FIELD,
        ),
        primary_key=("annee", "niveau_territoire", "code_territoire", "issue"),
        sources=("fct_beneficiary_outcomes", "dim_beneficiary", "dim_geography"),
        definitions=(
            "Issue : situation six mois après la sortie quand elle est connue, sinon situation à la sortie, "
            "classée selon les règles officielles (emploi durable : CDI, CDD ou intérim de 6 mois ou plus, "
            "création d'entreprise, fonction publique ; emploi de transition : CDD ou intérim de moins de "
            "6 mois, contrat aidé ; sortie positive : formation qualifiante, embauche dans une autre SIAE).",
            "Territoire : commune de résidence de la personne, niveaux région, département et EPT.",
        ),
        under_secrecy=True,
    ),
    Dataset(
        name="marches_clauses_sociales",
        title="Marchés publics et considérations sociales (DECP)",
        description=(
            "Marchés publics déclarés dans les données essentielles de la commande publique (DECP) par année "
            "de notification, département et type d'acheteur et secteur (division CPV), avec ceux qui déclarent "
            "une considération sociale ou une clause sociale."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année de notification du marché."),
            (
                "departement_acheteur",
                "string",
                "Département de l'acheteur",
                "Code du département de l'acheteur ; inconnu quand la commune de l'acheteur n'est pas connue.",
            ),
            ("type_acheteur", "string", "Type d'acheteur", "Code du type d'acheteur (catégorie juridique)."),
            ("libelle_type_acheteur", "string", "Libellé du type d'acheteur", "Libellé du type d'acheteur."),
            ("secteur_cpv", "string", "Secteur (division CPV)", "Deux premiers chiffres du code CPV principal."),
            ("libelle_secteur", "string", "Libellé du secteur", "Libellé de la division CPV."),
            ("marches", "integer", "Marchés", "Nombre de marchés."),
            (
                "marches_consideration_connue",
                "integer",
                "Marchés dont la considération sociale est connue",
                "Marchés publiés dans un format qui dit s'il y a une considération sociale (format 2024).",
            ),
            (
                "marches_avec_consideration_sociale",
                "integer",
                "Marchés avec considération sociale",
                "Marchés déclarant une clause sociale, un critère social ou un marché réservé.",
            ),
            (
                "marches_avec_clause_sociale",
                "integer",
                "Marchés avec clause sociale",
                "Marchés déclarant une clause sociale (condition d'exécution).",
            ),
            (
                "montant_total",
                "number",
                "Montant total (euros HT)",
                "Somme des montants actuels hors taxes, hors montants aberrants.",
            ),
        ),
        primary_key=("annee", "departement_acheteur", "type_acheteur", "secteur_cpv"),
        sources=("fct_contracts", "dim_buyer", "dim_cpv", "dim_geography"),
        definitions=(
            "Un marché = un couple (SIRET de l'acheteur, identifiant du marché), dans son état après "
            "modifications. Seuls les marchés à date de notification valide sont comptés.",
            "Les DECP au format 2019 ne disent pas s'il y a une considération sociale : rapporter les marchés "
            "avec considération sociale aux marchés dont la considération est connue.",
            "Montant aberrant : absent, supérieur à 3 milliards d'euros, inférieur à 1 euro ou de forme "
            "manifestement fictive (règles du ministère).",
        ),
        under_secrecy=False,
    ),
    Dataset(
        name="heures_prevues_realisees",
        title="Heures d'insertion prévues et réalisées par territoire du chantier",
        description=(
            "Opérations, heures d'insertion prévues par les marchés notifiés dans l'année, heures réalisées et "
            "bénéficiaires, par territoire où se situe l'opération."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année de notification (heures prévues) ou des heures réalisées."),
            *_TERRITORY_FIELDS,
            (
                "operations",
                "integer",
                "Opérations",
                "Opérations du territoire ayant un marché notifié ou des heures réalisées dans l'année.",
            ),
            (
                "heures_prevues",
                "number",
                "Heures prévues",
                "Heures d'insertion prévues par les marchés notifiés dans l'année.",
            ),
            ("heures_realisees", "number", "Heures réalisées", "Heures réalisées dans l'année (vide si secret)."),
            (
                "beneficiaires",
                "integer",
                "Bénéficiaires",
                "Personnes distinctes ayant réalisé plus de 0 heure dans l'année sur une opération du territoire "
                "(vide si secret).",
            ),
            _SECRET_FIELD,
        ),
        primary_key=("annee", "niveau_territoire", "code_territoire"),
        sources=("fct_tracked_contracts", "fct_insertion_hours", "dim_operation", "dim_geography"),
        definitions=(
            "Territoire : commune de l'opération à laquelle se rattache le marché suivi. Les marchés sans "
            "opération localisée ne figurent dans aucun territoire.",
            "Les heures prévues sont comptées l'année de notification du marché, les heures réalisées l'année "
            "où elles sont travaillées : le taux de réalisation se lit sur la durée des marchés.",
            "Les heures réalisées sont protégées avec celles du jeu heures_par_territoire_mois (les mois "
            "s'additionnent jusqu'à l'année).",
        ),
        under_secrecy=True,
    ),
    Dataset(
        name="grands_programmes",
        title="Clauses sociales des grands programmes (Grand Paris Express, JOP 2024, ANRU)",
        description=(
            "Opérations, marchés suivis, heures d'insertion engagées, prévues et réalisées et bénéficiaires, "
            "par programme et par année."
        ),
        fields=_fields(
            (
                "programme",
                "string",
                "Programme",
                "GRAND_PARIS_EXPRESS, JOP_2024, ANRU ou AUTRE (autres opérations et marchés sans opération).",
            ),
            ("libelle_programme", "string", "Libellé du programme", "Libellé du programme."),
            ("annee", "integer", "Année", "Année (de notification pour les marchés et heures prévues)."),
            ("operations", "integer", "Opérations", "Opérations ayant un marché notifié ou des heures dans l'année."),
            ("marches", "integer", "Marchés suivis", "Marchés avec clause suivis, notifiés dans l'année."),
            (
                "heures_engagees",
                "number",
                "Heures engagées",
                "Heures d'insertion engagées par les maîtres d'ouvrage pour l'année (vide si aucun engagement).",
            ),
            ("heures_prevues", "number", "Heures prévues", "Heures prévues par les marchés notifiés dans l'année."),
            ("heures_realisees", "number", "Heures réalisées", "Heures réalisées dans l'année (vide si secret)."),
            (
                "beneficiaires",
                "integer",
                "Bénéficiaires",
                "Personnes distinctes ayant réalisé plus de 0 heure dans l'année sur le programme (vide si secret).",
            ),
            _SECRET_FIELD,
        ),
        primary_key=("programme", "annee"),
        sources=("fct_tracked_contracts", "fct_insertion_hours", "dim_operation", "clause_hours_committed_vs_worked"),
        definitions=(
            "Programme de l'opération à laquelle se rattache le marché suivi ; les marchés sans opération "
            "comptent dans AUTRE.",
            "Une personne travaillant sur plusieurs programmes compte dans chacun.",
        ),
        under_secrecy=True,
    ),
    Dataset(
        name="rapprochement_decp_suivi",
        title="Rapprochement des marchés déclarés dans les DECP et des marchés suivis",
        description=(
            "Marchés qui déclarent une considération sociale dans les DECP, rapprochés des marchés dont "
            "l'exécution de la clause est effectivement suivie, par année de notification."
        ),
        fields=_fields(
            ("annee", "integer", "Année", "Année de notification."),
            (
                "categorie",
                "string",
                "Catégorie",
                "declare_et_suivi, declare_non_suivi, suivi_non_declare, suivi_declaration_inconnue ou "
                "suivi_absent_decp.",
            ),
            ("libelle_categorie", "string", "Libellé de la catégorie", "Libellé en clair de la catégorie."),
            ("marches", "integer", "Marchés", "Nombre de marchés (ou de couples marché DECP - marché suivi)."),
        ),
        primary_key=("annee", "categorie"),
        sources=("social_clause_reconciliation", "fct_contracts", "fct_tracked_contracts"),
        definitions=(
            "Périmètre : acheteurs dont au moins un marché est suivi par une source de suivi des clauses, pour "
            "comparer ce qui est comparable.",
            "declare_non_suivi : le marché déclare une considération sociale dans les DECP mais aucun suivi "
            "n'y est rattaché ; suivi_non_declare : le marché suivi est rattaché à un marché DECP qui déclare "
            "ne pas en avoir ; suivi_declaration_inconnue : le marché DECP rattaché est publié dans un format "
            "qui ne le dit pas ; suivi_absent_decp : aucun marché DECP n'a pu être rattaché.",
        ),
        under_secrecy=False,
    ),
    Dataset(
        name="structures_par_territoire",
        title="Structures d'insertion et du handicap par territoire",
        description=(
            "Nombre de structures de l'insertion par l'activité économique (ACI, AI, EI, ETTI, EITI), de GEIQ, "
            "d'entreprises adaptées et d'ESAT par territoire, et pour 100 000 habitants."
        ),
        fields=_fields(
            *_TERRITORY_FIELDS,
            (
                "type_structure",
                "string",
                "Type de structure",
                "ensemble, SIAE (toutes), ACI, AI, EI, ETTI, EITI, GEIQ, EA (dont EATT) ou ESAT.",
            ),
            ("structures", "integer", "Structures", "Nombre de structures (SIRET distincts)."),
            ("population", "integer", "Population", "Population municipale (INSEE) du territoire."),
            (
                "structures_pour_100000_habitants",
                "number",
                "Structures pour 100 000 habitants",
                "structures × 100 000 / population.",
            ),
        ),
        primary_key=("niveau_territoire", "code_territoire", "type_structure"),
        sources=("structures_by_territory",),
        definitions=(
            "Une structure est placée dans la commune de son établissement SIRENE, sinon dans celle donnée par "
            "le registre ; à défaut dans le département de son inscription (niveau département seulement).",
            "Une structure de plusieurs types compte une fois dans ensemble et une fois dans chacun de ses types.",
        ),
        under_secrecy=False,
    ),
    Dataset(
        name="structures_inclusion",
        title="Liste des structures d'insertion et du handicap d'Île-de-France",
        description=(
            "Structures de l'insertion par l'activité économique, GEIQ, entreprises adaptées et ESAT "
            "d'Île-de-France, avec leur commune."
        ),
        fields=_fields(
            ("siret", "string", "SIRET", "SIRET de la structure."),
            ("nom", "string", "Nom", "Nom de la structure tel que publié par le registre."),
            ("type_structure", "string", "Type de structure", "ACI, AI, EI, ETTI, EITI, GEIQ, EA, EATT ou ESAT."),
            ("famille_structure", "string", "Famille", "SIAE, GEIQ ou handicap."),
            (
                "code_commune",
                "string",
                "Code commune",
                "Code INSEE de la commune (arrondissement à Paris) ; vide si inconnu ou non diffusible.",
            ),
            ("nom_commune", "string", "Commune", "Nom de la commune."),
            ("code_departement", "string", "Département", "Code du département."),
            ("latitude", "number", "Latitude", "Latitude WGS84 quand le registre la donne, sinon vide."),
            ("longitude", "number", "Longitude", "Longitude WGS84 quand le registre la donne, sinon vide."),
        ),
        primary_key=("siret",),
        sources=("inclusion_structures",),
        definitions=(
            "Sources : emplois de l'inclusion et listes de l'ASP (SIAE), liste des GEIQ, liste DGEFP des "
            "entreprises adaptées, FINESS (ESAT), SIRENE pour la commune de l'établissement.",
            "Les structures sont des organisations, non des personnes ; la commune n'est pas publiée quand "
            "SIRENE ne diffuse l'établissement que partiellement. Les registres chargés ne donnent pas de "
            "coordonnées : latitude et longitude sont vides.",
        ),
        under_secrecy=False,
    ),
)
DATASETS_BY_NAME = {dataset.name: dataset for dataset in DATASETS}


# --------------------------------------------------------------------------------------------------------------
# Entry point


def write_open_data(warehouse: Path, out_dir: Path, threshold: int | None = None) -> list[Path]:
    """Build every dataset from the marts of ``warehouse`` into ``out_dir``; return the dataset folders.

    ``threshold`` defaults to the setting ``OBSERVATOIRE_SECRECY_THRESHOLD`` (11)."""
    threshold = load_settings().secrecy_threshold if threshold is None else threshold
    with connect_reader(warehouse) as con:
        con.execute("set enable_progress_bar = false")
        frames = build_datasets(con, threshold)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for dataset in DATASETS:
            _write_dataset(dataset, frames[dataset.name], staging / dataset.name, threshold)
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / dataset.name for dataset in DATASETS]


def build_datasets(con: duckdb.DuckDBPyConnection, threshold: int) -> dict[str, pd.DataFrame]:
    """Every dataset as a DataFrame with the columns of its fields, secrecy applied."""
    geography = _Geography.load(con)
    hours_monthly, hours_annual = _hours_by_operation_place(con, geography, threshold)
    frames = {
        "beneficiaires_par_territoire": _beneficiaries(con, geography, threshold),
        "heures_par_territoire_mois": hours_monthly,
        "sorties_par_territoire": _exits(con, geography, threshold),
        "marches_clauses_sociales": _contracts(con),
        "heures_prevues_realisees": hours_annual,
        "grands_programmes": _programmes(con, threshold),
        "rapprochement_decp_suivi": _reconciliation(con),
        "structures_par_territoire": _structures_by_territory(con),
        "structures_inclusion": _structures(con),
    }
    return {name: _typed(DATASETS_BY_NAME[name], frame) for name, frame in frames.items()}


# --------------------------------------------------------------------------------------------------------------
# Territories


@dataclass(frozen=True)
class _Geography:
    """Île-de-France communes and how the published territories nest (one place for the territory rules)."""

    communes: pd.DataFrame  # commune_code (published commune), departement_code, ept_code, piece
    hidden_pieces: frozenset[str]
    single_departement_epts: dict[str, str]  # EPT lying in one département -> that département

    #: SQL: every Île-de-France commune code that can appear in the facts (COM, ARM, COMD, COMA) and the
    #: territories it belongs to; arrondissements and former communes count in their current commune.
    MEMBERSHIP_SQL = """
        with codes as (
            select code.commune_code, current.commune_code as current_code, current.commune_name as current_name,
                current.region_code, current.region_name, current.departement_code, current.departement_name,
                current.ept_code, current.ept_name
            from marts.dim_geography as code
            inner join marts.dim_geography as current
                on current.commune_code = case when code.commune_type in ('ARM', 'COMD', 'COMA')
                                               then code.parent_commune_code else code.commune_code end
            where code.is_ile_de_france and current.is_ile_de_france
        )
        select codes.commune_code, t.territory.niveau_territoire, t.territory.code_territoire,
            t.territory.nom_territoire
        from codes
        cross join unnest([
            {'niveau_territoire': 'region', 'code_territoire': region_code, 'nom_territoire': region_name},
            {'niveau_territoire': 'departement', 'code_territoire': departement_code,
             'nom_territoire': departement_name},
            {'niveau_territoire': 'ept', 'code_territoire': ept_code, 'nom_territoire': ept_name},
            {'niveau_territoire': 'commune', 'code_territoire': current_code, 'nom_territoire': current_name},
            {'niveau_territoire': 'morceau',
             'code_territoire': departement_code || '|' || coalesce(ept_code, 'hors EPT'), 'nom_territoire': null}
        ]) as t(territory)
        where t.territory.code_territoire is not null
    """

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> _Geography:
        con.execute(f"create or replace temp table territory_membership as {cls.MEMBERSHIP_SQL}")
        communes = con.execute(
            """
            select distinct
                commune.code_territoire as commune_code,
                departement.code_territoire as departement_code,
                ept.code_territoire as ept_code,
                piece.code_territoire as piece
            from territory_membership as commune
            inner join territory_membership as departement
                on departement.commune_code = commune.commune_code and departement.niveau_territoire = 'departement'
            inner join territory_membership as piece
                on piece.commune_code = commune.commune_code and piece.niveau_territoire = 'morceau'
            left join territory_membership as ept
                on ept.commune_code = commune.commune_code and ept.niveau_territoire = 'ept'
            where commune.niveau_territoire = 'commune'
            """
        ).df()
        pieces = communes.drop_duplicates("piece")
        departements_of_ept = pieces.dropna(subset=["ept_code"]).groupby("ept_code")["departement_code"].nunique()
        pieces_of_departement = pieces.groupby("departement_code")["piece"].nunique()
        single = {
            ept: pieces.loc[pieces["ept_code"] == ept, "departement_code"].iloc[0]
            for ept, count in departements_of_ept.items()
            if count == 1
        }
        hidden = {
            row.piece
            for row in pieces.itertuples()
            if (pd.notna(row.ept_code) and row.ept_code not in single)
            or (pd.isna(row.ept_code) and pieces_of_departement[row.departement_code] > 1)
        }
        return cls(communes=communes, hidden_pieces=frozenset(hidden), single_departement_epts=single)

    def territories(self, con: duckdb.DuckDBPyConnection, levels: Sequence[str]) -> pd.DataFrame:
        """Published territories of these levels (plus the hidden pieces): niveau, code, nom."""
        frame = con.execute(
            """
            select distinct niveau_territoire, code_territoire, nom_territoire from territory_membership
            where list_contains(?, niveau_territoire)
            """,
            [[*levels, PIECE]],
        ).df()
        keep = (frame["niveau_territoire"] != PIECE) | frame["code_territoire"].isin(self.hidden_pieces)
        return frame.loc[keep].reset_index(drop=True)

    def annotate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add, for every row, the code of the territory of each level that contains it or is it (``_region``,
        ``_departement``, ``_ept``, ``_piece``; NULL when none does), and the ``hidden`` flag of the pieces."""
        level, code = frame["niveau_territoire"], frame["code_territoire"]
        by_commune = self.communes.drop_duplicates("commune_code").set_index("commune_code")
        by_piece = self.communes.drop_duplicates("piece").set_index("piece")
        is_commune, is_piece, is_ept = level == "commune", level == PIECE, level == "ept"
        departement = (
            code.where(level == "departement")
            .fillna(code.map(self.single_departement_epts).where(is_ept))
            .fillna(code.map(by_piece["departement_code"]).where(is_piece))
            .fillna(code.map(by_commune["departement_code"]).where(is_commune))
        )
        ept = (
            code.where(is_ept)
            .fillna(code.map(by_piece["ept_code"]).where(is_piece))
            .fillna(code.map(by_commune["ept_code"]).where(is_commune))
        )
        piece = code.where(is_piece).fillna(code.map(by_commune["piece"]).where(is_commune))
        return frame.assign(_region="11", _departement=departement, _ept=ept, _piece=piece, hidden=is_piece.to_numpy())

    def groups(self, frame: pd.DataFrame, within: Sequence[str]) -> list[AdditiveGroup]:
        """Geographic additive groups of an annotated frame, for each value of the ``within`` columns:
        départements -> region; pieces (or the EPT that is one) -> département; pieces -> straddling EPT;
        communes -> département, EPT and hidden piece when the commune level is present."""
        level = frame["niveau_territoire"]
        is_piece, is_ept, is_commune = level == PIECE, level == "ept", level == "commune"
        keys = list(within)

        def nested(total_level: pd.Series, members: pd.Series, column: str) -> list[AdditiveGroup]:
            return additive_groups(
                frame, totals=total_level, members=members & frame[column].notna(), on=[*keys, column]
            )

        straddling = is_ept & ~frame["code_territoire"].isin(list(self.single_departement_epts))
        groups = nested(level == "region", level == "departement", "_region")
        groups += nested(level == "departement", is_piece | (is_ept & ~straddling), "_departement")
        groups += nested(straddling, is_piece, "_ept")
        if is_commune.any():
            groups += nested(level == "departement", is_commune, "_departement")
            groups += nested(is_ept, is_commune, "_ept")
            groups += nested(is_piece, is_commune & frame["_piece"].isin(self.hidden_pieces), "_piece")
        return groups


# --------------------------------------------------------------------------------------------------------------
# Dataset builders


AGE_BANDS = {
    "under_26": "moins de 26 ans",
    "26_49": "26 à 49 ans",
    "50_and_over": "50 ans et plus",
    "unknown": "âge inconnu",
}
#: Dimensions of beneficiaires_par_territoire that add up to the total in people, and those that add up in
#: hours only (a person may hold contracts of several types in a year).
ADDITIVE_IN_PEOPLE = ("sexe", "tranche_age", "niveau_diplome", "residence_qpv", "prescripteur")
ADDITIVE_IN_HOURS = ("type_contrat", "modalite_realisation")


def _beneficiaries(con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int) -> pd.DataFrame:
    age_label = "case b.age_band " + " ".join(f"when '{k}' then '{v}'" for k, v in AGE_BANDS.items()) + " end"
    cells = con.execute(
        f"""
        with hours as (
            select h.beneficiary_key, h.year as annee, h.hours, c.contract_type_code, c.modality_code
            from marts.fct_insertion_hours as h
            inner join marts.fct_employment_contracts as c using (employment_contract_key)
            where h.hours > 0
        ),
        yearly as (
            select annee, beneficiary_key, sum(hours) as heures from hours group by all
        ),
        attributes as (
            select b.beneficiary_key, unnest([
                {{'dimension': 'ensemble', 'modalite': 'total'}},
                {{'dimension': 'sexe', 'modalite': b.sex}},
                {{'dimension': 'tranche_age', 'modalite': {age_label}}},
                {{'dimension': 'niveau_diplome',
                  'modalite': coalesce(cast(b.education_level as varchar), 'inconnu')}},
                {{'dimension': 'residence_qpv',
                  'modalite': case when b.is_qpv_resident then 'QPV' else 'hors QPV' end}},
                {{'dimension': 'prescripteur', 'modalite': b.prescriber_code}},
                {{'dimension': 'sexe_tranche_age', 'modalite': b.sex || '|' || {age_label}}}
            ]) as attribute
            from marts.dim_beneficiary as b
            union all
            select b.beneficiary_key, {{'dimension': 'public', 'modalite': public_code}}
            from marts.dim_beneficiary as b
            cross join unnest(string_split(b.public_codes, '|')) as p(public_code)
            where public_code <> ''
        ),
        per_person as (
            select yearly.annee, yearly.beneficiary_key, attribute.dimension, attribute.modalite, yearly.heures
            from yearly inner join attributes using (beneficiary_key)
            union all
            select annee, beneficiary_key, 'type_contrat', contract_type_code, sum(hours) from hours group by all
            union all
            select annee, beneficiary_key, 'modalite_realisation', modality_code, sum(hours) from hours group by all
        )
        select per_person.annee, m.niveau_territoire, m.code_territoire, per_person.dimension, per_person.modalite,
            count(*) as beneficiaires, sum(per_person.heures) as heures_realisees
        from per_person
        inner join marts.dim_beneficiary as b using (beneficiary_key)
        inner join territory_membership as m on m.commune_code = b.residence_commune_code
        where m.niveau_territoire <> 'commune' or per_person.dimension = 'ensemble'
        group by all
        """
    ).df()
    if cells.empty:  # no clause-tracking data loaded yet: the dataset is published empty, with its schema
        return _empty(DATASETS_BY_NAME["beneficiaires_par_territoire"])
    labels = con.execute(
        """
        select 'ensemble' as dimension, 'total' as modalite, 'Ensemble des bénéficiaires' as libelle_modalite
        union all select 'sexe', 'F', 'Femmes' union all select 'sexe', 'M', 'Hommes'
        union all select 'residence_qpv', 'QPV', 'Résident d''un QPV'
        union all select 'residence_qpv', 'hors QPV', 'Hors QPV'
        union all select 'niveau_diplome', cast(code as varchar), libelle from reference.clauses_niveaux_formation
        union all select 'niveau_diplome', 'inconnu', 'Niveau inconnu'
        union all select 'public', code, libelle from reference.clauses_publics
        union all select 'type_contrat', contract_type_code, contract_type_label from marts.dim_employment_contract_type
        union all select 'modalite_realisation', code, libelle from reference.clauses_modalites
        union all select 'prescripteur', prescriber_code, prescriber_label from marts.dim_prescriber
        """
    ).df()
    age_labels = pd.DataFrame({"dimension": "tranche_age", "modalite": list(AGE_BANDS.values())})
    age_labels["libelle_modalite"] = age_labels["modalite"]
    sex_age = pd.DataFrame(
        [
            ("sexe_tranche_age", f"{sex}|{age}", f"{label} {age}")
            for sex, label in (("F", "Femmes"), ("M", "Hommes"))
            for age in AGE_BANDS.values()
        ],
        columns=["dimension", "modalite", "libelle_modalite"],
    )
    labels = pd.concat([labels, age_labels, sex_age], ignore_index=True)

    # complete grid: every year x territory x modality seen in the data (communes: ensemble only)
    territories = geography.territories(con, LEVELS)
    modalities = cells[["dimension", "modalite"]].drop_duplicates()
    years = pd.DataFrame({"annee": sorted(cells["annee"].unique())})
    grid = years.merge(territories, how="cross").merge(modalities, how="cross")
    grid = grid[(grid["niveau_territoire"] != "commune") | (grid["dimension"] == "ensemble")]
    frame = grid.merge(cells, how="left", on=["annee", "niveau_territoire", "code_territoire", "dimension", "modalite"])
    frame = frame.fillna({"beneficiaires": 0, "heures_realisees": 0.0})
    frame = frame.merge(labels, how="left", on=["dimension", "modalite"])
    frame["libelle_modalite"] = frame["libelle_modalite"].fillna(frame["modalite"])
    frame = geography.annotate(_in_key_order(frame, DATASETS_BY_NAME["beneficiaires_par_territoire"]))

    split = frame["modalite"].str.split("|", n=1, expand=True)
    is_sex_age = frame["dimension"] == "sexe_tranche_age"
    frame["_sexe"] = split[0].where(is_sex_age, frame["modalite"].where(frame["dimension"] == "sexe"))
    frame["_age"] = split[1].where(is_sex_age, frame["modalite"].where(frame["dimension"] == "tranche_age"))
    territory = ["annee", "niveau_territoire", "code_territoire"]
    total = frame["dimension"] == "ensemble"
    people: list[AdditiveGroup] = []
    for dimension in ADDITIVE_IN_PEOPLE:
        people += additive_groups(frame, totals=total, members=frame["dimension"] == dimension, on=territory)
    people += additive_groups(frame, totals=frame["dimension"] == "sexe", members=is_sex_age, on=[*territory, "_sexe"])
    people += additive_groups(
        frame, totals=frame["dimension"] == "tranche_age", members=is_sex_age, on=[*territory, "_age"]
    )
    people += geography.groups(frame, within=["annee", "dimension", "modalite"])
    hours: list[AdditiveGroup] = []
    for dimension in ADDITIVE_IN_HOURS:
        hours += additive_groups(frame, totals=total, members=frame["dimension"] == dimension, on=territory)
    protected = protect(
        frame,
        count="beneficiaires",
        threshold=threshold,
        groups={"beneficiaires": people, "heures_realisees": hours},
        derived=["heures_realisees"],
        hidden="hidden",
    )
    return protected.sort_values(
        ["annee", "niveau_territoire", "code_territoire", "dimension", "modalite"],
        key=_level_order,
    )


def _hours_by_operation_place(
    con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """heures_par_territoire_mois and heures_prevues_realisees, protected together (months add up to years)."""
    worked = con.execute(
        """
        with hours as (
            select h.year as annee, month(h.month_date) as mois, h.beneficiary_key, h.hours, o.commune_code
            from marts.fct_insertion_hours as h
            inner join marts.dim_operation as o using (operation_key)
            where h.hours > 0
        )
        select annee, mois, m.niveau_territoire, m.code_territoire,
            sum(hours) as heures_realisees, count(distinct beneficiary_key) as beneficiaires
        from hours inner join territory_membership as m using (commune_code)
        where m.niveau_territoire <> 'commune'
        group by grouping sets ((annee, mois, m.niveau_territoire, m.code_territoire),
                                (annee, m.niveau_territoire, m.code_territoire))
        union all
        select annee, null, m.niveau_territoire, m.code_territoire,
            sum(hours), count(distinct beneficiary_key)
        from hours inner join territory_membership as m using (commune_code)
        where m.niveau_territoire = 'commune'
        group by all
        """
    ).df()
    planned = con.execute(
        """
        with activity as (
            select t.notification_year as annee, t.operation_key, t.hours_planned as heures_prevues
            from marts.fct_tracked_contracts as t where t.operation_key is not null
            union all
            select distinct h.year, h.operation_key, 0 from marts.fct_insertion_hours as h
            where h.operation_key is not null and h.hours > 0
        )
        select activity.annee, m.niveau_territoire, m.code_territoire,
            count(distinct activity.operation_key) as operations, sum(activity.heures_prevues) as heures_prevues
        from activity
        inner join marts.dim_operation as o using (operation_key)
        inner join territory_membership as m on m.commune_code = o.commune_code
        where activity.annee is not null
        group by all
        """
    ).df()
    years = sorted(set(worked["annee"]) | set(planned["annee"]))
    territories = geography.territories(con, LEVELS)
    grid = pd.DataFrame({"annee": years}).merge(territories, how="cross")
    monthly_levels = territories[territories["niveau_territoire"] != "commune"]
    monthly_grid = (
        pd.DataFrame({"annee": sorted(set(worked["annee"]))})
        .merge(pd.DataFrame({"mois": range(1, 13)}), how="cross")
        .merge(monthly_levels, how="cross")
    )
    keys = ["annee", "niveau_territoire", "code_territoire"]
    annual = grid.merge(worked[worked["mois"].isna()].drop(columns="mois"), how="left", on=keys)
    annual = annual.merge(planned, how="left", on=keys)
    monthly = monthly_grid.merge(worked.dropna(subset=["mois"]).astype({"mois": int}), how="left", on=[*keys, "mois"])
    frame = pd.concat([annual.assign(mois=0), monthly], ignore_index=True)
    frame = frame.fillna({"heures_realisees": 0.0, "beneficiaires": 0, "operations": 0, "heures_prevues": 0.0})
    frame = geography.annotate(_in_key_order(frame, DATASETS_BY_NAME["heures_par_territoire_mois"]))

    groups = geography.groups(frame, within=["annee", "mois"])
    months_of_year = (frame["mois"] > 0) & frame["annee"].isin(set(worked["annee"]))
    groups += additive_groups(
        frame,
        totals=(frame["mois"] == 0)
        & (frame["niveau_territoire"] != "commune")
        & frame["annee"].isin(set(worked["annee"])),
        members=months_of_year,
        on=keys,
    )
    protected = protect(
        frame,
        count="beneficiaires",
        threshold=threshold,
        groups={"heures_realisees": groups},
        derived=["heures_realisees"],
        hidden="hidden",
    )
    monthly_out = protected[protected["mois"] > 0].sort_values(["annee", "mois", *keys[1:]], key=_level_order)
    annual_out = protected[protected["mois"] == 0].sort_values(keys, key=_level_order)
    return monthly_out, annual_out


EXIT_LABELS = {
    "ensemble": "Ensemble des sorties",
    "emploi_durable": "Emploi durable",
    "emploi_transition": "Emploi de transition",
    "sortie_positive": "Sortie positive",
    "autre_sortie": "Autre sortie",
    "inconnue": "Issue inconnue",
}


def _exits(con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int) -> pd.DataFrame:
    cells = con.execute(
        """
        select o.exit_year as annee, m.niveau_territoire, m.code_territoire, issue, count(*) as sorties
        from marts.fct_beneficiary_outcomes as o
        inner join marts.dim_beneficiary as b using (beneficiary_key)
        inner join territory_membership as m on m.commune_code = b.residence_commune_code
        cross join unnest(['ensemble', o.outcome_category]) as i(issue)
        where m.niveau_territoire <> 'commune' and o.exit_year is not null
        group by all
        """
    ).df()
    territories = geography.territories(con, ("region", "departement", "ept"))
    grid = (
        pd.DataFrame({"annee": sorted(cells["annee"].unique())})
        .merge(territories, how="cross")
        .merge(pd.DataFrame({"issue": list(EXIT_LABELS)}), how="cross")
    )
    frame = grid.merge(cells, how="left", on=["annee", "niveau_territoire", "code_territoire", "issue"])
    frame = frame.fillna({"sorties": 0})
    frame["libelle_issue"] = frame["issue"].map(EXIT_LABELS)
    frame = geography.annotate(_in_key_order(frame, DATASETS_BY_NAME["sorties_par_territoire"]))
    territory = ["annee", "niveau_territoire", "code_territoire"]
    groups = additive_groups(
        frame, totals=frame["issue"] == "ensemble", members=frame["issue"] != "ensemble", on=territory
    )
    groups += geography.groups(frame, within=["annee", "issue"])
    protected = protect(frame, count="sorties", threshold=threshold, groups={"sorties": groups}, hidden="hidden")
    return protected.sort_values([*territory, "issue"], key=_level_order)


def _contracts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        select
            c.notification_year as annee,
            coalesce(g.departement_code, 'inconnu') as departement_acheteur,
            coalesce(b.buyer_type, 'inconnu') as type_acheteur,
            coalesce(any_value(b.buyer_type_label), 'Type inconnu') as libelle_type_acheteur,
            coalesce(left(c.cpv_code, 2), 'inconnu') as secteur_cpv,
            coalesce(any_value(division.label_fr), 'Secteur inconnu') as libelle_secteur,
            count(*) as marches,
            count(*) filter (where c.social_considerations_known) as marches_consideration_connue,
            count(*) filter (where c.has_social_consideration) as marches_avec_consideration_sociale,
            count(*) filter (where c.has_social_clause) as marches_avec_clause_sociale,
            round(coalesce(sum(c.current_amount_eur) filter (where not c.is_amount_anomalous), 0), 2) as montant_total
        from marts.fct_contracts as c
        left join marts.dim_buyer as b using (buyer_siret)
        left join marts.dim_geography as g on g.commune_code = b.commune_code
        left join marts.dim_cpv as division on division.cpv_level = 2 and division.division_code = left(c.cpv_code, 2)
        where c.is_notification_date_valid
        group by all
        order by all
        """
    ).df()


PROGRAMME_ORDER = ("GRAND_PARIS_EXPRESS", "JOP_2024", "ANRU", "AUTRE")


def _programmes(con: duckdb.DuckDBPyConnection, threshold: int) -> pd.DataFrame:
    frame = con.execute(
        """
        with worked as (
            select coalesce(o.programme_code, 'AUTRE') as programme, h.year as annee, h.operation_key,
                h.beneficiary_key, h.hours
            from marts.fct_insertion_hours as h left join marts.dim_operation as o using (operation_key)
            where h.hours > 0
        ),
        planned as (
            select coalesce(o.programme_code, 'AUTRE') as programme, t.notification_year as annee, t.operation_key,
                t.tracked_contract_key, t.hours_planned
            from marts.fct_tracked_contracts as t left join marts.dim_operation as o using (operation_key)
            where t.notification_year is not null
        ),
        activity as (
            select programme, annee, operation_key from worked
            union all
            select programme, annee, operation_key from planned
        ),
        committed as (
            select programme_code as programme, year as annee, sum(hours_committed) as heures_engagees
            from marts.clause_hours_committed_vs_worked where hours_committed is not null group by all
        ),
        programme_years as (
            select programme, annee from activity union select programme, annee from committed
        ),
        operations as (
            select programme, annee, count(distinct operation_key) as operations from activity group by all
        ),
        worked_totals as (
            select programme, annee, sum(hours) as heures_realisees, count(distinct beneficiary_key) as beneficiaires
            from worked group by all
        ),
        planned_totals as (
            select programme, annee, count(*) as marches, sum(hours_planned) as heures_prevues
            from planned group by all
        )
        select programme_years.programme, programmes.libelle as libelle_programme, programme_years.annee,
            coalesce(operations.operations, 0) as operations, coalesce(planned_totals.marches, 0) as marches,
            committed.heures_engagees, coalesce(planned_totals.heures_prevues, 0) as heures_prevues,
            coalesce(worked_totals.heures_realisees, 0) as heures_realisees,
            coalesce(worked_totals.beneficiaires, 0) as beneficiaires
        from programme_years
        left join operations using (programme, annee)
        left join worked_totals using (programme, annee)
        left join planned_totals using (programme, annee)
        left join committed using (programme, annee)
        left join reference.clauses_programmes as programmes on programmes.code = programme_years.programme
        """
    ).df()
    frame = _in_key_order(frame, DATASETS_BY_NAME["grands_programmes"])
    protected = protect(frame, count="beneficiaires", threshold=threshold, derived=["heures_realisees"])
    order = {code: rank for rank, code in enumerate(PROGRAMME_ORDER)}
    return protected.sort_values(["programme", "annee"], key=lambda s: s.map(order) if s.name == "programme" else s)


RECONCILIATION_CATEGORIES = {
    "declared_and_tracked": ("declare_et_suivi", "Déclaré dans les DECP et suivi"),
    "declared_not_tracked": ("declare_non_suivi", "Déclaré dans les DECP, non suivi"),
    "tracked_not_declared": ("suivi_non_declare", "Suivi, déclaré sans considération sociale dans les DECP"),
    "tracked_declaration_unknown": ("suivi_declaration_inconnue", "Suivi, déclaration DECP inconnue (format 2019)"),
    "tracked_not_in_decp": ("suivi_absent_decp", "Suivi, absent des DECP"),
}


def _reconciliation(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = con.execute(
        """
        select notification_year as annee, reconciliation_status, count(*) as marches
        from marts.social_clause_reconciliation
        where is_buyer_tracked and notification_year between 1990 and year(current_date)
        group by all order by all
        """
    ).df()
    frame["categorie"] = frame["reconciliation_status"].map(lambda s: RECONCILIATION_CATEGORIES[s][0])
    frame["libelle_categorie"] = frame["reconciliation_status"].map(lambda s: RECONCILIATION_CATEGORIES[s][1])
    return frame


STRUCTURE_TYPES = {
    "ensemble": "structure_count",
    "SIAE": "siae_count",
    "ACI": "aci_count",
    "AI": "ai_count",
    "EI": "ei_count",
    "ETTI": "etti_count",
    "EITI": "eiti_count",
    "GEIQ": "geiq_count",
    "EA": "ea_count",
    "ESAT": "esat_count",
}


def _structures_by_territory(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    unpivot = " union all ".join(
        f"select niveau_territoire, code_territoire, nom_territoire, '{kind}' as type_structure, "
        f"{column} as structures, population from territories"
        for kind, column in STRUCTURE_TYPES.items()
    )
    columns = ", ".join(STRUCTURE_TYPES.values())
    sums = ", ".join(f"sum({column}) as {column}" for column in STRUCTURE_TYPES.values())
    frame = con.execute(
        f"""
        with territories as (
            select territory_level as niveau_territoire, territory_code as code_territoire,
                territory_name as nom_territoire, population, {columns}
            from marts.structures_by_territory where territory_level in ('departement', 'ept')
            union all
            select 'region', '11', (select any_value(region_name) from marts.dim_geography where region_code = '11'),
                sum(population), {sums}
            from marts.structures_by_territory where territory_level = 'departement'
        ),
        long as ({unpivot})
        select *, round(structures * 100000.0 / nullif(population, 0), 2) as structures_pour_100000_habitants
        from long
        """
    ).df()
    order = {kind: rank for rank, kind in enumerate(STRUCTURE_TYPES)}
    return frame.sort_values(
        ["niveau_territoire", "code_territoire", "type_structure"],
        key=lambda s: s.map(order) if s.name == "type_structure" else _level_order(s),
    )


def _structures(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        select siret, structure_name as nom, structure_kind as type_structure, structure_family as famille_structure,
            commune_code as code_commune, commune_name as nom_commune, departement_code as code_departement,
            cast(null as double) as latitude, cast(null as double) as longitude
        from marts.inclusion_structures
        order by departement_code, commune_code nulls last, siret
        """
    ).df()


def _in_key_order(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Rows sorted by the dataset's key (with a fresh index): secondary suppression breaks ties by row order,
    and DuckDB returns grouped rows in no set order, so sorting makes the masked cells the same on every run."""
    return frame.sort_values(list(dataset.primary_key), na_position="first").reset_index(drop=True)


def _level_order(values: pd.Series) -> pd.Series:
    """Sort key: territory levels from the region down, other columns as they are."""
    if values.name == "niveau_territoire":
        return values.map({level: rank for rank, level in enumerate(LEVELS)})
    return values


_PANDAS_TYPES: dict[str, str] = {"integer": "Int64", "number": "Float64", "string": "string", "boolean": "boolean"}


def _empty(dataset: Dataset) -> pd.DataFrame:
    """A dataset without rows (its source not loaded yet): the columns only, typed by :func:`_typed`."""
    return pd.DataFrame(columns=[f.name for f in dataset.fields])


def _typed(dataset: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """The dataset's columns, in order, with their Table Schema types (hours rounded to 2 decimals)."""
    missing = [f.name for f in dataset.fields if f.name not in frame.columns]
    if missing:
        raise RuntimeError(f"dataset {dataset.name}: the builder produced no column {missing}")
    typed = frame[[f.name for f in dataset.fields]].reset_index(drop=True)
    for field in dataset.fields:
        column = typed[field.name]
        if field.type == "number":
            column = column.astype("Float64").round(2)
        typed[field.name] = column.astype(_PANDAS_TYPES[field.type])
    return typed


# --------------------------------------------------------------------------------------------------------------
# Writing


def _write_dataset(dataset: Dataset, frame: pd.DataFrame, folder: Path, threshold: int) -> None:
    folder.mkdir(parents=True)
    csv_frame = frame.copy()
    for field in dataset.fields:
        if field.type == "boolean":
            csv_frame[field.name] = csv_frame[field.name].map({True: "true", False: "false"}).astype("string")
    csv_frame.to_csv(folder / f"{dataset.name}.csv", index=False, encoding="utf-8", lineterminator="\n")
    frame.to_parquet(folder / f"{dataset.name}.parquet", index=False)
    (folder / "schema.json").write_text(
        json.dumps(table_schema(dataset), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "README.md").write_text(_readme(dataset, frame, threshold), encoding="utf-8")


def table_schema(dataset: Dataset) -> dict[str, object]:
    """Frictionless Table Schema of a dataset (masked values and unknowns are empty cells)."""
    fields = []
    for field in dataset.fields:
        descriptor: dict[str, object] = {
            "name": field.name,
            "type": field.type,
            "title": field.title,
            "description": field.description,
        }
        if field.name in dataset.primary_key:
            descriptor["constraints"] = {"required": True}
        fields.append(descriptor)
    return {"fields": fields, "primaryKey": list(dataset.primary_key), "missingValues": [""]}


#: Marts built from the clause-tracking exports (a dataset reading one is empty until an export is loaded).
TRACKING_MARTS = {
    "fct_insertion_hours",
    "fct_employment_contracts",
    "fct_beneficiary_outcomes",
    "fct_tracked_contracts",
}


def _missing_sources(dataset: Dataset) -> str:
    """What an empty dataset is waiting for, in French."""
    missing = []
    if set(dataset.sources) & TRACKING_MARTS:
        missing.append("aucun export de suivi des clauses")
    if "fct_contracts" in dataset.sources:
        missing.append("aucun fichier DECP")
    return " ou ".join(missing) or "aucune donnée de registre"


def _readme(dataset: Dataset, frame: pd.DataFrame, threshold: int) -> str:
    today = dt.date.today()
    coverage = []
    if "annee" in frame.columns and frame["annee"].notna().any():
        coverage.append(f"Années : {int(frame['annee'].min())} à {int(frame['annee'].max())}.")
    if "niveau_territoire" in frame.columns:
        counts = frame.groupby("niveau_territoire")["code_territoire"].nunique()
        levels = ", ".join(f"{level} ({counts[level]})" for level in LEVELS if level in counts.index)
        coverage.append(f"Territoires : {levels}.")
    coverage.append(f"Lignes : {len(frame)}.")
    if frame.empty:
        coverage.append(
            "Aucune donnée pour l'instant : les sources de ce jeu n'ont pas encore été chargées dans l'entrepôt "
            f"({_missing_sources(dataset)}). Le fichier garde ses colonnes ; il se remplira à la prochaine "
            "actualisation qui les chargera."
        )
    if dataset.under_secrecy:
        masked = int(frame[SECRET_COLUMN].sum())
        secrecy = (
            f"Les effectifs de personnes (bénéficiaires, sorties) compris entre 1 et {threshold - 1} ne sont pas "
            f"publiés (seuil de {threshold} personnes) ; les zéros sont publiés, car ils ne décrivent personne. "
            "Pour qu'une valeur masquée ne puisse pas être recalculée par différence avec les totaux publiés "
            "(total du territoire, autres modalités, communes d'un département, départements de la région, "
            "mois de l'année), d'autres cellules sont masquées à leur tour (secret secondaire). Les heures "
            "réalisées d'une ligne masquée sont masquées avec elle. Une valeur masquée est vide dans le CSV "
            f"et le Parquet, et la colonne `secret` vaut `true`. Lignes masquées : {masked} sur {len(frame)}."
        )
    else:
        secrecy = "Ce jeu ne contient aucun effectif de personnes : le secret statistique ne s'y applique pas."
    columns = "\n".join(
        f"| `{f.name}` | {f.type} | {_table_cell(f'{f.title} : {f.description}')} |" for f in dataset.fields
    )
    definitions = "\n".join(f"- {text}" for text in dataset.definitions)
    sources = ", ".join(f"`{source}`" for source in dataset.sources)
    return f"""# {dataset.title}

{dataset.description}

Fichiers : `{dataset.name}.csv` (UTF-8, séparateur virgule, valeurs manquantes vides), `{dataset.name}.parquet`
(mêmes données), `schema.json` (Table Schema Frictionless).

## Contenu

| colonne | type | description |
|---|---|---|
{columns}

Clé : {", ".join(f"`{key}`" for key in dataset.primary_key)}.

## Couverture

{" ".join(coverage)}

## Définitions

{definitions}

## Secret statistique

{secrecy}

## Source

Entrepôt de l'observatoire régional des clauses sociales d'Île-de-France : données de suivi de l'exécution
des clauses sociales transmises par les facilitateurs et coordinations (personnes pseudonymisées dès
l'extraction), données essentielles de la commande publique (DECP), registres de l'inclusion (emplois de
l'inclusion, ASP, GEIQ, DGEFP, FINESS), SIRENE et code officiel géographique de l'INSEE. Tables de l'entrepôt
utilisées : {sources}. Jeu produit le {today.isoformat()}, mis à jour à chaque actualisation mensuelle.

## Licence

{LICENCE} : {LICENCE_URL}. Vous pouvez réutiliser ces données librement, y compris à des fins commerciales,
en mentionnant leur source et la date de leur dernière mise à jour.

## Citer ce jeu

{PRODUCER}, « {dataset.title} » (`{dataset.name}`), données mises à jour le {today.isoformat()},
{LICENCE}.
"""


def _table_cell(text: str) -> str:
    """Text for a Markdown table cell (a | would end the cell)."""
    return text.replace("|", r"\|")


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging``: two renames, so readers see the old or the new folder, never a mix."""
    retired = out_dir.parent / f".{out_dir.name}.retired-{uuid.uuid4().hex[:8]}"
    if out_dir.exists():
        os.rename(out_dir, retired)
    os.rename(staging, out_dir)
    shutil.rmtree(retired, ignore_errors=True)
