"""The clause-tracking source: real-export quirks, mapping, validation with rejects, pseudonymisation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from observatoire.pseudonymisation import PseudonymisationKeyError, Pseudonymiser, load_key

pytestmark = pytest.mark.xdist_group("dlt_tracking")

KEY = "test-key-0123456789abcdef"
PARTICIPANTS_HEADER = (
    "id_participant;nom;prenom;date_naissance;sexe;commune_residence;code_qpv;niveau_formation;publics;"
    "prescripteur;date_entree;courriel;telephone"
)


def load(inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str = KEY, mappings: Path | None = None):
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", key)
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.suivi_clauses import suivi_clauses_source

    mappings = mappings or tmp_path / "no_mappings"
    warehouse_pipeline("suivi_clauses").run(suivi_clauses_source(inbox=str(inbox), mappings_dir=str(mappings)))
    return tmp_path / "warehouse.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_windows_1252_semicolons_and_bom_comma_files_load_with_their_accents(tmp_path, monkeypatch) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox / "coord_a" / "participants.csv",
        PARTICIPANTS_HEADER + "\nP1;Lefèvre;Zoé;12/03/1990;F;93066;QN09301M;3;DELD|MINIMA_RSA;ML;05/01/2021;;\n",
        "cp1252",
    )
    write(
        inbox / "coord_b" / "operations.csv",
        "\ufeffid_operation,nom_operation,programme,maitre_ouvrage_nom,maitre_ouvrage_siret,commune_insee,"
        "date_debut,date_fin\nOP1,Gare de Saint-Denis Pleyel,GRAND_PARIS_EXPRESS,Société des grands projets,,"
        "93066,2019-01-01,\n",
    )
    warehouse = load(inbox, tmp_path, monkeypatch)
    assert query(
        warehouse, "select sexe, niveau_formation, publics, age_at_entry from raw_suivi_clauses.participants"
    ) == [("F", 3, "DELD|MINIMA_RSA", 30)]
    assert query(warehouse, "select nom_operation, programme, date_debut from raw_suivi_clauses.operations") == [
        ("Gare de Saint-Denis Pleyel", "GRAND_PARIS_EXPRESS", date(2019, 1, 1))
    ]


def test_rows_read_equal_loaded_plus_rejected_and_rejects_name_line_and_column(tmp_path, monkeypatch) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox / "coord" / "heures_2021.csv",
        "\n".join(
            [
                "id_contrat;mois;heures",
                "C1;01/2021;151,67",  # ok
                "C1;02/2021;320",  # over 300
                "C1;13/2021;10",  # bad month
                "C2;03/2021;",  # missing hours
                "C2;04/2021;1 234,5",  # over 300 after parsing the thousands separator
                "C2;05/2021;35",  # ok
            ]
        )
        + "\n",
    )
    warehouse = load(inbox, tmp_path, monkeypatch)
    [(read, loaded, rejected)] = query(
        warehouse, "select rows_read, rows_loaded, rows_rejected from raw_suivi_clauses.tracking_load_audit"
    )
    assert (read, loaded, rejected) == (6, 2, 4)
    assert query(
        warehouse,
        "select line_number, column_name, reason from raw_suivi_clauses.tracking_rejects order by line_number",
    ) == [
        (3, "heures", "valeur supérieure au maximum 300"),
        (4, "mois", "mois illisible (attendu MM/AAAA)"),
        (5, "heures", "valeur obligatoire absente"),
        (6, "heures", "valeur supérieure au maximum 300"),
    ]
    assert query(warehouse, "select mois, heures, line_number from raw_suivi_clauses.heures order by line_number") == [
        (date(2021, 1, 1), 151.67, 2),
        (date(2021, 5, 1), 35.0, 7),
    ]


def test_unknown_headers_fail_naming_the_missing_columns_then_load_with_a_mapping(tmp_path, monkeypatch) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox / "abc_93" / "export_contrats.csv",
        "Réf contrat;Réf bénéficiaire;Réf marché;SIRET employeur;Type de contrat;Modalité;Début;Fin\n"
        "K1;B1;M1;380 129 866 46850;cdd;embauche directe;01/02/2022;31/12/2022\n",
    )
    mappings = tmp_path / "mappings"
    warehouse = load(inbox, tmp_path, monkeypatch, mappings=mappings)
    [(status, error)] = query(warehouse, "select status, error from raw_suivi_clauses.tracking_load_audit")
    assert status == "failed"
    assert "impossible de savoir quelle table du format d'échange contient export_contrats.csv" in error

    write(inbox / "abc_93" / "contrats_travail.csv", (inbox / "abc_93" / "export_contrats.csv").read_text())
    warehouse = load(inbox, tmp_path, monkeypatch, mappings=mappings)
    [(status, error)] = query(
        warehouse,
        "select status, error from raw_suivi_clauses.tracking_load_audit "
        "where source_file like '%contrats_travail.csv'",
    )
    assert status == "failed"
    assert (
        "colonnes obligatoires absentes de la table contrats_travail: id_contrat, id_participant, id_marche, "
        "employeur_siret, type_contrat, date_debut;"
    ) in error  # "Modalité" is recognised as modalite

    write(
        mappings / "abc_93.yaml",
        """
source: abc_93
tables:
  contrats_travail:
    files: ["export_contrats*"]
    columns:
      "Réf contrat": id_contrat
      "Réf bénéficiaire": id_participant
      "Réf marché": id_marche
      "SIRET employeur": employeur_siret
      "Type de contrat": type_contrat
      "Modalité": modalite
      "Début": date_debut
      "Fin": date_fin
""",
    )
    (inbox / "abc_93" / "contrats_travail.csv").unlink()
    (inbox / "abc_93" / "export_contrats.csv").write_text(
        (inbox / "abc_93" / "export_contrats.csv").read_text() + "K2;B2;M1;38012986646850;CTTI;MAD_ETTI;01/03/2022;\n"
    )  # new content: the file is read again now that the mapping says what it holds
    warehouse = load(inbox, tmp_path, monkeypatch, mappings=mappings)
    assert query(
        warehouse,
        "select id_contrat, employeur_siret, type_contrat, modalite, date_fin "
        "from raw_suivi_clauses.contrats_travail order by 1",
    ) == [
        ("K1", "38012986646850", "CDD", "EMBAUCHE_DIRECTE", date(2022, 12, 31)),
        ("K2", "38012986646850", "CTTI", "MAD_ETTI", None),
    ]


def test_xlsx_with_a_title_row_and_merged_cells_loads(tmp_path, monkeypatch) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Sorties"
    sheet["A1"] = "Export des sorties — coordination 94 — édité le 02/01/2025"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["id_participant", "date_sortie", "situation_sortie", "situation_6_mois"])
    sheet.append(["P1", date(2024, 6, 30), "CDI", "CDI"])
    sheet.append(["P2", "15/09/2024", "chomage", None])
    path = tmp_path / "inbox" / "coord_94" / "sorties.xlsx"
    path.parent.mkdir(parents=True)
    workbook.save(path)
    warehouse = load(tmp_path / "inbox", tmp_path, monkeypatch)
    assert query(
        warehouse,
        "select date_sortie, situation_sortie, situation_6_mois, line_number "
        "from raw_suivi_clauses.sorties order by line_number",
    ) == [(date(2024, 6, 30), "CDI", "CDI", 4), (date(2024, 9, 15), "CHOMAGE", None, 5)]


def test_no_name_birth_date_or_contact_reaches_duckdb_and_pseudonyms_are_stable(tmp_path, monkeypatch) -> None:
    people = [
        ("P1", "Lefèvre", "Zoé", "12/03/1990", "zoe.lefevre@example.org", "06 12 34 56 78"),
        ("P2", "N'Diaye", "Moussa", "01/07/2001", "", "0712345678"),
    ]
    lines = [PARTICIPANTS_HEADER] + [
        f"{pid};{last};{first};{birth};F;75056;;3;DELD;FT;01/02/2023;{mail};{phone}"
        for pid, last, first, birth, mail, phone in people
    ]
    inbox = tmp_path / "inbox"
    write(inbox / "coord_a" / "participants.csv", "\n".join(lines) + "\n")
    # the same Zoé reported by another coordination, spelled without accents and in capitals
    write(
        inbox / "coord_b" / "participants.csv",
        PARTICIPANTS_HEADER + "\nX-77;LEFEVRE;ZOE;1990-03-12;F;75056;;3;DELD;FT;01/09/2023;;\n",
    )
    warehouse = load(inbox, tmp_path, monkeypatch)

    forbidden = [v for p in people for v in p[1:] if v] + ["1990-03-12", "12/03/1990", "2001-07-01", "LEFEVRE"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table, column in columns:
            for value in forbidden:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where strpos(lower("{column}"), lower(?)) > 0', [value]
                ).fetchone()[0]
                assert hits == 0, (schema, table, column, value)
        beneficiaries = con.execute(
            "select source_name, beneficiary_pseudonym from raw_suivi_clauses.participants order by 1, line_number"
        ).fetchall()
    zoe_a, moussa, zoe_b = beneficiaries
    assert zoe_a[1] == zoe_b[1] != moussa[1]
    expected = Pseudonymiser(KEY.encode()).beneficiary("Lefèvre", "Zoé", date(1990, 3, 12))
    assert zoe_a[1] == expected
    assert Pseudonymiser(b"another-key-0123456789").beneficiary("Lefèvre", "Zoé", date(1990, 3, 12)) != expected


def test_the_key_is_required_outside_demo_mode(monkeypatch) -> None:
    monkeypatch.delenv("OBSERVATOIRE_HMAC_KEY", raising=False)
    monkeypatch.delenv("OBSERVATOIRE_HMAC_KEY_FILE", raising=False)
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    with pytest.raises(PseudonymisationKeyError, match="set OBSERVATOIRE_HMAC_KEY"):
        load_key()
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", "short")
    with pytest.raises(PseudonymisationKeyError, match="too short"):
        load_key()
    monkeypatch.delenv("OBSERVATOIRE_HMAC_KEY")
    monkeypatch.setenv("OBSERVATOIRE_DEMO_MODE", "1")
    assert load_key() == b"observatoire-demo-key-not-secret"
