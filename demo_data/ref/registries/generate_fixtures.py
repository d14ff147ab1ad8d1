"""Writes the registry fixtures of the demo (this folder) and the recorded API pages of the tests.

    .venv/bin/python demo_data/ref/registries/generate_fixtures.py

Deterministic (seeded). What is real and what is generated: README.md beside this script.
"""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REF = HERE.parent
REPO = REF.parent.parent
API_FIXTURES = REPO / "tests" / "fixtures" / "registries" / "api_siaes"
IDF_DEPS = ("75", "77", "78", "91", "92", "93", "94", "95")
API_HOST = "https://emplois.inclusion.beta.gouv.fr"
API_PAGE_SIZE = 20

ETABLISSEMENT_HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,libellePaysEtrangerEtablissement,"
    "identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,coordonneeLambertOrdonneeEtablissement,"
    "complementAdresse2Etablissement,numeroVoie2Etablissement,indiceRepetition2Etablissement,typeVoie2Etablissement,"
    "libelleVoie2Etablissement,codePostal2Etablissement,libelleCommune2Etablissement,"
    "libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,codeCommune2Etablissement,"
    "codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement,activitePrincipaleNAF25Etablissement"
).split(",")

UNITE_LEGALE_HEADER = (
    "siren,statutDiffusionUniteLegale,unitePurgeeUniteLegale,dateCreationUniteLegale,sigleUniteLegale,"
    "sexeUniteLegale,prenom1UniteLegale,prenom2UniteLegale,prenom3UniteLegale,prenom4UniteLegale,"
    "prenomUsuelUniteLegale,pseudonymeUniteLegale,identifiantAssociationUniteLegale,trancheEffectifsUniteLegale,"
    "anneeEffectifsUniteLegale,dateDernierTraitementUniteLegale,nombrePeriodesUniteLegale,categorieEntreprise,"
    "anneeCategorieEntreprise,dateDebut,etatAdministratifUniteLegale,nomUniteLegale,nomUsageUniteLegale,"
    "denominationUniteLegale,denominationUsuelle1UniteLegale,denominationUsuelle2UniteLegale,"
    "denominationUsuelle3UniteLegale,categorieJuridiqueUniteLegale,activitePrincipaleUniteLegale,"
    "nomenclatureActivitePrincipaleUniteLegale,nicSiegeUniteLegale,economieSocialeSolidaireUniteLegale,"
    "societeMissionUniteLegale,caractereEmployeurUniteLegale,activitePrincipaleNAF25UniteLegale"
).split(",")

#: ASP NATURE_JURIDIQUE labels (INSEE level-3 labels) → catégorie juridique code.
CJ_BY_LABEL = {
    "association déclarée": "9220",
    "association déclarée d'insertion par l'économique": "9221",
    "association intermédiaire": "9222",
    "association déclarée, reconnue d'utilité publique": "9230",
    "fondation": "9300",
    "sas, société par actions simplifiée": "5710",
    "société par actions simplifiée à associé unique ou société par actions simplifiée unipersonnelle": "5720",
    "société à responsabilité limitée (sans autre indication)": "5499",
    "sarl unipersonnelle": "5498",
    "sarl coopérative ouvrière de production (scop)": "5458",
    "autre sarl coopérative": "5460",
    "autre sa coopérative à conseil d'administration": "5560",
    "sa à conseil d'administration (s.a.i.)": "5599",
    "sa à directoire (s.a.i.)": "5699",
    "sa coopérative ouvrière de production (scop) à conseil d'administration": "5558",
    "sa d'économie mixte à conseil d'administration": "5515",
    "centre communal d'action sociale": "7361",
    "commune et commune nouvelle": "7210",
    "communauté de communes": "7346",
    "communauté d'agglomération": "7348",
    "département": "7220",
    "société en nom collectif": "5202",
    "associé gérant de société": "1800",
}

#: Public buyers: catégorie juridique guessed from the published name (demo only, see README).
BUYER_CJ_RULES = (
    (r"\bCOMMUNE\b|\bMAIRIE\b|\bVILLE D", "7210"),
    (r"\bDEPARTEMENT\b|\bCONSEIL DEPARTEMENTAL\b|\bCONSEIL GENERAL\b", "7220"),
    (r"\bREGION\b|\bCONSEIL REGIONAL\b", "7230"),
    (r"\bOPH\b|\bOFFICE PUBLIC DE L.HABITAT\b|HABITAT", "7371"),
    (r"\bCENTRE HOSPITALIER\b|\bHOPITA|\bCHU\b|\bAP-HP\b|ASSISTANCE PUBLIQUE", "7364"),
    (r"\bCCAS\b|CENTRE COMMUNAL D.ACTION SOCIALE", "7361"),
    (r"COMMUNAUTE D.AGGLOMERATION|\bCA\b", "7348"),
    (r"COMMUNAUTE DE COMMUNES|\bCC\b", "7346"),
    (r"ETABLISSEMENT PUBLIC TERRITORIAL|\bEPT\b|GRAND PARIS|METROPOLE", "7347"),
    (r"\bSYNDICAT\b|\bSIVOM\b|\bSIVU\b", "7354"),
    (r"\bLYCEE\b|\bCOLLEGE\b", "7331"),
    (r"\bUNIVERSITE\b", "7383"),
    (r"\bSA D.HLM\b|\bESH\b|\bS\.A\. D.HLM", "5546"),
    (r"\bSNCF\b|\bRATP\b|SOCIETE DU GRAND PARIS", "4110"),
)
COMPANY_CJ_RULES = ((r"\bSARL\b|\bEURL\b", "5499"), (r"\bSA\b", "5599"), (r"\bSNC\b", "5202"))
TRANCHES = ("00", "01", "02", "03", "11", "12", "21", "22", "31", "32", "41")


def key(text: str | None) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().upper()
    text = re.sub(r"[-'’]", " ", text)
    text = re.sub(r"\bSTE\b", "SAINTE", re.sub(r"\bST\b", "SAINT", text))
    return re.sub(r"\s+", " ", text).strip()


def luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def check_digit(body: str) -> str:
    return next(d for d in "0123456789" if luhn_ok(body + d))


def invented_siret(rng: random.Random, dep: str) -> str:
    body = f"9{rng.randint(10_000_000, 99_999_999)}"[:8]
    siren = body + check_digit(body)
    nic = f"{rng.randint(1, 99):04d}"
    return siren + nic + check_digit(siren + nic)


def postal_code(rng: random.Random, commune: dict[str, str]) -> str:
    """Paris arrondissements get their real postal code; elsewhere an invented one in the département."""
    if commune["code"].startswith("751"):
        return "750" + commune["code"][3:]
    return f"{commune['dep']}{rng.randint(0, 9)}{rng.randint(0, 9)}0"


def naf_dotted(code: str | None) -> str | None:
    code = (code or "").replace(".", "").strip().upper()
    return f"{code[:2]}.{code[2:]}" if re.fullmatch(r"\d{4}[A-Z]", code) else None


class Communes:
    def __init__(self) -> None:
        rows = list(csv.DictReader((REF / "cog" / "cog2026_communes_idf_enriched.csv").open(encoding="utf-8")))
        self.by_name: dict[tuple[str, str], dict[str, str]] = {}
        self.by_dep: dict[str, list[dict[str, str]]] = {}
        for row in rows:
            if row["typecom"] in ("COM", "ARM"):
                self.by_name.setdefault((row["dep"], key(row["libelle"])), row)
                if row["typecom"] == "COM" and row["code"] != "75056":
                    self.by_dep.setdefault(row["dep"], []).append(row)
        self.by_code = {row["code"]: row for row in rows if row["typecom"] in ("COM", "ARM")}

    def find(self, dep: str, postal_code: str | None, name: str | None) -> dict[str, str] | None:
        postal_code = (postal_code or "").strip()
        if dep == "75" and re.fullmatch(r"750\d\d", postal_code) and 1 <= int(postal_code[3:]) <= 20:
            return self.by_code.get(f"751{postal_code[3:]}")
        return self.by_name.get((dep, key(name)))

    def pick(self, rng: random.Random, dep: str) -> dict[str, str]:
        if dep == "75":
            return self.by_code[f"751{rng.randint(1, 20):02d}"]
        return rng.choice(self.by_dep[dep])


def write_csv(path: Path, header: list[str], rows: list[dict[str, str | None]], delimiter: str = ",") -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, delimiter=delimiter, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name) or "" for name in header})


def main() -> None:
    rng = random.Random(20261128)
    communes = Communes()
    con = duckdb.connect()

    def query(sql: str) -> list[dict[str, str]]:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    inclusion = REF / "inclusion"
    siae = query(
        f"select * from read_csv('{inclusion}/itou_2019_07_liste_siae_idf_sans_contacts.csv', all_varchar=true)"
    )
    geiq = query(
        f"select * from read_csv('{inclusion}/itou_2019_11_21_liste_geiq_france_sans_contacts.csv', all_varchar=true) "
        "where left(\"CODE POSTAL\", 2) in ('75','77','78','91','92','93','94','95')"
    )
    marche_ea = query(
        f"select * from read_csv('{inclusion}/lemarche_fixture_siaes_idf_sans_contacts.csv', all_varchar=true) "
        "where kind = 'EA'"
    )

    # ---------------------------------------------------------------- EA list (DGEFP layout), mostly invented
    ea_rows = []
    for item in marche_ea:  # the one real EA of the marché de l'inclusion IdF fixture
        ea_rows.append(
            {
                "RAISON_SCLE": item["name"],
                "TYPE_EA": "EA",
                "NUM_VOIE": "",
                "CODE_VOIE": "",
                "LIB_VOIE": "",
                "CODE_POST": item["post_code"],
                "LIB_COM": item["city"].upper(),
                "SIRET": item["siret"],
                "NUM_ENTREE": "1",
            }
        )
    voies = (
        ("RUE", "DE LA REPUBLIQUE"),
        ("AV", "JEAN JAURES"),
        ("BD", "DE LA LIBERTE"),
        ("RUE", "DES ARTISANS"),
        ("ALL", "DES TILLEULS"),
        ("CHE", "DES PRES"),
        ("RUE", "GUTENBERG"),
        ("ZA", "DES BOUTRIES"),
    )
    for number, dep in enumerate(("75", "77", "78", "91", "92", "93", "93", "94", "95", "95", "92", "91"), start=2):
        commune = communes.pick(rng, dep)
        voie = rng.choice(voies)
        ea_rows.append(
            {
                "RAISON_SCLE": f"EA FICTIVE {number:02d} {key(commune['libelle'])}",
                "TYPE_EA": "EATT" if number % 4 == 0 else "EA",
                "NUM_ENTREE": str(number),
                "NUM_VOIE": str(rng.randint(1, 120)),
                "CODE_VOIE": voie[0],
                "LIB_VOIE": voie[1],
                "CODE_POST": postal_code(rng, commune),
                "LIB_COM": key(commune["libelle"]),
                "SIRET": invented_siret(rng, dep),
            }
        )
    ea_header = [
        "RAISON_SCLE",
        "TYPE_EA",
        "NUM_ENTREE",
        "NUM_VOIE",
        "CODE_VOIE",
        "LIB_VOIE",
        "CODE_POST",
        "LIB_COM",
        "SIRET",
    ]
    write_csv(HERE / "dgefp_liste_ea_idf_fixture.csv", ea_header, ea_rows, delimiter=";")

    # ------------------------------------------------------ FINESS établissements (etalab layout), invented
    categories = [
        (
            "246",
            "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
            "4301",
            "Etab. et Services d'Hébergement pour Adultes Handicapés",
        )
    ] * 9 + [
        (
            "252",
            "Foyer Hébergement Adultes Handicapés",
            "4301",
            "Etab. et Services d'Hébergement pour Adultes Handicapés",
        ),
        (
            "255",
            "Maison d'Accueil Spécialisée (M.A.S.)",
            "4301",
            "Etab. et Services d'Hébergement pour Adultes Handicapés",
        ),
        (
            "500",
            "Etablissement d'hébergement pour personnes âgées dépendantes",
            "4401",
            "Etablissements et Services pour Personnes Agées",
        ),
    ]
    finess_lines = ["finess;etalab;100;2026-11-02"]
    geoloc_lines = []
    for number, (categ, libcateg, agr, libagr) in enumerate(categories, start=1):
        dep = IDF_DEPS[number % len(IDF_DEPS)]
        commune = communes.pick(rng, dep)
        nofinesset = f"{dep}0{rng.randint(100000, 999999)}"
        nofinessej = f"{dep}0{rng.randint(100000, 999999)}"
        kind = "ESAT" if categ == "246" else "ETAB"
        name = f"{kind} FICTIF {number:02d} {key(commune['libelle'])}"
        code_insee = commune["code"]
        date_ouv = f"{rng.randint(1975, 2015)}-{rng.randint(1, 12):02d}-01"
        fields = [
            "structureet",
            nofinesset,
            nofinessej,
            name[:38],
            name,
            "",
            "",
            str(rng.randint(1, 90)),
            "R",
            "DES ATELIERS",
            "",
            "",
            code_insee[2:],
            dep,
            commune["dep_nom"].upper(),
            f"{postal_code(rng, commune)} {key(commune['libelle'])}",
            "",
            "",
            categ,
            libcateg,
            agr,
            libagr,
            invented_siret(rng, dep),
            "8810C" if categ == "246" else "8710B",
            "34",
            "ARS / Assurance Maladie",
            "99",
            "Indéterminé",
            date_ouv,
            date_ouv,
            "2026-10-15",
            "",
        ]
        finess_lines.append(";".join(fields))
        geoloc_lines.append(
            f"geolocalisation;{nofinesset};{rng.randint(600000, 700000)}.0;"
            f"{rng.randint(6800000, 6900000)}.0;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2026-10-15"
        )
    (HERE / "finess_etalab_etablissements_idf_fixture.csv").write_text(
        "\n".join(finess_lines + geoloc_lines) + "\n", encoding="utf-8"
    )

    # ------------------------------------------------------------------ SIRENE stock rows of the demo's SIRETs
    entities: dict[str, dict[str, str | None]] = {}

    def add(siret: str | None, **values: str | None) -> None:
        siret = re.sub(r"\D", "", siret or "")
        if len(siret) == 14 and siret not in entities:
            entities[siret] = values

    for row in siae:
        add(
            row["SIRET"],
            name=row["DENOMINATION_SOCIALE"],
            naf=row["CODE_NAF2"],
            dep=row["dep"],
            postal=row["CODE_POSTAL"],
            city=row["COMMUNE"],
            cj=CJ_BY_LABEL.get(row["NATURE_JURIDIQUE"].strip().lower()),
        )
    for row in geiq:
        add(
            row["SIRET"],
            name=row["GEIQ"],
            naf=row["NAF"],
            dep=row["CODE POSTAL"][:2],
            postal=row["CODE POSTAL"],
            city=row["VILLE"],
            cj="9223",
        )
    for row in ea_rows:
        add(
            row["SIRET"],
            name=row["RAISON_SCLE"],
            naf="88.10C",
            dep=row["CODE_POST"][:2],
            postal=row["CODE_POST"],
            city=row["LIB_COM"],
            cj="5710",
        )
    for line in finess_lines[1:]:
        fields = line.split(";")
        add(
            fields[22],
            name=fields[4],
            naf=fields[23],
            dep=fields[13],
            postal=fields[15][:5],
            city=fields[15][6:],
            cj="9220",
        )
    tabular = REPO / "demo_data" / "decp" / "real_tabular" / "decp-info-tabular_2024H2_travaux_cpv4521.csv"
    for row in query(f"select * from read_csv('{tabular}', all_varchar=true) order by uid"):
        if row["acheteur_region_code"] == "11":
            add(row["acheteur_id"], name=row["acheteur_nom"], dep=row["acheteur_departement_code"], buyer="1")
        if row["titulaire_region_code"] == "11":
            add(row["titulaire_id"], name=row["titulaire_nom"], dep=row["titulaire_departement_code"])
    decp_2019 = REPO / "demo_data/decp/real_2019_format/decp-json_marches-publics.info_2019-03-07.json"
    for row in query(
        f"select m.acheteur.id as buyer_id, m.acheteur.nom as buyer_name, t.id as holder_id, "
        f"t.denominationSociale as holder_name, left(m.lieuExecution.code, 2) as dep "
        f"from (select unnest(marches) as m from read_json('{decp_2019}', maximum_object_size = 100000000)), "
        f"lateral (select unnest(m.titulaires) as t) "
        f"where left(m.lieuExecution.code, 2) in ('75','77','78','91','92','93','94','95') order by all"
    ):
        add(row["buyer_id"], name=row["buyer_name"], dep=row["dep"], buyer="1")
        add(row["holder_id"], name=row["holder_name"], dep=row["dep"])

    etablissements: list[dict[str, str | None]] = []
    unites: dict[str, dict[str, str | None]] = {}
    for index, (siret, info) in enumerate(sorted(entities.items())):
        siren, nic = siret[:9], siret[9:]
        dep = info.get("dep") if info.get("dep") in IDF_DEPS else rng.choice(IDF_DEPS)
        commune = communes.find(dep, info.get("postal"), info.get("city")) or communes.pick(rng, dep)
        name = (info.get("name") or "").strip().upper() or None
        cj = info.get("cj")
        if not cj:
            rules = BUYER_CJ_RULES if info.get("buyer") else COMPANY_CJ_RULES
            cj = next((code for pattern, code in rules if re.search(pattern, key(name))), None)
            cj = cj or ("7490" if info.get("buyer") else "5710")
        sole_trader = cj.startswith("1")
        masked = index % 97 == 13  # a few partially diffusible rows, as INSEE publishes them since 2023
        closed = index % 53 == 7
        naf = naf_dotted(info.get("naf")) or (
            "84.11Z"
            if cj.startswith("7")
            else rng.choice(("43.99C", "41.20B", "43.21A", "81.21Z", "81.30Z", "43.34Z", "71.12B", "42.11Z"))
        )
        created = f"{rng.randint(1960, 2018)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        etablissements.append(
            {
                "siren": siren,
                "nic": nic,
                "siret": siret,
                "statutDiffusionEtablissement": "P" if masked else "O",
                "dateCreationEtablissement": created,
                "trancheEffectifsEtablissement": rng.choice(TRANCHES),
                "anneeEffectifsEtablissement": "2023",
                "dateDernierTraitementEtablissement": "2026-10-03T02:14:37",
                "etablissementSiege": "true",
                "nombrePeriodesEtablissement": "2",
                "numeroVoieEtablissement": "[ND]" if masked else str(rng.randint(1, 150)),
                "typeVoieEtablissement": "[ND]" if masked else "RUE",
                "libelleVoieEtablissement": "[ND]" if masked else "DE LA REPUBLIQUE",
                "codePostalEtablissement": info.get("postal") or f"{dep}000",
                "libelleCommuneEtablissement": key(commune["libelle"]),
                "codeCommuneEtablissement": commune["code"],
                "dateDebut": "2021-01-01",
                "etatAdministratifEtablissement": "F" if closed else "A",
                "enseigne1Etablissement": "[ND]" if masked else None,
                "denominationUsuelleEtablissement": "[ND]" if masked else None,
                "activitePrincipaleEtablissement": naf,
                "nomenclatureActivitePrincipaleEtablissement": "NAFRev2",
                "caractereEmployeurEtablissement": "O",
            }
        )
        unites.setdefault(
            siren,
            {
                "siren": siren,
                "statutDiffusionUniteLegale": "P" if masked else "O",
                "unitePurgeeUniteLegale": "",
                "dateCreationUniteLegale": created,
                "sexeUniteLegale": ("[ND]" if masked else "M") if sole_trader else None,
                "prenom1UniteLegale": ("[ND]" if masked else "PRENOMFICTIF") if sole_trader else None,
                "prenomUsuelUniteLegale": ("[ND]" if masked else "PRENOMFICTIF") if sole_trader else None,
                "nomUniteLegale": ("[ND]" if masked else "NOMFICTIF") if sole_trader else None,
                "trancheEffectifsUniteLegale": rng.choice(TRANCHES),
                "anneeEffectifsUniteLegale": "2023",
                "dateDernierTraitementUniteLegale": "2026-10-03T02:14:37",
                "nombrePeriodesUniteLegale": "3",
                "categorieEntreprise": rng.choice(("PME", "PME", "ETI", "GE")),
                "anneeCategorieEntreprise": "2022",
                "dateDebut": "2020-01-01",
                "etatAdministratifUniteLegale": "C" if closed else "A",
                "denominationUniteLegale": None if sole_trader else name,
                "categorieJuridiqueUniteLegale": cj,
                "activitePrincipaleUniteLegale": naf,
                "nomenclatureActivitePrincipaleUniteLegale": "NAFRev2",
                "nicSiegeUniteLegale": nic,
                "economieSocialeSolidaireUniteLegale": "O" if cj.startswith("92") else "N",
                "societeMissionUniteLegale": "N",
                "caractereEmployeurUniteLegale": "O",
            },
        )
    # Rows nobody references: the filter must leave them out.
    for number in range(25):
        siret = invented_siret(rng, "13")
        etablissements.append(
            {
                "siren": siret[:9],
                "nic": siret[9:],
                "siret": siret,
                "statutDiffusionEtablissement": "O",
                "codeCommuneEtablissement": "13055",
                "etatAdministratifEtablissement": "A",
                "activitePrincipaleEtablissement": "47.11F",
                "denominationUsuelleEtablissement": f"ETABLISSEMENT NON REFERENCE {number:02d}",
            }
        )
        unites[siret[:9]] = {
            "siren": siret[:9],
            "statutDiffusionUniteLegale": "O",
            "denominationUniteLegale": f"SOCIETE NON REFERENCEE {number:02d}",
            "categorieJuridiqueUniteLegale": "5710",
            "etatAdministratifUniteLegale": "A",
        }
    rng.shuffle(etablissements)
    write_csv(HERE / "sirene_stock_etablissement_demo.csv", ETABLISSEMENT_HEADER, etablissements)
    write_csv(
        HERE / "sirene_stock_unite_legale_demo.csv",
        UNITE_LEGALE_HEADER,
        sorted(unites.values(), key=lambda r: r["siren"] or ""),
    )

    # ------------------------------------------------------------- recorded API pages (tests, served locally)
    API_FIXTURES.mkdir(parents=True, exist_ok=True)
    romes = (
        ("F1702", "Constructeur / Constructrice de routes"),
        ("K2204", "Agent / Agente de propreté"),
        ("A1203", "Jardinier / Jardinière d'espaces verts"),
        ("N1103", "Préparateur / Préparatrice de commandes"),
    )
    ident = 1000
    for dep, taken in (("93", 45), ("75", 30)):
        items = []
        for row in [r for r in siae if r["dep"] == dep][:taken]:
            ident += 1
            postes = [
                {
                    "id": ident * 10 + k,
                    "rome": f"{rome} - {label}",
                    "cree_le": "2024-03-11T09:12:40.118442+01:00",
                    "mis_a_jour_le": "2026-09-02T14:01:05.550021+02:00",
                    "recrutement_ouvert": "True",
                    "description": "",
                    "appellation_modifiee": "",
                }
                for k, (rome, label) in enumerate(rng.sample(romes, rng.randint(0, 2)))
            ]
            items.append(
                {
                    "id": ident,
                    "cree_le": "2020-01-06T15:32:11.003418+01:00",
                    "mis_a_jour_le": "2026-10-21T08:44:02.900113+02:00",
                    "siret": row["SIRET"],
                    "type": row["MESURE"],
                    "raison_sociale": row["DENOMINATION_SOCIALE"],
                    "enseigne": row["DENOMINATION_SOCIALE"].title(),
                    "site_web": "",
                    "description": "",
                    "bloque_candidatures": ident % 7 == 0,
                    "addresse_ligne_1": f"{row['NUM_RUE'] or ''} {row['NOM_RUE'] or ''}".strip(),
                    "addresse_ligne_2": "",
                    "code_postal": row["CODE_POSTAL"],
                    "ville": (row["COMMUNE"] or "").title(),
                    "departement": dep,
                    "postes": postes,
                }
            )
        pages = [items[i : i + API_PAGE_SIZE] for i in range(0, len(items), API_PAGE_SIZE)]
        for number, results in enumerate(pages, start=1):
            base = f"{API_HOST}/api/v1/siaes/?departement={dep}"
            body = {
                "count": len(items),
                "next": f"{base}&page={number + 1}" if number < len(pages) else None,
                "previous": (base if number == 2 else f"{base}&page={number - 1}") if number > 1 else None,
                "results": results,
            }
            (API_FIXTURES / f"departement_{dep}_page_{number}.json").write_text(
                json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
    print(
        f"EA {len(ea_rows)}, FINESS {len(finess_lines) - 1}, SIRENE établissements {len(etablissements)}, "
        f"unités légales {len(unites)}"
    )


if __name__ == "__main__":
    main()
