"""DECP marts checked against the published files, with expected values computed here from the source."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from stdnum.fr import siret
from support import DECP_DEMO, FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("decp_warehouses")]

BIG_2019 = DECP_DEMO / "real_2019_format/decp-json_marches-publics.info_2019-03-07.json"
PER_BUYER_ZIP = DECP_DEMO / "real_2019_format/decp-json_data.gouv.fr_pes-json_2019-02-01_per-buyer-files.zip"
ALTERED_2024 = DECP_DEMO / "real_2024_format/eclaireur-public_tests_raw_2024_altered.json"
OFFICIAL_MARCHES = DECP_DEMO / "official_examples/v2.0/marches_avec_modifications.json"
OFFICIAL_CONCESSIONS = DECP_DEMO / "official_examples/v2.0/concessions_avec_modifications.json"
VARIANTS = FIXTURES / "decp/considerations_variants_2024.json"
XML_TEST2022 = FIXTURES / "decp/TEST2022_marche_from_official_json.xml"


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def big_2019(build_decp_warehouse) -> Path:
    return build_decp_warehouse("big_2019", [BIG_2019])


@pytest.fixture(scope="module")
def mixed_2024(build_decp_warehouse) -> Path:
    return build_decp_warehouse(
        "mixed_2024", [OFFICIAL_MARCHES, OFFICIAL_CONCESSIONS, VARIANTS, ALTERED_2024, PER_BUYER_ZIP]
    )


def published_2019() -> list[dict[str, Any]]:
    return json.loads(BIG_2019.read_text(encoding="utf-8"))["marches"]


def buyer_of(record: dict[str, Any]) -> str | None:
    buyer = record.get("acheteur") or record.get("autoriteConcedante") or {}
    value = (buyer.get("id") or "").strip()
    return value or None


# ------------------------------------------------------------------ 2019 file, 4,509 real records
def test_contracts_plus_rejects_equal_distinct_buyer_contract_pairs(big_2019: Path) -> None:
    pairs = {(buyer_of(r), (r.get("id") or "").strip() or None) for r in published_2019()}
    [(contracts,)] = query(big_2019, "select count(*) from marts.fct_contracts")
    [(rejects,)] = query(big_2019, "select count(*) from audit.rejected_contract_records")
    assert contracts + rejects == len(pairs)
    # and every published record has a fate
    [(fates,)] = query(big_2019, "select count(*) from audit.contract_record_lineage")
    assert fates == 4509


def test_annecy_999999999_montant_is_flagged(big_2019: Path) -> None:
    [annecy] = [r for r in published_2019() if r["id"] == "2018E030000"]
    rows = query(
        big_2019,
        "select initial_amount_eur, is_amount_anomalous, amount_anomaly_reason, contract_object "
        "from marts.fct_contracts where contract_id = ? and buyer_siret = ?",
        [annecy["id"], annecy["acheteur"]["id"]],
    )
    assert rows == [(999999999.0, True, "montant fait d'un seul chiffre répété", annecy["objet"])]


def test_invalid_buyer_sirets_are_flagged_not_dropped(big_2019: Path) -> None:
    records_with_invalid_buyer = [r for r in published_2019() if not siret.is_valid(buyer_of(r) or "")]
    invalid = {buyer_of(r) for r in records_with_invalid_buyer}
    assert len(records_with_invalid_buyer) == 8  # 8 records, 5 distinct SIRETs (python-stdnum's rule)
    flagged = {
        row[0] for row in query(big_2019, "select buyer_siret from marts.fct_contracts where not is_buyer_siret_valid")
    }
    assert flagged == invalid
    issues = query(big_2019, "select published_value from audit.decp_record_issues where field = 'acheteur.id'")
    assert sorted(row[0] for row in issues) == sorted(buyer_of(r) for r in records_with_invalid_buyer)
    [(kept,)] = query(
        big_2019,
        "select count(*) from audit.contract_record_lineage l join audit.decp_record_issues i "
        "using (record_key) where i.field = 'acheteur.id' and l.record_fate in ('retained', 'superseded')",
    )
    assert kept == 8


def test_amounts_below_one_euro_are_flagged(big_2019: Path) -> None:
    def amount(record: dict[str, Any]) -> float:
        return float(record["montant"] if "montant" in record else record["valeurGlobale"])

    expected = {(buyer_of(r), r["id"]) for r in published_2019() if amount(r) < 1}
    flagged = set(
        query(
            big_2019,
            "select buyer_siret, contract_id from marts.fct_contracts "
            "where amount_anomaly_reason = 'montant inférieur à 1 euro'",
        )
    )
    assert flagged == expected and len(expected) == 55


def test_2019_records_have_unknown_social_considerations_not_no(big_2019: Path) -> None:
    rows = query(
        big_2019,
        "select social_considerations_known, has_social_clause, has_social_consideration, count(*) "
        "from marts.fct_contracts group by all",
    )
    [(contracts,)] = query(big_2019, "select count(*) from marts.fct_contracts")
    assert rows == [(False, None, None, contracts)]


# ------------------------------------------------------------------ 2024 format, official examples
def expected_contract(record: dict[str, Any], record_type: str) -> dict[str, Any]:
    """The mart row a published 2024 record must give, computed from the JSON itself."""
    modifications = [m["modification"] for m in record.get("modifications", [])]
    amount_key = "montant" if record_type == "marche" else "valeurGlobale"
    holders_key, holder_wrapper = (
        ("titulaires", "titulaire") if record_type == "marche" else ("concessionnaires", "concessionnaire")
    )
    holders = [h[holder_wrapper]["id"] for h in record[holders_key]]
    for modification in modifications:
        if modification.get("titulaires"):
            holders = [h["titulaire"]["id"] for h in modification["titulaires"]]
    last_amount = [m[amount_key] for m in modifications if amount_key in m]
    last_duration = [m["dureeMois"] for m in modifications if "dureeMois" in m]
    considerations = record["considerationsSociales"]["considerationSociale"]
    return {
        "contract_id": record["id"],
        "buyer_siret": (record.get("acheteur") or record.get("autoriteConcedante"))["id"],
        "record_type": record_type,
        "nature": record["nature"],
        "contract_object": record["objet"],
        "procedure": record["procedure"],
        "notification_date": record.get("dateNotification") or record.get("dateSignature"),
        "publication_date": record["datePublicationDonnees"],
        "initial_amount_eur": float(record[amount_key]),
        "current_amount_eur": float(last_amount[-1] if last_amount else record[amount_key]),
        "initial_duration_months": int(record["dureeMois"]),
        "current_duration_months": int(last_duration[-1] if last_duration else record["dureeMois"]),
        "modification_count": len(modifications),
        "has_social_clause": "Clause sociale" in considerations,
        "has_social_criterion": "Critère social" in considerations,
        "is_reserved_contract": any(c in ("Marché réservé", "Concession réservée") for c in considerations),
        "current_holders": sorted(holders),
        "cpv_code": record["codeCPV"][:8] if "codeCPV" in record else None,
    }


def mart_contract(warehouse: Path, buyer: str, contract_id: str) -> dict[str, Any]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(
            "select * from marts.fct_contracts where buyer_siret = ? and contract_id = ?", [buyer, contract_id]
        ).df()
        holders = sorted(
            r[0]
            for r in con.execute(
                "select holder_id from marts.fct_contract_holders h join marts.fct_contracts c using (contract_key) "
                "where c.buyer_siret = ? and c.contract_id = ? and is_current_holder",
                [buyer, contract_id],
            ).fetchall()
        )
    assert len(frame) == 1, f"{buyer}/{contract_id}: {len(frame)} rows"
    row = {
        key: (None if isinstance(value, float) and math.isnan(value) else value)
        for key, value in frame.iloc[0].to_dict().items()
    }
    row["current_holders"] = holders
    for key in ("notification_date", "publication_date"):
        row[key] = row[key].strftime("%Y-%m-%d") if row[key] is not None else None
    return row


@pytest.mark.parametrize(
    ("path", "container", "record_type"),
    [(OFFICIAL_MARCHES, "marche", "marche"), (OFFICIAL_CONCESSIONS, "contrat-concession", "concession")],
)
def test_official_2024_examples_every_field_matches_the_source(
    mixed_2024: Path, path: Path, container: str, record_type: str
) -> None:
    records = json.loads(path.read_text(encoding="utf-8"))["marches"][container]
    assert records
    for record in records:
        expected = expected_contract(record, record_type)
        actual = mart_contract(mixed_2024, expected["buyer_siret"], expected["contract_id"])
        assert {k: actual[k] for k in expected} == expected
        assert bool(actual["social_considerations_known"])


def test_social_consideration_spellings_give_the_right_flags(mixed_2024: Path) -> None:
    rows = {
        r[0]: r[1:]
        for r in query(
            mixed_2024,
            "select contract_id, social_considerations_known, has_social_clause, has_social_criterion, "
            "is_reserved_contract, has_social_consideration from marts.fct_contracts where contract_id like 'VAR-%'",
        )
    }
    assert rows == {
        "VAR-RESERVE": (True, False, False, True, True),
        "VAR-NONE": (True, False, False, False, False),
        "VAR-MISSING": (False, None, None, None, None),
        "VAR-UNREADABLE": (False, None, None, None, None),
        "VAR-CONC-RESERVEE": (True, True, False, True, True),
    }
    [(issue,)] = query(
        mixed_2024,
        "select issue from audit.decp_record_issues i join audit.contract_record_lineage l using (record_key) "
        "where i.field = 'considerationsSociales' and l.source_file like '%considerations_variants%'",
    )
    assert issue.startswith("considérations sociales illisibles")


def test_same_contract_in_json_and_xml_gives_the_same_mart_row(build_decp_warehouse, mixed_2024: Path) -> None:
    from_xml = build_decp_warehouse("xml_test2022", [XML_TEST2022])
    lineage_columns = {"source_file", "source_record_index", "source_record_key", "load_id"}
    json_row = mart_contract(mixed_2024, "21750001630066", "TEST2022")
    xml_row = mart_contract(from_xml, "21750001630066", "TEST2022")
    assert {k: v for k, v in xml_row.items() if k not in lineage_columns} == {
        k: v for k, v in json_row.items() if k not in lineage_columns
    }


def test_per_buyer_zip_loads_all_110_files(mixed_2024: Path) -> None:
    with zipfile.ZipFile(PER_BUYER_ZIP) as zf:
        published = {m: len(json.loads(zf.read(m))["marches"]) for m in zf.namelist() if m.endswith(".json")}
    audit = dict(
        query(
            mixed_2024,
            "select split_part(source_file, '!', 2), records_read from raw_decp.decp_load_audit "
            "where source_file like '%per-buyer-files.zip!%' and status = 'loaded'",
        )
    )
    assert audit == published and len(audit) == 110


def test_altered_2024_file_loads_what_it_can_and_reports_the_rest(mixed_2024: Path) -> None:
    published = json.loads(ALTERED_2024.read_text(encoding="utf-8"))["marches"]["marche"]
    [(status, read)] = query(
        mixed_2024,
        "select status, records_read from raw_decp.decp_load_audit where source_file like '%altered%'",
    )
    assert (status, read) == ("loaded", len(published))
    bad_publication_dates = sum(1 for r in published if r.get("datePublicationDonnees") == "test")
    reported = query(
        mixed_2024,
        "select count(*) from audit.decp_record_issues where source_file like '%altered%' "
        "and field = 'datePublicationDonnees' and published_value = 'test' and issue = 'date de publication illisible'",
    )
    assert bad_publication_dates > 0 and reported == [(bad_publication_dates,)]
