"""The DECP rules of issue 12, on records written here for the tests: identifiers (python-stdnum), placeholders and
the buyer identity, holder lists without identifier, text damaged in encoding, CPV codes, impossible dates, the
order of undated modifications, the Ministry's "DECP valides" tabular layout, and a deduplication that does not
depend on file names or places. Expected values are computed here from the published records (python-stdnum, the
CPV 2008 file, the CSV rows), never read back from the code under test."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import duckdb
import pytest
from stdnum import luhn
from stdnum.fr import siret
from support import FIXTURES, run_dbt, warehouse_env

from observatoire.settings import DEMO_DATA_DIR

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("decp_warehouses")]

VALIDES_2019 = FIXTURES / "decp/decp-economie-valides_2019format_test.csv"
VALIDES_2022 = FIXTURES / "decp/decp-economie-valides_2022format_written_for_tests.csv"
CPV_2008 = {row["code_cpv_8"] for row in csv.DictReader((DEMO_DATA_DIR / "ref/nomenclatures/cpv2008_fr.csv").open())}
LOST = "\ufffd"


def valid_siret(siren8: str, establishment4: str) -> str:
    siren = siren8 + luhn.calc_check_digit(siren8)
    value = siren + establishment4 + luhn.calc_check_digit(siren + establishment4)
    assert siret.is_valid(value)
    return value


BUYER = valid_siret("91234567", "0001")  # made up, unknown to SIRENE
BUYER_DAMAGED = valid_siret("91234568", "0001")
HOLDER_1 = valid_siret("81234567", "0001")
HOLDER_2 = valid_siret("81234568", "0001")
# 14-digit Luhn key right, SIREN key wrong: valid for the old macro, invalid for python-stdnum
SIREN_INVALID = next(
    v
    for v in (n + luhn.calc_check_digit(n) for n in (f"5123456780{i:03d}" for i in range(1000)))
    if not siret.is_valid(v)
)
PLACEHOLDER = "00000000000000"
BUYER_MOJIBAKE = valid_siret("91234569", "0001")
HOLDER_3 = valid_siret("81234569", "0001")
#: what the text was, and what a UTF-8 file read as Windows-1252 made of it
CLEAN_TEXT = {
    "objet": "Entretien des espaces verts – lycée Émile-Zola, cœur d’îlot",
    "acheteur.nom": "Région Île-de-France",
    "titulaires[1].denominationSociale": "Société Française d’Élagage",
}
MOJIBAKE = {field: text.encode("utf-8").decode("cp1252") for field, text in CLEAN_TEXT.items()}


def record(contract_id: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "_type": "Marché",
        "id": contract_id,
        "acheteur": {"id": BUYER, "nom": "Commune de Test-sur-Seine"},
        "nature": "Marché",
        "objet": f"Objet {contract_id}",
        "codeCPV": "45000000-7",
        "procedure": "Procédure adaptée",
        "lieuExecution": {"code": "75056", "typeCode": "Code commune", "nom": "Paris"},
        "dureeMois": 12,
        "dateNotification": "2020-06-01",
        "datePublicationDonnees": "2020-06-10",
        "montant": 100000,
        "formePrix": "Ferme",
        "titulaires": [{"typeIdentifiant": "SIRET", "id": HOLDER_1, "denominationSociale": "Alpha"}],
        "modifications": [],
    }
    base.update(fields)
    return base


def modification(**fields: Any) -> dict[str, Any]:
    return {"objetModification": "avenant", "datePublicationDonneesModification": "2020-12-01", **fields}


RECORDS = [
    record("R-SIREN", acheteur={"id": SIREN_INVALID, "nom": "Acheteur au SIREN faux"}),
    # one placeholder, three publications by two unrelated buyers; the first buyer republishes (other spelling)
    record("R-PH", acheteur={"id": PLACEHOLDER, "nom": "Commune d'Aval"}, datePublicationDonnees="2020-06-10"),
    record("R-PH", acheteur={"id": PLACEHOLDER, "nom": "Syndicat des eaux de l'Amont"}),
    record("R-PH", acheteur={"id": PLACEHOLDER, "nom": "COMMUNE D’AVAL "}, datePublicationDonnees="2020-07-10"),
    record(
        "R-HOLD",
        modifications=[
            modification(
                dateNotificationModification="2020-09-01",
                titulaires=[{"typeIdentifiant": "SIRET"}, {"denominationSociale": "Beta"}],
            )
        ],
    ),
    record("R-HOLD0", titulaires=[{"typeIdentifiant": "SIRET", "denominationSociale": "Gamma"}]),
    record(
        "R-FFFD",
        objet=f"Travaux du D{LOST}partement",
        acheteur={"id": BUYER_DAMAGED, "nom": f"D{LOST}partement de Test"},
        titulaires=[{"typeIdentifiant": "SIRET", "id": HOLDER_2, "denominationSociale": f"Soci{LOST}t{LOST} Delta"}],
        datePublicationDonnees="2020-08-01",
    ),
    record(
        "R-FFFD-2",
        acheteur={"id": BUYER_DAMAGED, "nom": "Département de Test"},
        titulaires=[{"typeIdentifiant": "SIRET", "id": HOLDER_2, "denominationSociale": "Société Delta"}],
        datePublicationDonnees="2020-06-02",
    ),
    record(
        "R-MOJI",
        objet=MOJIBAKE["objet"],
        acheteur={"id": BUYER_MOJIBAKE, "nom": MOJIBAKE["acheteur.nom"]},
        titulaires=[
            {
                "typeIdentifiant": "SIRET",
                "id": HOLDER_3,
                "denominationSociale": MOJIBAKE["titulaires[1].denominationSociale"],
            }
        ],
    ),
    record("R-CPV7", codeCPV="3000000-1"),
    record("R-CPV7X", codeCPV="9999999"),
    record("R-CPVX", codeCPV="99999999-9"),
    record(
        "R-DATES",
        datePublicationDonnees="2020-01-01",
        modifications=[
            modification(dateNotificationModification="2019-12-01", montant=110000),
            modification(dateNotificationModification="2999-01-01", dureeMois=24),
        ],
    ),
    record(
        "R-UNDATED",
        modifications=[
            modification(dateNotificationModification="2021-01-01", montant=200000),
            modification(montant=300000),
        ],
    ),
    record("R-UNDATED-ONLY", modifications=[modification(montant=300000), modification(montant=400000)]),
]
# the same contract in two files, same publication date, same completeness: only the content differs
TIE_X = record("R-TIE", objet="Version X")
TIE_Y = record("R-TIE", objet="Version Y")


def json_2019(*records: dict[str, Any]) -> bytes:
    return json.dumps({"marches": list(records)}, ensure_ascii=False, indent=1).encode()


def build(work_dir: Path, files: dict[str, bytes]) -> Path:
    """A warehouse with ``files`` (relative path → content) in the DECP inbox, reference data and the DECP marts."""
    env = warehouse_env(work_dir)
    inbox = work_dir / "data" / "inbox" / "decp"
    for name, content in files.items():
        (inbox / name).parent.mkdir(parents=True, exist_ok=True)
        (inbox / name).write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        from dlt_sources.decp import decp_source
        from dlt_sources.pipelines import warehouse_pipeline
        from dlt_sources.reference import reference_source

        warehouse_pipeline("decp").run(decp_source(paths=[str(inbox)]))
        warehouse_pipeline("reference").run(reference_source())
    run_dbt(["build", "--select", "+path:models/*/decp"], {**os.environ, **env}, work_dir)
    return Path(env["OBSERVATOIRE_WAREHOUSE"])


FILES = {
    "rules_2019.json": json_2019(*RECORDS),
    "a_tie_x.json": json_2019(TIE_X),
    "z_tie_y.json": json_2019(TIE_Y),
    VALIDES_2019.name: VALIDES_2019.read_bytes(),
    VALIDES_2022.name: VALIDES_2022.read_bytes(),
}
# every file renamed and moved: the tie's names now sort the other way round
MOVED = {
    "2024/renamed_rules.json": FILES["rules_2019.json"],
    "zz/deep/00_tie_y.json": FILES["z_tie_y.json"],
    "zzz_tie_x.json": FILES["a_tie_x.json"],
    "tabulaire/valides_2019.csv": FILES[VALIDES_2019.name],
    "tabulaire/b/valides_2022.csv": FILES[VALIDES_2022.name],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("decp_rules"), FILES)


def rows(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def contract(warehouse: Path, contract_id: str, column: str) -> Any:
    [(value,)] = rows(warehouse, f"select {column} from marts.fct_contracts where contract_id = ?", [contract_id])
    return value


def issues(warehouse: Path, contract_id: str) -> set[tuple[str, str]]:
    return set(
        rows(
            warehouse,
            "select field, issue from audit.decp_record_issues i join audit.contract_record_lineage l using "
            "(record_key) join raw_decp.decp_records r on l.record_key = r.source_sha256 || ':' || r.record_type "
            "|| ':' || r.record_index where json_extract_string(r.record, '$.id') = ?",
            [contract_id],
        )
    )


# ------------------------------------------------------------------ identifiers
def test_buyer_siret_validity_is_stdnums(warehouse: Path) -> None:
    published = {r["acheteur"]["id"] for r in RECORDS}
    flags = dict(
        rows(warehouse, "select buyer_siret, bool_and(is_buyer_siret_valid) from marts.fct_contracts group by 1")
    )
    assert {siret_: flags[siret_] for siret_ in published} == {siret_: siret.is_valid(siret_) for siret_ in published}
    assert flags[SIREN_INVALID] is False and luhn.is_valid(SIREN_INVALID)
    assert ("acheteur.id", "SIRET de l'acheteur invalide (14 chiffres, clé de Luhn du SIRET et du SIREN)") in issues(
        warehouse, "R-SIREN"
    )


def test_placeholder_buyers_are_flagged_and_never_merged(warehouse: Path) -> None:
    names = {r["acheteur"]["nom"] for r in RECORDS if r["id"] == "R-PH"}
    assert siret.is_valid(PLACEHOLDER)  # the checksum does not catch it
    contracts = rows(
        warehouse,
        "select buyer_key, is_buyer_id_placeholder, is_buyer_siret_valid, contract_object from marts.fct_contracts "
        "where contract_id = 'R-PH' order by buyer_key",
    )
    # two buyers (the two spellings of the Commune d'Aval are one), never one merged buyer
    assert len(names) == 3 and len(contracts) == 2
    assert all(placeholder and valid for _, placeholder, valid, _ in contracts)
    buyers = rows(
        warehouse,
        "select buyer_siret, buyer_id_published, is_id_placeholder, contract_count from marts.dim_buyer "
        "where buyer_id_published = ?",
        [PLACEHOLDER],
    )
    assert sorted(buyers) == [(None, PLACEHOLDER, True, 1), (None, PLACEHOLDER, True, 1)]
    # the Commune d'Aval's later publication is its contract's state
    assert sorted(row[3] for row in contracts) == ["Objet R-PH", "Objet R-PH"]
    fates = rows(
        warehouse,
        "select record_fate, count(*) from audit.contract_record_lineage l join marts.fct_contracts c "
        "using (contract_key) where c.contract_id = 'R-PH' group by 1 order by 1",
    )
    assert fates == [("retained", 2), ("superseded", 1)]
    assert (
        "acheteur.id",
        "identifiant de l'acheteur de remplissage (chiffre répété ou suite 123456789)",
    ) in issues(warehouse, "R-PH")


# ------------------------------------------------------------------ holders
def test_a_holder_list_without_identifier_keeps_the_previous_holders(warehouse: Path) -> None:
    expected = [h["id"] for h in next(r for r in RECORDS if r["id"] == "R-HOLD")["titulaires"]]
    current = rows(
        warehouse,
        "select holder_id from marts.fct_contract_holders h join marts.fct_contracts c using (contract_key) "
        "where c.contract_id = 'R-HOLD' and is_current_holder",
    )
    assert [r[0] for r in current] == expected
    assert contract(warehouse, "R-HOLD", "modification_count") == 1
    assert (
        "modifications[1].titulaires",
        "liste de titulaires sans identifiant : titulaires précédents conservés",
    ) in issues(warehouse, "R-HOLD")
    [(changes,)] = rows(
        warehouse,
        "select changes_holders from marts.fct_contract_modifications m join marts.fct_contracts c "
        "using (contract_key) where c.contract_id = 'R-HOLD'",
    )
    assert changes is False


def test_initial_holders_without_identifier_keep_the_contract_holder_unknown(warehouse: Path) -> None:
    assert contract(warehouse, "R-HOLD0", "holder_count") == 0
    assert {
        ("titulaires", "aucun titulaire identifié dans la liste : titulaire inconnu"),
        ("titulaires[1]", "titulaire sans identifiant: ignoré"),
    } <= issues(warehouse, "R-HOLD0")


# ------------------------------------------------------------------ encoding damage
def test_lost_characters_are_flagged_and_undamaged_spellings_preferred(warehouse: Path) -> None:
    damaged = next(r for r in RECORDS if r["id"] == "R-FFFD")
    reason = "caractères perdus (U+FFFD) : texte endommagé à la publication, irréparable"
    assert {
        ("objet", reason),
        ("acheteur.nom", reason),
        ("titulaires[1].denominationSociale", reason),
    } <= issues(warehouse, "R-FFFD")
    assert not any("U+FFFD" in issue for _, issue in issues(warehouse, "R-FFFD-2"))
    # the damaged record is the latest publication of its buyer, yet the undamaged spelling names it
    undamaged_name = next(r for r in RECORDS if r["id"] == "R-FFFD-2")["acheteur"]["nom"]
    assert LOST in damaged["acheteur"]["nom"] and LOST not in undamaged_name
    assert rows(warehouse, "select buyer_name_published from marts.dim_buyer where buyer_key = ?", [BUYER_DAMAGED]) == [
        (undamaged_name,)
    ]
    assert rows(warehouse, "select company_name_published from marts.dim_company where company_id = ?", [HOLDER_2]) == [
        ("Société Delta",)
    ]
    # the raw layer keeps the value as published
    assert contract(warehouse, "R-FFFD", "contract_object") == damaged["objet"]


def test_reversible_mojibake_is_repaired_flagged_and_kept_raw(warehouse: Path) -> None:
    assert all(MOJIBAKE[field] != text for field, text in CLEAN_TEXT.items())
    assert contract(warehouse, "R-MOJI", "contract_object") == CLEAN_TEXT["objet"]
    assert rows(
        warehouse, "select buyer_name_published from marts.dim_buyer where buyer_key = ?", [BUYER_MOJIBAKE]
    ) == [(CLEAN_TEXT["acheteur.nom"],)]
    assert rows(warehouse, "select company_name_published from marts.dim_company where company_id = ?", [HOLDER_3]) == [
        (CLEAN_TEXT["titulaires[1].denominationSociale"],)
    ]
    repaired = {
        (field, published, issue)
        for field, published, issue in rows(
            warehouse,
            "select field, published_value, issue from audit.decp_record_issues where issue like 'texte mal décodé%'",
        )
    }
    assert repaired == {
        (field, MOJIBAKE[field], f"texte mal décodé (UTF-8 lu comme Latin-1/Windows-1252) réparé : {text}")
        for field, text in CLEAN_TEXT.items()
    }
    [(raw,)] = rows(
        warehouse, "select record from raw_decp.decp_records where json_extract_string(record, '$.id') = 'R-MOJI'"
    )
    assert json.loads(raw)["objet"] == MOJIBAKE["objet"]  # raw keeps the value as published


# ------------------------------------------------------------------ CPV
@pytest.mark.parametrize("contract_id", ["R-CPV7", "R-CPV7X", "R-CPVX"])
def test_cpv_codes(warehouse: Path, contract_id: str) -> None:
    published = next(r for r in RECORDS if r["id"] == contract_id)["codeCPV"]
    digits = published.split("-")[0]
    if len(digits) == 7 and "0" + digits in CPV_2008:
        expected = ("0" + digits, "code CPV à 7 chiffres : zéro initial restauré")
    elif len(digits) == 7:
        expected = (None, "code CPV illisible")
    else:
        expected = (digits, None if digits in CPV_2008 else "code CPV absent du CPV 2008")
    assert (contract(warehouse, contract_id, "cpv_code"), contract(warehouse, contract_id, "cpv_issue")) == expected
    assert ("codeCPV", expected[1]) in issues(warehouse, contract_id)


# ------------------------------------------------------------------ dates
def test_impossible_dates_are_flagged(warehouse: Path) -> None:
    published = next(r for r in RECORDS if r["id"] == "R-DATES")
    assert published["datePublicationDonnees"] < published["dateNotification"]
    assert contract(warehouse, "R-DATES", "is_published_before_notification") is True
    assert contract(warehouse, "R-HOLD", "is_published_before_notification") is False
    assert contract(warehouse, "R-DATES", "modification_date_issue_count") == 2
    assert {
        ("datePublicationDonnees", "données publiées avant la notification du contrat"),
        ("modifications[1].dateNotificationModification", "modification datée avant la notification du contrat"),
        ("modifications[2].dateNotificationModification", "modification datée dans le futur"),
    } <= issues(warehouse, "R-DATES")


@pytest.mark.parametrize("contract_id", ["R-UNDATED", "R-UNDATED-ONLY", "R-DATES"])
def test_undated_modifications_come_before_dated_ones(warehouse: Path, contract_id: str) -> None:
    published = next(r for r in RECORDS if r["id"] == contract_id)
    ordered = sorted(
        enumerate(published["modifications"], start=1),
        key=lambda item: (
            "dateNotificationModification" in item[1],
            item[1].get("dateNotificationModification", ""),
            item[0],
        ),
    )
    amounts = [m["montant"] for _, m in ordered if "montant" in m]
    expected = float(amounts[-1] if amounts else published["montant"])
    assert contract(warehouse, contract_id, "current_amount_eur") == expected


# ------------------------------------------------------------------ the "DECP valides" tabular layout
def valides_expected(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        published = list(csv.DictReader(handle, delimiter=";"))
    contracts: dict[tuple[str, str], dict[str, Any]] = {}
    for row in published:
        key = (row["acheteur.id"], row["id"])
        entry = contracts.setdefault(key, {"holders": [], "modifications": [], "montant": float(row["montant"])})
        for k in (1, 2, 3):
            holder = (row.get(f"titulaire_id_{k}") or "").strip()
            if holder and holder not in entry["holders"]:
                entry["holders"].append(holder)
        if any(
            (row.get(c) or "").strip()
            for c in ("idModification", "montantModification", "dureeMoisModification", "dateNotificationModification")
        ):
            entry["modifications"].append(row)
    for entry in contracts.values():
        ordered = sorted(
            enumerate(entry["modifications"]),
            key=lambda item: (
                bool(item[1]["dateNotificationModification"]),
                item[1]["dateNotificationModification"],
                item[0],
            ),
        )
        amounts = [float(m["montantModification"]) for _, m in ordered if m["montantModification"]]
        entry["current_amount"] = amounts[-1] if amounts else entry["montant"]
    return contracts


@pytest.mark.parametrize("path", [VALIDES_2019, VALIDES_2022], ids=["2019", "2022"])
def test_decp_valides_layout_is_loaded_like_decp_info(warehouse: Path, path: Path) -> None:
    expected = valides_expected(path)
    actual = {
        (buyer, contract_id): (holders, modifications, amount)
        for buyer, contract_id, holders, modifications, amount in rows(
            warehouse,
            "select buyer_siret, contract_id, holder_count, modification_count, current_amount_eur "
            "from marts.fct_contracts where source_file like ?",
            [f"%{path.name}"],
        )
    }
    assert actual == {
        key: (len(entry["holders"]), len(entry["modifications"]), entry["current_amount"])
        for key, entry in expected.items()
    }
    layout = "decp_valides_2022" if "2022" in path.name else "decp_valides_2019"
    assert rows(
        warehouse, "select distinct layout from raw_decp.decp_tabular_rows where source_file like ?", [f"%{path.name}"]
    ) == [(layout,)]


def test_decp_valides_2022_details(warehouse: Path) -> None:
    assert contract(warehouse, "V22-001", "current_duration_months") == 30
    assert contract(warehouse, "V22-002", "cpv_code") == "03000000"
    assert rows(
        warehouse,
        "select id_acte_sous_traitance, id_sous_traitant from raw_decp.decp_tabular_rows where id = 'V22-002'",
    ) == [("ST-1", "44306184100047")]


# ------------------------------------------------------------------ deduplication independent of file names
def checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Every mart, without the columns that name a file or a load."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set search_path = 'marts,audit'")
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema in ('marts', 'audit') "
            "and column_name not like '%load_id' and column_name <> 'source_file' order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(f'"{column}"')
        return {
            table: con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f"from (select md5(row({', '.join(names)})::varchar) as h from {table})"
            ).fetchone()
            for table, names in columns.items()
        }


def test_tie_break_is_the_content_not_the_file_name(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    # independent expectation: the file whose content has the smaller SHA-256 wins a tie
    winner = min((TIE_X, TIE_Y), key=lambda r: hashlib.sha256(json_2019(r)).hexdigest())
    assert contract(warehouse, "R-TIE", "contract_object") == winner["objet"]
    moved = build(tmp_path_factory.mktemp("decp_rules_moved"), MOVED)
    assert contract(moved, "R-TIE", "contract_object") == winner["objet"]
    # the same marts from a second build, whose files bear other names (so the build is also deterministic)
    first, second = checksums(warehouse), checksums(moved)
    assert first == second and first["fct_contracts"][0] > 0
