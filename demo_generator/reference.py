"""Reference data the generator draws from (all under ``demo_data/``): real communes, SIAE, GEIQ, CPV, buyers."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from demo_generator.identifiers import complete_siret, luhn_ok

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_DATA = REPO_ROOT / "demo_data"
REF = DEMO_DATA / "ref"
IDF_DEPS = ("75", "77", "78", "91", "92", "93", "94", "95")

# Real CPV codes (checked against cpv2008_fr.csv at load time), by family.
CPV_WORKS = (
    "45000000-7",
    "45210000-2",
    "45214200-2",
    "45214210-5",
    "45211000-9",
    "45211340-4",
    "45212000-6",
    "45223000-6",
    "45230000-8",
    "45233120-6",
    "45232400-6",
    "45221110-6",
    "45234100-7",
    "45262000-1",
    "45262300-4",
    "45310000-3",
    "45330000-9",
    "45400000-1",
    "45410000-4",
    "45421000-4",
    "45442100-8",
    "45450000-6",
    "45111100-9",
    "45112000-5",
    "45221240-3",
    "45232130-2",
)
CPV_SERVICES = (
    "90910000-9",
    "90911200-8",
    "90911300-9",
    "90919200-4",
    "77310000-6",
    "77311000-3",
    "77313000-7",
    "77314000-4",
    "90500000-2",
    "90511000-2",
    "90600000-3",
    "79710000-4",
    "55520000-1",
    "98341120-2",
    "50700000-2",
    "71000000-8",
)
CPV_PROGRAMME = {
    "GRAND_PARIS_EXPRESS": (
        "45221240-3",
        "45221110-6",
        "45234100-7",
        "45213311-5",
        "45262300-4",
        "45310000-3",
        "45111100-9",
        "45223000-6",
    ),
    "JOP_2024": (
        "45212000-6",
        "45212200-8",
        "45211340-4",
        "45233120-6",
        "45262300-4",
        "45310000-3",
        "45400000-1",
        "77310000-6",
    ),
    "ANRU": (
        "45211340-4",
        "45453100-8",
        "45210000-2",
        "45262000-1",
        "45421000-4",
        "45442100-8",
        "45233120-6",
        "45111100-9",
    ),
}

# Real buyers seen in the real DECP extract (demo_data/decp/real_tabular, acheteur_id / acheteur_nom), by dep.
DECP_TABULAR = DEMO_DATA / "decp" / "real_tabular" / "decp-info-tabular_2024H2_travaux_cpv4521.csv"
_EXCLUDED_BUYER_WORDS = ("ATEXO", "SCCV", "UNION NATIONALE")

# Maîtres d'ouvrage of the large programmes. Solideo's SIRET is real (DECP extract above); the SIRENs of the
# Société des grands projets (ex-Société du Grand Paris, 525 046 017) and of the ANRU (453 678 252) are quoted from
# memory (not in the reference files): their NIC is made up (Luhn-valid).
SOLIDEO = ("Société de livraison des ouvrages olympiques (Solideo)", "83455372900023")
SGP = ("Société des grands projets (Grand Paris Express)", complete_siret("525046017"))
ANRU = ("Agence nationale pour la rénovation urbaine (ANRU)", complete_siret("453678252"))


@dataclass(frozen=True)
class Communes:
    code: np.ndarray  # INSEE code (COM; Paris = 75056)
    name: np.ndarray
    dep: np.ndarray
    population: np.ndarray
    arm_code: np.ndarray  # Paris arrondissements (75101..75120)
    arm_population: np.ndarray


@dataclass(frozen=True)
class Structure:
    siret: str
    name: str
    kind: str  # ACI, EI, AI, ETTI, GEIQ
    dep: str


@dataclass(frozen=True)
class Buyer:
    siret: str
    name: str
    dep: str
    kind: str  # commune, bailleur, epci, departement, region, etat


@dataclass(frozen=True)
class Reference:
    communes: Communes
    structures: tuple[Structure, ...]
    buyers: tuple[Buyer, ...]
    cpv_labels: dict[str, str]
    qpv: dict[str, list[tuple[str, str]]]  # dep -> [(code_qpv, commune code)], one pair per commune of a QPV
    qpv_arrondissement: dict[str, str]  # Paris QPV code -> arrondissement (751xx) holding it


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _communes() -> Communes:
    rows = _read_csv(REF / "cog" / "cog2026_communes_idf_enriched.csv")
    com = [r for r in rows if r["typecom"] == "COM"]
    arm = [r for r in rows if r["typecom"] == "ARM"]
    return Communes(
        code=np.array([r["code"] for r in com]),
        name=np.array([r["libelle"] for r in com]),
        dep=np.array([r["dep"] for r in com]),
        population=np.array([int(r["population_municipale"] or 0) for r in com], dtype=np.int64),
        arm_code=np.array([r["code"] for r in arm]),
        arm_population=np.array([int(r["population_municipale"] or 0) for r in arm], dtype=np.int64),
    )


def _structures() -> tuple[Structure, ...]:
    out: dict[str, Structure] = {}
    for r in _read_csv(REF / "inclusion" / "itou_2019_07_liste_siae_idf_sans_contacts.csv"):
        siret = r["SIRET"].strip()
        if r["MESURE"] in ("ACI", "EI", "AI", "ETTI") and len(siret) == 14 and luhn_ok(siret):
            out.setdefault(siret, Structure(siret, r["DENOMINATION_SOCIALE"].strip(), r["MESURE"], r["dep"]))
    for r in _read_csv(REF / "inclusion" / "itou_2019_11_21_liste_geiq_france_sans_contacts.csv"):
        siret, postcode = r["SIRET"].strip(), r["CODE POSTAL"].strip()
        if postcode[:2] in IDF_DEPS and len(siret) == 14 and luhn_ok(siret):
            out.setdefault(siret, Structure(siret, r["GEIQ"].strip(), "GEIQ", postcode[:2]))
    return tuple(sorted(out.values(), key=lambda s: s.siret))


def _buyer_kind(name: str) -> str:
    upper = name.upper()
    if "COMMUNE" in upper or "VILLE DE PARIS" in upper:
        return "commune"
    if "DEPARTEMENT" in upper:
        return "departement"
    if upper.startswith("REGION "):
        return "region"
    if any(
        w in upper
        for w in (
            "HABITAT",
            "HLM",
            "OPH",
            "SEQENS",
            "VALOPHIS",
            "SABLIERE",
            "REGIE IMMOBILIERE",
            "HENEO",
            "NOVEDIS",
            "LOGIAL",
        )
    ):
        return "bailleur"
    if any(
        w in upper
        for w in ("CA ", "COMMUNAUTE", "PLAINE COMMUNE", "GRAND PARIS SUD", "SAINT QUENTIN", "PARIS - VALLEE", "CC ")
    ):
        return "epci"
    return "etablissement"


def _buyers(communes: Communes) -> tuple[Buyer, ...]:
    seen: dict[str, Buyer] = {}
    for r in _read_csv(DECP_TABULAR):
        if r["acheteur_region_code"] != "11" or any(w in r["acheteur_nom"] for w in _EXCLUDED_BUYER_WORDS):
            continue
        siret = r["acheteur_id"]
        if luhn_ok(siret) and siret not in seen:
            seen[siret] = Buyer(
                siret, r["acheteur_nom"], r["acheteur_departement_code"], _buyer_kind(r["acheteur_nom"])
            )
    # Larger communes of each département: real SIREN (COG file), made-up Luhn-valid NIC.
    rows = _read_csv(REF / "cog" / "cog2026_communes_idf_enriched.csv")
    known_sirens = {s[:9] for s in seen}
    for r in rows:
        if r["typecom"] == "COM" and int(r["population_municipale"] or 0) >= 25_000 and r["siren_commune"]:
            if r["siren_commune"] in known_sirens:
                continue
            siret = complete_siret(r["siren_commune"])
            seen[siret] = Buyer(siret, f"Commune de {r['libelle']}", r["dep"], "commune")
    return tuple(sorted(seen.values(), key=lambda b: b.siret))


def _qpv() -> dict[str, list[tuple[str, str]]]:
    """The real QPV 2024 of Île-de-France (demo_data/ref/qpv): one (QPV code, commune) pair per commune of each QPV,
    by département, communes as in the COG 2026 (Pierrefitte-sur-Seine, merged into Saint-Denis in 2025, is
    Saint-Denis); Paris QPV are on 75056."""
    perimeters = json.loads((REF / "qpv" / "qpv2024_idf_perimetres.geojson").read_text(encoding="utf-8"))
    out: dict[str, list[tuple[str, str]]] = {}
    for feature in perimeters["features"]:
        props = feature["properties"]
        out.setdefault(props["insee_dep"], []).extend((props["code_qp"], c) for c in props["communes_cog2026"])
    return out


def _qpv_arrondissements() -> dict[str, str]:
    return {r["code_qp"]: r["insee_arm"] for r in _read_csv(REF / "qpv" / "qpv2024_paris_arrondissements.csv")}


@dataclass(frozen=True)
class PostalBook:
    """La Poste's postal-code base (demo_data/ref/postal): for an INSEE code (Paris: its arrondissements), the
    postal codes of the commune and the names La Poste writes (capitals, no accents), and the COG name."""

    by_commune: dict[str, tuple[tuple[str, str], ...]]  # INSEE code -> ((postal code, La Poste name), ...)
    cog_name: dict[str, str]  # INSEE code -> COG name ("Nanteuil-lès-Meaux", "Paris 11e Arrondissement")


@cache
def load_postal_book() -> PostalBook:
    by_commune: dict[str, set[tuple[str, str]]] = {}
    with (REF / "postal" / "laposte_hexasmal_2022.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle, delimiter=";"):
            if r["Code_commune_INSEE"][:2] in IDF_DEPS:
                by_commune.setdefault(r["Code_commune_INSEE"], set()).add((r["Code_postal"], r["Nom_commune"]))
    names = {r["code"]: r["libelle"] for r in _read_csv(REF / "cog" / "cog2026_communes_idf_enriched.csv")}
    return PostalBook({k: tuple(sorted(v)) for k, v in sorted(by_commune.items())}, names)


@cache
def load_reference() -> Reference:
    communes = _communes()
    cpv_labels = {r["code_cpv"]: r["libelle_fr"] for r in _read_csv(REF / "nomenclatures" / "cpv2008_fr.csv")}
    return Reference(
        communes=communes,
        structures=_structures(),
        buyers=_buyers(communes),
        cpv_labels=cpv_labels,
        qpv=_qpv(),
        qpv_arrondissement=_qpv_arrondissements(),
    )


def known_cpv(codes: tuple[str, ...], labels: dict[str, str]) -> tuple[str, ...]:
    """Keep only codes present in the CPV 2008 reference (guards the hand-written lists above)."""
    return tuple(c for c in codes if c in labels)
