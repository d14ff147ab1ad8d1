"""Open-data aggregates of the observatory, under statistical secrecy (``disclosure.protect``).

``write_open_data(warehouse, out_dir)`` reads, for each dataset, the dbt mart of the same name
(``dbt_project/models/marts/publication/``: the figures before secrecy, every one computed there and only there),
applies the secrecy rule once in pandas, and writes one folder per dataset: ``<name>.csv`` (UTF-8, comma),
``<name>.parquet``, ``schema.json`` (Frictionless Table Schema, French titles and descriptions) and ``README.md``
(French: content, source, coverage, definitions, secrecy rule, Licence Ouverte 2.0, how to cite). The catalogue
(columns, titles, descriptions, key, sources, definitions) is one Table Schema file per dataset in
``open_data_schemas/``. Everything is written into a temporary sibling folder first, then swapped in with two
renames, so a reader never sees half a dataset.

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
both are published), the outcomes of exits adding up to all exits (of a territory or a programme), the flows of
the paths (``parcours_beneficiaires``) adding up to the nodes of the Sankey they reach and leave, the QPV rows
(``beneficiaires_par_qpv``, protected with ``beneficiaires_par_territoire``) adding up to the QPV residents of
their département, EPT and hidden piece. Counts of
distinct people across months, operation places, contract types or programmes do not add up (a person can be
in several), but the hours do: those tables are protected on their hours.
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

from observatoire.publication.disclosure import SECRET_COLUMN, AdditiveGroup, additive_groups, margin_groups, protect
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

LICENCE = "Licence Ouverte / Open Licence version 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
PRODUCER = "Observatoire régional des clauses sociales d'Île-de-France"
#: Levels of the published territories, from the largest.
LEVELS = ("region", "departement", "ept", "commune")
#: Hidden cells: the part of a département lying in one EPT (or outside the EPT), when it is no published cell.
PIECE = "morceau"
#: The catalogue: one Frictionless Table Schema per dataset, ``<dataset>.json``.
SCHEMAS_DIR = Path(__file__).resolve().parent / "open_data_schemas"

_PANDAS_TYPES: dict[str, str] = {"integer": "Int64", "number": "Float64", "string": "string", "boolean": "boolean"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # Table Schema type: string, integer, number, boolean
    title: str
    description: str
    required: bool


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


class CatalogueError(ValueError):
    """A Table Schema of ``open_data_schemas/`` is malformed; the message names the file and the property."""


def load_dataset(path: Path) -> Dataset:
    """The dataset described by the Table Schema file ``path`` (its name is the file's stem)."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{path}: not valid JSON ({exc})") from exc

    def value(owner: dict, key: str, kind: type, where: str) -> object:
        if not isinstance(owner.get(key), kind):
            raise CatalogueError(f"{path}: {where} needs a property '{key}' of type {kind.__name__}")
        return owner[key]

    fields = []
    for position, spec in enumerate(value(schema, "fields", list, "the schema")):
        if not isinstance(spec, dict):
            raise CatalogueError(f"{path}: field {position + 1} is not an object")
        where = f"field {position + 1} ({spec.get('name', '?')})"
        if spec.get("type") not in _PANDAS_TYPES:
            raise CatalogueError(f"{path}: {where} has type {spec.get('type')!r}, not one of {list(_PANDAS_TYPES)}")
        fields.append(
            Field(
                name=value(spec, "name", str, where),
                type=spec["type"],
                title=value(spec, "title", str, where),
                description=value(spec, "description", str, where),
                required=bool(spec.get("constraints", {}).get("required", False)),
            )
        )
    dataset = Dataset(
        name=value(schema, "name", str, "the schema"),
        title=value(schema, "title", str, "the schema"),
        description=value(schema, "description", str, "the schema"),
        fields=tuple(fields),
        primary_key=tuple(value(schema, "primaryKey", list, "the schema")),
        sources=tuple(value(schema, "sources", list, "the schema")),
        definitions=tuple(value(schema, "definitions", list, "the schema")),
        under_secrecy=value(schema, "secretStatistique", bool, "the schema"),
    )
    names = [field.name for field in dataset.fields]
    if dataset.name != path.stem:
        raise CatalogueError(f"{path}: name {dataset.name!r} differs from the file name")
    not_required = [key for key in dataset.primary_key if key not in names or not fields[names.index(key)].required]
    if not_required:
        raise CatalogueError(f"{path}: primaryKey {not_required} must be fields with constraints.required true")
    if dataset.under_secrecy and SECRET_COLUMN not in names:
        raise CatalogueError(f"{path}: secretStatistique is true but there is no field '{SECRET_COLUMN}'")
    return dataset


DATASETS: tuple[Dataset, ...] = tuple(load_dataset(path) for path in sorted(SCHEMAS_DIR.glob("*.json")))
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
    beneficiaries, beneficiaries_by_qpv = _beneficiaries(con, geography, threshold)
    frames = {
        "beneficiaires_par_territoire": beneficiaries,
        "beneficiaires_par_qpv": beneficiaries_by_qpv,
        "heures_par_territoire_mois": hours_monthly,
        "sorties_par_territoire": _exits(con, geography, threshold),
        "marches_clauses_sociales": _mart(con, "marches_clauses_sociales", "order by all"),
        "heures_prevues_realisees": hours_annual,
        "grands_programmes": _programmes(con, threshold),
        "sorties_grands_programmes": _programme_exits(con, threshold),
        "parcours_beneficiaires": _paths(con, geography, threshold),
        "rapprochement_decp_suivi": _reconciliation(con),
        "structures_par_territoire": _structures_by_territory(con),
        "structures_inclusion": _structures(con),
        "profils_acheteurs": _buyer_profiles(con, threshold),
    }
    if set(frames) != set(DATASETS_BY_NAME):
        raise CatalogueError(
            f"{SCHEMAS_DIR} describes the datasets {sorted(DATASETS_BY_NAME)} but the builders make {sorted(frames)}: "
            "add or remove the schema file or the builder"
        )
    return {name: _typed(DATASETS_BY_NAME[name], frame) for name, frame in frames.items()}


# --------------------------------------------------------------------------------------------------------------
# Territories


@dataclass(frozen=True)
class _Geography:
    """How the published territories nest, from the mart ``territoires_publication`` (the additive structure
    statistical secrecy needs; the territories and their figures are the marts')."""

    communes: pd.DataFrame  # commune_code (published commune), departement_code, ept_code, piece (NULL: not hidden)
    hidden_pieces: frozenset[str]
    single_departement_epts: dict[str, str]  # EPT lying in one département -> that département

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> _Geography:
        communes = con.execute(
            """
            select distinct
                commune.code_territoire as commune_code,
                departement.code_territoire as departement_code,
                ept.code_territoire as ept_code,
                piece.code_territoire as piece
            from marts.territoires_publication as commune
            inner join marts.territoires_publication as departement
                on departement.code_commune = commune.code_commune and departement.niveau_territoire = 'departement'
            left join marts.territoires_publication as piece
                on piece.code_commune = commune.code_commune and piece.niveau_territoire = ?
            left join marts.territoires_publication as ept
                on ept.code_commune = commune.code_commune and ept.niveau_territoire = 'ept'
            where commune.niveau_territoire = 'commune'
            """,
            [PIECE],
        ).df()
        departements_of_ept = communes.dropna(subset=["ept_code"]).groupby("ept_code")["departement_code"].unique()
        single = {ept: codes[0] for ept, codes in departements_of_ept.items() if len(codes) == 1}
        return cls(
            communes=communes,
            hidden_pieces=frozenset(communes["piece"].dropna()),
            single_departement_epts=single,
        )

    def annotate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add, for every row, the code of the territory of each level that contains it or is it (``_region``,
        ``_departement``, ``_ept``, ``_piece``; NULL when none does), and the ``hidden`` flag of the pieces."""
        level, code = frame["niveau_territoire"], frame["code_territoire"]
        by_commune = self.communes.drop_duplicates("commune_code").set_index("commune_code")
        by_piece = self.communes.dropna(subset=["piece"]).drop_duplicates("piece").set_index("piece")
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
# Dataset builders: each reads its mart and applies the secrecy rule with the additive structure of the table


#: Dimensions of beneficiaires_par_territoire that add up to the total in people, and those that add up in
#: hours only (a person may hold contracts of several types in a year).
ADDITIVE_IN_PEOPLE = ("sexe", "tranche_age", "niveau_diplome", "residence_qpv", "prescripteur")
ADDITIVE_IN_HOURS = ("type_contrat", "modalite_realisation")


def _mart(con: duckdb.DuckDBPyConnection, name: str, order_by: str = "") -> pd.DataFrame:
    """The rows of the mart ``marts.<name>`` (the dataset of that name before secrecy)."""
    return con.execute(f"select * from marts.{name} {order_by}").df()


def _beneficiaries(
    con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """beneficiaires_par_territoire and beneficiaires_par_qpv, protected together: the QPV rows of a département, an
    EPT or a hidden piece add up to its QPV residents (dimension residence_qpv, modality QPV), so a masked QPV row
    must not be recoverable from that total and the other QPV rows."""
    dataset, qpv_dataset = DATASETS_BY_NAME["beneficiaires_par_territoire"], DATASETS_BY_NAME["beneficiaires_par_qpv"]
    frame = _mart(con, dataset.name)
    if frame.empty:  # no clause-tracking data loaded yet: the datasets are published empty, with their schema
        return _empty(dataset), _empty(qpv_dataset)
    frame = geography.annotate(_in_key_order(frame, dataset))

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
    frame, qpv_groups = _with_qpv_rows(frame, _mart(con, qpv_dataset.name), geography)
    protected = protect(
        frame,
        count="beneficiaires",
        threshold=threshold,
        groups={"beneficiaires": people + qpv_groups, "heures_realisees": hours},
        derived=["heures_realisees"],
        hidden="hidden",
    )
    is_qpv = protected["_qpv"].to_numpy(dtype=bool)
    territories = protected[~is_qpv].sort_values(
        ["annee", "niveau_territoire", "code_territoire", "dimension", "modalite"],
        key=_level_order,
    )
    if not is_qpv.any():  # nobody resides in a QPV: the QPV dataset is published empty, with its schema
        return territories, _empty(qpv_dataset)
    qpv = protected[is_qpv].sort_values(["annee", "code_departement", "code_commune", "code_qpv"])
    return territories, qpv


def _with_qpv_rows(
    frame: pd.DataFrame, qpv: pd.DataFrame, geography: _Geography
) -> tuple[pd.DataFrame, list[AdditiveGroup]]:
    """The annotated beneficiaires_par_territoire ``frame`` followed by the rows of beneficiaires_par_qpv (flagged
    ``_qpv``; each lies in one commune), and the groups of the QPV rows of a département, an EPT or a hidden piece
    adding up to its row residence_qpv = QPV."""
    if qpv.empty:  # nobody resides in a QPV
        return frame.assign(_qpv=False), []
    qpv = _in_key_order(qpv, DATASETS_BY_NAME["beneficiaires_par_qpv"])
    qpv = geography.annotate(qpv.assign(niveau_territoire="commune", code_territoire=qpv["code_commune"]))
    combined = pd.concat([frame.assign(_qpv=False), qpv.assign(_qpv=True)], ignore_index=True)
    is_qpv = combined["_qpv"]
    residents = ~is_qpv & (combined["dimension"] == "residence_qpv") & (combined["modalite"] == "QPV")
    groups: list[AdditiveGroup] = []
    for level, column in (("departement", "_departement"), ("ept", "_ept"), (PIECE, "_piece")):
        groups += additive_groups(
            combined,
            totals=residents & (combined["niveau_territoire"] == level),
            members=is_qpv & combined[column].notna(),
            on=["annee", column],
        )
    return combined, groups


def _hours_by_operation_place(
    con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """heures_par_territoire_mois and heures_prevues_realisees, protected together (months add up to years)."""
    monthly = _mart(con, "heures_par_territoire_mois")
    annual = _mart(con, "heures_prevues_realisees")
    years_worked = set(monthly["annee"])
    frame = pd.concat([annual.assign(mois=0), monthly], ignore_index=True)
    frame = frame.fillna({"operations": 0, "heures_prevues": 0.0})
    frame = geography.annotate(_in_key_order(frame, DATASETS_BY_NAME["heures_par_territoire_mois"]))

    keys = ["annee", "niveau_territoire", "code_territoire"]
    groups = geography.groups(frame, within=["annee", "mois"])
    groups += additive_groups(
        frame,
        totals=(frame["mois"] == 0) & (frame["niveau_territoire"] != "commune") & frame["annee"].isin(years_worked),
        members=(frame["mois"] > 0) & frame["annee"].isin(years_worked),
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


def _exits(con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int) -> pd.DataFrame:
    dataset = DATASETS_BY_NAME["sorties_par_territoire"]
    frame = geography.annotate(_in_key_order(_mart(con, dataset.name), dataset))
    territory = ["annee", "niveau_territoire", "code_territoire"]
    groups = additive_groups(
        frame, totals=frame["issue"] == "ensemble", members=frame["issue"] != "ensemble", on=territory
    )
    groups += geography.groups(frame, within=["annee", "issue"])
    protected = protect(frame, count="sorties", threshold=threshold, groups={"sorties": groups}, hidden="hidden")
    return protected.sort_values([*territory, "issue"], key=_level_order)


PROGRAMME_ORDER = ("GRAND_PARIS_EXPRESS", "JOP_2024", "ANRU", "AUTRE")


def _programmes(con: duckdb.DuckDBPyConnection, threshold: int) -> pd.DataFrame:
    dataset = DATASETS_BY_NAME["grands_programmes"]
    frame = _in_key_order(_mart(con, dataset.name), dataset)
    protected = protect(frame, count="beneficiaires", threshold=threshold, derived=["heures_realisees"])
    return protected.sort_values(["programme", "annee"], key=_programme_order)


def _programme_exits(con: duckdb.DuckDBPyConnection, threshold: int) -> pd.DataFrame:
    dataset = DATASETS_BY_NAME["sorties_grands_programmes"]
    frame = _in_key_order(_mart(con, dataset.name), dataset)
    groups = additive_groups(
        frame, totals=frame["issue"] == "ensemble", members=frame["issue"] != "ensemble", on=["programme", "annee"]
    )
    protected = protect(frame, count="sorties", threshold=threshold, groups={"sorties": groups})
    return protected.sort_values(["programme", "annee", "issue"], key=_programme_order)


def _programme_order(values: pd.Series) -> pd.Series:
    """Sort key: programmes in PROGRAMME_ORDER, other columns as they are."""
    if values.name == "programme":
        return values.map({code: rank for rank, code in enumerate(PROGRAMME_ORDER)})
    return values


#: The stages of a beneficiary's path in parcours_beneficiaires, in the order the Sankey draws them.
PATH_STAGES = ("public_entree", "famille_contrat", "issue_six_mois")


def _paths(con: duckdb.DuckDBPyConnection, geography: _Geography, threshold: int) -> pd.DataFrame:
    """parcours_beneficiaires: each node adds up from the flows reaching it and from those leaving it, the total
    from each column of nodes (margin_groups), and every cell from the territories it contains."""
    dataset = DATASETS_BY_NAME["parcours_beneficiaires"]
    frame = _mart(con, dataset.name)
    if frame.empty:  # no clause-tracking data loaded yet: the dataset is published empty, with its schema
        return _empty(dataset)
    frame = geography.annotate(_in_key_order(frame, dataset))
    territory = ["annee", "niveau_territoire", "code_territoire"]
    groups = margin_groups(frame, dimensions=PATH_STAGES, on=territory)
    groups += geography.groups(frame, within=["annee", *PATH_STAGES])
    protected = protect(
        frame, count="beneficiaires", threshold=threshold, groups={"beneficiaires": groups}, hidden="hidden"
    )
    return protected.sort_values([*territory, *PATH_STAGES], key=_level_order)


def _reconciliation(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = _mart(con, "rapprochement_decp_suivi", "order by annee, statut_rapprochement")
    unknown = sorted(set(frame.loc[frame["categorie"].isna(), "statut_rapprochement"]))
    if unknown:
        raise RuntimeError(
            f"marts.rapprochement_decp_suivi: reconciliation statuses {unknown} have no published category; "
            "add them to dbt_project/models/marts/publication/rapprochement_decp_suivi.sql"
        )
    return frame


def _buyer_profiles(con: duckdb.DuckDBPyConnection, threshold: int) -> pd.DataFrame:
    """One row per buyer and year. The table holds no total: a buyer's beneficiaries add up to nothing published in
    it (a person may work for several buyers, in several years), so primary suppression only, the hours masked with
    the people (as for grands_programmes, the table is protected on its own: disclosure.py's attacker model)."""
    dataset = DATASETS_BY_NAME["profils_acheteurs"]
    frame = _in_key_order(_mart(con, dataset.name), dataset)
    return protect(frame, count="beneficiaires", threshold=threshold, derived=["heures_realisees"])


#: Order of the structure types within a territory in structures_par_territoire.
STRUCTURE_TYPE_ORDER = ("ensemble", "SIAE", "ACI", "AI", "EI", "ETTI", "EITI", "GEIQ", "EA", "ESAT")


def _structures_by_territory(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    frame = _mart(con, "structures_par_territoire")
    order = {kind: rank for rank, kind in enumerate(STRUCTURE_TYPE_ORDER)}
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
    """The published Table Schema of a dataset: the fields of its catalogue file and its key (masked values and
    unknowns are empty cells); the catalogue's other properties go to the README."""
    fields = []
    for field in dataset.fields:
        descriptor: dict[str, object] = {
            "name": field.name,
            "type": field.type,
            "title": field.title,
            "description": field.description,
        }
        if field.required:
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
