"""Every figure the report and the fiches print, read from the open data (people: secrecy already applied) and
from the warehouse (what describes no person: the territories, the data-quality counts, the last load), returned
as plain dataclasses. Nothing here formats or lays out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from observatoire.publication.dataviz import GEO_FILES
from observatoire.publication.report.formatting import DIMENSION_TITLES, MASKED, Value, is_number, share
from observatoire.quality_report import TOTALS_MODELS, QualityTotals, quality_figures
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

# --- reading the open data ----------------------------------------------------------------------------------

OPEN_DATASETS = (
    "beneficiaires_par_territoire",
    "heures_par_territoire_mois",
    "sorties_par_territoire",
    "marches_clauses_sociales",
    "heures_prevues_realisees",
    "grands_programmes",
    "rapprochement_decp_suivi",
    "structures_par_territoire",
)


class OpenData:
    """The open-data Parquet files as DuckDB views (one in-memory connection, nothing written)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._con = duckdb.connect()
        for name in OPEN_DATASETS:
            path = directory / name / f"{name}.parquet"
            if not path.is_file():
                raise FileNotFoundError(
                    f"open-data file {path} is missing: write the open data first "
                    "(observatoire.publication.open_data.write_open_data) into that folder"
                )
            literal = str(path).replace("'", "''")
            self._con.execute(f"create view {name} as select * from read_parquet('{literal}')")

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        cursor = self._con.execute(sql, list(params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def years(self) -> list[int]:
        return [row["annee"] for row in self.rows("select distinct annee from beneficiaires_par_territoire order by 1")]

    def __enter__(self) -> OpenData:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._con.close()


def published(row: dict[str, Any] | None, column: str) -> Value:
    """A published value: MASKED when secrecy withheld it, None when nothing was published."""
    if row is None:
        return None
    value = row[column]
    if value is None and row.get("secret"):
        return MASKED
    return value


# --- territories ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Territory:
    level: str  # region, departement or ept
    code: str
    name: str

    @property
    def level_label(self) -> str:
        if self.level == "ept":
            if self.code == PARIS_COMMUNE:
                return "Ville de Paris (territoire de la Métropole du Grand Paris)"
            return "Établissement public territorial de la Métropole du Grand Paris"
        return {"region": "Région", "departement": "Département"}[self.level]


PARIS_COMMUNE = "75056"


def fiche_territories(warehouse: Path) -> list[Territory]:
    """The 8 départements of Île-de-France, then the 11 EPT of the Métropole du Grand Paris and Paris: the
    territories the open data publishes (mart territoires_publication, from the reference geography: every
    territory gets its fiche, even one with no figure)."""
    with connect_reader(warehouse) as con:
        departements = con.execute(
            """
            select distinct code_territoire, nom_territoire from marts.territoires_publication
            where niveau_territoire = 'departement' order by 1
            """
        ).fetchall()
        epts = con.execute(
            """
            select distinct code_territoire, nom_territoire from marts.territoires_publication
            where niveau_territoire = 'ept'
            order by code_territoire = ? desc, nom_territoire
            """,
            [PARIS_COMMUNE],
        ).fetchall()
    if not departements:
        raise ValueError(
            f"warehouse {warehouse} has no Île-de-France département in marts.territoires_publication: load the "
            "reference data (COG) and build the marts before the fiches"
        )
    return [Territory("departement", code, name) for code, name in departements] + [
        Territory("ept", code, name) for code, name in epts
    ]


# --- figures of one territory for one year (shared by the report and the fiches) ----------------------------

AGE_BANDS = ("moins de 26 ans", "26 à 49 ans", "50 ans et plus", "âge inconnu")
#: Dimensions shown in their natural order; the others by decreasing number of beneficiaries.
NATURAL_ORDER = {
    "sexe": ("F", "M"),
    "tranche_age": AGE_BANDS,
    "residence_qpv": ("QPV", "hors QPV"),
    "niveau_diplome": ("1", "2", "3", "4", "5", "6", "7", "8", "inconnu"),
}
EXIT_ORDER = ("emploi_durable", "emploi_transition", "sortie_positive", "autre_sortie", "inconnue")


@dataclass
class Breakdown:
    """One category of a dimension: its people this year and last year, and their hours this year."""

    code: str
    label: str
    current: Value
    previous: Value
    hours: Value = None


def _sort_key(item: Breakdown) -> tuple[int, float, str]:
    """Largest first; a masked category (at least one person) before the empty ones."""
    if is_number(item.current) and item.current > 0:
        return (0, -float(item.current), item.label)
    return (1 if item.current is MASKED else 2, 0.0, item.label)


def _ordered(dimension: str, items: list[Breakdown]) -> list[Breakdown]:
    order = NATURAL_ORDER.get(dimension)
    if order is None:
        return sorted(items, key=_sort_key)
    return sorted(items, key=lambda item: (order.index(item.code) if item.code in order else len(order), item.label))


@dataclass
class TerritoryFigures:
    """Published figures of one territory for ``year`` (and ``year - 1`` for the changes)."""

    territory: Territory
    year: int
    beneficiaries: Value = None
    beneficiaries_previous: Value = None
    hours: Value = None  # worked by the beneficiaries residing in the territory
    hours_previous: Value = None
    breakdowns: dict[str, list[Breakdown]] = field(default_factory=dict)
    pyramid: dict[str, dict[str, Value]] = field(default_factory=dict)  # sex -> age band -> beneficiaries
    exits: list[Breakdown] = field(default_factory=list)
    exits_total: Value = None
    exits_total_previous: Value = None
    place_by_year: dict[int, dict[str, Any]] = field(default_factory=dict)  # operations located in the territory
    monthly_hours: list[Value] = field(default_factory=list)
    structures: list[dict[str, Any]] = field(default_factory=list)

    def category(self, dimension: str, code: str) -> Breakdown | None:
        return next((item for item in self.breakdowns.get(dimension, []) if item.code == code), None)

    def category_share(self, dimension: str, code: str) -> tuple[Value, Value]:
        """Share of the territory's beneficiaries in one category, this year and last year."""
        item = self.category(dimension, code)
        if item is None:
            return None, None
        return share(item.current, self.beneficiaries), share(item.previous, self.beneficiaries_previous)

    def exit_share(self, issue: str) -> tuple[Value, Value]:
        item = next((item for item in self.exits if item.code == issue), None)
        if item is None:
            return None, None
        return share(item.current, self.exits_total), share(item.previous, self.exits_total_previous)

    def structure(self, kind: str) -> dict[str, Any] | None:
        """Inclusion structures of one type (``ensemble``: all) in the territory."""
        return next((row for row in self.structures if row["type_structure"] == kind), None)

    def place(self, year: int, column: str) -> Value:
        return published(self.place_by_year.get(year), column)


def territory_figures(open_data: OpenData, territory: Territory, year: int) -> TerritoryFigures:
    figures = TerritoryFigures(territory=territory, year=year)
    where = "niveau_territoire = ? and code_territoire = ?"
    people = open_data.rows(
        f"select * from beneficiaires_par_territoire where {where} and annee in (?, ?)",
        territory.level,
        territory.code,
        year,
        year - 1,
    )
    cells = {(row["annee"], row["dimension"], row["modalite"]): row for row in people}
    total, total_previous = cells.get((year, "ensemble", "total")), cells.get((year - 1, "ensemble", "total"))
    figures.beneficiaries = published(total, "beneficiaires")
    figures.beneficiaries_previous = published(total_previous, "beneficiaires")
    figures.hours = published(total, "heures_realisees")
    figures.hours_previous = published(total_previous, "heures_realisees")
    for dimension in DIMENSION_TITLES:
        codes = {modalite: row["libelle_modalite"] for (_, d, modalite), row in cells.items() if d == dimension}
        items = [
            Breakdown(
                code=code,
                label=label,
                current=published(cells.get((year, dimension, code)), "beneficiaires"),
                previous=published(cells.get((year - 1, dimension, code)), "beneficiaires"),
                hours=published(cells.get((year, dimension, code)), "heures_realisees"),
            )
            for code, label in codes.items()
        ]
        figures.breakdowns[dimension] = _ordered(dimension, items)
    for (annee, dimension, modalite), row in cells.items():
        if annee == year and dimension == "sexe_tranche_age":
            sex, band = modalite.split("|", 1)
            figures.pyramid.setdefault(sex, {})[band] = published(row, "beneficiaires")

    exits = open_data.rows(
        f"select * from sorties_par_territoire where {where} and annee in (?, ?)",
        territory.level,
        territory.code,
        year,
        year - 1,
    )
    exit_cells = {(row["annee"], row["issue"]): row for row in exits}
    figures.exits_total = published(exit_cells.get((year, "ensemble")), "sorties")
    figures.exits_total_previous = published(exit_cells.get((year - 1, "ensemble")), "sorties")
    labels = {row["issue"]: row["libelle_issue"] for row in exits if row["issue"] != "ensemble"}
    figures.exits = sorted(
        (
            Breakdown(
                code=issue,
                label=label,
                current=published(exit_cells.get((year, issue)), "sorties"),
                previous=published(exit_cells.get((year - 1, issue)), "sorties"),
            )
            for issue, label in labels.items()
        ),
        key=lambda item: EXIT_ORDER.index(item.code) if item.code in EXIT_ORDER else len(EXIT_ORDER),
    )

    place = open_data.rows(f"select * from heures_prevues_realisees where {where}", territory.level, territory.code)
    figures.place_by_year = {row["annee"]: row for row in place}
    months = {
        row["mois"]: row
        for row in open_data.rows(
            f"select * from heures_par_territoire_mois where {where} and annee = ?",
            territory.level,
            territory.code,
            year,
        )
    }
    figures.monthly_hours = [published(months.get(month), "heures_realisees") for month in range(1, 13)]
    figures.structures = open_data.rows(
        f"select * from structures_par_territoire where {where}", territory.level, territory.code
    )
    return figures


@dataclass
class ContractFigures:
    """Public contracts notified in a year (DECP), for the whole region or the buyers of one département."""

    contracts: int = 0
    known: int = 0  # whose format says whether there is a social consideration (2024 format)
    social_consideration: int = 0
    social_clause: int = 0

    @property
    def consideration_share(self) -> Value:
        return share(self.social_consideration, self.known)


def contract_figures(open_data: OpenData, year: int, departement: str | None = None) -> ContractFigures:
    condition = "annee = ?" + (" and departement_acheteur = ?" if departement else "")
    params = [year, departement] if departement else [year]
    row = open_data.rows(
        f"""
        select coalesce(sum(marches), 0) as contracts, coalesce(sum(marches_consideration_connue), 0) as known,
            coalesce(sum(marches_avec_consideration_sociale), 0) as social_consideration,
            coalesce(sum(marches_avec_clause_sociale), 0) as social_clause
        from marches_clauses_sociales where {condition}
        """,
        *params,
    )[0]
    return ContractFigures(**row)


# --- maps ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapArea:
    """A territory's outline on a printed map (GeoJSON geometry, WGS84, simplified for the map's size)."""

    code: str
    name: str
    geometry: dict[str, Any]


def map_areas(level: str, width: int, geo_dir: Path | None = None) -> tuple[MapArea, ...]:
    """The départements of Île-de-France or the territories of the Métropole du Grand Paris (``level`` ``ept``:
    its 11 EPT and Paris), from the dataviz's reference GeoJSON (default folder: ``<reference_dir>/geo``),
    simplified for a map ``width`` pixels wide: a vertex less than a pixel from the previous one is dropped (the
    print stays the same, WeasyPrint draws the fiches several times faster)."""
    features = _map_features(level, geo_dir or load_settings().reference_dir / "geo")
    longitudes = [x for _, _, geometry in features for polygon in geometry for ring in polygon for x, _ in ring]
    pixel = (max(longitudes) - min(longitudes)) / width
    return tuple(MapArea(code, name, _simplified(geometry, pixel)) for code, name, geometry in features)


@cache
def _map_features(level: str, geo_dir: Path) -> tuple[tuple[str, str, list[Any]], ...]:
    """(code, name, polygons) of each feature of the level's GeoJSON, by code."""
    path = geo_dir / GEO_FILES[level]
    if not path.is_file():
        raise FileNotFoundError(
            f"map file {path} is missing: the report's maps come from demo_data/ref/geo (see its README); "
            "set OBSERVATOIRE_REFERENCE_DIR to a folder holding geo/"
        )
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return tuple(
        (
            f["properties"]["code"],
            f["properties"]["nom"],
            [f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"],
        )
        for f in sorted(features, key=lambda f: f["properties"]["code"])
    )


def _simplified(polygons: list[Any], tolerance: float) -> dict[str, Any]:
    """A MultiPolygon keeping a vertex only ``tolerance`` (degrees, Manhattan distance) away from the previous one
    kept, coordinates rounded to 4 decimals; rings left with fewer than four vertices (specks) are dropped."""
    kept = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            points = [[round(ring[0][0], 4), round(ring[0][1], 4)]]
            for x, y in ring[1:-1]:
                if abs(x - points[-1][0]) + abs(y - points[-1][1]) >= tolerance:
                    points.append([round(x, 4), round(y, 4)])
            if len(points) >= 3:
                rings.append([*points, points[0]])
        if rings:
            kept.append(rings)
    return {"type": "MultiPolygon", "coordinates": kept}


def beneficiaries_by_territory(open_data: OpenData, level: str, year: int) -> dict[str, Value]:
    """Beneficiaries of ``year`` of each territory of ``level`` (residence), as published (MASKED: secret)."""
    rows = open_data.rows(
        """
        select * from beneficiaires_par_territoire
        where niveau_territoire = ? and annee = ? and dimension = 'ensemble' and modalite = 'total'
        """,
        level,
        year,
    )
    return {row["code_territoire"]: published(row, "beneficiaires") for row in rows}


REGION_CODE = "11"  # Île-de-France


def region_territory(open_data: OpenData) -> Territory:
    rows = open_data.rows(
        "select any_value(nom_territoire) as name from beneficiaires_par_territoire where niveau_territoire = 'region'"
    )
    return Territory("region", REGION_CODE, rows[0]["name"] or "Île-de-France")


def check_year(open_data: OpenData, year: int) -> None:
    years = open_data.years()
    if year not in years:
        raise ValueError(
            f"no beneficiary figures for {year} in {open_data.directory} (years published: {years}): "
            "choose one of those years or refresh the open data"
        )


@dataclass
class ContractGroup:
    """Contracts notified in a year for one buyer type or one sector."""

    label: str
    contracts: int
    known: int
    social: int
    clause: int
    amount: float


def contract_groups(open_data: OpenData, year: int, *, by: str) -> list[ContractGroup]:
    """Contracts notified in ``year`` by ``by`` (``type_acheteur`` or ``secteur_cpv``), the largest first (by
    contracts with a social consideration)."""
    label = {"type_acheteur": "libelle_type_acheteur", "secteur_cpv": "libelle_secteur"}[by]
    rows = open_data.rows(
        f"""
        select any_value({label}) as label, sum(marches) as contracts, sum(marches_consideration_connue) as known,
            sum(marches_avec_consideration_sociale) as social, sum(marches_avec_clause_sociale) as clause,
            sum(montant_total) as amount
        from marches_clauses_sociales where annee = ?
        group by {by} order by social desc, contracts desc, label
        """,
        year,
    )
    return [ContractGroup(**row) for row in rows]


def decp_loaded(open_data: OpenData) -> bool:
    """Whether any DECP file was loaded (otherwise the contract sections say so instead of showing zeros)."""
    return bool(open_data.rows("select 1 as found from marches_clauses_sociales limit 1"))


@dataclass
class ProgrammeYear:
    """One major programme (Grand Paris Express, JOP 2024...) in one year; hours worked and beneficiaries as
    published (masked under the secrecy threshold)."""

    programme: str
    label: str
    year: int
    operations: int
    contracts: int
    committed: float | None
    planned: float
    worked: Value
    beneficiaries: Value


def programme_years(open_data: OpenData) -> list[ProgrammeYear]:
    return [
        ProgrammeYear(
            programme=row["programme"],
            label=row["libelle_programme"],
            year=row["annee"],
            operations=row["operations"],
            contracts=row["marches"],
            committed=row["heures_engagees"],
            planned=row["heures_prevues"],
            worked=published(row, "heures_realisees"),
            beneficiaries=published(row, "beneficiaires"),
        )
        for row in open_data.rows("select * from grands_programmes")
    ]


@dataclass
class ReconciliationCount:
    """Contracts notified in a year in one category of the DECP / clause-tracking reconciliation."""

    year: int
    category: str
    label: str
    contracts: int


def reconciliation_counts(open_data: OpenData, year: int) -> list[ReconciliationCount]:
    """Every year up to ``year``, by year then by decreasing number of contracts."""
    return [
        ReconciliationCount(row["annee"], row["categorie"], row["libelle_categorie"], row["marches"])
        for row in open_data.rows(
            "select * from rapprochement_decp_suivi where annee <= ? order by annee, marches desc", year
        )
    ]


# --- non-personal figures from the warehouse: data quality ----------------------------------------------------


def quality_totals(warehouse: Path) -> QualityTotals:
    """Records read, loaded and rejected, and the last load: the data-quality page's figures (one function for the
    page and the report)."""
    totals = quality_figures(warehouse).totals
    if totals is None:
        raise RuntimeError(
            f"warehouse {warehouse} has no quality table ({', '.join('.'.join(m) for m in TOTALS_MODELS)}): run the "
            "full refresh "
            "(DECP, clause tracking and dbt) before the report"
        )
    return totals
