"""The mapping assistant on exports no existing source looks like: the draft matches the headers and proposes the
codes (checked here against the seeds and La Poste's base, not against the assistant), a person completes only the
"?" lines, and the real load then keeps every valid person, records the unknown label as an issue, and stores no
personal value anywhere in the warehouse."""

from __future__ import annotations

import csv
import json
import os
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from openpyxl import Workbook

from dlt_sources.suivi_clauses.mapping import load_mapping
from observatoire.mappings import main
from observatoire.settings import DBT_PROJECT_DIR, DEMO_DATA_DIR

pytestmark = pytest.mark.xdist_group("dlt_tracking")

SEEDS = DBT_PROJECT_DIR / "seeds" / "clauses"
POSTAL = DEMO_DATA_DIR / "ref" / "postal" / "laposte_hexasmal_2022.csv"
KEY = "test-key-draft-0123456789abcdef"
EMPLOYER = "38238754600023"  # ASSOC EMMAUS ALTERNATIVES (valid SIRET)
UNKNOWN_PRESCRIBER = "Association Les Relais du Val"


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def code_of(nomenclature: str, libelle: str) -> str:
    """The code of the seed row whose label is ``libelle`` (exactly)."""
    [code] = [row["code"] for row in seed(nomenclature) if row["libelle"] == libelle]
    return code


def postal_communes(postal_code: str) -> set[str]:
    with POSTAL.open(encoding="utf-8", newline="") as handle:
        return {
            row["Code_commune_INSEE"]
            for row in csv.DictReader(handle, delimiter=";")
            if row["Code_postal"] == postal_code
        }


# -------------------------------------------------------------------------------- export 1: CSV, Windows-1252, ';'

CSV_HEADER = [
    "N° bénéficiaire", "Nom", "Prénom", "Civilité", "Né(e) le", "Code INSEE", "Niveau d'études", "Situation(s)",
    "Orienté par", "Date d'entrée", "Mail", "Tél.",
]  # fmt: skip
#: (id, last name, first name, civilité, birth date as written, commune, level, situations, prescriber, entry)
CSV_PEOPLE = [
    ("E-101", "Karamanlis", "Zéphyrine", "Mme", "14/03/1987", "91228", "Niveau V", "BRSA+DELD", "France Travail"),
    ("E-102", "Oyelaran", "Baptistin", "M.", "02/11/2001", "91228", "Bac+2", "DELD", "Mission Locale"),
    ("E-103", "Vandermeersch", "Ophélie", "Mme", "23/07/1979", "91174", "Niveau V", "Travailleur handicapé",
     "Service social départemental"),
    ("E-104", "Tchakaloff", "Anatole", "M.", "30/09/1995", "91228", "Sans diplôme", "Jeune -26 ans+DELD",
     UNKNOWN_PRESCRIBER),
    ("E-105", "Quistrebert", "Maëlys", "Mme", "08/05/1968", "91174", "Niveau IV", "BRSA", "France Travail"),
    ("E-106", "Abderrahmane", "Sidonie", "Mme", "31/02/1990", "91228", "Bac+2", "DELD", "Mission Locale"),
]  # fmt: skip
UNREADABLE_BIRTH = "E-106"  # 31 February: the line is rejected
CSV_CONTRACTS_HEADER = [
    "N° contrat", "N° bénéficiaire", "N° marché", "SIRET employeur", "Type de contrat", "Modalité", "Date début",
    "Date fin",
]  # fmt: skip
CSV_CONTRACTS = [
    ("K-1", "E-101", "M-2024-07", EMPLOYER, "CDD d'insertion", "Embauche directe", "03/06/2024", "30/11/2024"),
    ("K-2", "E-102", "M-2024-07", EMPLOYER, "Intérim d'insertion", "Mise à dispo ETTI", "10/06/2024", ""),
    ("K-3", "E-999", "M-2024-07", EMPLOYER, "CDI", "Embauche directe", "01/07/2024", ""),  # orphan: no such person
]


def person_row(person: tuple) -> list[str]:
    pid, last, first, civ, birth, commune, level, situations, prescriber = person
    mail = f"{first.lower()}.{last.lower()}@exemple.fr"
    return [pid, last.upper(), first, civ, birth, commune, level, situations, prescriber, "02/04/2024", mail,
            "06 12 34 56 78"]  # fmt: skip


def write_csv_export(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, header, rows in [
        ("Extraction_Beneficiaires_2024.csv", CSV_HEADER, [person_row(p) for p in CSV_PEOPLE]),
        ("Extraction_Contrats_2024.csv", CSV_CONTRACTS_HEADER, [list(c) for c in CSV_CONTRACTS]),
    ]:
        text = "\r\n".join(";".join(cells) for cells in [header, *rows]) + "\r\n"
        (folder / name).write_bytes(text.encode("cp1252"))


# ---------------------------------------------------------------------------- export 2: XLSX, one sheet per table

XLSX_PEOPLE = [
    # id, last, first, genre, birth, postal code, town, QPV, public, prescriber
    ("B01", "Lefebvre-Nguyen", "Timothée", "F", date(1990, 6, 12), "93100", "Montreuil", "O", "DELD", "Cap emploi"),
    ("B02", "Marchetti", "Ysaline", "H", date(1984, 10, 3), "94000", "Créteil", "N", "QPV", "PLIE"),
    ("B03", "Bouzidi", "Aurèle", "F", date(2003, 2, 27), "75011", "Paris", "O", "Jeune de moins de 26 ans", "PLIE"),
]
MONTHS = ["janv. 2024", "févr. 2024", "mars 2024"]
HOURS = {"CT-1": ["151h40", 35, "12:30"], "CT-2": [70, "", "20h"], "CT-3": ["", 151.67, "151h40"]}


def write_xlsx_export(folder: Path) -> Path:
    folder.mkdir(parents=True)
    book = Workbook()
    people = book.active
    people.title = "Bénéficiaires"
    people.append(["Suivi des bénéficiaires de la clause sociale"])  # a title above the headers
    people.append(["Réf. bénéficiaire", "Nom de naissance", "Prénom", "Genre", "Date de naissance", "CP", "Ville",
                   "QPV (O/N)", "Public", "Prescripteur", "Entrée", "Référent"])  # fmt: skip
    for person in XLSX_PEOPLE:
        people.append([*person, date(2024, 1, 8), "Mme Duval"])
    contracts = book.create_sheet("Contrats")
    contracts.append(["N° contrat", "Réf. bénéficiaire", "N° marché", "SIRET employeur", "Contrat", "Modalité",
                      "Début", "Fin"])  # fmt: skip
    for contract, (pid, *_) in zip(HOURS, XLSX_PEOPLE, strict=True):
        contracts.append([contract, pid, "LOT-3", EMPLOYER, "CDI", "Embauche directe", date(2024, 1, 8), None])
    hours = book.create_sheet("Heures")
    hours.append(["N° contrat", *MONTHS, "Total"])
    for contract, cells in HOURS.items():
        hours.append([contract, *[c if c != "" else None for c in cells], "à calculer"])
    path = folder / "suivi_clause_2024.xlsx"
    book.save(path)
    return path


# ------------------------------------------------------------------------------------------------------ helpers


def load(inbox: Path, mappings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real dlt source on ``inbox`` into a fresh warehouse under ``tmp_path``."""
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", KEY)
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.suivi_clauses import suivi_clauses_source

    warehouse_pipeline("suivi_clauses").run(suivi_clauses_source(inbox=str(inbox), mappings_dir=str(mappings)))
    return tmp_path / "warehouse.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def as_word(value: str) -> re.Pattern:
    """``value`` as a whole word, case-insensitive: a short identifier such as "B02" is found in a sentence or a
    cell of its own, not by chance inside a hexadecimal digest."""
    return re.compile(rf"(?<![0-9a-z]){re.escape(value)}(?![0-9a-z])", re.IGNORECASE)


def personal_values_stored(warehouse: Path, values: set[str]) -> list[tuple[str, str]]:
    """(schema.table.column, value) of every personal value found in any text column of any table."""
    found = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' order by all"
        ).fetchall()
        for schema, table, column in columns:
            cells = con.execute(f'select distinct "{column}" from "{schema}"."{table}" where "{column}" is not null')
            for (cell,) in cells.fetchall():
                found += [(f"{schema}.{table}.{column}", v) for v in values if as_word(v).search(cell)]
    return found


def draft(folder: Path, mappings: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> tuple:
    """``python -m observatoire.mappings draft <folder>`` with the mappings folder of the test: (exit code, output,
    draft text)."""
    monkeypatch.setenv("OBSERVATOIRE_MAPPINGS_DIR", str(mappings))
    code = main(["draft", str(folder)])
    output = capsys.readouterr()
    return code, output.out + output.err, (mappings / f"{folder.name}.yaml").read_text(encoding="utf-8")


def complete(text: str, label: str, code: str) -> str:
    """The draft with the "?" of ``label`` replaced by ``code``, as a person edits it (the comment is kept)."""
    line = re.compile(rf'^(\s+{re.escape(yaml_quoted(label))}: )"\?"', re.MULTILINE)
    assert line.search(text), f"no '?' line for {label!r}"
    return line.sub(lambda m: m.group(1) + code, text)


def yaml_quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def csv_lines(path: Path) -> list[list[str]]:
    with path.open(encoding="cp1252", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))[1:]


def readable_date(text: str) -> bool:
    try:
        date(*reversed([int(part) for part in text.split("/")]))
    except ValueError:
        return False
    return True


# -------------------------------------------------------------------------------------------------------- tests


def test_the_draft_of_a_csv_export_matches_headers_and_proposes_the_seed_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    folder = tmp_path / "inbox" / "coord_essonne_sud"
    write_csv_export(folder)
    mappings = tmp_path / "mappings"
    code, output, text = draft(folder, mappings, monkeypatch, capsys)
    assert code == 1, output  # "?" left to complete
    spec = yaml.safe_load(text)
    people, contracts = spec["tables"]["participants"], spec["tables"]["contrats_travail"]
    assert people["files"] == ["Extraction_Beneficiaires_*.csv"]
    assert contracts["files"] == ["Extraction_Contrats_*.csv"]
    assert people["columns"] == {
        "N° bénéficiaire": "id_participant", "Nom": "nom", "Prénom": "prenom", "Civilité": "sexe",
        "Né(e) le": "date_naissance", "Code INSEE": "commune_residence", "Niveau d'études": "niveau_formation",
        "Situation(s)": "publics", "Orienté par": "prescripteur", "Date d'entrée": "date_entree",
        "Mail": "courriel", "Tél.": "telephone",
    }  # fmt: skip
    assert contracts["columns"] == dict(
        zip(CSV_CONTRACTS_HEADER, ["id_contrat", "id_participant", "id_marche", "employeur_siret", "type_contrat",
                                   "modalite", "date_debut", "date_fin"], strict=True)
    )  # fmt: skip
    assert re.search(r'"Civilité": sexe\s+# 1\.00', text)  # the score is written

    values = people["values"]
    levels = {row["nomenclature_1969"]: row["code"] for row in seed("clauses_niveaux_formation")}
    without_diploma = [row["code"] for row in seed("clauses_niveaux_formation") if "(sans diplôme)" in row["libelle"]]
    assert {k: str(v) for k, v in values["niveau_formation"].items()} == {
        "Niveau V": levels["V"],
        "Niveau IV": levels["IV"],
        "Sans diplôme": without_diploma[0],
    }
    assert values["publics"] == {
        "BRSA": "?",  # too far from "Bénéficiaire du RSA" to be guessed
        "Travailleur handicapé": code_of("clauses_publics", "Travailleur handicapé (RQTH)"),
        "Jeune -26 ans": code_of("clauses_publics", "Jeune de moins de 26 ans"),
    }
    assert people["separators"] == {"publics": "+"}
    assert values["prescripteur"] == {
        UNKNOWN_PRESCRIBER: "?",
        "Service social départemental": code_of("clauses_prescripteurs", "Service social du conseil départemental"),
    }
    assert values["sexe"] is None  # "Mme" and "M." are known: comments only
    # labels the loader knows are listed with their code and count, as comments
    for label, code_, count in [
        ("Mme", "F", 4),
        ("M.", "M", 2),
        ("Bac+2", code_of("clauses_niveaux_formation", "Bac+2"), 2),
        ("France Travail", code_of("clauses_prescripteurs", "France Travail"), 2),
        ("Mission Locale", code_of("clauses_prescripteurs", "Mission locale"), 2),
        ("DELD", "DELD", 4),
    ]:
        assert re.search(rf"# {re.escape(yaml_quoted(label))} → {code_} \(reconnu, {count} lignes?\)", text), label
    assert contracts["values"]["type_contrat"] == {
        "CDD d'insertion": code_of("clauses_types_contrats", "CDD d'insertion (ACI / EI)"),
        "Intérim d'insertion": code_of("clauses_types_contrats", "Contrat de mission d'intérim d'insertion (ETTI)"),
    }
    # the intermediary structure named in the label: the one modality whose structure it is
    mad_etti = code_of("clauses_modalites", "Mise à disposition par une entreprise de travail temporaire d'insertion")
    assert contracts["values"]["modalite"] == {"Mise à dispo ETTI": mad_etti}
    # counts of the labels, from the file
    assert re.search(r'"Niveau V": 3\s+# 2 lignes', text)
    # the draft loads as written, "?" included
    load_mapping("coord_essonne_sud", mappings)
    # no personal value was read or written: the headers of personal fields only
    for person in CSV_PEOPLE:
        for value in (person[1], person[2], person[4], f"{person[2].lower()}.{person[1].lower()}"):
            assert value.lower() not in text.lower(), value
    assert "06 12 34 56 78" not in text and "@" not in text
    # an existing mapping is not replaced: the next draft goes beside it
    code = main(["draft", str(folder)])
    assert "coord_essonne_sud.draft.yaml" in capsys.readouterr().out
    assert (mappings / "coord_essonne_sud.yaml").read_text(encoding="utf-8") == text
    assert (mappings / "coord_essonne_sud.draft.yaml").exists()


def test_the_completed_draft_loads_every_valid_person_and_keeps_the_unknown_label_as_an_issue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "coord_essonne_sud"
    write_csv_export(folder)
    mappings = tmp_path / "mappings"
    _, _, text = draft(folder, mappings, monkeypatch, capsys)
    # a person completes the "?" lines but one (the prescriber nobody knows)
    text = complete(text, "BRSA", code_of("clauses_publics", "Bénéficiaire du RSA"))
    assert re.findall(r'^\s+(".*"): "\?"', text, re.MULTILINE) == [yaml_quoted(UNKNOWN_PRESCRIBER)]
    mapping = mappings / "coord_essonne_sud.yaml"
    mapping.write_text(text, encoding="utf-8")

    # check: the rejected line and the unknown label are reported, no personal value is printed
    code = main(["check", str(folder), "--mapping", str(mapping)])
    output = capsys.readouterr()
    report = output.out + output.err
    assert code == 1, report
    assert UNKNOWN_PRESCRIBER in report and "'BRSA'" not in report and "ETTI'" not in report
    assert re.search(r"participants\.date_naissance : date illisible.* — 1 ligne", report), report
    assert "partiel" in report and "5 chargées" in report
    personal = {v for p in CSV_PEOPLE for v in (p[1], p[2], p[4])} | {"@exemple.fr", "06 12 34 56 78"}
    assert [v for v in personal if v.lower() in report.lower()] == []

    # the real load
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    people_file = folder / "Extraction_Beneficiaires_2024.csv"
    lines = csv_lines(people_file)
    valid = [line for line in lines if readable_date(line[CSV_HEADER.index("Né(e) le")])]
    assert len(valid) == len(lines) - 1
    assert query(warehouse, "select count(*) from raw_suivi_clauses.participants") == [(len(valid),)]
    assert query(
        warehouse,
        "select table_name, status, rows_read, rows_loaded, rows_rejected from raw_suivi_clauses.tracking_load_audit "
        "order by table_name",
    ) == [("contrats_travail", "loaded", 3, 3, 0), ("participants", "partial", 6, 5, 1)]
    # the unknown label: an issue on a kept row, not a reject
    assert query(
        warehouse,
        "select table_name, column_name, field_name, published_value from raw_suivi_clauses.tracking_value_issues "
        "where issue_kind = 'libelle_inconnu'",
    ) == [("participants", "Orienté par", "prescripteur", UNKNOWN_PRESCRIBER)]
    rejected_line = 1 + next(i for i, line in enumerate(lines, start=1) if line[0] == UNREADABLE_BIRTH)
    assert query(
        warehouse,
        "select table_name, line_number, column_name, published_value from raw_suivi_clauses.tracking_rejects",
    ) == [("participants", rejected_line, "date_naissance", None)]
    # the codes the completed vocabulary gives, line by line (line = position in the file + 1)
    rows = dict(
        (line, rest)
        for line, *rest in query(
            warehouse,
            "select line_number, sexe, niveau_formation, publics, prescripteur "
            "from raw_suivi_clauses.participants order by 1",
        )
    )
    rsa = code_of("clauses_publics", "Bénéficiaire du RSA")
    assert rows[2] == ["F", int(levels_1969()["V"]), f"{rsa}|DELD", code_of("clauses_prescripteurs", "France Travail")]
    assert rows[5] == ["M", 1, "JEUNE_26|DELD", None]  # the unknown prescriber left empty
    assert rows[6][2] == rsa
    # the orphan contract (a participant id no participant row has) is loaded: the marts flag it, not the loader
    assert query(
        warehouse,
        "select count(*) from raw_suivi_clauses.contrats_travail c where not exists (select 1 from "
        "raw_suivi_clauses.participants p where p.participant_pseudonym = c.participant_pseudonym)",
    ) == [(1,)]
    mad_etti = code_of("clauses_modalites", "Mise à disposition par une entreprise de travail temporaire d'insertion")
    assert query(warehouse, "select modalite from raw_suivi_clauses.contrats_travail where line_number = 3") == [
        (mad_etti,)
    ]
    # no personal value stored anywhere: names, birth dates (as written and ISO), contacts, participant ids
    values = {v for line in lines for v in line[1:3] + [line[4], line[10], line[11]]}
    values |= {"-".join(reversed(line[4].split("/"))) for line in lines}
    values |= {line[0] for line in lines}
    assert personal_values_stored(warehouse, values) == []


def levels_1969() -> dict[str, str]:
    return {row["nomenclature_1969"]: row["code"] for row in seed("clauses_niveaux_formation")}


def test_the_draft_of_a_workbook_finds_postal_code_town_flags_and_month_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "atelier_chantier_93"
    write_xlsx_export(folder)
    mappings = tmp_path / "mappings"
    code, output, text = draft(folder, mappings, monkeypatch, capsys)
    assert code == 1, output  # a header without field ("Référent") is left to a person
    spec = yaml.safe_load(text)
    people, contracts, hours = (spec["tables"][t] for t in ("participants", "contrats_travail", "heures"))
    assert (people["sheet"], contracts["sheet"], hours["sheet"]) == ("Bénéficiaires", "Contrats", "Heures")
    assert people["files"] == contracts["files"] == hours["files"] == ["suivi_clause_*.xlsx"]
    assert people["columns"] == {
        "Réf. bénéficiaire": "id_participant", "Nom de naissance": "nom", "Prénom": "prenom", "Genre": "sexe",
        "Date de naissance": "date_naissance", "CP": "code_postal_residence", "Ville": "commune_residence_libelle",
        "QPV (O/N)": "resident_qpv", "Public": "publics", "Prescripteur": "prescripteur", "Entrée": "date_entree",
    }  # fmt: skip
    assert re.search(r"En-têtes sans champ.*\n\s+#\s+\"Référent\"", text)
    assert hours["columns"] == {"N° contrat": "id_contrat"}
    assert hours["months_as_columns"] == {"format": "%b %Y", "ignore": ["Total"]}
    assert contracts["columns"]["Contrat"] == "type_contrat"
    # every label is known: comments only
    assert all(not fields for fields in people["values"].values())
    assert '# "O" → oui (reconnu, 2 lignes)' in text and '# "H" → M (reconnu, 1 ligne)' in text
    for person in XLSX_PEOPLE:
        for value in (person[1], person[2], person[4].isoformat(), person[5], person[6]):
            assert value.lower() not in text.lower(), value

    # completed as is (nothing to complete), it loads every person with the commune of La Poste's base
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    rows = query(
        warehouse,
        "select line_number, sexe, commune_residence, resident_qpv from raw_suivi_clauses.participants order by 1",
    )
    assert len(rows) == len(XLSX_PEOPLE)
    for (line, sex, commune, qpv), person in zip(rows, XLSX_PEOPLE, strict=True):
        assert line == 3 + XLSX_PEOPLE.index(person)  # the title row and the header row above
        assert sex == {"F": "F", "H": "M"}[person[3]]
        assert {commune} == postal_communes(person[5])
        assert qpv == {"O": "oui", "N": "non"}[person[7]]
    assert query(
        warehouse,
        "select table_name, status, rows_loaded from raw_suivi_clauses.tracking_load_audit "
        "where table_name in ('participants', 'contrats_travail') order by 1",
    ) == [("contrats_travail", "loaded", 3), ("participants", "loaded", 3)]
    values = {v for p in XLSX_PEOPLE for v in (p[1], p[2], p[4].isoformat(), p[4].strftime("%d/%m/%Y"), p[5])}
    values |= {p[0] for p in XLSX_PEOPLE}
    assert personal_values_stored(warehouse, values) == []


def test_the_wide_hours_sheet_of_the_draft_loads_with_hours_and_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "atelier_chantier_93"
    write_xlsx_export(folder)
    mappings = tmp_path / "mappings"
    draft(folder, mappings, monkeypatch, capsys)
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    expected = {
        (contract, month): cell
        for contract, cells in HOURS.items()
        for month, cell in zip(["2024-01-01", "2024-02-01", "2024-03-01"], cells, strict=True)
        if cell != ""
    }
    rows = query(warehouse, "select id_contrat, mois::varchar, heures from raw_suivi_clauses.heures")
    assert {(c, m): h for c, m, h in rows} == pytest.approx({k: parse_hours(v) for k, v in expected.items()})


def parse_hours(cell: object) -> float:
    """151h40 = 151 + 40/60, 12:30 = 12.5, 20h = 20 (written for the test, not the loader's parser)."""
    if isinstance(cell, int | float):
        return float(cell)
    hours, _, minutes = str(cell).replace(":", "h").partition("h")
    return int(hours) + (int(minutes) / 60 if minutes else 0)


def test_exit_codes_when_the_command_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("OBSERVATOIRE_MAPPINGS_DIR", str(tmp_path / "mappings"))
    assert main(["draft", str(tmp_path / "absent")]) == 2
    empty = tmp_path / "inbox" / "vide"
    empty.mkdir(parents=True)
    (empty / "notes.pdf").write_bytes(b"%PDF-1.4")
    assert main(["draft", str(empty)]) == 2  # no readable export
    assert "format .pdf non pris en charge" in capsys.readouterr().err
    folder = tmp_path / "inbox" / "coord_essonne_sud"
    write_csv_export(folder)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("source: coord_essonne_sud\ntables:\n  participants:\n    columns:\n      Nom: inconnu\n", "utf-8")
    assert main(["check", str(folder), "--mapping", str(wrong)]) == 2
    assert "n'est pas un champ de participants" in capsys.readouterr().err
    assert main(["check", str(folder), "--mapping", str(tmp_path / "absent.yaml")]) == 2


def test_the_draft_of_the_demo_exports_finds_the_columns_of_their_committed_mappings(tmp_path: Path) -> None:
    """The demo generator writes exports in the layouts of real tools (ABC Clauses CSV, a workbook with one sheet
    per table); the draft of each finds the columns its mapping, written by hand, declares."""
    import subprocess
    import sys

    from dlt_sources.suivi_clauses.draft_mapping import draft_source
    from dlt_sources.suivi_clauses.vocabulary import label_key
    from observatoire.settings import REPO_ROOT

    subprocess.run(
        [sys.executable, "-m", "demo_generator", "--preset", "demo", "--out", str(tmp_path)],
        cwd=REPO_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    planted = {
        (label["source"], label["table"], label["field"], label_key(label["label"]))
        for label in json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["unknown_labels"]
    }
    compared = 0
    for folder in sorted((tmp_path / "suivi_clauses").iterdir()):
        mapping = REPO_ROOT / "demo_data" / "mappings" / f"{folder.name}.yaml"
        result = draft_source(folder)
        assert result.refused == []
        # a label the draft leaves to a person ("?") is one the tool's committed mapping declares (its own
        # vocabulary) or one the generator planted as unknown
        declared_labels = set()
        if mapping.exists():
            for table_name, spec in yaml.safe_load(mapping.read_text(encoding="utf-8"))["tables"].items():
                for field_name, labels in (spec.get("values") or {}).items():
                    declared_labels |= {(folder.name, table_name, field_name, label_key(label)) for label in labels}
        unresolved = {(folder.name, table, name, label_key(p.label)) for table, name, p in result.unresolved()}
        assert unresolved <= planted | declared_labels, (folder.name, unresolved - planted - declared_labels)
        assert not any(t.unmatched or t.missing_required() for t in result.tables.values()), folder.name
        if not mapping.exists():  # exchange-format headers: every header is its field
            assert all(h.field == h.header for t in result.tables.values() for h in t.headers), folder.name
            continue
        declared = yaml.safe_load(mapping.read_text(encoding="utf-8"))["tables"]
        assert set(result.tables) == set(declared), folder.name
        for name, table in result.tables.items():
            assert {h.header: h.field for h in table.matched} == declared[name]["columns"], (folder.name, name)
            assert table.unmatched == []
            compared += 1
    assert compared >= 10


def test_a_file_without_header_line_is_listed_without_copying_its_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    folder = tmp_path / "inbox" / "coord_essonne_sud"
    write_csv_export(folder)
    rows = [person_row(p) for p in CSV_PEOPLE]
    (folder / "sans_entetes.csv").write_bytes("\r\n".join(";".join(r) for r in rows).encode("cp1252"))
    code, output, text = draft(folder, tmp_path / "mappings", monkeypatch, capsys)
    assert code == 1
    assert "sans_entetes.csv" in text and "sans_entetes.csv" in output
    for person in CSV_PEOPLE:
        for value in (person[1], person[2], person[4]):
            assert value.lower() not in (text + output).lower(), value


def test_a_wide_hours_csv_is_drafted_checked_clean_and_loaded_with_hours_and_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "atelier_heures"
    folder.mkdir(parents=True)
    lines = [["N° contrat", *MONTHS, "Total"]] + [
        [c, *(str(v) for v in cells), "à calculer"] for c, cells in HOURS.items()
    ]
    (folder / "releve_heures_2024.csv").write_bytes("\r\n".join(";".join(r) for r in lines).encode("cp1252"))
    mappings = tmp_path / "mappings"
    code, output, text = draft(folder, mappings, monkeypatch, capsys)
    assert code == 0, output  # nothing left to a person
    spec = yaml.safe_load(text)["tables"]["heures"]
    assert spec["columns"] == {"N° contrat": "id_contrat"}
    assert spec["months_as_columns"] == {"format": "%b %Y", "ignore": ["Total"]}
    assert main(["check", str(folder)]) == 0
    assert "Rien ne serait rejeté ni laissé inconnu." in capsys.readouterr().out
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    rows = query(warehouse, "select id_contrat, mois::varchar, heures from raw_suivi_clauses.heures")
    months = ["2024-01-01", "2024-02-01", "2024-03-01"]
    expected = {
        (contract, month): parse_hours(cell)
        for contract, cells in HOURS.items()
        for month, cell in zip(months, cells, strict=True)
        if cell != ""
    }
    assert {(c, m): h for c, m, h in rows} == pytest.approx(expected)


@pytest.mark.slow
def test_through_dbt_every_valid_person_is_a_beneficiary_and_the_unknown_label_is_listed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The completed draft, an exits file whose every row is rejected, then dbt: one beneficiary per valid person,
    the unknown prescriber once in tracking_unmapped_labels with its row count, the orphan contract an issue."""
    inbox = tmp_path / "inbox"
    folder = inbox / "coord_essonne_sud"
    write_csv_export(folder)
    mappings = tmp_path / "mappings"
    _, _, text = draft(folder, mappings, monkeypatch, capsys)
    text = complete(text, "BRSA", code_of("clauses_publics", "Bénéficiaire du RSA"))
    next_year = date.today().year + 1
    exits = "N° bénéficiaire;Date de sortie;Situation à la sortie\r\n" + "".join(
        f"{pid};01/01/{next_year};CDI\r\n" for pid, *_ in CSV_PEOPLE[:3]
    )  # exits in the future: every row rejected
    (folder / "Extraction_Sorties_2024.csv").write_bytes(exits.encode("cp1252"))
    spec = yaml.safe_load(text)
    spec["tables"]["sorties"] = {
        "files": ["Extraction_Sorties_*.csv"],
        "columns": {
            "N° bénéficiaire": "id_participant",
            "Date de sortie": "date_sortie",
            "Situation à la sortie": "situation_sortie",
        },
    }
    (mappings / "coord_essonne_sud.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    assert query(
        warehouse,
        "select status, rows_read, rows_loaded, rows_rejected from raw_suivi_clauses.tracking_load_audit "
        "where table_name = 'sorties'",
    ) == [("rejected", 3, 0, 3)]

    from support import run_dbt, warehouse_env

    env = {**warehouse_env(tmp_path), "OBSERVATOIRE_WAREHOUSE": str(warehouse), "OBSERVATOIRE_HMAC_KEY": KEY}
    run_dbt(
        ["build", "--select", "+dim_beneficiary", "+tracking_unmapped_labels", "+clause_tracking_issues"],
        {**os.environ, **env},
        tmp_path,
    )
    valid_people = [p for p in CSV_PEOPLE if p[0] != UNREADABLE_BIRTH]
    assert query(warehouse, "select count(*) from marts.dim_beneficiary") == [(len(valid_people),)]
    assert query(warehouse, "select sex, count(*) from marts.dim_beneficiary group by 1 order by 1") == sorted(
        (sex, sum(1 for p in valid_people if {"Mme": "F", "M.": "M"}[p[3]] == sex)) for sex in ("F", "M")
    )
    assert query(
        warehouse,
        "select source_name, table_name, field_name, column_name, label, row_count from audit.tracking_unmapped_labels",
    ) == [("coord_essonne_sud", "participants", "prescripteur", "Orienté par", UNKNOWN_PRESCRIBER, 1)]
    assert query(
        warehouse,
        "select table_name, issue from audit.clause_tracking_issues where issue like 'participant inconnu%'",
    ) == [("contrats_travail", "participant inconnu de la source")]


# ------------------------------------------------------- export 4: a tool's own words, nothing the seeds spell out

BUYER = "21750001600019"  # Ville de Paris (valid SIRET)
#: A coordination's tool: comma-separated UTF-8 with BOM, "Matricule" for the participant, levels as "Bac" and
#: "Infra 3", "Intérim", the intermediary structure named in the modality, legal bases with their article inside the
#: label, periods with a French month name and hours with their unit.
TOOL_FILES = {  # fmt: skip
    "beneficiaires.csv": [
        [
            "Matricule",
            "NOM",
            "Prénom",
            "Né(e) le",
            "Genre",
            "Code INSEE domicile",
            "Niveau d'études",
            "Orienté par",
            "Entrée le",
        ],
        ["CM01", "PETIT", "Karim", "08/02/2000", "HOMME", "94028", "Infra 3", "Mission locale", "1er juin 2024"],
        ["CM02", "FOFANA", "Awa", "19/10/1990", "Femme", "94046", "Bac", "PLIE", "15/08/2024"],
    ],
    "contrats.csv": [
        ["N° contrat", "Matricule", "Réf. marché", "SIRET employeur", "Nature du contrat", "Mode d'embauche", "Début"],
        ["K01", "CM01", "2024-94-001", EMPLOYER, "Intérim", "Mise à disposition ETTI", "16/06/2024"],
        ["K02", "CM02", "2024-94-002", EMPLOYER, "CDI", "Mise à disposition GEIQ", "15/08/2024"],
    ],
    "liste_marches.csv": [
        ["Référence marché", "SIRET donneur d'ordre", "Intitulé", "Notifié le", "Fondement juridique"],
        ["2024-94-001", BUYER, "Voirie lot 1", "11/03/2024", "Clause d'insertion (art. L2112-2)"],
        ["2024-94-002", BUYER, "Voirie lot 2", "21/01/2024", "Critère social (art. L2152-7)"],
    ],
    "pointage_heures.csv": [
        ["N° contrat", "Période", "Heures effectuées"],
        ["K01", "juin 2024", "43,8"],
        ["K01", "juil.-24", "12,5h"],
        ["K02", "Août 2024", "35 heures"],
    ],
}


def test_a_tools_own_words_are_drafted_without_a_question_left_and_load_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / "clause_manager_94"
    folder.mkdir(parents=True)
    for name, rows in TOOL_FILES.items():
        with (folder / name).open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows(rows)  # "43,8" quoted, as the tool writes it
    mappings = tmp_path / "mappings"
    code, output, text = draft(folder, mappings, monkeypatch, capsys)
    assert code == 0, output  # every header matched, every label proposed
    tables = yaml.safe_load(text)["tables"]
    assert tables["participants"]["columns"]["Matricule"] == "id_participant"
    assert tables["participants"]["columns"]["Code INSEE domicile"] == "commune_residence"
    assert tables["contrats_travail"]["columns"]["Matricule"] == "id_participant"
    assert tables["contrats_travail"]["columns"]["Mode d'embauche"] == "modalite"
    assert tables["marches"]["columns"]["SIRET donneur d'ordre"] == "acheteur_siret"
    levels = {row["code"]: row for row in seed("clauses_niveaux_formation")}
    proposed_levels = {
        label: str(code_) for label, code_ in tables["participants"]["values"]["niveau_formation"].items()
    }
    assert levels[proposed_levels["Bac"]]["libelle"] == "Niveau Bac"
    # below level 3: a level the seed counts as "CAP/BEP or below", under the CAP/BEP level itself
    assert levels[proposed_levels["Infra 3"]]["est_cap_bep_ou_infra"] == "true"
    assert int(proposed_levels["Infra 3"]) < int(code_of("clauses_niveaux_formation", "Niveau CAP / BEP"))
    contracts = tables["contrats_travail"]["values"]
    assert contracts["type_contrat"] == {
        "Intérim": code_of("clauses_types_contrats", "Contrat de mission d'intérim classique")
    }
    structures = {row["structure_intermediaire"]: row["code"] for row in seed("clauses_modalites")}
    assert contracts["modalite"] == {
        "Mise à disposition ETTI": structures["ETTI"],
        "Mise à disposition GEIQ": structures["GEIQ"],
    }
    bases = {row["code"] for row in seed("clauses_bases_juridiques")}
    assert tables["marches"]["values"]["base_juridique"] == {
        "Clause d'insertion (art. L2112-2)": "L2112-2",
        "Critère social (art. L2152-7)": "L2152-7",
    }
    assert {"L2112-2", "L2152-7"} <= bases

    assert main(["check", str(folder)]) == 0
    assert "Rien ne serait rejeté ni laissé inconnu." in capsys.readouterr().out
    warehouse = load(inbox, mappings, tmp_path, monkeypatch)
    hours = query(warehouse, "select id_contrat, mois::varchar, heures from raw_suivi_clauses.heures order by 2")
    assert hours == [("K01", "2024-06-01", 43.8), ("K01", "2024-07-01", 12.5), ("K02", "2024-08-01", 35.0)]
    entries = query(warehouse, "select date_entree::varchar from raw_suivi_clauses.participants order by 1")
    assert entries == [("2024-06-01",), ("2024-08-15",)]  # "1er juin 2024" and "15/08/2024"


@pytest.mark.parametrize(
    ("table", "field_name", "label"),
    [
        ("participants", "publics", "Hors QPV"),  # the code written in the label
        ("participants", "publics", "Non résident QPV"),
        ("participants", "publics", "Non bénéficiaire du RSA"),  # a seed label's words, negated
        ("participants", "publics", "Non travailleur handicapé"),
        ("contrats_travail", "modalite", "Sans GEIQ"),  # the structure named in the label
    ],
)
def test_a_negated_label_gets_no_code_it_names(table: str, field_name: str, label: str) -> None:
    """ "Hors QPV" names the code QPV and means its opposite: left to a person, never proposed as QPV."""
    from dlt_sources.suivi_clauses.draft_mapping import propose_label
    from dlt_sources.suivi_clauses.exchange_format import exchange_tables

    field = next(f for f in exchange_tables()[table].fields if f.name == field_name)
    code, _, note, resolved = propose_label(field, label)
    assert (code, resolved) == (None, False), note


def test_a_label_negated_like_its_seed_label_still_gets_its_code() -> None:
    from dlt_sources.suivi_clauses.draft_mapping import propose_label
    from dlt_sources.suivi_clauses.exchange_format import exchange_tables

    field = next(f for f in exchange_tables()["participants"].fields if f.name == "niveau_formation")
    code, _, _, resolved = propose_label(field, "Sans diplôme")
    [without_diploma] = [row["code"] for row in seed("clauses_niveaux_formation") if "(sans diplôme)" in row["libelle"]]
    assert (code, resolved) == (without_diploma, True)


@pytest.mark.parametrize(
    ("field_name", "label", "seed_name", "libelle"),
    [
        ("niveau_formation", "Sans qualification", "clauses_niveaux_formation", None),
        ("niveau_formation", "BTS", "clauses_niveaux_formation", "Bac+2"),
        ("prescripteur", "Spontané", "clauses_prescripteurs", None),
    ],
)
def test_usual_tool_words_get_the_seed_code_they_mean(
    field_name: str, label: str, seed_name: str, libelle: str | None
) -> None:
    from dlt_sources.suivi_clauses.draft_mapping import propose_label
    from dlt_sources.suivi_clauses.exchange_format import exchange_tables

    field = next(f for f in exchange_tables()["participants"].fields if f.name == field_name)
    code, _, _, resolved = propose_label(field, label)
    rows = {row["code"]: row["libelle"] for row in seed(seed_name)}
    if libelle is not None:
        assert rows[code] == libelle
    elif field_name == "niveau_formation":
        assert "(sans diplôme)" in rows[code]
    else:
        assert "spontan" in rows[code].lower()
    assert resolved


def test_a_town_column_beside_the_postal_code_is_the_towns_name_not_its_insee_code() -> None:
    from dlt_sources.suivi_clauses.draft_mapping import match_headers

    headers = ["Identifiant salarié", "CP", "Commune de résidence", "Code INSEE domicile", "Statut à l'entrée"]
    matched = {m.header: m.field for m in match_headers("participants", headers)}
    assert matched == {
        "Identifiant salarié": "id_participant",
        "CP": "code_postal_residence",
        "Commune de résidence": "commune_residence_libelle",
        "Code INSEE domicile": "commune_residence",
        "Statut à l'entrée": "publics",
    }
