"""Clause-tracking cases. Each case is one source folder of the inbox (``<inbox>/T07/``): the base export of a
small operation (Noisy-le-Sec school renovation: one marché, two companies, two participants, their employment
contracts, six months of hours, one exit), written as a coordination exports it, with one defect planted.

``expect`` of a tracking case:
    audit   — (file, table, status, rows read, loaded, rejected, error fragment or None) of every
              ``raw_suivi_clauses.tracking_load_audit`` row of the case's first load (file relative to the source
              folder; a file outside any source folder is named relative to the inbox)
    rejects — (file, line, column, reason) of every ``raw_suivi_clauses.tracking_rejects`` row of the case
    issues  — (table, file, line, issue) of every ``audit.clause_tracking_issues`` row of the case;
              "{dir}" in an issue stands for the case's folder
    check   — optional SQL returning one boolean row (``{source}`` stands for the case's source name)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from corpus import Case, check_unique_ids, write
from openpyxl import Workbook

from observatoire.settings import REPO_ROOT

MAPPINGS = REPO_ROOT / "demo_data" / "mappings"
NOISY = "21930053000017"  # Ville de Noisy-le-Sec
ABATECH = "48080837700042"  # holder of the real DECP record used by the DECP cases
EMMAUS = "38238754600023"  # ASSOC EMMAUS ALTERNATIVES, an ACI of Montreuil (ASP list)

FIELDS: dict[str, list[str]] = {
    "operations": [
        "id_operation", "nom_operation", "programme", "maitre_ouvrage_nom", "maitre_ouvrage_siret",
        "commune_insee", "date_debut", "date_fin",
    ],
    "marches": [
        "id_marche", "id_operation", "acheteur_siret", "id_decp", "objet", "code_cpv", "montant_ht",
        "date_notification", "base_juridique", "heures_prevues", "lot",
    ],
    "entreprises": ["id_marche", "siret", "raison_sociale", "role", "type_structure"],
    "participants": [
        "id_participant", "nom", "prenom", "date_naissance", "sexe", "commune_residence", "code_qpv",
        "niveau_formation", "publics", "prescripteur", "date_entree", "courriel", "telephone",
    ],
    "contrats_travail": [
        "id_contrat", "id_participant", "id_marche", "employeur_siret", "type_contrat", "modalite", "date_debut",
        "date_fin",
    ],
    "heures": ["id_contrat", "mois", "heures"],
    "sorties": ["id_participant", "date_sortie", "situation_sortie", "situation_6_mois"],
}  # fmt: skip


def base_rows(case_index: int) -> dict[str, list[dict[str, str]]]:
    """The base export; birth dates vary with the case so that each case has its own beneficiaries."""
    born = date(1995, 5, 14) + timedelta(days=7 * case_index)
    return {
        "operations": [
            {
                "id_operation": "OP1", "nom_operation": "Rénovation de l'école Jean-Jaurès (Noisy-le-Sec)",
                "programme": "AUTRE", "maitre_ouvrage_nom": "Ville de Noisy-le-Sec", "maitre_ouvrage_siret": NOISY,
                "commune_insee": "93053", "date_debut": "01/02/2023", "date_fin": "30/06/2025",
            }
        ],
        "marches": [
            {
                "id_marche": "M1", "id_operation": "OP1", "acheteur_siret": NOISY, "id_decp": "",
                "objet": "Rénovation de l'école Jean-Jaurès - lot 1 gros œuvre", "code_cpv": "45214200-2",
                "montant_ht": "1 250 000", "date_notification": "15/03/2023", "base_juridique": "L2112-2",
                "heures_prevues": "1200", "lot": "1",
            }
        ],
        "entreprises": [
            {"id_marche": "M1", "siret": ABATECH, "raison_sociale": "ABATECH", "role": "titulaire",
             "type_structure": "CLASSIQUE"},
            {"id_marche": "M1", "siret": EMMAUS, "raison_sociale": "ASSOC EMMAUS ALTERNATIVES",
             "role": "soustraitant", "type_structure": "ACI"},
        ],
        "participants": [
            {
                "id_participant": "P1", "nom": "Diallo", "prenom": "Aminata",
                "date_naissance": born.strftime("%d/%m/%Y"),
                "sexe": "F", "commune_residence": "93053", "code_qpv": "QN09312M", "niveau_formation": "3",
                "publics": "DELD|QPV", "prescripteur": "FT", "date_entree": "03/04/2023", "courriel": "",
                "telephone": "",
            },
            {
                "id_participant": "P2", "nom": "Martin", "prenom": "Kévin",
                "date_naissance": (born + timedelta(days=2365)).strftime("%d/%m/%Y"), "sexe": "M",
                "commune_residence": "93048", "code_qpv": "", "niveau_formation": "4", "publics": "JEUNE_26",
                "prescripteur": "ML", "date_entree": "10/04/2023", "courriel": "kevin.martin@example.org",
                "telephone": "06 12 34 56 78",
            },
        ],
        "contrats_travail": [
            {"id_contrat": "C1", "id_participant": "P1", "id_marche": "M1", "employeur_siret": ABATECH,
             "type_contrat": "CDD", "modalite": "EMBAUCHE_DIRECTE", "date_debut": "03/04/2023",
             "date_fin": "31/12/2023"},
            {"id_contrat": "C2", "id_participant": "P2", "id_marche": "M1", "employeur_siret": EMMAUS,
             "type_contrat": "CDDI", "modalite": "SOUS_TRAITANCE_SIAE", "date_debut": "10/04/2023",
             "date_fin": ""},
        ],
        "heures": [
            {"id_contrat": contract, "mois": month, "heures": hours}
            for contract, month, hours in [
                ("C1", "04/2023", "120"), ("C1", "05/2023", "151,67"), ("C1", "06/2023", "140"),
                ("C2", "04/2023", "80"), ("C2", "05/2023", "104"), ("C2", "06/2023", "91"),
            ]
        ],
        "sorties": [
            {"id_participant": "P1", "date_sortie": "31/12/2023", "situation_sortie": "CDD_6_MOIS_PLUS",
             "situation_6_mois": "CDI"}
        ],
    }  # fmt: skip


#: file name of each table in the base export (canonical layout: no mapping needed)
BASE_FILES = {
    "operations": "operations.csv",
    "marches": "marches.csv",
    "entreprises": "entreprises.csv",
    "participants": "participants.csv",
    "contrats_travail": "contrats_travail.csv",
    "heures": "heures_2023.csv",
    "sorties": "sorties.csv",
}
BASE_COUNTS = {"operations": 1, "marches": 1, "entreprises": 2, "participants": 2, "contrats_travail": 2, "heures": 6,
               "sorties": 1}  # fmt: skip


def csv_text(
    fields: list[str], rows: list[dict[str, str]], sep: str = ";", headers: list[str] | None = None, crlf: bool = False
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(headers or fields)
    writer.writerows([row.get(name, "") for name in fields] for row in rows)
    return out.getvalue()


def write_base(folder: Path, case_index: int, skip: tuple[str, ...] = (), **tables: list[dict[str, str]]) -> None:
    """The base export in ``folder``, tables in ``skip`` left out and tables given as keywords replaced."""
    rows = {**base_rows(case_index), **tables}
    for table, name in BASE_FILES.items():
        if table not in skip:
            write(folder / name, csv_text(FIELDS[table], rows[table]))


def xlsx(path: Path | io.BytesIO, sheets: dict[str, list[list[Any]]], merges: dict[str, list[str]] | None = None):
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, lines in sheets.items():
        sheet = workbook.create_sheet(title)
        for line in lines:
            sheet.append(line)
        for cells in (merges or {}).get(title, []):
            sheet.merge_cells(cells)
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def mapping_copy(mappings_dir: Path, source: str, template: str = "coordination_93") -> dict[str, Any]:
    """A coordination's published mapping, copied under ``source``; returns the mapping."""
    spec = yaml.safe_load((MAPPINGS / f"{template}.yaml").read_text(encoding="utf-8"))
    spec["source"] = source
    write(mappings_dir / f"{source}.yaml", yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    return spec


def base_audit(**changes: tuple | None) -> list[tuple]:
    """Audit rows of the base export, with ``changes`` (file → row, or None when the file is not there)."""
    rows = {
        name: (name, table, "loaded", BASE_COUNTS[table], BASE_COUNTS[table], 0, None)
        for table, name in BASE_FILES.items()
    }
    for key, row in changes.items():
        name = key.replace("__", ".")
        if row is None:
            rows.pop(name)
        else:
            rows[name] = row
    return sorted(rows.values(), key=lambda r: (r[0], r[1] or ""))


def hours_of(contract: str, lines: tuple[int, ...], file: str = "heures_2023.csv") -> list[tuple]:
    return [("heures", file, line, f"contrat {contract} inconnu de la source: heures non attribuées") for line in lines]


def unknown_marche(lines: tuple[int, ...] = (2, 3)) -> list[tuple]:
    return [("contrats_travail", "contrats_travail.csv", line, "marché inconnu de la source") for line in lines]


Builder = Callable[[Path, Path, int], None]  # (source folder, mappings folder, case index)


def _case(case_id: str, description: str, build: Builder, outcome: str, **expect: Any) -> Case:
    expect.setdefault("audit", base_audit())
    expect.setdefault("rejects", [])
    expect.setdefault("issues", [])
    return Case(case_id, description, build, outcome, expect)  # type: ignore[arg-type]


def _set(rows: list[dict[str, str]], position: int, **values: str) -> list[dict[str, str]]:
    rows = [dict(row) for row in rows]
    rows[position].update(values)
    return rows


def _mapped_base(folder: Path, mappings: Path, index: int) -> None:
    """The base export as coordination_93's tool writes it: Windows-1252, CRLF, the tool's headers."""
    spec = mapping_copy(mappings, folder.name)
    rows = base_rows(index)
    for table, table_spec in spec["tables"].items():
        if table not in rows:
            continue
        headers = {field: header for header, field in table_spec["columns"].items()}
        fields = [name for name in FIELDS[table] if name in headers]
        name = table_spec["files"][0].replace("*", "2023")
        # multi-valued cells joined as the tool joins them (the mapping's separators), not with our "|"
        joiners = {field: chars[0] for field, chars in (table_spec.get("separators") or {}).items()}
        table_rows = [
            {f: joiners[f].join(v.split("|")) if f in joiners else v for f, v in r.items()} for r in rows[table]
        ]
        write(folder / name, csv_text(fields, table_rows, headers=[headers[f] for f in fields], crlf=True), "cp1252")


def _mixed_encodings(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index, skip=("operations",))
    header_and_op1 = csv_text(FIELDS["operations"], base_rows(index)["operations"]).encode("utf-8")
    op2 = dict(
        base_rows(index)["operations"][0], id_operation="OP2", nom_operation="Crèche des Guillaumes (Noisy-le-Sec)"
    )
    write(
        folder / "operations.csv",
        header_and_op1 + csv_text(FIELDS["operations"], [op2]).split("\n", 1)[1].encode("cp1252"),
    )


def _utf16(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index, skip=("heures",))
    write(
        folder / "heures_2023.txt",
        "\ufeff" + csv_text(FIELDS["heures"], base_rows(index)["heures"], sep="\t", crlf=True),
        "utf-16-le",
    )


def _xlsx_title_merged(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index, skip=("sorties",))
    xlsx(
        folder / "sorties.xlsx",
        {
            "Sorties": [
                ["Sorties des participants — coordination Est ensemble — édité le 02/01/2024"],
                [],
                FIELDS["sorties"],
                ["P1", date(2023, 12, 31), "CDD_6_MOIS_PLUS", "CDI"],
                [None, date(2023, 9, 15), "CHOMAGE", None],
            ]
        },
        {"Sorties": ["A1:D1", "A4:A5"]},
    )


def _xlsx_one_bad_sheet(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index, skip=("operations", "marches"))
    rows = base_rows(index)
    spec = {
        "source": folder.name,
        "tables": {
            "operations": {"files": ["*suivi*.xlsx"], "sheet": "Opérations"},
            "marches": {
                "files": ["*suivi*.xlsx"],
                "sheet": "Marchés",
                "columns": {"N° marché": "id_marche", "Objet": "objet", "SIRET acheteur": "acheteur_siret",
                            "Notification": "date_notification", "Article": "base_juridique"},
            },
        },
    }  # fmt: skip
    write(mappings / f"{folder.name}.yaml", yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))
    marche = rows["marches"][0]
    xlsx(
        folder / "T15_suivi_clauses.xlsx",
        {
            "Opérations": [FIELDS["operations"], [rows["operations"][0][f] for f in FIELDS["operations"]]],
            "Marchés": [
                ["N° marché", "Objet", "SIRET acheteur", "Notification"],
                [marche["id_marche"], marche["objet"], marche["acheteur_siret"], marche["date_notification"]],
            ],
        },
    )


def _heures_xlsx(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index)
    xlsx(
        folder / "heures_2024.xlsx",
        {"Heures": [FIELDS["heures"], ["C2", date(2023, 7, 1), 88], ["C2", "08/2023", "#DIV/0!"]]},
    )


def _reexport(folder: Path, mappings: Path, index: int) -> None:
    """A second export of the same participants, contract and marché (cumulative yearly exports)."""
    write_base(folder, index)
    rows = base_rows(index)
    participants = _set(rows["participants"], 1, prescripteur="PLIE")  # a correction: P2 came through the PLIE
    write(folder / "participants_2024.csv", csv_text(FIELDS["participants"], participants))
    contracts = _set(rows["contrats_travail"], 1, date_fin="30/06/2024")
    write(folder / "contrats_travail_2024.csv", csv_text(FIELDS["contrats_travail"], contracts))
    write(folder / "marches_2024.csv", csv_text(FIELDS["marches"], _set(rows["marches"], 0, heures_prevues="1500")))


def _same_contract_two_formats(folder: Path, mappings: Path, index: int) -> None:
    write_base(folder, index)
    marche = base_rows(index)["marches"][0]
    xlsx(folder / "marches_2024.xlsx", {"Marchés": [FIELDS["marches"], [marche[f] for f in FIELDS["marches"]]]})


def _one_file_source(name: str, text: str) -> Builder:
    return lambda folder, mappings, index: write(folder / name, text)


HOURS_HEADER = "id_contrat;mois;heures\n"


CASES: list[Case] = check_unique_ids(
    [
        # ------------------------------------------------------------------ controls and real layouts
        _case(
            "T01",
            "clean base export, exchange-format headers, UTF-8 (control)",
            lambda f, m, i: write_base(f, i),
            "every file loaded; no reject, no issue",
        ),
        _case(
            "T02",
            "export of the ABC Clauses tool: Windows-1252, CRLF, the tool's headers, YAML mapping",
            _mapped_base,
            "every file loaded through demo_data/mappings/coordination_93.yaml, accents right",
            audit=sorted(
                [
                    (n, t, "loaded", BASE_COUNTS[t], BASE_COUNTS[t], 0, None)
                    for t, n in {
                        "operations": "export_abc_operations.csv",
                        "marches": "export_abc_marches.csv",
                        "entreprises": "export_abc_entreprises.csv",
                        "participants": "export_abc_beneficiaires.csv",
                        "contrats_travail": "export_abc_contrats.csv",
                        "heures": "export_abc_heures_2023.csv",
                        "sorties": "export_abc_sorties.csv",
                    }.items()
                ]
            ),
            check="select nom_operation = 'Rénovation de l''école Jean-Jaurès (Noisy-le-Sec)' "
            "from raw_suivi_clauses.operations where source_name = '{source}'",
        ),
        _case(
            "T03",
            "UTF-8 with BOM, ',' separator, quoted decimal commas, CRLF",
            lambda f, m, i: (
                write_base(f, i, skip=("heures",)),
                write(
                    f / "heures_2023.csv",
                    "\ufeff" + csv_text(FIELDS["heures"], base_rows(i)["heures"], sep=",", crlf=True),
                ),
            ),
            "loaded; 686.67 hours",
            check="select round(sum(heures), 2) = 686.67 from raw_suivi_clauses.heures where source_name = '{source}'",
        ),
        _case(
            "T04",
            "UTF-8 file with one line added in Windows-1252 (two tools, one file)",
            _mixed_encodings,
            "loaded; both lines keep their accents (each byte that is not UTF-8 is read as Windows-1252)",
            audit=base_audit(operations__csv=("operations.csv", "operations", "loaded", 2, 2, 0, None)),
            check="select list(nom_operation order by line_number) = ['Rénovation de l''école Jean-Jaurès "
            "(Noisy-le-Sec)', 'Crèche des Guillaumes (Noisy-le-Sec)'] from raw_suivi_clauses.operations "
            "where source_name = '{source}'",
        ),
        _case(
            "T05",
            "Excel 'Unicode text' export: UTF-16 with BOM, tab-separated, .txt",
            _utf16,
            "loaded (UTF-16 detected from its BOM)",
            audit=base_audit(
                heures_2023__csv=None, heures_2023__txt=("heures_2023.txt", "heures", "loaded", 6, 6, 0, None)
            ),
        ),
        # ------------------------------------------------------------------ empty and broken CSV files
        _case(
            "T06",
            "empty file (0 bytes)",
            lambda f, m, i: (write_base(f, i), write(f / "heures_2024.csv", b"")),
            "failed: 'fichier vide'",
            audit=base_audit(heures_2024__csv=("heures_2024.csv", "heures", "failed", 0, 0, 0, "fichier vide")),
        ),
        _case(
            "T07",
            "header line and no row",
            lambda f, m, i: (write_base(f, i), write(f / "heures_2024.csv", HOURS_HEADER)),
            "status 'empty', 0 rows read",
            audit=base_audit(heures_2024__csv=("heures_2024.csv", "heures", "empty", 0, 0, 0, None)),
        ),
        _case(
            "T08",
            "mixed separators: one line written with ',' in a ';' file",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2024.csv", HOURS_HEADER + "C2;07/2023;88\nC2,08/2023,75\n"),
            ),
            "the line rejected: \"ligne non découpée: séparateur ',' au lieu de ';'\"",
            audit=base_audit(
                heures_2024__csv=("heures_2024.csv", "heures", "partial", 2, 1, 1, "motifs de rejet principaux")
            ),
            rejects=[
                ("heures_2024.csv", 3, None, "ligne non découpée: séparateur ',' au lieu de ';' (séparateurs mélangés)")
            ],
        ),
        _case(
            "T09",
            "unquoted separator inside a value (one field too many)",
            lambda f, m, i: (
                write_base(f, i, skip=("marches",)),
                write(
                    f / "marches.csv",
                    csv_text(FIELDS["marches"], base_rows(i)["marches"]).replace(" - lot 1", "; lot 1"),
                ),
            ),
            "the line rejected ('ligne de 12 champs pour 11 colonnes'); its employment contracts get 'marché inconnu'",
            audit=base_audit(
                marches__csv=("marches.csv", "marches", "rejected", 1, 0, 1, "motifs de rejet principaux")
            ),
            rejects=[
                (
                    "marches.csv",
                    2,
                    None,
                    "ligne de 12 champs pour 11 colonnes: séparateur ';' dans une valeur "
                    "non protégée par des guillemets",
                )
            ],
            issues=unknown_marche(),
        ),
        _case(
            "T10",
            "a quote opened and never closed",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2024.csv", HOURS_HEADER + 'C2;07/2023;88\nC2;08/2023;"75\nC2;09/2023;80\n'),
            ),
            "partial: the line before loaded, 'fichier illisible après la ligne 2 (unexpected end of data)'",
            audit=base_audit(
                heures_2024__csv=(
                    "heures_2024.csv",
                    "heures",
                    "partial",
                    1,
                    1,
                    0,
                    "fichier illisible après la ligne 2 (unexpected end of data)",
                )
            ),
        ),
        _case(
            "T11",
            "a 200,000-character field (over the CSV field limit)",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2024.csv", HOURS_HEADER + "C2;07/2023;88\nC2;08/2023;" + "7" * 200_000 + "\n"),
            ),
            "partial: the line before loaded, 'champ de plus de 131072 caractères' (the run goes on)",
            audit=base_audit(
                heures_2024__csv=(
                    "heures_2024.csv",
                    "heures",
                    "partial",
                    1,
                    1,
                    0,
                    "fichier illisible après la ligne 2 (field larger than field limit",
                )
            ),
        ),
        _case(
            "T12",
            "objet of 100,000 characters (quoted, under the limit)",
            lambda f, m, i: write_base(
                f, i, marches=_set(base_rows(i)["marches"], 0, objet="Travaux " * 12_499 + "Travaux.")
            ),
            "loaded whole",
            check="select length(objet) = 100000 from raw_suivi_clauses.marches where source_name = '{source}'",
        ),
        # ------------------------------------------------------------------ spreadsheets
        _case(
            "T13",
            "XLSX with a merged title row above the header and a merged cell over two data rows",
            _xlsx_title_merged,
            "header found on row 3; row 4 loaded; row 5 (its id merged away) rejected 'valeur obligatoire absente'",
            audit=base_audit(
                sorties__csv=None,
                sorties__xlsx=("sorties.xlsx", "sorties", "partial", 2, 1, 1, "motifs de rejet principaux"),
            ),
            rejects=[("sorties.xlsx", 5, "id_participant", "valeur obligatoire absente")],
        ),
        _case(
            "T14",
            "XLSX cut in half (interrupted copy)",
            lambda f, m, i: (
                write_base(f, i),
                write(
                    f / "heures_2024.xlsx",
                    (data := xlsx(io.BytesIO(), {"Heures": [FIELDS["heures"]]}).getvalue())[: len(data) // 2],
                ),
            ),
            "failed: 'classeur XLSX illisible'",
            audit=base_audit(
                heures_2024__xlsx=("heures_2024.xlsx", "heures", "failed", 0, 0, 0, "classeur XLSX illisible")
            ),
        ),
        _case(
            "T15",
            "workbook of two sheets, one lacking a required column (mapping with sheets)",
            _xlsx_one_bad_sheet,
            "the good sheet loaded, the other failed naming the column and its header; a rerun loads neither again",
            audit=base_audit(operations__csv=None, marches__csv=None)
            + [
                (
                    "T15_suivi_clauses.xlsx",
                    "marches",
                    "failed",
                    0,
                    0,
                    0,
                    "colonnes obligatoires absentes de la table marches: base_juridique (en-tête 'article')",
                ),
                ("T15_suivi_clauses.xlsx", "operations", "loaded", 1, 1, 0, None),
            ],
            issues=unknown_marche(),
        ),
        _case(
            "T16",
            "CSV without a required column (heures)",
            lambda f, m, i: (write_base(f, i), write(f / "heures_2024.csv", "id_contrat;mois\nC2;07/2023\n")),
            "failed: 'colonnes obligatoires absentes de la table heures: heures'",
            audit=base_audit(
                heures_2024__csv=(
                    "heures_2024.csv",
                    "heures",
                    "failed",
                    0,
                    0,
                    0,
                    "colonnes obligatoires absentes de la table heures: heures;",
                )
            ),
        ),
        _case(
            "T17",
            "unknown extra column",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2024.csv", "id_contrat;mois;heures;Commentaire\nC2;07/2023;88;congés\n"),
            ),
            "loaded; audit note 'colonnes inconnues ignorées: Commentaire'",
            audit=base_audit(
                heures_2024__csv=(
                    "heures_2024.csv",
                    "heures",
                    "loaded",
                    1,
                    1,
                    0,
                    "colonnes inconnues ignorées: Commentaire",
                )
            ),
        ),
        _case(
            "T18",
            "file whose name says no table, no mapping",
            lambda f, m, i: (write_base(f, i), write(f / "export_2024.csv", HOURS_HEADER + "C2;07/2023;88\n")),
            "failed: 'impossible de savoir quelle table du format d'échange contient export_2024.csv'",
            audit=base_audit(
                export_2024__csv=(
                    "export_2024.csv",
                    None,
                    "failed",
                    0,
                    0,
                    0,
                    "impossible de savoir quelle table du format d'échange contient export_2024.csv",
                )
            ),
        ),
        _case(
            "T19",
            "mapping file that is not valid YAML",
            lambda f, m, i: (
                write(m / f"{f.name}.yaml", "source: T19\ntables: [heures: {\n"),
                write(f / "heures_2023.csv", HOURS_HEADER + "C1;04/2023;120\n"),
            ),
            "failed: 'mapping inutilisable, fichier non lu: … YAML invalide'",
            audit=[("heures_2023.csv", None, "failed", 0, 0, 0, "mapping inutilisable, fichier non lu")],
        ),
        _case(
            "T20",
            "mapping that maps a header to a field the table does not have",
            lambda f, m, i: (
                write(
                    m / f"{f.name}.yaml",
                    yaml.safe_dump(
                        {
                            "source": f.name,
                            "tables": {
                                "heures": {"files": ["heures*"], "columns": {"Heures réalisées": "heures_realisees"}}
                            },
                        }
                    ),
                ),
                write(f / "heures_2023.csv", HOURS_HEADER + "C1;04/2023;120\n"),
            ),
            "failed: \"va vers 'heures_realisees', qui n'est pas un champ de heures\"",
            audit=[
                (
                    "heures_2023.csv",
                    None,
                    "failed",
                    0,
                    0,
                    0,
                    "va vers 'heures_realisees', qui n'est pas un champ de heures",
                )
            ],
        ),
        _case(
            "T21",
            "export dropped at the root of the inbox, outside any source folder",
            lambda f, m, i: write(
                f.parent / "T21_participants.csv", csv_text(FIELDS["participants"], base_rows(i)["participants"])
            ),
            "failed: 'les exports se déposent dans un dossier par source'",
            audit=[
                (
                    "../T21_participants.csv",
                    None,
                    "failed",
                    0,
                    0,
                    0,
                    "les exports se déposent dans un dossier par source",
                )
            ],
        ),
        _case(
            "T22",
            "old Excel format (.xls)",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2024.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
            ),
            "failed: 'format .xls non pris en charge: enregistrez le fichier en .xlsx ou .csv'",
            audit=base_audit(
                heures_2024__xls=("heures_2024.xls", None, "failed", 0, 0, 0, "format .xls non pris en charge")
            ),
        ),
        # ------------------------------------------------------------------ the same rows more than once
        _case(
            "T23",
            "the same file copied under another name",
            lambda f, m, i: (
                write_base(f, i),
                write(f / "heures_2023_copie.csv", (f / "heures_2023.csv").read_bytes()),
            ),
            "copy not read: 'duplicate_content', 'même contenu que …heures_2023.csv, déjà chargé'",
            audit=base_audit(
                heures_2023_copie__csv=(
                    "heures_2023_copie.csv",
                    None,
                    "duplicate_content",
                    0,
                    0,
                    0,
                    "heures_2023.csv, déjà chargé: fichier ignoré",
                )
            ),
        ),
        _case(
            "T24",
            "hours of a month sent again in a correction file",
            lambda f, m, i: (write_base(f, i), write(f / "heures_2023_rectif.csv", HOURS_HEADER + "C1;06/2023;150\n")),
            "both loaded; the corrected month counted once; issue 'doublon contrat × mois: la ligne 2 de "
            "…rectif.csv la remplace'",
            audit=base_audit(heures_2023_rectif__csv=("heures_2023_rectif.csv", "heures", "loaded", 1, 1, 0, None)),
            issues=[
                (
                    "heures",
                    "heures_2023.csv",
                    4,
                    "doublon contrat × mois: la ligne 2 de {dir}/heures_2023_rectif.csv la remplace",
                )
            ],
            check="select round(sum(hours), 2) = 696.67 from marts.fct_insertion_hours h "
            "join marts.fct_employment_contracts c using (employment_contract_key) where c.source_name = '{source}'",
        ),
        _case(
            "T25",
            "participants, an employment contract and the marché exported again in 2024 files",
            _reexport,
            "all loaded; one row per key kept (the latest file), the others reported as 'doublon'",
            audit=base_audit(
                participants_2024__csv=("participants_2024.csv", "participants", "loaded", 2, 2, 0, None),
                contrats_travail_2024__csv=("contrats_travail_2024.csv", "contrats_travail", "loaded", 2, 2, 0, None),
                marches_2024__csv=("marches_2024.csv", "marches", "loaded", 1, 1, 0, None),
            ),
            issues=[
                (
                    "contrats_travail",
                    "contrats_travail.csv",
                    2,
                    "doublon: la ligne 2 de {dir}/contrats_travail_2024.csv la remplace",
                ),
                (
                    "contrats_travail",
                    "contrats_travail.csv",
                    3,
                    "doublon: la ligne 3 de {dir}/contrats_travail_2024.csv la remplace",
                ),
                ("marches", "marches.csv", 2, "doublon: la ligne 2 de {dir}/marches_2024.csv la remplace"),
                (
                    "participants",
                    "participants.csv",
                    2,
                    "doublon: la ligne 2 de {dir}/participants_2024.csv la remplace",
                ),
                (
                    "participants",
                    "participants.csv",
                    3,
                    "doublon: la ligne 3 de {dir}/participants_2024.csv la remplace",
                ),
            ],
            check="select hours_planned = 1500 from marts.fct_tracked_contracts where source_name = '{source}'",
        ),
        _case(
            "T26",
            "the same marché in CSV and in an XLSX export",
            _same_contract_two_formats,
            "both loaded; one tracked contract; the CSV row reported as 'doublon'",
            audit=base_audit(marches_2024__xlsx=("marches_2024.xlsx", "marches", "loaded", 1, 1, 0, None)),
            issues=[("marches", "marches.csv", 2, "doublon: la ligne 2 de {dir}/marches_2024.xlsx la remplace")],
            check="select count(*) = 1 from marts.fct_tracked_contracts where source_name = '{source}'",
        ),
        # ------------------------------------------------------------------ values
        _case(
            "T27",
            "SIRETs: 13 digits, with spaces, with a wrong check digit",
            lambda f, m, i: write_base(
                f,
                i,
                entreprises=[
                    *base_rows(i)["entreprises"],
                    {"id_marche": "M1", "siret": "4808083770004", "role": "cotraitant"},
                    {"id_marche": "M1", "siret": "382 387 546 00023", "role": "cotraitant"},
                    {"id_marche": "M1", "siret": "48080837700043", "role": "cotraitant"},
                ],
            ),
            "13 digits rejected ('format invalide'); spaces removed; a wrong check digit loaded, reported with "
            "file, line and column, and flagged dim_company.is_siret_valid = false",
            audit=base_audit(
                entreprises__csv=("entreprises.csv", "entreprises", "partial", 5, 4, 1, "motifs de rejet principaux")
            ),
            rejects=[("entreprises.csv", 4, "siret", "format invalide (attendu [0-9]{14})")],
            check="select list(siret order by line_number) = ['48080837700042', '38238754600023', '38238754600023', "
            "'48080837700043'] and (select not is_siret_valid from marts.dim_company where company_id = "
            "'48080837700043') from raw_suivi_clauses.entreprises where source_name = '{source}'",
            issues=[
                (
                    "entreprises",
                    "entreprises.csv",
                    6,
                    "siret : SIRET invalide (clé de contrôle): ligne gardée, à vérifier (« 48080837700043 »)",
                )
            ],
        ),
        _case(
            "T28",
            "montant_ht negative, 0 and 999 999 999",
            lambda f, m, i: write_base(
                f,
                i,
                marches=[
                    *base_rows(i)["marches"],
                    *(
                        dict(base_rows(i)["marches"][0], id_marche=mid, montant_ht=amount)
                        for mid, amount in (("M2", "-1000"), ("M3", "0"), ("M4", "999 999 999"))
                    ),
                ],
            ),
            "negative rejected ('inférieure au minimum 0'); 0 and 999 999 999 loaded as published",
            audit=base_audit(marches__csv=("marches.csv", "marches", "partial", 4, 3, 1, "motifs de rejet principaux")),
            rejects=[("marches.csv", 3, "montant_ht", "valeur inférieure au minimum 0")],
            check="select list(amount_eur order by source_contract_id) = [1250000, 0, 999999999] "
            "from marts.fct_tracked_contracts where source_name = '{source}'",
        ),
        _case(
            "T29",
            "employment contract starting 31/12/1899 (spreadsheet zero date)",
            lambda f, m, i: write_base(
                f, i, contrats_travail=_set(base_rows(i)["contrats_travail"], 0, date_debut="31/12/1899")
            ),
            "rejected 'date hors de 1900-2100'; its hours get 'contrat C1 inconnu de la source'",
            audit=base_audit(
                contrats_travail__csv=(
                    "contrats_travail.csv",
                    "contrats_travail",
                    "partial",
                    2,
                    1,
                    1,
                    "motifs de rejet principaux",
                )
            ),
            rejects=[("contrats_travail.csv", 2, "date_debut", "date hors de 1900-2100")],
            issues=hours_of("C1", (2, 3, 4)),
        ),
        _case(
            "T30",
            "dates in the future: hours of 01/2099, an entry and an exit in 2099",
            lambda f, m, i: (
                write_base(
                    f,
                    i,
                    participants=[
                        *base_rows(i)["participants"],
                        dict(base_rows(i)["participants"][0], id_participant="P3", date_entree="04/01/2099"),
                    ],
                    sorties=[
                        *base_rows(i)["sorties"],
                        {"id_participant": "P2", "date_sortie": "30/06/2099", "situation_sortie": "CDI"},
                    ],
                ),
                write(f / "heures_2024.csv", HOURS_HEADER + "C2;01/2099;35\n"),
            ),
            "the three rows rejected ('mois dans le futur', \"date d'entrée dans le futur\", "
            "'date de sortie dans le futur')",
            audit=base_audit(
                participants__csv=(
                    "participants.csv",
                    "participants",
                    "partial",
                    3,
                    2,
                    1,
                    "motifs de rejet principaux",
                ),
                sorties__csv=("sorties.csv", "sorties", "partial", 2, 1, 1, "motifs de rejet principaux"),
                heures_2024__csv=("heures_2024.csv", "heures", "rejected", 1, 0, 1, "motifs de rejet principaux"),
            ),
            rejects=[
                ("heures_2024.csv", 2, "mois", "mois dans le futur: heures pas encore réalisées"),
                ("participants.csv", 4, "date_entree", "date d'entrée dans le futur"),
                ("sorties.csv", 3, "date_sortie", "date de sortie dans le futur"),
            ],
        ),
        _case(
            "T31",
            "dd/mm vs mm/dd: 12/31/2023 (only mm/dd) and 04/10/2023 (meant 10 April, mm/dd)",
            lambda f, m, i: write_base(
                f,
                i,
                contrats_travail=_set(
                    _set(base_rows(i)["contrats_travail"], 0, date_fin="12/31/2023"), 1, date_debut="04/10/2023"
                ),
            ),
            "12/31/2023 rejected ('date au format américain MM/JJ/AAAA ?'); 04/10/2023 read as the exchange format "
            "says (4 October), so the April–June hours come out 'hors des dates du contrat'",
            audit=base_audit(
                contrats_travail__csv=(
                    "contrats_travail.csv",
                    "contrats_travail",
                    "partial",
                    2,
                    1,
                    1,
                    "motifs de rejet principaux",
                )
            ),
            rejects=[
                (
                    "contrats_travail.csv",
                    2,
                    "date_fin",
                    "date illisible (attendu JJ/MM/AAAA): date au format américain MM/JJ/AAAA ?",
                )
            ],
            issues=hours_of("C1", (2, 3, 4))
            + [
                ("heures", "heures_2023.csv", line, f"heures déclarées hors des dates du contrat ({month}/2023)")
                for line, month in ((5, "04"), (6, "05"), (7, "06"))
            ],
        ),
        _case(
            "T32",
            "hours over 300 in a month, negative, unreadable, with a thousands separator",
            lambda f, m, i: (
                write_base(f, i),
                write(
                    f / "heures_2024.csv",
                    HOURS_HEADER
                    + "C2;07/2023;320\nC2;08/2023;-5\nC2;09/2023;cent\nC2;10/2023;1 234,5\nC2;11/2023;35\n",
                ),
            ),
            "four rows rejected with the bound or the reason; the last one loaded",
            audit=base_audit(
                heures_2024__csv=("heures_2024.csv", "heures", "partial", 5, 1, 4, "motifs de rejet principaux")
            ),
            rejects=[
                ("heures_2024.csv", 2, "heures", "valeur supérieure au maximum 300"),
                ("heures_2024.csv", 3, "heures", "valeur inférieure au minimum 0"),
                ("heures_2024.csv", 4, "heures", "nombre d'heures illisible (attendu 151,5 ou 151h30)"),
                ("heures_2024.csv", 5, "heures", "valeur supérieure au maximum 300"),
            ],
        ),
        _case(
            "T33",
            "participant born after the contract; participant aged 12 at entry",
            lambda f, m, i: write_base(
                f,
                i,
                participants=[
                    dict(base_rows(i)["participants"][0]),
                    dict(base_rows(i)["participants"][1], date_naissance="02/11/2024"),
                    dict(base_rows(i)["participants"][1], id_participant="P3", date_naissance="01/01/2011"),
                ],
            ),
            "both rejected (birth date never shown); P2's employment contract gets 'participant inconnu de la source'",
            audit=base_audit(
                participants__csv=("participants.csv", "participants", "partial", 3, 1, 2, "motifs de rejet principaux")
            ),
            rejects=[
                ("participants.csv", 3, "date_naissance", "date de naissance postérieure à la date d'entrée"),
                ("participants.csv", 4, "date_naissance", "âge à l'entrée invraisemblable (12 ans)"),
            ],
            issues=[("contrats_travail", "contrats_travail.csv", 3, "participant inconnu de la source")],
        ),
        _case(
            "T34",
            "unknown nomenclature codes: contract type CDX, public MARTIEN, legal basis L9999",
            lambda f, m, i: write_base(
                f,
                i,
                contrats_travail=_set(base_rows(i)["contrats_travail"], 1, type_contrat="CDX"),
                participants=_set(base_rows(i)["participants"], 0, publics="DELD|MARTIEN"),
                marches=[
                    *base_rows(i)["marches"],
                    dict(base_rows(i)["marches"][0], id_marche="M2", base_juridique="L9999"),
                ],
            ),
            "the three rows loaded with the field left empty; each unknown label is an issue naming column and label",
            audit=base_audit(marches__csv=("marches.csv", "marches", "loaded", 2, 2, 0, None)),
            check=(
                "select (select count(*) from audit.tracking_unmapped_labels where source_name = '{source}') = 3 "
                "and (select type_contrat is null from raw_suivi_clauses.contrats_travail "
                "where source_name = '{source}' and line_number = 3) "
                "and (select publics = 'DELD' from raw_suivi_clauses.participants "
                "where source_name = '{source}' and line_number = 2)"
            ),
            issues=[
                (
                    "contrats_travail",
                    "contrats_travail.csv",
                    3,
                    "type_contrat : libellé inconnu: à ajouter au mapping (values) (« CDX »)",
                ),
                (
                    "marches",
                    "marches.csv",
                    3,
                    "base_juridique : libellé inconnu: à ajouter au mapping (values) (« L9999 »)",
                ),
                (
                    "participants",
                    "participants.csv",
                    2,
                    "publics : libellé inconnu: à ajouter au mapping (values) (« MARTIEN »)",
                ),
            ],
        ),
        _case(
            "T35",
            "hours of a contract the source never sent",
            lambda f, m, i: (write_base(f, i), write(f / "heures_2024.csv", HOURS_HEADER + "C9;07/2023;35\n")),
            "loaded; issue 'contrat C9 inconnu de la source: heures non attribuées'",
            audit=base_audit(heures_2024__csv=("heures_2024.csv", "heures", "loaded", 1, 1, 0, None)),
            issues=hours_of("C9", (2,), "heures_2024.csv"),
        ),
        _case(
            "T36",
            "employment contract ending before it starts",
            lambda f, m, i: write_base(
                f, i, contrats_travail=_set(base_rows(i)["contrats_travail"], 0, date_fin="31/01/2023")
            ),
            "rejected 'date de fin antérieure à la date de début'; its hours get 'contrat C1 inconnu'",
            audit=base_audit(
                contrats_travail__csv=(
                    "contrats_travail.csv",
                    "contrats_travail",
                    "partial",
                    2,
                    1,
                    1,
                    "motifs de rejet principaux",
                )
            ),
            rejects=[("contrats_travail.csv", 2, "date_fin", "date de fin antérieure à la date de début")],
            issues=hours_of("C1", (2, 3, 4)),
        ),
        _case(
            "T37",
            "XLSX hours with a date-typed month cell and a #DIV/0! cell",
            _heures_xlsx,
            "the date cell read as its month; '#DIV/0!' rejected 'nombre illisible'",
            audit=base_audit(
                heures_2024__xlsx=("heures_2024.xlsx", "heures", "partial", 2, 1, 1, "motifs de rejet principaux")
            ),
            rejects=[("heures_2024.xlsx", 3, "heures", "nombre d'heures illisible (attendu 151,5 ou 151h30)")],
        ),
    ]
)
