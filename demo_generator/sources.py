"""Who exports what, and how: one spec per tracking source (folder under ``suivi_clauses/``).

Header spellings ("styles") imitate the tools in use: ABC Clauses exports (75, 93), a departmental spreadsheet
(92, XLSX with a title row), the grande couronne network's CSV, the Solideo export; 94 and the Société des grands
projets use the canonical exchange-format headers (no mapping file).
"""

from __future__ import annotations

from dataclasses import dataclass

TABLES = ("operations", "marches", "entreprises", "participants", "contrats_travail", "heures", "sorties")

# canonical field -> exported header, per style. Fields absent from a style are not exported by that tool.
STYLES: dict[str, dict[str, dict[str, str]]] = {
    "abc": {
        "operations": {
            "id_operation": "Code opération",
            "nom_operation": "Libellé opération",
            "programme": "Programme",
            "maitre_ouvrage_nom": "Maître d'ouvrage",
            "maitre_ouvrage_siret": "SIRET MOA",
            "commune_insee": "Code INSEE commune",
            "date_debut": "Date début",
            "date_fin": "Date fin",
        },
        "marches": {
            "id_marche": "N° marché",
            "id_operation": "Code opération",
            "acheteur_siret": "SIRET acheteur",
            "id_decp": "Identifiant DECP",
            "objet": "Objet du marché",
            "code_cpv": "Code CPV",
            "montant_ht": "Montant HT (€)",
            "date_notification": "Date de notification",
            "base_juridique": "Article",
            "heures_prevues": "Nb heures prévues",
            "lot": "Lot",
        },
        "entreprises": {
            "id_marche": "N° marché",
            "siret": "SIRET",
            "raison_sociale": "Raison sociale",
            "role": "Rôle",
            "type_structure": "Type de structure",
        },
        "participants": {
            "id_participant": "N° bénéficiaire",
            "nom": "NOM",
            "prenom": "Prénom",
            "date_naissance": "Date de naissance",
            "sexe": "Sexe",
            "commune_residence": "Commune de résidence (INSEE)",
            "code_qpv": "Code QPV",
            "niveau_formation": "Niveau de formation",
            "publics": "Publics",
            "prescripteur": "Prescripteur",
            "date_entree": "Date d'entrée",
            "courriel": "Email",
            "telephone": "Téléphone",
            "adresse": "Adresse",
            "nir": "N° sécurité sociale",
        },
        "contrats_travail": {
            "id_contrat": "N° contrat",
            "id_participant": "N° bénéficiaire",
            "id_marche": "N° marché",
            "employeur_siret": "SIRET employeur",
            "type_contrat": "Type de contrat",
            "modalite": "Modalité",
            "date_debut": "Date début contrat",
            "date_fin": "Date fin contrat",
        },
        "heures": {"id_contrat": "N° contrat", "mois": "Mois", "heures": "Heures réalisées"},
        "sorties": {
            "id_participant": "N° bénéficiaire",
            "date_sortie": "Date de sortie",
            "situation_sortie": "Situation à la sortie",
            "situation_6_mois": "Situation à 6 mois",
        },
    },
    "tableur": {
        "operations": {
            "id_operation": "Opération (code)",
            "nom_operation": "Nom de l'opération",
            "programme": "Programme",
            "maitre_ouvrage_nom": "Maître d'ouvrage",
            "maitre_ouvrage_siret": "SIRET maître d'ouvrage",
            "commune_insee": "Commune (code INSEE)",
            "date_debut": "Début",
            "date_fin": "Fin",
        },
        "marches": {
            "id_marche": "Réf. marché",
            "id_operation": "Réf. opération",
            "acheteur_siret": "Acheteur (SIRET)",
            "id_decp": "N° DECP",
            "objet": "Objet",
            "code_cpv": "CPV",
            "montant_ht": "Montant €HT",
            "date_notification": "Notifié le",
            "base_juridique": "Fondement juridique",
            "heures_prevues": "Heures d'insertion prévues",
            "lot": "N° lot",
        },
        "entreprises": {
            "id_marche": "Réf. marché",
            "siret": "SIRET entreprise",
            "raison_sociale": "Nom entreprise",
            "role": "Rôle",
            "type_structure": "Type structure",
        },
        "participants": {
            "id_participant": "ID",
            "nom": "Nom",
            "prenom": "Prénom",
            "date_naissance": "Né(e) le",
            "sexe": "Civilité",
            "commune_residence": "Commune résidence",
            "resident_qpv": "QPV (O/N)",
            "niveau_formation": "Niveau",
            "publics": "Public(s)",
            "prescripteur": "Orienté par",
            "date_entree": "Entrée dans le dispositif",
            "courriel": "Mail",
            "telephone": "Portable",
        },
        "contrats_travail": {
            "id_contrat": "ID contrat",
            "id_participant": "ID participant",
            "id_marche": "Réf. marché",
            "employeur_siret": "SIRET employeur",
            "type_contrat": "Contrat",
            "modalite": "Modalité",
            "date_debut": "Début",
            "date_fin": "Fin",
        },
        # wide sheet: one column per month ("janv. 2024"...), then "Total" (see SourceSpec.wide_hours)
        "heures": {"id_contrat": "ID contrat"},
        "sorties": {
            "id_participant": "ID participant",
            "date_sortie": "Date sortie",
            "situation_sortie": "Situation sortie",
            "situation_6_mois": "Situation 6 mois",
        },
    },
    "gc": {
        "operations": {
            "id_operation": "REF_OPERATION",
            "nom_operation": "INTITULE_OPERATION",
            "programme": "PROGRAMME",
            "maitre_ouvrage_nom": "MOA",
            "maitre_ouvrage_siret": "SIRET_MOA",
            "commune_insee": "INSEE_COMMUNE",
            "date_debut": "DATE_DEBUT",
            "date_fin": "DATE_FIN",
        },
        "marches": {
            "id_marche": "REF_MARCHE",
            "id_operation": "REF_OPERATION",
            "acheteur_siret": "SIRET_ACHETEUR",
            "id_decp": "ID_DECP",
            "objet": "OBJET",
            "code_cpv": "CPV",
            "montant_ht": "MONTANT_HT",
            "date_notification": "DATE_NOTIFICATION",
            "base_juridique": "BASE_JURIDIQUE",
            "heures_prevues": "HEURES_PREVUES",
            "lot": "LOT",
        },
        "entreprises": {
            "id_marche": "REF_MARCHE",
            "siret": "SIRET",
            "raison_sociale": "RAISON_SOCIALE",
            "role": "ROLE",
            "type_structure": "TYPE_STRUCTURE",
        },
        "participants": {
            "id_participant": "REF_BENEFICIAIRE",
            "nom": "NOM_USAGE",
            "prenom": "PRENOM",
            "date_naissance": "DATE_NAISSANCE",
            "sexe": "SEXE",
            "code_postal_residence": "CP_RESIDENCE",
            "commune_residence_libelle": "VILLE_RESIDENCE",
            "code_qpv": "QPV",
            "niveau_formation": "NIVEAU_QUALIF",
            "publics": "PUBLICS_ELIGIBLES",
            "prescripteur": "PRESCRIPTEUR",
            "date_entree": "DATE_ENTREE",
            "telephone": "TEL",
        },
        "contrats_travail": {
            "id_contrat": "REF_CONTRAT",
            "id_participant": "REF_BENEFICIAIRE",
            "id_marche": "REF_MARCHE",
            "employeur_siret": "SIRET_EMPLOYEUR",
            "type_contrat": "TYPE_CONTRAT",
            "modalite": "MODALITE",
            "date_debut": "DATE_DEBUT",
            "date_fin": "DATE_FIN",
        },
        "heures": {"id_contrat": "REF_CONTRAT", "mois": "MOIS", "heures": "NB_HEURES"},
        "sorties": {
            "id_participant": "REF_BENEFICIAIRE",
            "date_sortie": "DATE_SORTIE",
            "situation_sortie": "SITUATION_SORTIE",
            "situation_6_mois": "SITUATION_6_MOIS",
        },
    },
    "solideo": {
        "operations": {
            "id_operation": "Ouvrage",
            "nom_operation": "Désignation de l'ouvrage",
            "programme": "Programme",
            "maitre_ouvrage_nom": "Maître d'ouvrage",
            "maitre_ouvrage_siret": "Siret MOA",
            "commune_insee": "Commune",
            "date_debut": "Démarrage",
            "date_fin": "Livraison",
        },
        "marches": {
            "id_marche": "Marché",
            "id_operation": "Ouvrage",
            "acheteur_siret": "Siret acheteur",
            "id_decp": "Id DECP",
            "objet": "Intitulé",
            "code_cpv": "Code CPV",
            "montant_ht": "Montant HT",
            "date_notification": "Date notification",
            "base_juridique": "Base juridique",
            "heures_prevues": "Objectif heures",
            "lot": "Lot",
        },
        "entreprises": {
            "id_marche": "Marché",
            "siret": "Siret",
            "raison_sociale": "Entreprise",
            "role": "Rôle",
            "type_structure": "Catégorie",
        },
        "participants": {
            "id_participant": "Identifiant",
            "nom": "Nom",
            "prenom": "Prénom",
            "date_naissance": "Date naissance",
            "sexe": "Genre",
            "commune_residence": "Code commune",
            "code_qpv": "Quartier prioritaire",
            "niveau_formation": "Niveau de qualification",
            "publics": "Critères d'éligibilité",
            "prescripteur": "Structure prescriptrice",
            "date_entree": "Date d'entrée",
            "courriel": "Courriel",
        },
        "contrats_travail": {
            "id_contrat": "Identifiant contrat",
            "id_participant": "Identifiant",
            "id_marche": "Marché",
            "employeur_siret": "Siret employeur",
            "type_contrat": "Nature du contrat",
            "modalite": "Modalité de mise en œuvre",
            "date_debut": "Date début",
            "date_fin": "Date fin",
        },
        "heures": {"id_contrat": "Identifiant contrat", "mois": "Période", "heures": "Heures"},
        "sorties": {
            "id_participant": "Identifiant",
            "date_sortie": "Date de sortie",
            "situation_sortie": "Situation sortie",
            "situation_6_mois": "Situation à 6 mois",
        },
        "engagements_moa": {
            "programme": "Programme",
            "maitre_ouvrage_nom": "Maître d'ouvrage",
            "maitre_ouvrage_siret": "Siret MOA",
            "id_operation": "Ouvrage",
            "annee": "Année",
            "heures_engagees": "Heures engagées",
        },
    },
}

# File name stems per style ({table} / {year}); canonical sources use the table name itself.
FILE_STEMS = {
    "abc": {
        "operations": "export_abc_operations",
        "marches": "export_abc_marches",
        "entreprises": "export_abc_entreprises",
        "participants": "export_abc_beneficiaires",
        "contrats_travail": "export_abc_contrats",
        "heures": "export_abc_heures_{year}",
        "sorties": "export_abc_sorties",
    },
    "gc": {
        "operations": "GC_OPERATIONS",
        "marches": "GC_MARCHES",
        "entreprises": "GC_ENTREPRISES",
        "participants": "GC_BENEFICIAIRES",
        "contrats_travail": "GC_CONTRATS",
        "heures": "GC_HEURES_{year}",
        "sorties": "GC_SORTIES",
    },
    "solideo": {
        "operations": "Solideo_ouvrages",
        "marches": "Solideo_marches",
        "entreprises": "Solideo_entreprises",
        "participants": "Solideo_salaries_insertion",
        "contrats_travail": "Solideo_contrats",
        "heures": "Solideo_heures_{year}",
        "sorties": "Solideo_sorties",
        "engagements_moa": "Solideo_engagements",
    },
    "tableur": {"heures": "Suivi_heures_92_{year}"},  # the workbook holds the other tables
    "canonical": {t: t if t != "heures" else "heures_{year}" for t in (*TABLES, "engagements_moa")},
}

SHEETS = {
    "operations": "Opérations",
    "marches": "Marchés",
    "entreprises": "Entreprises",
    "participants": "Bénéficiaires",
    "contrats_travail": "Contrats",
    "heures": "Heures",
    "sorties": "Sorties",
}


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    style: str  # key of STYLES, or "canonical"
    fmt: str  # "csv" | "xlsx"
    encoding: str  # Python codec name: "cp1252", "utf-8-sig", "utf-8"
    deps: tuple[str, ...] = ()  # territory of a departmental coordination
    programme: str | None = None  # the large programme a maître d'ouvrage source tracks
    share: float = 0.0  # share of ordinary (non-programme) activity
    anru_share: float = 0.0  # share of ANRU activity tracked by this coordination
    engagements: tuple[str, ...] = ()  # programmes whose commitments this source publishes
    tracking: bool = True  # False: commitments only
    paris_arrondissements: bool = False  # residence written as 751xx rather than 75056
    uppercase_names: bool = False
    exports_nir: bool = False
    wide_hours: bool = False  # hours sheet with one column per month (+ a Total column) instead of (mois, heures)
    hours_hm: tuple[str, float] | None = None  # (separator, rate): some hours typed "151h40" / "151:40"

    @property
    def mapped(self) -> bool:
        return self.style != "canonical"

    def headers(self, table: str, fields: list[str]) -> list[tuple[str, str]]:
        """(canonical field, exported header) pairs, in export order; fields the tool lacks are dropped."""
        if not self.mapped:
            return [(f, f) for f in fields]
        style = STYLES[self.style][table]
        return [(f, style[f]) for f in fields if f in style]

    def file_name(self, table: str, year: int | None = None) -> str:
        stem = FILE_STEMS[self.style if self.style in FILE_STEMS else "canonical"][table]
        return stem.format(year=year) + ".csv"


SOURCES: dict[str, SourceSpec] = {
    s.name: s
    for s in (
        SourceSpec(
            "coordination_75",
            "Export ABC Clauses de la coordination parisienne des clauses sociales (en-têtes de l'outil)",
            style="abc",
            fmt="csv",
            encoding="utf-8-sig",
            deps=("75",),
            share=0.22,
            anru_share=0.12,
            paris_arrondissements=True,
            uppercase_names=True,
        ),
        SourceSpec(
            "coordination_92",
            "Tableur de suivi des clauses sociales des Hauts-de-Seine (XLSX, une feuille par table, "
            "ligne de titre au-dessus des en-têtes; civilité, QPV oui/non; heures en CSV, une colonne par mois)",
            style="tableur",
            fmt="xlsx",
            encoding="xlsx",
            deps=("92",),
            share=0.14,
            anru_share=0.15,
            wide_hours=True,
            hours_hm=("h", 0.08),
        ),
        SourceSpec(
            "coordination_93",
            "Export ABC Clauses de la coordination de Seine-Saint-Denis (Windows-1252, en-têtes de l'outil)",
            style="abc",
            fmt="csv",
            encoding="cp1252",
            deps=("93",),
            share=0.2,
            anru_share=0.35,
            uppercase_names=True,
            exports_nir=True,
        ),
        SourceSpec(
            "coordination_94",
            "Coordination du Val-de-Marne: en-têtes canoniques du format d'échange (pas de mapping)",
            style="canonical",
            fmt="csv",
            encoding="utf-8",
            deps=("94",),
            share=0.13,
            anru_share=0.15,
        ),
        SourceSpec(
            "coordination_grande_couronne",
            "Réseau des facilitateurs de grande couronne (77, 78, 91, 95): export CSV en majuscules, "
            "résidence en code postal + commune",
            style="gc",
            fmt="csv",
            encoding="cp1252",
            deps=("77", "78", "91", "95"),
            share=0.31,
            anru_share=0.23,
        ),
        SourceSpec(
            "sgp_grand_paris_express",
            "Société des grands projets: suivi des clauses du Grand Paris Express et engagements (en-têtes canoniques)",
            style="canonical",
            fmt="csv",
            encoding="utf-8-sig",
            programme="GRAND_PARIS_EXPRESS",
            engagements=("GRAND_PARIS_EXPRESS",),
        ),
        SourceSpec(
            "solideo_jop_2024",
            "Solideo: suivi des clauses des ouvrages olympiques et engagements (en-têtes de l'outil)",
            style="solideo",
            fmt="csv",
            encoding="cp1252",
            programme="JOP_2024",
            engagements=("JOP_2024",),
            hours_hm=(":", 0.05),
        ),
        SourceSpec(
            "anru_npnru",
            "ANRU: heures d'insertion engagées des projets NPNRU d'Île-de-France (en-têtes canoniques)",
            style="canonical",
            fmt="csv",
            encoding="utf-8",
            engagements=("ANRU",),
            tracking=False,
        ),
    )
}
