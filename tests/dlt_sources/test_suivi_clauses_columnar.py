"""The column-wise validation of tracking exports loads exactly what the per-row path loads: same rows, same rejects
(line, column, reason, published value), same audit; on the demo exports and on a file of every spelling handled."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from demo_generator import generate

pytestmark = pytest.mark.xdist_group("dlt_tracking")

KEY = "columnar-test-key-0123456789"
MAPPINGS = Path(__file__).resolve().parents[2] / "demo_data" / "mappings"
NEXT_YEAR = date.today().year + 1
#: A line refused for its shape (cells not split as the header): the reject names no column.
SHAPE = "(shape)"

#: table → (header, [(line, rejected column, SHAPE, "~field" when the line loads with an issue on that field, or None
#: when it loads)]): every spelling handled.
SPELLINGS: dict[str, tuple[str, list[tuple[str, str | None]]]] = {
    "heures": (
        "id_contrat;mois;heures",
        [
            ("C1;01/2021;151,67", None),
            ("C1;2021-02;35", None),
            ("C1;03-2021;1 234,5", "heures"),  # over 300 once the thousands separator is read
            ("C1;04/2021;12.5", None),
            ("C1;13/2021;10", "mois"),
            ("C1;15/05/2021;10", None),  # a full date read as its month
            (f"C1;01/{NEXT_YEAR};10", "mois"),  # hours not worked yet
            ("C1;06/2021;320", "heures"),
            ("C1;07/2021;-1", "heures"),
            ("C1;08/2021;", "heures"),
            ("C1;09/2021;abc", "heures"),
            ("C1;10/2021;\u00a0300\u00a0", None),
            (";11/2021;7", "id_contrat"),
            ("  C2  ;12/2021;0", None),
            ("\u202fC3\u3000\x1c;12/2021;0", None),  # stripped of every character str.strip() removes
            ("C2;01/1899;7", "mois"),
            ("C2;02/2022;7;extra", SHAPE),  # a longer line: the shape is checked row by row
            ("C2;03/2022;7;;", None),  # longer, but only by empty cells
            ("C2;04/2022", "heures"),  # a shorter line
            ("C2,05/2022,7", SHAPE),  # one cell holding another separator
        ],
    ),
    "participants": (
        "id_participant;nom;prenom;date_naissance;sexe;commune_residence;code_qpv;niveau_formation;publics;"
        "prescripteur;date_entree;courriel;telephone",
        [
            ("P1;Lefèvre;Zoé;12/03/1990;F;93066;QN09301M;3;DELD|MINIMA_RSA;ML;05/01/2021;zoe@example.org;", None),
            ("P2;Diallo;Awa;1990-03-12;f;75056;;3,0;deld;ft;2021-01-05;;", None),
            ("P3;Martin;Léa;12.03.1990;M;2A004;;8;deld, minima_rsa;ML;05/01/2021;;", None),
            ("P4;Martin;Léa;03/13/1990;M;75056;;3;DELD;ML;05/01/2021;;", "date_naissance"),  # US order
            ("P5;Petit;Jean;05/01/2007;M;75056;;3;DELD;ML;05/01/2021;;", None),  # 14 on the day of entry
            ("P6;Petit;Jean;06/01/2007;M;75056;;3;DELD;ML;05/01/2021;;", "date_naissance"),  # 13
            ("P7;Petit;Jean;06/01/1940;M;75056;;3;DELD;ML;05/01/2021;;", None),  # 80
            ("P8;Petit;Jean;05/01/1940;M;75056;;3;DELD;ML;05/01/2021;;", "date_naissance"),  # 81
            ("P9;Petit;Jean;29/02/2000;M;75056;;3;DELD;ML;28/02/2021;;", None),
            ("P10;Petit;Jean;01/01/2030;M;75056;;3;DELD;ML;05/01/2021;;", "date_naissance"),  # after entry
            (f"P11;Petit;Jean;01/01/1990;M;75056;;3;DELD;ML;01/01/{NEXT_YEAR};;", "date_entree"),
            ("P12;Petit;Jean;01/01/1990;X;75056;;3;DELD;ML;05/01/2021;;", "~sexe"),  # unknown label: kept
            ("P13;Petit;Jean;01/01/1990;M;7505;;3;DELD;ML;05/01/2021;;", "commune_residence"),
            ("P14;Petit;Jean;01/01/1990;M;75056;QX123456;3;DELD;ML;05/01/2021;;", "code_qpv"),
            ("P15;Petit;Jean;01/01/1990;M;75056;;9;DELD;ML;05/01/2021;;", "~niveau_formation"),
            ("P16;Petit;Jean;01/01/1990;M;75056;;3;DELD|INCONNU;ML;05/01/2021;;", "~publics"),
            (  # labels instead of codes: the seed's labels are known, "brsa" is not
                "P21;Petit;Jean;01/01/1990;Homme;75056;;Niveau Bac;Demandeur d'emploi de longue durée + brsa;"
                "France Travail;05/01/2021;;",
                "~publics",
            ),
            ("P17;Petit;Jean;01/01/1990;M;75056;;3;DELD;ML;;;", "date_entree"),
            ("P18;;Jean;01/01/1990;M;75056;;3;DELD;ML;05/01/2021;;", "nom"),
            ("P19;Petit;Jean;31/02/1990;M;75056;;3;DELD;ML;05/01/2021;;", "date_naissance"),
            ("P20;Petit;Jean;01/01/1990;M;75056;;;;;05/01/2021;;", None),
        ],
    ),
    "contrats_travail": (
        "id_contrat;id_participant;id_marche;employeur_siret;type_contrat;modalite;date_debut;date_fin",
        [
            ("K1;P1;M1;380 129 866 46850;cdd;embauche directe;01/02/2022;31/12/2022", None),
            ("K2;P1;M1;380.129.866.46850;CTTI;MAD_ETTI;01/03/2022;", None),
            ("K3;P2;M1;38012986646850;CDD;EMBAUCHE_DIRECTE;01/03/2022;28/02/2022", "date_fin"),
            ("K4;P2;M1;3801298664685;CDD;EMBAUCHE_DIRECTE;01/03/2022;", "employeur_siret"),
            ("K5;P2;M1;38012986646850;STAGE;EMBAUCHE_DIRECTE;01/03/2022;", "~type_contrat"),
            ("K7;P2;M1;38012986646851;CDD;EMBAUCHE_DIRECTE;01/03/2022;", "~employeur_siret"),  # check digit
            ("K6;P3;M1;38012986646850;cdd;embauche-directe;2022-03-01;2022-03-01", None),
        ],
    ),
    "sorties": (
        "id_participant;date_sortie;situation_sortie;situation_6_mois",
        [
            ("P1;30/06/2024;cdi;CDI", None),
            (f"P2;01/01/{NEXT_YEAR};CDI;", "date_sortie"),
            ("P3;30/06/2024;RETRAITE;", "~situation_sortie"),
            ("P4;2024-06-30;chomage;", None),
        ],
    ),
    "entreprises": (
        "id_marche;siret;raison_sociale;role;type_structure",
        [
            ("M1;380 129 866 46850;  Bâti Sud  ;Titulaire;", None),
            ("M1;38012986646850;;TITULAIRE;", None),
            ("M1;38012986646850;;fournisseur;", "~role"),
            ("M1;38012986646850;;;", "role"),
        ],
    ),
    "marches": (
        "id_marche;id_operation;acheteur_siret;id_decp;objet;code_cpv;montant_ht;date_notification;base_juridique;"
        "heures_prevues;lot",
        [
            ("M1;OP1;21930066000012;;Gros oeuvre;45000000-7;1 200 000,50;15/01/2021;l2112 2;1500;1", "~acheteur_siret"),
            ("M2;OP1;21930066000012;;Lot 2;4500000;;15/01/2021;L2112-2;;", "code_cpv"),
            ("M3;OP1;21930066000012;;Lot 3;;-5;15/01/2021;L2112-2;;", "montant_ht"),
            ("M4;OP1;21930066000012;;Lot 4;;;;L2112-2;;", "date_notification"),
        ],
    ),
    "engagements_moa": (
        "programme;maitre_ouvrage_nom;maitre_ouvrage_siret;id_operation;annee;heures_engagees",
        [
            ("GRAND_PARIS_EXPRESS;SGP;;;2024;10000", None),
            ("grand_paris_express;SGP;;;2024,0;10 000", None),
            ("GRAND_PARIS_EXPRESS;SGP;;;1999;10000", "annee"),
            ("GRAND_PARIS_EXPRESS;SGP;;;2024,5;10000", "annee"),
        ],
    ),
}


def write_spellings(folder: Path) -> dict[str, list[str | None]]:
    """One CSV per table in ``folder``; returns, per table, the rejected column expected for each data line."""
    folder.mkdir(parents=True)
    expected = {}
    for table, (header, lines) in SPELLINGS.items():
        (folder / f"{table}.csv").write_text("\n".join([header, *(text for text, _ in lines)]) + "\n", encoding="utf-8")
        expected[table] = [column for _, column in lines]
    workbook = Workbook()  # typed cells, as a spreadsheet holds them
    sheet = workbook.active
    sheet.title = "Sorties"
    sheet.append(["id_participant", "date_sortie", "situation_sortie", "situation_6_mois"])
    sheet.append([101, date(2024, 6, 30), "CDI", None])  # an id typed as a number
    sheet.append(["P102", "30/06/2024", "cdi", "cdi"])
    sheet.append(["P103", date(NEXT_YEAR, 1, 1), "CDI", None])
    sheet.append(["P104", 45000.0, "CDI", None])  # a number in a date column
    sheet.append(["P105", date(2024, 6, 30), "RETRAITE", None])
    workbook.save(folder / "sorties_classeur.xlsx")
    expected["sorties_classeur"] = [None, None, "date_sortie", "date_sortie", "~situation_sortie"]
    return expected


def load(
    inbox: Path, work_dir: Path, monkeypatch: pytest.MonkeyPatch, row_by_row: bool, workers: int | None = None
) -> Path:
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(work_dir / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(work_dir / "warehouse.duckdb"))
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", KEY)
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.suivi_clauses import suivi_clauses_source

    source = suivi_clauses_source(inbox=str(inbox), mappings_dir=str(MAPPINGS), row_by_row=row_by_row, workers=workers)
    pipeline = warehouse_pipeline("suivi_clauses")
    pipeline.run(source)
    (work_dir / "resource_state.json").write_text(
        json.dumps(pipeline.state["sources"]["suivi_clauses"]["resources"]["tracking_exports"], sort_keys=True)
    )
    return work_dir / "warehouse.duckdb"


def contents(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table of raw_suivi_clauses, rows sorted (their order in a raw table means nothing: DuckDB inserts a
    load file's rows in parallel), without dlt's columns and the audit's timestamp."""
    tables = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw_suivi_clauses' and table_name not like '_dlt%'"
            ).fetchall()
        ]
        for name in names:
            columns = [
                column
                for (column,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw_suivi_clauses' "
                    "and table_name = ? and column_name not like '_dlt%' and column_name <> 'processed_at' "
                    "order by column_name",
                    [name],
                ).fetchall()
            ]
            select = ", ".join(f'"{column}"' for column in columns)
            rows = con.execute(f"select {select} from raw_suivi_clauses.{name}").fetchall()
            tables[name] = (columns, sorted(rows, key=repr))
    return tables


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str | None]]]:
    generated = tmp_path_factory.mktemp("demo_tracking")
    generate("demo", 2024, generated)
    inbox = generated / "suivi_clauses"
    return inbox, write_spellings(inbox / "melange")


def test_columnar_and_row_by_row_load_the_same_rows_rejects_and_audit(inbox, tmp_path, monkeypatch) -> None:
    folder, expected = inbox
    fast = contents(load(folder, tmp_path / "columnar", monkeypatch, row_by_row=False))
    slow = contents(load(folder, tmp_path / "row_by_row", monkeypatch, row_by_row=True))
    assert fast.keys() == slow.keys()
    for table in fast:
        assert fast[table] == slow[table], table

    # the outcome itself, reconciled with the files written above: which lines load, which column refuses a line
    audit_columns, audit = fast["tracking_load_audit"]
    rejects_columns, rejects = fast["tracking_rejects"]
    issues_columns, issues = fast["tracking_value_issues"]
    by_file = {
        Path(row[audit_columns.index("source_file")]).stem: row
        for row in audit
        if "/melange/" in row[audit_columns.index("source_file")]
    }
    assert by_file.keys() == expected.keys()
    first_line = 2  # the header is line 1 of every file written above
    for stem, columns in expected.items():
        row = by_file[stem]
        refused_lines = [column for column in columns if column and not column.startswith("~")]
        assert row[audit_columns.index("rows_read")] == len(columns), stem
        assert row[audit_columns.index("rows_loaded")] == len(columns) - len(refused_lines), stem
        assert row[audit_columns.index("status")] == ("partial" if refused_lines else "loaded"), stem
        source_file = row[audit_columns.index("source_file")]
        refused = sorted(
            (reject[rejects_columns.index("line_number")], reject[rejects_columns.index("column_name")] or SHAPE)
            for reject in rejects
            if reject[rejects_columns.index("source_file")] == source_file
        )
        assert refused == [
            (first_line + i, column) for i, column in enumerate(columns) if column and not column.startswith("~")
        ], stem
        kept_with_issue = sorted(
            (issue[issues_columns.index("line_number")], "~" + issue[issues_columns.index("field_name")])
            for issue in issues
            if issue[issues_columns.index("source_file")] == source_file
        )
        assert kept_with_issue == [
            (first_line + i, column) for i, column in enumerate(columns) if column and column.startswith("~")
        ], stem
    assert sum(len(rows) for name, (_, rows) in fast.items() if not name.startswith("tracking_")) > 2000


def test_files_read_by_worker_processes_load_what_one_process_loads(inbox, tmp_path, monkeypatch, caplog) -> None:
    """Worker processes (forced here: the demo inbox is below the size that starts them by itself) give the same
    rows, rejects and audit, the same resource state, and their log lines reach this process;
    with, in the inbox, a copy of a file, a file read twice in a run, a refused file and a source without
    mapping."""
    folder = tmp_path / "inbox"
    shutil.copytree(inbox[0], folder)
    heures = sorted((folder / "melange").glob("heures*"))[0]
    shutil.copy(heures, folder / "melange" / "heures_zz_copie.csv")  # same content: reported, not loaded twice
    (folder / "melange" / "notes.pdf").write_bytes(b"%PDF-1.4")  # refused: not a tabular export
    unusable = folder / "source_sans_mapping" / "participants.csv"
    unusable.parent.mkdir()
    unusable.write_text("id;nom\n1;X\n", encoding="utf-8")  # no column the exchange format requires

    one = load(folder, tmp_path / "one_process", monkeypatch, row_by_row=False, workers=1)
    with caplog.at_level("INFO", logger="dlt_sources"):
        two = load(folder, tmp_path / "two_workers", monkeypatch, row_by_row=False, workers=2)
    in_one, in_two = contents(one), contents(two)
    assert in_one.keys() == in_two.keys()
    for table in in_one:
        assert in_one[table] == in_two[table], table
    audit_columns, audit = in_two["tracking_load_audit"]
    statuses = {
        Path(row[audit_columns.index("source_file")]).relative_to(folder).as_posix(): row[audit_columns.index("status")]
        for row in audit
    }
    assert statuses["melange/heures_zz_copie.csv"] == "duplicate_content"
    assert statuses["melange/notes.pdf"] == "failed"
    assert statuses["source_sans_mapping/participants.csv"] == "failed"  # no mapping for its source
    assert sum(row[audit_columns.index("rows_loaded")] for row in audit) > 2000
    state_one = json.loads((tmp_path / "one_process" / "resource_state.json").read_text())
    state_two = json.loads((tmp_path / "two_workers" / "resource_state.json").read_text())
    assert state_one == state_two  # the same files remembered as loaded, rejected or partly loaded
    assert str(heures) in state_two["seen_files"].values()
    assert str(folder / "melange" / "heures_zz_copie.csv") in state_two["duplicate_files"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for row in audit:  # each table read wrote its line in the workers; this process wrote them again
        if row[audit_columns.index("status")] in ("loaded", "partial"):
            assert f"{row[audit_columns.index('source_file')]} → {row[audit_columns.index('table_name')]}:" in logged
