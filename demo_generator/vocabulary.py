"""What each tracking tool writes in its coded columns: its own labels, not the exchange format's codes.

Real exports carry the tool's vocabulary: a letter for men that is not ours, diploma levels spelled as the tool's
categories, prescribers by their (current or former) names, publics as abbreviations, several publics in one cell
joined by the tool's separator. Each style below lists, per exchange-format field, the labels the tool writes for
each of our codes (first label most often), the labels it writes that mean "unknown" (mapped to null), and a few
labels it writes that are in no vocabulary (planted at a low rate in optional fields: they must end up as recorded
value issues, not rejects). The mapping YAML each source ships lists every label → code (``values:``).

Spelling variants (case, accents dropped, doubled spaces, a trailing dot) are written at a small rate: the loader
compares labels after normalisation, so they need no mapping entry.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

#: Rate of spelling variants of a label, and of deliberately unknown labels (per value of an optional field).
VARIANT_RATE = 0.02
UNKNOWN_RATE = 0.002
#: Share of the alternative labels of a code (the first label takes the rest).
ALTERNATIVE_SHARE = 0.25

FRENCH_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


def month_header(month_index: int) -> str:
    """Header of a month column of a wide hours sheet, as a French spreadsheet writes it ("janv. 2024")."""
    return f"{FRENCH_MONTHS[month_index % 12]} {month_index // 12}"


def hours_hm(hours: float, sep: str = "h") -> str:
    """151.67 h written as a person types it: "151h40" (sep "h") or "151:40" (sep ":")."""
    minutes = int(round(hours * 60))
    return f"{minutes // 60}{sep}{minutes % 60:02d}"


def label_key(text: str) -> str:
    """The loader's comparison key of a label (mapping_spec.md): lower case, no accents, punctuation dropped,
    runs of spaces collapsed. "Niveau V (CAP/BEP)" -> "niveau v cap bep"."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@dataclass(frozen=True)
class FieldVocabulary:
    """A tool's labels for one exchange-format field."""

    labels: dict[str, tuple[str, ...]]  # our code -> labels the tool writes (first = usual one)
    null_label: str | None = None  # what the tool writes for "not known" (mapped to null)
    unknown: tuple[str, ...] = ()  # labels in no vocabulary, planted at UNKNOWN_RATE (optional fields only)
    separator: str | None = None  # multi-valued field: what joins the labels in a cell (", ", "+", "/"...)

    def values(self) -> dict[str, str | int | None]:
        """label -> code, as the mapping's ``values:`` section lists them."""
        out: dict[str, str | int | None] = {}
        for code, labels in self.labels.items():
            for label in labels:
                out[label] = int(code) if code.isdigit() else code
        if self.null_label:
            out[self.null_label] = None
        return out


@dataclass(frozen=True)
class Vocabulary:
    """A tool's labels per (table, field)."""

    fields: dict[tuple[str, str], FieldVocabulary] = field(default_factory=dict)

    def get(self, table: str, name: str) -> FieldVocabulary | None:
        return self.fields.get((table, name))


def _situations(labels: dict[str, tuple[str, ...]], unknown: tuple[str, ...] = ()) -> dict:
    return {
        ("sorties", "situation_sortie"): FieldVocabulary(labels),
        ("sorties", "situation_6_mois"): FieldVocabulary(labels, unknown=unknown),
    }


def _programmes(labels: dict[str, tuple[str, ...]], engagements: bool = False) -> dict:
    out = {("operations", "programme"): FieldVocabulary(labels)}
    if engagements:
        out[("engagements_moa", "programme")] = FieldVocabulary(labels)
    return out


# ---- ABC Clauses (coordinations 75 and 93): old diploma nomenclature (1969), prescribers partly under their
# former name (Pôle emploi), publics as the tool's categories joined by ", ".
ABC = Vocabulary(
    {
        **_programmes(
            {
                "GRAND_PARIS_EXPRESS": ("Grand Paris Express - SGP",),
                "JOP_2024": ("JOP Paris 2024",),
                "ANRU": ("Rénovation urbaine NPNRU",),
                "AUTRE": ("Hors programme",),
            }
        ),
        ("marches", "base_juridique"): FieldVocabulary(
            {
                "L2112-2": ("Art. L.2112-2 - Clause d'exécution",),
                "L2152-7": ("Art. L.2152-7 - Critère d'attribution",),
                "L2113-13": ("Art. L.2113-13 - Marché réservé SIAE",),
                "R2123-1": ("Art. R.2123-1 - Marché d'insertion",),
                "L2113-12": ("Art. L.2113-12 - Marché réservé EA/ESAT",),
            }
        ),
        ("entreprises", "role"): FieldVocabulary(
            {"titulaire": ("Titulaire",), "cotraitant": ("Co-traitant",), "soustraitant": ("Sous-traitant",)}
        ),
        ("entreprises", "type_structure"): FieldVocabulary(
            {
                "ACI": ("SIAE - ACI",),
                "EI": ("SIAE - EI",),
                "AI": ("SIAE - AI",),
                "ETTI": ("SIAE - ETTI",),
                "GEIQ": ("Groupement GEIQ",),
                "EA": ("Secteur adapté (EA)",),
                "CLASSIQUE": ("Entreprise ordinaire",),
            },
            unknown=("SCOP",),
        ),
        ("participants", "sexe"): FieldVocabulary({"M": ("H",), "F": ("F",)}),
        ("participants", "niveau_formation"): FieldVocabulary(
            {
                "1": ("Niveau VI (sans qualification)",),
                "2": ("Niveau V bis",),
                "3": ("Niveau V (CAP/BEP)",),
                "4": ("Niveau IV (Bac)",),
                "5": ("Niveau III (Bac+2)",),
                "6": ("Niveau II (Bac+3/4)",),
                "7": ("Niveau I (Bac+5 et plus)",),
            },
            null_label="Non renseigné",
            unknown=("Illettrisme",),
        ),
        ("participants", "publics"): FieldVocabulary(
            {
                "DELD": ("DELD",),
                "MINIMA_RSA": ("BRSA",),
                "MINIMA_AUTRES": ("Minima sociaux (ASS/AAH)",),
                "TH": ("TH",),
                "JEUNE_26": ("Jeune -26 ans",),
                "SENIOR_50": ("Senior +50 ans",),
                "SIAE": ("Salarié SIAE",),
                "QPV": ("Résident QPV",),
                "AUTRE_VALIDE": ("Autre public validé",),
            },
            unknown=("Sortant ASE",),
            separator=", ",
        ),
        ("participants", "prescripteur"): FieldVocabulary(
            {
                "FT": ("Pôle emploi", "France Travail"),
                "ML": ("Mission Locale",),
                "E2C": ("Ecole de la 2e chance",),
                "EPIDE": ("EPIDE",),
                "PLIE": ("PLIE",),
                "FACILITATEUR": ("Repérage facilitateur",),
                "CANDIDATURE_SPONTANEE": ("Candidature spontanée",),
                "ASE": ("Aide sociale à l'enfance",),
                "PJJ": ("PJJ",),
                "INCONNU": ("Non connu",),
                "DEPT": ("Conseil départemental",),
                "CAP_EMPLOI": ("Cap Emploi",),
                "SPIP": ("SPIP",),
                "CCAS": ("CCAS",),
                "CHRS": ("CHRS",),
                "AUTRE": ("Autre prescripteur",),
            },
            unknown=("Bouche à oreille", "Mision locale"),
        ),
        ("contrats_travail", "type_contrat"): FieldVocabulary(
            {
                "CDI": ("CDI",),
                "CDD": ("CDD",),
                "CDD_CHANTIER": ("CDD de chantier",),
                "CDD_USAGE": ("CDD d'usage",),
                "APPRENTISSAGE": ("Contrat d'apprentissage",),
                "PRO": ("Contrat de professionnalisation",),
                "CUI_PEC": ("PEC",),
                "CTTI": ("Intérim d'insertion",),
                "MAD_AI": ("Mise à disposition AI",),
                "CTT": ("Intérim",),
                "CDDI": ("CDDI",),
                "CDD_TREMPLIN": ("CDD Tremplin",),
                "FORMATION": ("Formation",),
                "CDI_INCLUSION": ("CDI inclusion",),
            }
        ),
        ("contrats_travail", "modalite"): FieldVocabulary(
            {
                "EMBAUCHE_DIRECTE": ("Embauche directe",),
                "MAD_ETTI": ("Mise à disposition ETTI",),
                "MAD_GEIQ": ("Mise à disposition GEIQ",),
                "MAD_AI": ("Mise à disposition AI",),
                "MAD_ETT": ("Intérim classique",),
                "SOUS_TRAITANCE_SIAE": ("Sous-traitance SIAE",),
                "CO_TRAITANCE_SIAE": ("Co-traitance SIAE",),
                "SOUS_TRAITANCE_EA_ESAT": ("Sous-traitance EA/ESAT",),
                "FORMATION": ("Action de formation",),
            }
        ),
        **_situations(
            {
                "CDI": ("CDI",),
                "CDD_6_MOIS_PLUS": ("CDD de 6 mois ou plus",),
                "CDD_MOINS_6_MOIS": ("CDD de moins de 6 mois",),
                "CONTRAT_AIDE": ("Contrat aidé",),
                "FORMATION_QUALIFIANTE": ("Formation qualifiante",),
                "AUTRE_SIAE": ("Autre SIAE",),
                "CREATION_ENTREPRISE": ("Création d'entreprise",),
                "FONCTION_PUBLIQUE": ("Fonction publique",),
                "CHOMAGE": ("Demandeur d'emploi",),
                "INACTIVITE": ("Inactif",),
                "INCONNU": ("Sans nouvelles",),
            },
            unknown=("En cours de vérification",),
        ),
    }
)

# ---- The Hauts-de-Seine spreadsheet: civilité for sex, a QPV O/N flag, short labels, publics joined by "/".
TABLEUR = Vocabulary(
    {
        **_programmes(
            {
                "GRAND_PARIS_EXPRESS": ("Grand Paris Express",),
                "JOP_2024": ("Jeux 2024",),
                "ANRU": ("ANRU",),
                "AUTRE": ("Droit commun",),
            }
        ),
        ("marches", "base_juridique"): FieldVocabulary(
            {
                "L2112-2": ("Clause d'exécution",),
                "L2152-7": ("Critère d'attribution",),
                "L2113-13": ("Marché réservé SIAE",),
                "R2123-1": ("Marché d'insertion",),
                "L2113-12": ("Marché réservé EA-ESAT",),
            }
        ),
        ("entreprises", "role"): FieldVocabulary(
            {
                "titulaire": ("Titulaire", "Mandataire"),
                "cotraitant": ("Cotraitant",),
                "soustraitant": ("Sous-traitant",),
            }
        ),
        ("entreprises", "type_structure"): FieldVocabulary(
            {
                "ACI": ("Chantier d'insertion",),
                "EI": ("Entreprise d'insertion",),
                "AI": ("Asso. intermédiaire",),
                "ETTI": ("ETTI",),
                "GEIQ": ("GEIQ",),
                "EA": ("Entreprise adaptée",),
                "CLASSIQUE": ("Entreprise",),
            }
        ),
        ("participants", "sexe"): FieldVocabulary({"M": ("M.", "Monsieur"), "F": ("Mme", "Madame", "Mlle")}),
        ("participants", "resident_qpv"): FieldVocabulary({"oui": ("O", "Oui"), "non": ("N", "Non")}),
        ("participants", "niveau_formation"): FieldVocabulary(
            {
                "1": ("Sans diplôme",),
                "2": ("Infra V",),
                "3": ("CAP / BEP",),
                "4": ("Bac",),
                "5": ("Bac +2 (BTS, DUT)",),
                "6": ("Licence",),
                "7": ("Master et plus",),
            },
            unknown=("Niveau à vérifier",),
        ),
        ("participants", "publics"): FieldVocabulary(
            {
                "DELD": ("DELD",),
                "MINIMA_RSA": ("RSA",),
                "MINIMA_AUTRES": ("ASS-AAH",),
                "TH": ("RQTH",),
                "JEUNE_26": ("Jeune",),
                "SENIOR_50": ("Senior",),
                "SIAE": ("Salarié IAE",),
                "QPV": ("QPV",),
                "AUTRE_VALIDE": ("Autre",),
            },
            unknown=("Réfugié",),
            separator="/",
        ),
        ("participants", "prescripteur"): FieldVocabulary(
            {
                "FT": ("France Travail (ex Pôle emploi)", "PE"),
                "ML": ("ML",),
                "E2C": ("Ecole 2e chance",),
                "EPIDE": ("Epide",),
                "PLIE": ("Plie",),
                "FACILITATEUR": ("Facilitateur",),
                "CANDIDATURE_SPONTANEE": ("Spontanée",),
                "ASE": ("ASE",),
                "PJJ": ("PJJ",),
                "INCONNU": ("NC",),
                "DEPT": ("Département",),
                "CAP_EMPLOI": ("Cap emploi",),
                "SPIP": ("SPIP",),
                "CCAS": ("CCAS",),
                "CHRS": ("CHRS",),
                "AUTRE": ("Autre structure",),
            },
            unknown=("Assoc. de quartier", "Missoin locale"),
        ),
        ("contrats_travail", "type_contrat"): FieldVocabulary(
            {
                "CDI": ("CDI",),
                "CDD": ("CDD droit commun",),
                "CDD_CHANTIER": ("CDD chantier",),
                "CDD_USAGE": ("CDDU",),
                "APPRENTISSAGE": ("Apprentissage",),
                "PRO": ("Contrat pro",),
                "CUI_PEC": ("Contrat aidé PEC",),
                "CTTI": ("CTTI",),
                "MAD_AI": ("MAD AI",),
                "CTT": ("Intérim",),
                "CDDI": ("CDDI",),
                "CDD_TREMPLIN": ("Tremplin",),
                "FORMATION": ("Formation",),
                "CDI_INCLUSION": ("CDI Inclusion",),
            }
        ),
        ("contrats_travail", "modalite"): FieldVocabulary(
            {
                "EMBAUCHE_DIRECTE": ("Embauche",),
                "MAD_ETTI": ("ETTI",),
                "MAD_GEIQ": ("GEIQ",),
                "MAD_AI": ("AI",),
                "MAD_ETT": ("ETT",),
                "SOUS_TRAITANCE_SIAE": ("Sous-traitance IAE",),
                "CO_TRAITANCE_SIAE": ("Co-traitance IAE",),
                "SOUS_TRAITANCE_EA_ESAT": ("Sous-traitance secteur protégé",),
                "FORMATION": ("Formation",),
            }
        ),
        **_situations(
            {
                "CDI": ("CDI",),
                "CDD_6_MOIS_PLUS": ("CDD long",),
                "CDD_MOINS_6_MOIS": ("CDD court",),
                "CONTRAT_AIDE": ("Contrat aidé",),
                "FORMATION_QUALIFIANTE": ("Formation",),
                "AUTRE_SIAE": ("Autre SIAE",),
                "CREATION_ENTREPRISE": ("Création d'activité",),
                "FONCTION_PUBLIQUE": ("Fonction publique",),
                "CHOMAGE": ("Recherche d'emploi",),
                "INACTIVITE": ("Inactivité",),
                "INCONNU": ("Inconnue",),
            },
            unknown=("Déménagé",),
        ),
    }
)

# ---- The grande couronne network's CSV: capitals, old article numbers, abbreviations joined by "+".
GC = Vocabulary(
    {
        **_programmes(
            {
                "GRAND_PARIS_EXPRESS": ("GPE",),
                "JOP_2024": ("JOP 2024",),
                "ANRU": ("NPNRU",),
                "AUTRE": ("AUTRE",),
            }
        ),
        ("marches", "base_juridique"): FieldVocabulary(
            {
                "L2112-2": ("ART. 14",),
                "L2152-7": ("ART. 53",),
                "L2113-13": ("ART. 15 SIAE",),
                "R2123-1": ("ART. 30",),
                "L2113-12": ("ART. 15 EA",),
            }
        ),
        ("entreprises", "role"): FieldVocabulary(
            {"titulaire": ("TITULAIRE",), "cotraitant": ("CO-TRAITANT",), "soustraitant": ("SOUS-TRAITANT",)}
        ),
        ("entreprises", "type_structure"): FieldVocabulary(
            {
                "ACI": ("SIAE-ACI",),
                "EI": ("SIAE-EI",),
                "AI": ("SIAE-AI",),
                "ETTI": ("SIAE-ETTI",),
                "GEIQ": ("GEIQ",),
                "EA": ("EA",),
                "CLASSIQUE": ("DROIT COMMUN",),
            }
        ),
        ("participants", "sexe"): FieldVocabulary({"M": ("HOMME",), "F": ("FEMME",)}),
        ("participants", "niveau_formation"): FieldVocabulary(
            {
                "1": ("SANS DIPLOME",),
                "2": ("CFG - DNB",),
                "3": ("CAP - BEP",),
                "4": ("BAC",),
                "5": ("BAC+2",),
                "6": ("BAC+3 - BAC+4",),
                "7": ("BAC+5 ET PLUS",),
            },
            null_label="NON RENSEIGNE",
            unknown=("NIVEAU ETRANGER",),
        ),
        ("participants", "publics"): FieldVocabulary(
            {
                "DELD": ("DELD",),
                "MINIMA_RSA": ("BRSA",),
                "MINIMA_AUTRES": ("ASS AAH",),
                "TH": ("TH",),
                "JEUNE_26": ("JNQ",),
                "SENIOR_50": ("SENIOR",),
                "SIAE": ("IAE",),
                "QPV": ("QPV",),
                "AUTRE_VALIDE": ("AUTRE",),
            },
            unknown=("PPSMJ",),
            separator="+",
        ),
        ("participants", "prescripteur"): FieldVocabulary(
            {
                "FT": ("FRANCE TRAVAIL",),
                "ML": ("MISSION LOCALE",),
                "E2C": ("ECOLE 2E CHANCE",),
                "EPIDE": ("EPIDE",),
                "PLIE": ("PLIE",),
                "FACILITATEUR": ("FACILITATEUR",),
                "CANDIDATURE_SPONTANEE": ("SPONTANE",),
                "ASE": ("ASE",),
                "PJJ": ("PJJ",),
                "INCONNU": ("INCONNU",),
                "DEPT": ("CONSEIL DEPARTEMENTAL",),
                "CAP_EMPLOI": ("CAP EMPLOI",),
                "SPIP": ("SPIP",),
                "CCAS": ("CCAS",),
                "CHRS": ("CHRS",),
                "AUTRE": ("AUTRE",),
            },
            unknown=("MAIRIE", "FRANCE TRAVIAL"),
        ),
        ("contrats_travail", "type_contrat"): FieldVocabulary(
            {
                "CDI": ("CDI",),
                "CDD": ("CDD",),
                "CDD_CHANTIER": ("CDD CHANTIER",),
                "CDD_USAGE": ("CDD USAGE",),
                "APPRENTISSAGE": ("APPRENTISSAGE",),
                "PRO": ("CONTRAT PRO",),
                "CUI_PEC": ("PEC",),
                "CTTI": ("INTERIM INSERTION",),
                "MAD_AI": ("MAD AI",),
                "CTT": ("INTERIM",),
                "CDDI": ("CDDI",),
                "CDD_TREMPLIN": ("CDD TREMPLIN",),
                "FORMATION": ("FORMATION",),
                "CDI_INCLUSION": ("CDI INCLUSION",),
            }
        ),
        ("contrats_travail", "modalite"): FieldVocabulary(
            {
                "EMBAUCHE_DIRECTE": ("EMBAUCHE DIRECTE",),
                "MAD_ETTI": ("MAD ETTI",),
                "MAD_GEIQ": ("MAD GEIQ",),
                "MAD_AI": ("MAD AI",),
                "MAD_ETT": ("INTERIM CLASSIQUE",),
                "SOUS_TRAITANCE_SIAE": ("SOUS-TRAITANCE SIAE",),
                "CO_TRAITANCE_SIAE": ("CO-TRAITANCE SIAE",),
                "SOUS_TRAITANCE_EA_ESAT": ("SOUS-TRAITANCE EA-ESAT",),
                "FORMATION": ("FORMATION",),
            }
        ),
        **_situations(
            {
                "CDI": ("CDI",),
                "CDD_6_MOIS_PLUS": ("CDD 6 MOIS ET PLUS",),
                "CDD_MOINS_6_MOIS": ("CDD MOINS DE 6 MOIS",),
                "CONTRAT_AIDE": ("CONTRAT AIDE",),
                "FORMATION_QUALIFIANTE": ("FORMATION QUALIFIANTE",),
                "AUTRE_SIAE": ("AUTRE SIAE",),
                "CREATION_ENTREPRISE": ("CREATION ENTREPRISE",),
                "FONCTION_PUBLIQUE": ("FONCTION PUBLIQUE",),
                "CHOMAGE": ("CHOMAGE",),
                "INACTIVITE": ("INACTIF",),
                "INCONNU": ("INCONNU",),
            },
            unknown=("PERDU DE VUE",),
        ),
    }
)

# ---- Solideo's export: long labels, the 2019 diploma nomenclature spelled out, publics joined by "; ".
SOLIDEO = Vocabulary(
    {
        **_programmes(
            {
                "GRAND_PARIS_EXPRESS": ("Grand Paris Express",),
                "JOP_2024": ("Paris 2024 - ouvrages olympiques",),
                "ANRU": ("NPNRU",),
                "AUTRE": ("Autre",),
            },
            engagements=True,
        ),
        ("marches", "base_juridique"): FieldVocabulary(
            {
                "L2112-2": ("Clause d'insertion (L2112-2)",),
                "L2152-7": ("Critère social (L2152-7)",),
                "L2113-13": ("Réservé SIAE (L2113-13)",),
                "R2123-1": ("Marché d'insertion (R2123-1)",),
                "L2113-12": ("Réservé EA-ESAT (L2113-12)",),
            }
        ),
        ("entreprises", "role"): FieldVocabulary(
            {
                "titulaire": ("Attributaire",),
                "cotraitant": ("Membre du groupement",),
                "soustraitant": ("Sous-traitant de rang 1",),
            }
        ),
        ("entreprises", "type_structure"): FieldVocabulary(
            {
                "ACI": ("Atelier chantier d'insertion",),
                "EI": ("Entreprise d'insertion",),
                "AI": ("Association intermédiaire",),
                "ETTI": ("Entreprise de travail temporaire d'insertion",),
                "GEIQ": ("Groupement d'employeurs (GEIQ)",),
                "EA": ("Entreprise adaptée",),
                "CLASSIQUE": ("Entreprise (hors ESS)",),
            },
            unknown=("Régie de quartier",),
        ),
        ("participants", "sexe"): FieldVocabulary({"M": ("Masculin",), "F": ("Féminin",)}),
        ("participants", "niveau_formation"): FieldVocabulary(
            {
                "1": ("Infra niveau 3 (aucun diplôme)",),
                "2": ("Infra niveau 3 (premier niveau de qualification)",),
                "3": ("Niveau 3 (CAP, BEP)",),
                "4": ("Niveau 4 (Bac)",),
                "5": ("Niveau 5 (Bac+2)",),
                "6": ("Niveau 6 (Licence, Maîtrise)",),
                "7": ("Niveau 7 (Master)",),
            },
            null_label="Non communiqué",
        ),
        ("participants", "publics"): FieldVocabulary(
            {
                "DELD": ("Demandeur d'emploi longue durée",),
                "MINIMA_RSA": ("Allocataire du RSA",),
                "MINIMA_AUTRES": ("Allocataire ASS ou AAH",),
                "TH": ("Travailleur handicapé",),
                "JEUNE_26": ("Jeune de moins de 26 ans",),
                "SENIOR_50": ("Senior de 50 ans et plus",),
                "SIAE": ("Salarié en parcours IAE",),
                "QPV": ("Habitant QPV",),
                "AUTRE_VALIDE": ("Autre (validation facilitateur)",),
            },
            unknown=("Demandeur d'asile",),
            separator="; ",
        ),
        ("participants", "prescripteur"): FieldVocabulary(
            {
                "FT": ("France Travail",),
                "ML": ("Mission locale",),
                "E2C": ("École de la deuxième chance",),
                "EPIDE": ("Epide",),
                "PLIE": ("PLIE",),
                "FACILITATEUR": ("Facilitateur de la clause",),
                "CANDIDATURE_SPONTANEE": ("Candidature directe",),
                "ASE": ("Aide sociale à l'enfance",),
                "PJJ": ("Protection judiciaire de la jeunesse",),
                "INCONNU": ("Non communiqué",),
                "DEPT": ("Conseil départemental",),
                "CAP_EMPLOI": ("Cap emploi",),
                "SPIP": ("SPIP",),
                "CCAS": ("CCAS",),
                "CHRS": ("CHRS",),
                "AUTRE": ("Autre",),
            },
            unknown=("Entreprise elle-même",),
        ),
        ("contrats_travail", "type_contrat"): FieldVocabulary(
            {
                "CDI": ("CDI",),
                "CDD": ("CDD",),
                "CDD_CHANTIER": ("CDD de chantier",),
                "CDD_USAGE": ("CDD d'usage",),
                "APPRENTISSAGE": ("Apprentissage",),
                "PRO": ("Professionnalisation",),
                "CUI_PEC": ("Parcours emploi compétences",),
                "CTTI": ("Mission d'intérim d'insertion",),
                "MAD_AI": ("Mise à disposition (AI)",),
                "CTT": ("Mission d'intérim",),
                "CDDI": ("CDD d'insertion",),
                "CDD_TREMPLIN": ("CDD Tremplin",),
                "FORMATION": ("Formation",),
                "CDI_INCLUSION": ("CDI inclusion",),
            }
        ),
        ("contrats_travail", "modalite"): FieldVocabulary(
            {
                "EMBAUCHE_DIRECTE": ("Embauche directe",),
                "MAD_ETTI": ("Mise à disposition par une ETTI",),
                "MAD_GEIQ": ("Mise à disposition par un GEIQ",),
                "MAD_AI": ("Mise à disposition par une AI",),
                "MAD_ETT": ("Intérim (ETT)",),
                "SOUS_TRAITANCE_SIAE": ("Sous-traitance à une SIAE",),
                "CO_TRAITANCE_SIAE": ("Cotraitance avec une SIAE",),
                "SOUS_TRAITANCE_EA_ESAT": ("Sous-traitance EA / ESAT",),
                "FORMATION": ("Formation",),
            }
        ),
        **_situations(
            {
                "CDI": ("Emploi durable - CDI",),
                "CDD_6_MOIS_PLUS": ("Emploi durable - CDD 6 mois et plus",),
                "CDD_MOINS_6_MOIS": ("Emploi de transition - CDD moins de 6 mois",),
                "CONTRAT_AIDE": ("Emploi de transition - contrat aidé",),
                "FORMATION_QUALIFIANTE": ("Sortie positive - formation",),
                "AUTRE_SIAE": ("Sortie positive - autre SIAE",),
                "CREATION_ENTREPRISE": ("Emploi durable - création d'entreprise",),
                "FONCTION_PUBLIQUE": ("Emploi durable - fonction publique",),
                "CHOMAGE": ("Demandeur d'emploi",),
                "INACTIVITE": ("Inactivité",),
                "INCONNU": ("Non connue",),
            },
            unknown=("Décédé",),
        ),
    }
)

VOCABULARIES: dict[str, Vocabulary] = {"abc": ABC, "tableur": TABLEUR, "gc": GC, "solideo": SOLIDEO}


def variant(label: str, u: float) -> str:
    """A spelling of ``label`` as people type it (same normalised key): ``u`` in [0, 1) picks the kind."""
    kind = int(u * 5)
    if kind == 0:
        return label.upper()
    if kind == 1:
        return label.lower()
    if kind == 2:
        return "".join(c for c in unicodedata.normalize("NFKD", label) if not unicodedata.combining(c))
    if kind == 3:
        return label.replace(" ", "  ", 1) if " " in label else f" {label} "
    return label if label.endswith(".") else label + "."


class Labeller:
    """Writes one field's values in a tool's vocabulary: usual label, alternatives, variants, planted unknowns.

    Draws come from its own generator (the other streams of the run are untouched) in blocks, so that a value
    costs a few Python operations even on the national preset."""

    BLOCK = 4096

    def __init__(self, vocabulary: FieldVocabulary, rng: np.random.Generator, optional: bool) -> None:
        self.vocabulary, self.rng = vocabulary, rng
        self.unknown_rate = UNKNOWN_RATE if optional and vocabulary.unknown else 0.0
        self.buffer: list[float] = []
        self.planted: dict[str, int] = {}  # unknown label -> times written

    def _u(self) -> float:
        if not self.buffer:
            self.buffer = self.rng.random(self.BLOCK).tolist()
        return self.buffer.pop()

    def _spell(self, label: str) -> str:
        u = self._u()
        return variant(label, u / VARIANT_RATE) if u < VARIANT_RATE else label

    def _one(self, code: str) -> str:
        labels = self.vocabulary.labels[code]
        if len(labels) > 1:
            u = self._u()
            label = labels[0] if u >= ALTERNATIVE_SHARE else labels[1 + int(u / ALTERNATIVE_SHARE * (len(labels) - 1))]
        else:
            label = labels[0]
        return self._spell(label)

    def _unknown(self) -> str | None:
        if self.unknown_rate and self._u() < self.unknown_rate:
            unknown = self.vocabulary.unknown
            label = unknown[int(self._u() * len(unknown))]
            self.planted[label] = self.planted.get(label, 0) + 1
            return label
        return None

    def __call__(self, code) -> str:
        """The label written for ``code`` ("" or None = not known; multi-valued fields: codes joined by "|")."""
        if code is None or code == "":
            unknown = self._unknown()
            if unknown is not None:
                return unknown
            return self.vocabulary.null_label or ""
        if self.vocabulary.separator:
            labels = [self._one(c) for c in str(code).split("|")]
            unknown = self._unknown()
            if unknown is not None:
                labels.append(unknown)
            return self.vocabulary.separator.join(labels)
        unknown = self._unknown()
        return unknown if unknown is not None else self._one(str(code))
