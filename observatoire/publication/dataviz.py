"""Interactive dataviz: a self-contained static site built from the open-data Parquet files.

The site (``index.html`` + ``assets/``) works offline, opened from the file system or any static server: the
chart library (Apache ECharts, vendored in ``dataviz_site/vendor/``) and the data are plain ``<script>`` files,
so nothing is fetched at run time (browsers block ``fetch()`` of local files). ``build_dataviz`` writes:

- ``assets/data.js``: ``window.OBSERVATOIRE_DATA``, the open-data aggregates (already protected by the
  secrecy rule of ``disclosure.py``: a masked cell is ``null`` with its ``secret`` flag, never 0), with the
  repeated texts (territories, dimensions, modalities) stored once and referred to by index (its keys
  ``programmes`` and ``parcours`` feed the sections drawn by ``programmes.js`` and ``parcours.js``);
- ``assets/geo.js``: ``window.OBSERVATOIRE_GEO``, the Île-de-France GeoJSON (départements, EPT, communes)
  with coordinates rounded to ``COORDINATE_DECIMALS`` and the centroid of every commune, where the map of
  insertion structures places a structure whose registry gives no coordinates;
- ``assets/acheteurs/``: the buyer profiles (open data ``profils_acheteurs``), loaded on demand by ``buyers.js``
  with a ``<script>`` element (which works from the file system, unlike ``fetch()``): ``index.js`` (name, SIRET,
  type, département and shard of every buyer, loaded at the first search) and ``profils-NNN.js`` (the yearly rows
  of ``BUYERS_PER_SHARD`` buyers, loaded when one of them is opened). Each file calls
  ``window.OBSERVATOIRE_ACHETEURS.recevoir(name, value)``.

It reads nothing but the open-data files and the reference GeoJSON, so every number shown is a published one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from observatoire.publication.open_data import DATASETS_BY_NAME
from observatoire.settings import load_settings

SITE_DIR = Path(__file__).resolve().parent / "dataviz_site"

# Coordinates rounded to 4 decimals (about 10 m in Île-de-France): far below a pixel at the zoom levels of the
# site, and the shared borders of neighbouring polygons stay identical since both sides round the same vertex.
COORDINATE_DECIMALS = 4

GEO_FILES = {
    "departement": "gregoiredavid_departements-ile-de-france.geojson",
    "ept": "ept_mgp_2025_from_communes.geojson",
    "commune": "communes_idf_cog2026_from_gregoiredavid2018.geojson",
}
PARIS_CODE = "75056"
# Paris arrondissements municipaux (75101-75120) are located at the centroid of Paris (no arrondissement map).
PARIS_ARRONDISSEMENT_PREFIX = "751"


#: The open-data sets the site shows; their columns are those of their Table Schema (open_data.DATASETS_BY_NAME).
BENEFICIAIRES = "beneficiaires_par_territoire"
HEURES_MOIS = "heures_par_territoire_mois"
SORTIES = "sorties_par_territoire"
HEURES_PREVUES = "heures_prevues_realisees"
STRUCTURES = "structures_inclusion"
STRUCTURES_TERRITOIRE = "structures_par_territoire"
MARCHES = "marches_clauses_sociales"
RAPPROCHEMENT = "rapprochement_decp_suivi"
PROGRAMMES = "grands_programmes"
SORTIES_PROGRAMMES = "sorties_grands_programmes"
PARCOURS = "parcours_beneficiaires"
DATASETS = (
    BENEFICIAIRES,
    HEURES_MOIS,
    SORTIES,
    HEURES_PREVUES,
    STRUCTURES,
    STRUCTURES_TERRITOIRE,
    MARCHES,
    RAPPROCHEMENT,
    PROGRAMMES,
    SORTIES_PROGRAMMES,
    PARCOURS,
)
#: The buyer profiles, written apart from data.js (see module docstring).
PROFILS_ACHETEURS = "profils_acheteurs"
BUYERS_DIR = "acheteurs"
BUYERS_PER_SHARD = 200
BUYERS_CALLBACK = "OBSERVATOIRE_ACHETEURS.recevoir"


class DatavizInputError(Exception):
    """An input of the dataviz is missing or malformed; the message names the file and what to do."""


def build_dataviz(open_data_dir: Path, out_dir: Path, geo_dir: Path | None = None) -> Path:
    """Build the site from the open-data folder into ``out_dir`` (replaced as a whole); returns index.html.

    ``geo_dir`` holds the GeoJSON files (default: ``<reference_dir>/geo``).
    """
    geo_dir = geo_dir or load_settings().reference_dir / "geo"
    geo = load_geo(geo_dir)
    data = read_open_data(Path(open_data_dir), geo)

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it owner-only; the site is public, served by any static server
    try:
        assets = staging / "assets"
        shutil.copytree(SITE_DIR, assets, ignore=shutil.ignore_patterns("index.html"))
        shutil.copy2(SITE_DIR / "index.html", staging / "index.html")
        _write_js_global(assets / "data.js", "OBSERVATOIRE_DATA", data)
        _write_js_global(assets / "qpv_geo.js", "OBSERVATOIRE_QPV", load_qpv(geo_dir.parent / QPV_FILE))
        _write_js_global(
            assets / "qpv_beneficiaires.js", "OBSERVATOIRE_QPV_BENEFICIAIRES", read_qpv_cells(open_data_dir)
        )
        _write_js_global(assets / "geo.js", "OBSERVATOIRE_GEO", geo)
        write_buyer_files(Path(open_data_dir), assets / BUYERS_DIR)
        _replace_dir(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def _replace_dir(new: Path, target: Path) -> None:
    """Swap ``new`` in place of ``target`` so a reader never sees a half-written site."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_js_global(path: Path, name: str, value: object) -> None:
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    path.write_text(f"window.{name} = {payload};\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------- open data


def read_open_data(open_data_dir: Path, geo: dict) -> dict:
    """The open-data aggregates the site shows, with repeated texts stored once (see module docstring)."""
    con = duckdb.connect()
    frames = {name: _read_dataset(con, open_data_dir, name) for name in DATASETS}
    territories = _TerritoryIndex(geo)

    ben = frames[BENEFICIAIRES]
    dimensions = _Dictionary()
    modalities = _Dictionary()
    beneficiaires = [
        [
            int(r["annee"]),
            territories.index(r),
            dimensions.index(r["dimension"]),
            modalities.index((r["modalite"], r["libelle_modalite"])),
            _count(r["beneficiaires"]),
            _hours(r["heures_realisees"]),
            _flag(r["secret"]),
        ]
        for r in ben
    ]
    heures_mois = [
        [
            int(r["annee"]),
            int(r["mois"]),
            territories.index(r),
            _hours(r["heures_realisees"]),
            _count(r["beneficiaires"]),
            _flag(r["secret"]),
        ]
        for r in frames[HEURES_MOIS]
    ]
    issues = _Dictionary()
    sorties = [
        [
            int(r["annee"]),
            territories.index(r),
            issues.index((r["issue"], r["libelle_issue"])),
            _count(r["sorties"]),
            _flag(r["secret"]),
        ]
        for r in frames[SORTIES]
    ]
    heures_prevues = [
        [
            int(r["annee"]),
            territories.index(r),
            _count(r["operations"]),
            _hours(r["heures_prevues"]),
            _hours(r["heures_realisees"]),
            _count(r["beneficiaires"]),
            _flag(r["secret"]),
        ]
        for r in frames[HEURES_PREVUES]
    ]
    structures_territoire = [
        [
            territories.index(r),
            str(r["type_structure"]),
            _count(r["structures"]),
            _count(r["population"]),
            None if r["structures_pour_100000_habitants"] is None else float(r["structures_pour_100000_habitants"]),
        ]
        for r in frames[STRUCTURES_TERRITOIRE]
    ]
    # No year: no clause-tracking export loaded yet. The site says so in each tracking section (app.js, SANS_SUIVI)
    # and still shows the insertion structures; it never draws those sections as zeros.
    years = sorted({row[0] for rows in (beneficiaires, heures_mois, heures_prevues) for row in rows})
    return {
        "genere_le": datetime.now(UTC).strftime("%Y-%m-%d"),
        "annees": years,
        "suivi_disponible": bool(years),
        "territoires": territories.rows,
        "dimensions": dimensions.values,
        "modalites": modalities.values,
        "issues": issues.values,
        "beneficiaires": beneficiaires,
        "heures_mois": heures_mois,
        "sorties": sorties,
        "heures_prevues": heures_prevues,
        "structures": _structures(frames[STRUCTURES], geo),
        "structures_territoire": structures_territoire,
        "marches": _contracts(frames[MARCHES], frames[RAPPROCHEMENT]),
        "programmes": _programmes(frames[PROGRAMMES], frames[SORTIES_PROGRAMMES]),
        "parcours": _paths(frames[PARCOURS], territories),
    }


def _programmes(programmes: list[dict], exits: list[dict]) -> dict:
    """Section "Programmes" (programmes.js): the rows of grands_programmes as ``[programme, annee, operations,
    marches, heures_engagees, heures_prevues, heures_realisees, beneficiaires, secret]`` and of
    sorties_grands_programmes as ``[programme, annee, issue, sorties, secret]``, in the open data's order, with the
    labels of the programmes and outcomes."""
    return {
        "libelles": {str(r["programme"]): str(r["libelle_programme"] or r["programme"]) for r in programmes + exits},
        "issues": {str(r["issue"]): str(r["libelle_issue"] or r["issue"]) for r in exits},
        "lignes": [
            [
                str(r["programme"]),
                int(r["annee"]),
                _count(r["operations"]),
                _count(r["marches"]),
                _hours(r["heures_engagees"]),
                _hours(r["heures_prevues"]),
                _hours(r["heures_realisees"]),
                _count(r["beneficiaires"]),
                _flag(r["secret"]),
            ]
            for r in programmes
        ],
        "sorties": [
            [str(r["programme"]), int(r["annee"]), str(r["issue"]), _count(r["sorties"]), _flag(r["secret"])]
            for r in exits
        ],
    }


def _paths(rows: list[dict], territories: _TerritoryIndex) -> dict:
    """Section "Parcours" (parcours.js): the rows of parcours_beneficiaires as ``[annee, territory index, public,
    famille, issue, beneficiaires, secret]``, each stage a ``[code, label]`` index of its own dictionary."""
    stages = {"public_entree": _Dictionary(), "famille_contrat": _Dictionary(), "issue_six_mois": _Dictionary()}
    lines = [
        [
            int(r["annee"]),
            territories.index(r),
            *(values.index((r[stage], r[f"libelle_{stage}"])) for stage, values in stages.items()),
            _count(r["beneficiaires"]),
            _flag(r["secret"]),
        ]
        for r in rows
    ]
    return {
        "publics": stages["public_entree"].values,
        "familles": stages["famille_contrat"].values,
        "issues": stages["issue_six_mois"].values,
        "lignes": lines,
    }


def _read_dataset(con: duckdb.DuckDBPyConnection, open_data_dir: Path, name: str) -> list[dict]:
    path = open_data_dir / name / f"{name}.parquet"
    if not path.exists():
        raise DatavizInputError(
            f"{path} is missing: the dataviz reads the open-data files; run "
            "observatoire.publication.open_data.write_open_data first"
        )
    expected = [field.name for field in DATASETS_BY_NAME[name].fields]
    found = [row[0] for row in con.execute("select name from parquet_schema(?)", [str(path)]).fetchall()]
    missing = [column for column in expected if column not in found]
    if missing:
        raise DatavizInputError(
            f"{path}: columns {missing} missing (found {found}); the dataviz expects the columns of the Table Schema "
            f"open_data_schemas/{name}.json: regenerate the open data"
        )
    columns = ", ".join(f'"{column}"' for column in expected)
    cursor = con.execute(f"select {columns} from read_parquet(?)", [str(path)])
    return [dict(zip(expected, row, strict=True)) for row in cursor.fetchall()]


def _count(value: object) -> int | None:
    return None if value is None else int(value)


def _hours(value: object) -> float | None:
    return None if value is None else round(float(value), 1)


def _flag(value: object) -> int:
    return 1 if value else 0


class _Dictionary:
    """Distinct values (texts, or (code, label) pairs) in order of first appearance; rows refer to them by index."""

    def __init__(self) -> None:
        self.values: list = []
        self._positions: dict = {}

    def index(self, value: str | tuple[str, str] | None) -> int:
        key = tuple("" if v is None else str(v) for v in value) if isinstance(value, tuple) else str(value or "")
        if key not in self._positions:
            self._positions[key] = len(self.values)
            self.values.append(list(key) if isinstance(key, tuple) else key)
        return self._positions[key]


class _TerritoryIndex:
    """Territories as ``[niveau, code, nom]``: every map feature first (so a selector lists them all, with or
    without data), then any other territory the open data names; rows refer to them by index."""

    def __init__(self, geo: dict) -> None:
        self.rows: list[list[str]] = [["region", "11", "Île-de-France"]]
        for level in ("departement", "ept", "commune"):
            for feature in geo[level]["features"]:
                self.rows.append([level, feature["properties"]["code"], feature["properties"]["nom"]])
        self._positions = {(level, code): i for i, (level, code, _name) in enumerate(self.rows)}

    def index(self, row: dict) -> int:
        key = (str(row["niveau_territoire"]), str(row["code_territoire"]))
        if key not in self._positions:
            self._positions[key] = len(self.rows)
            self.rows.append([key[0], key[1], str(row["nom_territoire"] or key[1])])
        return self._positions[key]


def _structures(rows: Iterable[dict], geo: dict) -> dict:
    """Structures as ``[nom, type index, code commune, lon, lat, approximate]``, sorted by name.

    Where the registry gives no coordinates, the structure is placed at its commune's centroid and flagged
    ``approximate`` (the map says so); a structure whose commune is unknown or not in the map is left out and
    counted by département (``non_localisees``).
    """
    centroids = geo["centroides_communes"]
    types = _Dictionary()
    placed: list[list] = []
    unplaced: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: (str(r["nom"] or ""), str(r["siret"] or ""))):
        commune = _map_commune_code(row["code_commune"])
        lat, lon = row["latitude"], row["longitude"]
        if lat is not None and lon is not None:
            position, approximate = (round(float(lon), 5), round(float(lat), 5)), 0
        elif commune in centroids:
            position, approximate = tuple(centroids[commune]), 1
        else:
            department = str(row["code_departement"] or "inconnu")
            unplaced[department] = unplaced.get(department, 0) + 1
            continue
        placed.append([str(row["nom"] or ""), types.index(row["type_structure"]), commune, *position, approximate])
    return {"types": types.values, "lignes": placed, "non_localisees": unplaced}


def _map_commune_code(code: object) -> str:
    text = "" if code is None else str(code)
    return PARIS_CODE if text.startswith(PARIS_ARRONDISSEMENT_PREFIX) and len(text) == 5 else text


# ----------------------------------------------------------------------------------------- public contracts


def _contracts(rows: list[dict], reconciliation: list[dict]) -> dict:
    """Contracts as ``[annee, departement, type index, secteur index, marches, marches_consideration_connue,
    marches_avec_consideration_sociale, marches_avec_clause_sociale, montant (euros)]`` and the reconciliation as
    ``[annee, categorie index, marches]`` (published counts of contracts: no secrecy applies)."""
    types = _Dictionary()
    sectors = _Dictionary()
    lines = [
        [
            int(r["annee"]),
            str(r["departement_acheteur"]),
            types.index((r["type_acheteur"], r["libelle_type_acheteur"])),
            sectors.index((r["secteur_cpv"], r["libelle_secteur"])),
            _count(r["marches"]),
            _count(r["marches_consideration_connue"]),
            _count(r["marches_avec_consideration_sociale"]),
            _count(r["marches_avec_clause_sociale"]),
            _euros(r["montant_total"]),
        ]
        for r in rows
    ]
    categories = _Dictionary()
    matched = [
        [int(r["annee"]), categories.index((r["categorie"], r["libelle_categorie"])), _count(r["marches"])]
        for r in reconciliation
    ]
    return {
        "types": types.values,
        "secteurs": sectors.values,
        "lignes": lines,
        "categories_rapprochement": categories.values,
        "rapprochement": matched,
    }


def _euros(value: object) -> int | None:
    return None if value is None else round(float(value))


def write_buyer_files(open_data_dir: Path, out_dir: Path) -> None:
    """The search index and the profile shards of ``profils_acheteurs`` (see module docstring), buyers in SIRET order.

    Index: ``{"types": [[code, libelle]], "acheteurs": [[siret, nom, type index, departement, shard number]]}``;
    shard ``profils-NNN``: ``{siret: [[annee, marches, marches_consideration_connue, marches_avec_consideration_sociale,
    marches_avec_clause_sociale, montant, part_consideration_sociale, acheteurs_pairs,
    marches_consideration_connue_pairs, part_consideration_sociale_pairs, marches_suivis, heures_realisees,
    beneficiaires, secret]]}`` (masked people and hours are ``null`` with ``secret`` 1, as in the open data)."""
    with duckdb.connect() as con:
        rows = _read_dataset(con, open_data_dir, PROFILS_ACHETEURS)
    by_buyer: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: (str(r["siret_acheteur"]), int(r["annee"]))):
        by_buyer.setdefault(str(row["siret_acheteur"]), []).append(row)
    out_dir.mkdir(parents=True)
    types = _Dictionary()
    index = []
    sirets = list(by_buyer)
    for start in range(0, len(sirets), BUYERS_PER_SHARD):
        number = start // BUYERS_PER_SHARD
        shard = f"profils-{number:03d}"
        profiles = {}
        for siret in sirets[start : start + BUYERS_PER_SHARD]:
            years = by_buyer[siret]
            latest = years[-1]
            name = next((str(r["nom_acheteur"]) for r in reversed(years) if r["nom_acheteur"]), "")
            kind = types.index((latest["type_acheteur"], latest["libelle_type_acheteur"]))
            index.append([siret, name, kind, str(latest["departement_acheteur"]), number])
            profiles[siret] = [_buyer_year(r) for r in years]
        _write_js_call(out_dir / f"{shard}.js", shard, profiles)
    _write_js_call(out_dir / "index.js", "index", {"types": types.values, "acheteurs": index})


def _buyer_year(r: dict) -> list:
    return [
        int(r["annee"]),
        _count(r["marches"]),
        _count(r["marches_consideration_connue"]),
        _count(r["marches_avec_consideration_sociale"]),
        _count(r["marches_avec_clause_sociale"]),
        _euros(r["montant_total"]),
        _share(r["part_consideration_sociale"]),
        _count(r["acheteurs_pairs"]),
        _count(r["marches_consideration_connue_pairs"]),
        _share(r["part_consideration_sociale_pairs"]),
        _count(r["marches_suivis"]),
        _hours(r["heures_realisees"]),
        _count(r["beneficiaires"]),
        _flag(r["secret"]),
    ]


def _share(value: object) -> float | None:
    return None if value is None else round(float(value), 4)


def _write_js_call(path: Path, name: str, value: object) -> None:
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    path.write_text(f"window.{BUYERS_CALLBACK}({json.dumps(name)}, {payload});\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------------- maps


def load_geo(geo_dir: Path) -> dict:
    """The three maps with rounded coordinates and only the properties the site uses, plus commune centroids."""
    maps = {}
    for level, file_name in GEO_FILES.items():
        path = geo_dir / file_name
        if not path.exists():
            raise DatavizInputError(
                f"{path} is missing: the dataviz maps come from demo_data/ref/geo (see its README); "
                "set OBSERVATOIRE_REFERENCE_DIR to a folder holding geo/"
            )
        collection = json.loads(path.read_text(encoding="utf-8"))
        maps[level] = {
            "type": "FeatureCollection",
            "features": [_slim_feature(feature, level, path) for feature in collection["features"]],
        }
    centroids = {
        feature["properties"]["code"]: list(_centroid(feature["geometry"])) for feature in maps["commune"]["features"]
    }
    return {**maps, "centroides_communes": centroids}


def _slim_feature(feature: dict, level: str, path: Path) -> dict:
    props = feature.get("properties") or {}
    if not props.get("code") or not props.get("nom"):
        raise DatavizInputError(f"{path}: a feature has no 'code' or 'nom' property ({props}); fix the GeoJSON")
    kept = {"code": props["code"], "nom": props["nom"]}
    if level == "commune":
        kept["dep"] = props["dep"]
        kept["ept"] = PARIS_CODE if props["code"] == PARIS_CODE else props.get("ept_code")
    geometry = feature["geometry"]
    return {
        "type": "Feature",
        "properties": kept,
        "geometry": {"type": geometry["type"], "coordinates": _round_coordinates(geometry["coordinates"])},
    }


def _round_coordinates(value: list) -> list:
    """Round every position; drop a vertex equal to the previous one after rounding (rings stay closed)."""
    if value and isinstance(value[0], int | float):
        return [round(value[0], COORDINATE_DECIMALS), round(value[1], COORDINATE_DECIMALS)]
    rounded = [_round_coordinates(item) for item in value]
    if rounded and isinstance(rounded[0][0], int | float):  # a ring: list of positions
        return [pos for i, pos in enumerate(rounded) if i == 0 or pos != rounded[i - 1]]
    return rounded


def _centroid(geometry: dict) -> tuple[float, float]:
    """Area-weighted centroid of the outer rings of a (multi)polygon, lon/lat rounded to 5 decimals."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    weight = x_sum = y_sum = 0.0
    for polygon in polygons:
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
            cross = x0 * y1 - x1 * y0
            area += cross
            cx += (x0 + x1) * cross
            cy += (y0 + y1) * cross
        if area:  # the ring's centroid is (cx, cy) / (3 * area) whatever its orientation; weight = |area|
            weight += abs(area)
            x_sum += abs(area) * cx / (3 * area)
            y_sum += abs(area) * cy / (3 * area)
    if not weight:
        raise DatavizInputError(f"a commune polygon has no area ({str(geometry)[:120]}...): fix the GeoJSON")
    return round(x_sum / weight, 5), round(y_sum / weight, 5)


# --------------------------------------------------------------------------------- priority neighbourhoods (QPV)

#: Perimeters of the QPV 2024 of Île-de-France (demo_data/ref/qpv/README.md), beside geo/ in the reference folder.
QPV_FILE = "qpv/qpv2024_idf_perimetres.geojson"
#: The open-data set of the beneficiaries residing in each QPV (written apart from data.js, for qpv.js).
BENEFICIAIRES_QPV = "beneficiaires_par_qpv"


def read_qpv_cells(open_data_dir: Path) -> list[list]:
    """The rows of ``beneficiaires_par_qpv`` for ``dataviz_site/qpv.js``: ``[annee, code_qpv, nom_qpv, code_commune,
    beneficiaires, secret]`` (a masked count is ``null`` with ``secret`` 1, as in the open data)."""
    with duckdb.connect() as con:
        rows = _read_dataset(con, Path(open_data_dir), BENEFICIAIRES_QPV)
    return [
        [int(r["annee"]), r["code_qpv"], r["nom_qpv"], r["code_commune"], _count(r["beneficiaires"]), int(r["secret"])]
        for r in rows
    ]


def load_qpv(path: Path) -> dict:
    """The QPV perimeters for ``dataviz_site/qpv.js``: code, name and communes (COG 2026) of each QPV."""
    if not path.exists():
        raise DatavizInputError(
            f"{path} is missing: the QPV perimeters come from demo_data/ref/qpv (see its README); "
            "set OBSERVATOIRE_REFERENCE_DIR to a folder holding qpv/"
        )
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": f["properties"]["code_qp"],
                    "nom": f["properties"]["lib_qp"],
                    "communes": f["properties"]["communes_cog2026"],
                },
                "geometry": f["geometry"],
            }
            for f in features
        ],
    }
