"""DECP cases: every input is built here from real published records (a 2019 record of the Ville de Noisy-le-Sec
from marches-publics.info, the official 2024 examples of the format, rows of the decp.info tabular file).

``expect`` of a DECP case:
    files   — (name, status, records_read, error fragment or None) of every ``raw_decp.decp_load_audit`` row of
              the case (name = path relative to the inbox, ``archive.zip!member`` for archive members)
    fates   — counts of ``audit.contract_record_lineage.record_fate`` for the case's records
    rejects — reasons of ``audit.rejected_contract_records`` rows of the case (sorted)
    issues  — (field, issue) of ``audit.decp_record_issues`` rows of the case (sorted)
    check   — optional SQL returning one boolean row: a value of the case checked in the marts
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from corpus import Case, check_unique_ids, write, zip_bytes

from dlt_sources.decp.shape import LIST_WRAPPERS
from observatoire.settings import DEMO_DATA_DIR

DECP_DEMO = DEMO_DATA_DIR / "decp"
NOISY = "21930053000017"  # Ville de Noisy-le-Sec (valid SIRET)
PUBLISHED_2019 = json.loads(
    (DECP_DEMO / "real_2019_format/decp-json_marches-publics.info_2019-03-07.json").read_text(encoding="utf-8")
)["marches"]
#: Travaux d'aménagement d'une Micro Folie, Noisy-le-Sec, as published on marches-publics.info in January 2019
BASE_2019: dict[str, Any] = next(r for r in PUBLISHED_2019 if r["id"] == "2019184644100")
#: The official 2024-format example "TEST2022" (social clause and criterion), bought by Noisy-le-Sec here
BASE_2024: dict[str, Any] = {
    **json.loads((DECP_DEMO / "official_examples/v2.0/marches_avec_modifications.json").read_text(encoding="utf-8"))[
        "marches"
    ]["marche"][0],
    "acheteur": {"id": NOISY},
}
#: The official 2024-format concession example, granted by Noisy-le-Sec here
BASE_CONCESSION: dict[str, Any] = {
    **json.loads((DECP_DEMO / "official_examples/v2.0/concessions.json").read_text(encoding="utf-8"))["marches"][
        "contrat-concession"
    ][0],
    "autoriteConcedante": {"id": NOISY},
}
TABULAR_FILE = DECP_DEMO / "real_tabular/decp-info-tabular_2024H2_travaux_cpv4521.csv"


def _tabular_rows() -> tuple[list[str], list[dict[str, str]]]:
    with TABULAR_FILE.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if row["acheteur_id"] == "21930070400018"][:3]  # Saint-Ouen-sur-Seine
        return list(reader.fieldnames or []), rows


TABULAR_HEADER, TABULAR_ROWS = _tabular_rows()


def record(case_id: str, number: int = 1, base: dict[str, Any] = BASE_2019, **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with id ``<case>-<number>`` and ``changes`` applied (None removes the key)."""
    result = copy.deepcopy(base)
    result["id"] = f"{case_id}-{number}"
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def json_2019(*records: dict[str, Any]) -> bytes:
    return json.dumps({"marches": list(records)}, ensure_ascii=False, indent=1).encode()


def json_2024(marches: Any, concessions: Any = None) -> bytes:
    document: dict[str, Any] = {"marche": marches}
    if concessions is not None:
        document["contrat-concession"] = concessions
    return json.dumps({"marches": document}, ensure_ascii=False, indent=1).encode()


def _xml_element(tag: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        inner = "".join(_xml_element(LIST_WRAPPERS.get(tag, "item"), item) for item in value)
    else:
        inner = escape(str(value))
    return f"<{tag}>{inner}</{tag}>"


def xml_doc(*records: dict[str, Any], declaration: str = "") -> str:
    """A DECP XML document (``<marches><marche>…``) of 2019-layout records, as the published XML files are."""
    body = "".join(_xml_element("marche", {k: v for k, v in r.items() if k != "_type"}) for r in records)
    return f"{declaration}<marches>{body}</marches>\n"


def tabular(rows: list[dict[str, str]], header: list[str] = TABULAR_HEADER, delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=delimiter, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def tabular_rows(case_id: str, **changes: str) -> list[dict[str, str]]:
    return [
        {**row, "id": f"{case_id}-{n}", "uid": f"{row['acheteur_id']}{case_id}-{n}", **changes}
        for n, row in enumerate(TABULAR_ROWS, start=1)
    ]


def _zero_bomb(path: Path, good: bytes) -> None:
    """110 MiB of zeros compressed to about 110 KB, beside a good member."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("D40_ok.json", good)
        with archive.open("bomb.json", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(110):
                member.write(chunk)


def _understated_size(path: Path, data: bytes) -> None:
    """A member whose headers announce 100 bytes while its data inflate to the whole document."""
    raw = bytearray(zip_bytes({"understated.json": data}))
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, local + 22, 100)
    struct.pack_into("<I", raw, central + 24, 100)
    path.write_bytes(bytes(raw))


def _corrupt_member(path: Path, data: bytes) -> None:
    raw = bytearray(zip_bytes({"corrupt.json": data}))
    start = 30 + len("corrupt.json") + 40  # inside the deflated data of the member
    for position in range(start, start + 16):
        raw[position] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncated_2019(case_id: str) -> bytes:
    text = json_2019(*(record(case_id, n) for n in (1, 2, 3))).decode()
    return text[: text.index(f'"id": "{case_id}-2"')].encode()  # cut inside record 2


def _nan_2019(case_id: str) -> bytes:
    text = json_2019(record(case_id, 1), record(case_id, 2)).decode()
    return text.replace('"montant": 544763', '"montant": NaN', 1).encode()


#: Luhn key of the 14 digits right, SIREN (219300531) key wrong: invalid for python-stdnum (checked in the case)
SIREN_INVALID_SIRET = "21930053100007"
LOST = "\ufffd"
#: text as it was, and what a UTF-8 file read as Windows-1252 made of it
CLEAN_OBJECT = "Rénovation de l’école Émile-Zola – cœur d’îlot"
MOJIBAKE_OBJECT = CLEAN_OBJECT.encode("utf-8").decode("cp1252")


def _modification(date: str | None, **fields: Any) -> dict[str, Any]:
    result = {"objetModification": "avenant", "datePublicationDonneesModification": "2019-12-01", **fields}
    if date is not None:
        result["dateNotificationModification"] = date
    return result


VALIDES_HEADER = [
    "titulaire_denominationSociale_1", "titulaire_id_1", "titulaire_typeIdentifiant_1",
    "titulaire_denominationSociale_2", "titulaire_id_2", "titulaire_typeIdentifiant_2", "procedure", "nature",
    "codeCPV", "dureeMois", "datePublicationDonnees", "id", "dateNotification", "objet", "montant", "acheteur.id",
    "acheteur.nom", "booleanModification", "objetModification", "dureeMoisModification", "montantModification",
    "dateNotificationModification", "idModification",
]  # fmt: skip


def valides_rows(case_id: str) -> list[dict[str, str]]:
    """One record of BASE_2019 with two holders and two modifications: two rows of the "DECP valides" layout."""
    common = {
        "titulaire_denominationSociale_1": "ABATECH", "titulaire_id_1": "48080837700042",
        "titulaire_typeIdentifiant_1": "SIRET", "titulaire_denominationSociale_2": "SECOND TITULAIRE",
        "titulaire_id_2": "44306184100047", "titulaire_typeIdentifiant_2": "SIRET", "procedure": "Procédure adaptée",
        "nature": "Marché", "codeCPV": "45110000-1", "dureeMois": "6", "datePublicationDonnees": "2019-01-29",
        "id": f"{case_id}-1", "dateNotification": "2019-01-22", "objet": BASE_2019["objet"], "montant": "544763",
        "acheteur.id": NOISY, "acheteur.nom": "Ville de Noisy-le-Sec", "booleanModification": "1",
    }  # fmt: skip
    return [
        {**common, "objetModification": "avenant 1", "montantModification": "600000",
         "dateNotificationModification": "2019-06-01", "idModification": "1"},
        {**common, "objetModification": "avenant 2", "dureeMoisModification": "9",
         "dateNotificationModification": "2019-09-01", "idModification": "2"},
    ]  # fmt: skip


TIE_FIRST = json_2019(record("D66", objet="Version publiée par la plateforme A"))
TIE_SECOND = json_2019(record("D66", objet="Version publiée par la plateforme B"))
#: the file whose content has the smaller SHA-256 wins a tie (computed here, independently)
TIE_WINNER = min((TIE_FIRST, TIE_SECOND), key=lambda content: hashlib.sha256(content).hexdigest())
TIE_WINNER_OBJECT = json.loads(TIE_WINNER)["marches"][0]["objet"]


XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE marches [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)

NO_ISSUE: list[tuple[str, str]] = []
ONE_CONTRACT = {"retained": 1}


def _case(case_id: str, description: str, build, outcome: str, **expect: Any) -> Case:
    expect.setdefault("fates", {})
    expect.setdefault("rejects", [])
    expect.setdefault("issues", [])
    return Case(case_id, description, build, outcome, expect)


CASES: list[Case] = check_unique_ids(
    [
        # ------------------------------------------------------------------ controls
        _case(
            "D01",
            "clean 2019-format JSON record (control)",
            lambda d: write(d / "D01_clean_2019.json", json_2019(record("D01"))),
            "loaded; one contract, no issue",
            files=[("D01_clean_2019.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D02",
            "clean 2024-format JSON record (control)",
            lambda d: write(d / "D02_clean_2024.json", json_2024([record("D02", base=BASE_2024)])),
            "loaded; one contract with its social clause; the official example's modification is dated 2022-10-18, "
            "before its notification (2024-05-15): issue 'modification datée avant la notification du contrat'",
            files=[("D02_clean_2024.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("modifications[1].dateNotificationModification", "modification datée avant la notification du contrat")
            ],
            check="select has_social_clause and has_social_criterion from marts.fct_contracts "
            "where contract_id = 'D02-1'",
        ),
        # ------------------------------------------------------------------ broken JSON documents
        _case(
            "D03",
            "JSON truncated inside its 2nd record",
            lambda d: write(d / "D03_truncated.json", _truncated_2019("D03")),
            "partial: the record before the cut loaded, error 'invalid JSON after record 1'",
            files=[("D03_truncated.json", "partial", 1, "invalid JSON after record 1")],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D04",
            "malformed JSON: no comma between two records",
            lambda d: write(
                d / "D04_malformed.json",
                '{"marches": [' + json.dumps(record("D04", 1)) + " " + json.dumps(record("D04", 2)) + "]}",
            ),
            "partial: record 1 loaded, error 'invalid JSON after record 1'",
            files=[("D04_malformed.json", "partial", 1, "invalid JSON after record 1")],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D05",
            "empty JSON file (0 bytes)",
            lambda d: write(d / "D05_empty.json", b""),
            "failed: 'empty document (0 bytes)'",
            files=[("D05_empty.json", "failed", 0, "empty document (0 bytes)")],
        ),
        _case(
            "D06",
            'a JSON array where the object {"marches": ...} is expected',
            lambda d: write(d / "D06_array.json", json.dumps([record("D06")])),
            "failed: 'top-level JSON array: expected an object'",
            files=[("D06_array.json", "failed", 0, 'top-level JSON array: expected an object {"marches": ...}')],
        ),
        _case(
            "D07",
            "'marches' holds a string instead of a list or an object",
            lambda d: write(d / "D07_marches_string.json", '{"marches": "voir le fichier joint"}'),
            "failed: \"'marches' is a JSON string\"",
            files=[("D07_marches_string.json", "failed", 0, "'marches' is a JSON string: expected a list")],
        ),
        _case(
            "D08",
            "a JSON file that is not DECP (no 'marches' key)",
            lambda d: write(d / "D08_not_decp.json", json.dumps({"data": [record("D08")]})),
            "failed: \"no 'marches' key at the top level\"",
            files=[("D08_not_decp.json", "failed", 0, "no 'marches' key at the top level: not a DECP file")],
        ),
        _case(
            "D09",
            "2024 layout where a one-record list is published as the record alone (XML→JSON artefact)",
            lambda d: write(
                d / "D09_lone_records.json",
                json_2024([record("D09", 1, BASE_2024)], concessions=record("D09", 2, BASE_CONCESSION)),
            ),
            "loaded: the marché of the list and the lone concession, two contracts (the concession example has no "
            "CPV: issue 'code CPV absent'; the marché example's modification predates its notification)",
            files=[("D09_lone_records.json", "loaded", 2, None)],
            fates={"retained": 2},
            issues=[
                ("codeCPV", "code CPV absent"),
                (
                    "modifications[1].dateNotificationModification",
                    "modification datée avant la notification du contrat",
                ),
            ],  # official examples: no CPV, dates
        ),
        _case(
            "D10",
            "a record that is a string between two records",
            lambda d: write(
                d / "D10_string_record.json",
                json_2019(record("D10", 1), "D10-2", record("D10", 3)),  # type: ignore[arg-type]
            ),
            "partial: record 0 loaded, reading stops at 'record 1 is a JSON str, expected an object'",
            files=[("D10_string_record.json", "partial", 1, "record 1 is a JSON str, expected an object")],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D11",
            "JSON with a UTF-8 byte order mark (Windows tools)",
            lambda d: write(d / "D11_bom.json", b"\xef\xbb\xbf" + json_2019(record("D11"))),
            "loaded",
            files=[("D11_bom.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D12",
            "JSON encoded in Windows-1252 (read as UTF-8)",
            lambda d: write(d / "D12_cp1252.json", json_2019(record("D12")).decode(), "cp1252"),
            "failed: 'the document is not UTF-8 text (Windows-1252?)'",
            files=[("D12_cp1252.json", "failed", 0, "the document is not UTF-8 text (Windows-1252?)")],
        ),
        _case(
            "D13",
            "JSON nesting bomb: 100,000 nested arrays (200 KB)",
            lambda d: write(d / "D13_nesting_bomb.json", b'{"marches": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"),
            "failed: 'JSON nested deeper than 64 levels', memory stays flat",
            files=[("D13_nesting_bomb.json", "failed", 0, "JSON nested deeper than 64 levels")],
        ),
        _case(
            "D14",
            "bare NaN as a montant (non-standard JSON some publishers write)",
            lambda d: write(d / "D14_nan.json", _nan_2019("D14")),
            "loaded through the lenient parser; NaN montant → issue 'montant absent ou non numérique'",
            files=[("D14_nan.json", "loaded", 2, None)],
            fates={"retained": 2},
            issues=[("montant", "montant absent ou non numérique")],
        ),
        _case(
            "D54",
            "two records, the first with a bare NaN montant, then a nesting bomb",
            lambda d: write(
                d / "D54_nan_then_bomb.json",
                _nan_2019("D54").decode().rsplit("]", 1)[0].encode() + b", " + b"[" * 100_000 + b"]" * 100_000 + b"]}",
            ),
            "partial: the two records loaded (NaN montant → issue), then 'invalid JSON after record 2: JSON nested "
            "deeper than 64 levels'",
            files=[("D54_nan_then_bomb.json", "partial", 2, "invalid JSON after record 2: JSON nested deeper than 64")],
            fates={"retained": 2},
            issues=[("montant", "montant absent ou non numérique")],
        ),
        # ------------------------------------------------------------------ broken XML documents
        _case(
            "D15",
            "XML truncated inside its 2nd record",
            lambda d: write(
                d / "D15_truncated.xml",
                (text := xml_doc(record("D15", 1), record("D15", 2)))[: text.index("D15-2") + 3],
            ),
            "partial: record 1 loaded, error 'invalid XML after record 1'",
            files=[("D15_truncated.xml", "partial", 1, "invalid XML after record 1")],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D16",
            "malformed XML: mismatched closing tag in the 1st record",
            lambda d: write(d / "D16_malformed.xml", xml_doc(record("D16")).replace("</objet>", "</object>", 1)),
            "failed: 'invalid XML after record 0: Opening and ending tag mismatch'",
            files=[("D16_malformed.xml", "failed", 0, "invalid XML after record 0: Opening and ending tag mismatch")],
        ),
        _case(
            "D17",
            "an HTML error page saved as .xml",
            lambda d: write(d / "D17_html.xml", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            "failed: 'XML root element <html>: expected <marches>'",
            files=[("D17_html.xml", "failed", 0, "XML root element <html>: expected <marches>")],
        ),
        _case(
            "D18",
            "XML in Windows-1252 without an encoding declaration",
            lambda d: write(d / "D18_cp1252.xml", xml_doc(record("D18")), "cp1252"),
            "failed: 'Invalid bytes in character encoding'",
            files=[("D18_cp1252.xml", "failed", 0, "Invalid bytes in character encoding")],
        ),
        _case(
            "D19",
            "XML in ISO-8859-1 with its encoding declaration",
            lambda d: write(
                d / "D19_latin1.xml",
                xml_doc(record("D19"), declaration='<?xml version="1.0" encoding="ISO-8859-1"?>\n'),
                "latin-1",
            ),
            "loaded, accents read right",
            files=[("D19_latin1.xml", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            check="select contract_object = "
            "'Travaux d''aménagement d''une Micro Folie à la ferme Merlan à Noisy-le-Sec' "
            "from marts.fct_contracts where contract_id = 'D19-1'",
        ),
        _case(
            "D20",
            "XML with an external entity (XXE) as id and an entity expansion (billion laughs) as objet",
            lambda d: write(
                d / "D20_entities.xml",
                xml_doc(record("D20", id=None, objet="&lol3;"), declaration=XXE).replace(
                    "<marche>", "<marche><id>&xxe;</id>", 1
                ),
            ),
            "loaded, no entity resolved: the record has no id → rejected 'identifiant du contrat (id) absent'",
            files=[("D20_entities.xml", "loaded", 1, None)],
            fates={"rejected": 1},
            rejects=["identifiant du contrat (id) absent"],
            check="select count(*) = 1 and bool_and(strpos(record, 'root:') = 0 and strpos(record, 'lollol') = 0) "
            "from raw_decp.decp_records where strpos(source_file, '/D20_') > 0",
        ),
        # ------------------------------------------------------------------ records that cannot make a contract
        _case(
            "D21",
            "record without id",
            lambda d: write(d / "D21_no_id.json", json_2019(record("D21", id=None))),
            "loaded; rejected 'identifiant du contrat (id) absent'",
            files=[("D21_no_id.json", "loaded", 1, None)],
            fates={"rejected": 1},
            rejects=["identifiant du contrat (id) absent"],
        ),
        _case(
            "D22",
            "record without buyer",
            lambda d: write(d / "D22_no_buyer.json", json_2019(record("D22", acheteur=None))),
            'loaded; rejected "identifiant de l\'acheteur (acheteur.id) absent"; issue acheteur.id',
            files=[("D22_no_buyer.json", "loaded", 1, None)],
            fates={"rejected": 1},
            rejects=["identifiant de l'acheteur (acheteur.id) absent"],
            issues=[("acheteur.id", "identifiant de l'acheteur absent")],
        ),
        # ------------------------------------------------------------------ values flagged, records kept
        _case(
            "D23",
            "buyer SIRET failing the Luhn check",
            lambda d: write(
                d / "D23_bad_buyer_siret.json",
                json_2019(record("D23", acheteur={"id": "21930053000018", "nom": "Ville de Noisy-le-Sec"})),
            ),
            "contract kept with is_buyer_siret_valid = false; issue acheteur.id 'SIRET de l'acheteur invalide'",
            files=[("D23_bad_buyer_siret.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("acheteur.id", "SIRET de l'acheteur invalide (14 chiffres, clé de Luhn du SIRET et du SIREN)")],
            check="select not is_buyer_siret_valid from marts.fct_contracts where contract_id = 'D23-1'",
        ),
        _case(
            "D24",
            "holder SIRET of 13 digits",
            lambda d: write(
                d / "D24_bad_holder_siret.json",
                json_2019(
                    record(
                        "D24",
                        titulaires=[
                            {"denominationSociale": "ABATECH", "id": "4808083770004", "typeIdentifiant": "SIRET"}
                        ],
                    )
                ),
            ),
            "contract and holder kept; dim_company.is_siret_valid = false",
            files=[("D24_bad_holder_siret.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            check="select not is_siret_valid from marts.dim_company where company_id = '4808083770004'",
        ),
        _case(
            "D25",
            "montant 0",
            lambda d: write(d / "D25_montant_zero.json", json_2019(record("D25", montant=0))),
            "contract kept, is_amount_anomalous; issue montant 'montant inférieur à 1 euro'",
            files=[("D25_montant_zero.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("montant", "montant inférieur à 1 euro")],
            check="select is_amount_anomalous from marts.fct_contracts where contract_id = 'D25-1'",
        ),
        _case(
            "D26",
            "negative montant",
            lambda d: write(d / "D26_montant_negative.json", json_2019(record("D26", montant=-544763))),
            "contract kept, is_amount_anomalous; issue montant 'montant inférieur à 1 euro'",
            files=[("D26_montant_negative.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("montant", "montant inférieur à 1 euro")],
        ),
        _case(
            "D27",
            "montant 999999999 (filler)",
            lambda d: write(d / "D27_montant_999999999.json", json_2019(record("D27", montant=999999999))),
            'contract kept, is_amount_anomalous; issue montant "montant fait d\'un seul chiffre répété"',
            files=[("D27_montant_999999999.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("montant", "montant fait d'un seul chiffre répété")],
        ),
        _case(
            "D28",
            "montant 'NC' (not a number)",
            lambda d: write(d / "D28_montant_text.json", json_2019(record("D28", montant="NC"))),
            "contract kept; issue montant 'montant absent ou non numérique'",
            files=[("D28_montant_text.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("montant", "montant absent ou non numérique")],
        ),
        _case(
            "D29",
            "dateNotification 1899-12-31 (spreadsheet zero date)",
            lambda d: write(d / "D29_date_1899.json", json_2019(record("D29", dateNotification="1899-12-31"))),
            "contract kept, is_notification_date_valid = false; issue 'date de notification antérieure à 1990'",
            files=[("D29_date_1899.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("dateNotification", "date de notification antérieure à 1990")],
            check="select not is_notification_date_valid from marts.fct_contracts where contract_id = 'D29-1'",
        ),
        _case(
            "D30",
            "dateNotification in the future (2099-01-15)",
            lambda d: write(d / "D30_date_future.json", json_2019(record("D30", dateNotification="2099-01-15"))),
            "contract kept; issues 'date de notification dans le futur' and 'données publiées avant la notification "
            "du contrat'",
            files=[("D30_date_future.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("dateNotification", "date de notification dans le futur"),
                ("datePublicationDonnees", "données publiées avant la notification du contrat"),
            ],
        ),
        _case(
            "D31",
            "dateNotification written dd/mm/yyyy (22/01/2019) and mm/dd/yyyy (01/22/2019)",
            lambda d: write(
                d / "D31_date_order.json",
                json_2019(
                    record("D31", 1, dateNotification="22/01/2019"), record("D31", 2, dateNotification="01/22/2019")
                ),
            ),
            "contracts kept with no date; issue 'date de notification illisible' for both (the DECP date is ISO: "
            "never guessed)",
            files=[("D31_date_order.json", "loaded", 2, None)],
            fates={"retained": 2},
            issues=[("dateNotification", "date de notification illisible")] * 2,
        ),
        _case(
            "D32",
            "unknown procedure and nature",
            lambda d: write(
                d / "D32_unknown_codes.json",
                json_2019(record("D32", procedure="Procédure inventée", nature="Contrat magique")),
            ),
            "contract kept; issues 'procédure inconnue de la nomenclature', 'nature inconnue de la nomenclature'",
            files=[("D32_unknown_codes.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("nature", "nature inconnue de la nomenclature"),
                ("procedure", "procédure inconnue de la nomenclature"),
            ],
        ),
        _case(
            "D33",
            "codeCPV that is not a code ('travaux')",
            lambda d: write(d / "D33_bad_cpv.json", json_2019(record("D33", codeCPV="travaux"))),
            "contract kept, no CPV; issue 'code CPV illisible'",
            files=[("D33_bad_cpv.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("codeCPV", "code CPV illisible")],
        ),
        _case(
            "D34",
            "dureeMois 0 and 999",
            lambda d: write(
                d / "D34_duration.json", json_2019(record("D34", 1, dureeMois=0), record("D34", 2, dureeMois=999))
            ),
            "contracts kept; issue 'durée hors de 1 à 180 mois' for both",
            files=[("D34_duration.json", "loaded", 2, None)],
            fates={"retained": 2},
            issues=[("dureeMois", "durée hors de 1 à 180 mois")] * 2,
        ),
        _case(
            "D35",
            "objet of 1,000,000 characters",
            lambda d: write(
                d / "D35_huge_text.json", json_2019(record("D35", objet="Travaux " * 124_999 + "Travaux."))
            ),
            "loaded whole: contract_object keeps its 1,000,000 characters",
            files=[("D35_huge_text.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            check="select length(contract_object) = 1000000 from marts.fct_contracts where contract_id = 'D35-1'",
        ),
        # ------------------------------------------------------------------ the same contract more than once
        _case(
            "D36",
            "the same contract in two JSON files, republished a month later",
            lambda d: (
                write(d / "D36_january.json", json_2019(record("D36"))),
                write(d / "D36_march.json", json_2019(record("D36", datePublicationDonnees="2019-03-01"))),
            ),
            "one contract: the March publication retained, the January one superseded",
            files=[("D36_january.json", "loaded", 1, None), ("D36_march.json", "loaded", 1, None)],
            fates={"retained": 1, "superseded": 1},
            check="select bool_and((record_fate = 'retained') = (source_file like '%D36_march.json')) "
            "from audit.contract_record_lineage where strpos(source_file, '/D36_') > 0",
        ),
        _case(
            "D37",
            "the same contract in JSON and in XML (the XML published later)",
            lambda d: (
                write(d / "D37_contract.json", json_2019(record("D37"))),
                write(d / "D37_contract.xml", xml_doc(record("D37", datePublicationDonnees="2019-02-15"))),
            ),
            "one contract: the XML record retained, the JSON one superseded",
            files=[("D37_contract.json", "loaded", 1, None), ("D37_contract.xml", "loaded", 1, None)],
            fates={"retained": 1, "superseded": 1},
            check="select bool_and((record_fate = 'retained') = (source_file like '%.xml')) "
            "from audit.contract_record_lineage where strpos(source_file, '/D37_') > 0",
        ),
        _case(
            "D38",
            "the same contract in JSON and in the decp.info tabular file",
            lambda d: (
                write(d / "D38_contract.json", json_2019(record("D38"))),
                write(
                    d / "D38_tabular.csv",
                    tabular([{**TABULAR_ROWS[0], "id": "D38-1", "uid": f"{NOISY}D38-1", "acheteur_id": NOISY}]),
                ),
            ),
            "one contract: the JSON record retained, the tabular row superseded",
            files=[("D38_contract.json", "loaded", 1, None), ("D38_tabular.csv", "loaded", 1, None)],
            fates={"retained": 1, "superseded": 1},
            check="select bool_and((record_fate = 'retained') = (source_kind = 'json_xml')) "
            "from audit.contract_record_lineage where strpos(source_file, '/D38_') > 0",
        ),
        _case(
            "D39",
            "the same bytes under two file names",
            lambda d: (
                write(d / "D39_a.json", json_2019(record("D39"))),
                write(d / "D39_b.json", json_2019(record("D39"))),
            ),
            "first loaded, second 'duplicate_content' ('same content as …D39_a.json, already loaded')",
            files=[
                ("D39_a.json", "loaded", 1, None),
                ("D39_b.json", "duplicate_content", 0, "D39_a.json, already loaded"),
            ],
            fates=ONE_CONTRACT,
        ),
        # ------------------------------------------------------------------ archives
        _case(
            "D40",
            "zip bomb: a 110 MiB member compressed to 110 KB, beside a good member",
            lambda d: _zero_bomb(d / "D40_archive.zip", json_2019(record("D40"))),
            "bomb refused ('possible zip bomb'), never inflated; the good member loaded",
            files=[
                ("D40_archive.zip!D40_ok.json", "loaded", 1, None),
                ("D40_archive.zip!bomb.json", "failed", 0, "member too large or too compressed (115343360 bytes)"),
            ],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D41",
            "zip members named ../../etc/evil.json, /etc/abs.json and C:\\win.json (path traversal)",
            lambda d: write(
                d / "D41_traversal.zip",
                zip_bytes(
                    {
                        "../../etc/evil.json": json_2019(record("D41", 2)),
                        "/etc/abs.json": json_2019(record("D41", 3)),
                        "C:\\win.json": json_2019(record("D41", 4)),
                        "D41_ok.json": json_2019(record("D41", 1)),
                    }
                ),
            ),
            "the three members refused ('unsafe member name'), nothing written to disk; the good member loaded",
            files=[
                ("D41_traversal.zip!../../etc/evil.json", "failed", 0, "unsafe member name"),
                ("D41_traversal.zip!/etc/abs.json", "failed", 0, "unsafe member name"),
                ("D41_traversal.zip!C:\\win.json", "failed", 0, "unsafe member name"),
                ("D41_traversal.zip!D41_ok.json", "loaded", 1, None),
            ],
            fates=ONE_CONTRACT,
        ),
        _case(
            "D42",
            "zip member whose headers understate its size (100 bytes announced)",
            lambda d: _understated_size(d / "D42_understated.zip", json_2019(record("D42"))),
            "failed: 'corrupt archive member', no more than the announced bytes inflated",
            files=[("D42_understated.zip!understated.json", "failed", 0, "corrupt archive member")],
        ),
        _case(
            "D43",
            "zip member with corrupted deflate data",
            lambda d: _corrupt_member(d / "D43_corrupt.zip", json_2019(*(record("D43", n) for n in range(1, 30)))),
            "failed: 'corrupt archive member … re-download the archive' (the run goes on)",
            files=[("D43_corrupt.zip!corrupt.json", "failed", 0, "corrupt archive member")],
        ),
        _case(
            "D44",
            "zip archive cut in half (interrupted download)",
            lambda d: write(
                d / "D44_cut.zip", (data := zip_bytes({"a.json": json_2019(record("D44"))}))[: len(data) // 2]
            ),
            "failed: 'not a readable zip archive'",
            files=[("D44_cut.zip", "failed", 0, "not a readable zip archive")],
        ),
        _case(
            "D45",
            "nested archive (a zip inside the zip)",
            lambda d: write(
                d / "D45_nested.zip", zip_bytes({"inner.zip": zip_bytes({"a.json": json_2019(record("D45"))})})
            ),
            "member refused: 'nested archive: unzip it into the inbox instead'",
            files=[("D45_nested.zip!inner.zip", "failed", 0, "nested archive: unzip it into the inbox instead")],
        ),
        _case(
            "D46",
            "decp.info CSV inside a zip",
            lambda d: write(d / "D46_tabular.zip", zip_bytes({"D46.csv": tabular(tabular_rows("D46")).encode()})),
            "failed: 'tabular files inside an archive are not supported: unzip them first'",
            files=[("D46_tabular.zip!D46.csv", "failed", 0, "tabular files inside an archive are not supported")],
        ),
        _case(
            "D47",
            "a spreadsheet dropped in the DECP inbox",
            lambda d: write(d / "D47_export.xlsx", b"PK\x03\x04 not really a workbook"),
            "failed: \"unsupported file type '.xlsx'\"",
            files=[("D47_export.xlsx", "failed", 0, "unsupported file type '.xlsx'")],
        ),
        # ------------------------------------------------------------------ the decp.info tabular file
        _case(
            "D48",
            "tabular CSV without the titulaire_id and montant columns",
            lambda d: write(
                d / "D48_missing_columns.csv",
                tabular(tabular_rows("D48"), [h for h in TABULAR_HEADER if h not in ("titulaire_id", "montant")]),
            ),
            "failed: 'missing column(s) titulaire_id, montant'",
            files=[("D48_missing_columns.csv", "failed", 0, "missing column(s) titulaire_id, montant")],
        ),
        _case(
            "D49",
            "tabular CSV with an unknown extra column",
            lambda d: write(
                d / "D49_extra_column.csv",
                tabular(
                    [{**row, "commentaire_interne": f"vu {n}"} for n, row in enumerate(tabular_rows("D49"))],
                    [*TABULAR_HEADER, "commentaire_interne"],
                ),
            ),
            "loaded: 3 rows, the extra column kept as text in raw_decp.decp_tabular_rows",
            files=[("D49_extra_column.csv", "loaded", 3, None)],
            fates={"retained": 3},
            check="select list(commentaire_interne order by row_index) = ['vu 0', 'vu 1', 'vu 2'] "
            "from raw_decp.decp_tabular_rows where strpos(source_file, '/D49_') > 0",
        ),
        _case(
            "D50",
            "tabular CSV whose 3rd line uses ';' instead of ','",
            lambda d: write(
                d / "D50_mixed_separators.csv",
                "\n".join(
                    line.replace(",", ";") if number == 2 else line
                    for number, line in enumerate(tabular(tabular_rows("D50")).splitlines())
                )
                + "\n",
            ),
            "failed: 'irregular CSV: line 3 has 1 field(s) where the header has 17'",
            files=[
                (
                    "D50_mixed_separators.csv",
                    "failed",
                    0,
                    "irregular CSV: line 3 has 1 field(s) where the header has 17",
                )
            ],
        ),
        _case(
            "D51",
            "tabular CSV in Windows-1252",
            lambda d: write(
                d / "D51_cp1252.csv",
                tabular(tabular_rows("D51", acheteur_nom="COMMUNE DE SAINT-OUEN (MAIRIE) ÉTÉ")),
                "cp1252",
            ),
            "failed: 'the file is not UTF-8 (Windows-1252?)'",
            files=[("D51_cp1252.csv", "failed", 0, "the file is not UTF-8 (Windows-1252?)")],
        ),
        _case(
            "D52",
            "tabular CSV with a UTF-8 byte order mark",
            lambda d: write(d / "D52_bom.csv", "\ufeff" + tabular(tabular_rows("D52"))),
            "loaded: 3 rows",
            files=[("D52_bom.csv", "loaded", 3, None)],
            fates={"retained": 3},
        ),
        _case(
            "D53",
            "tabular CSV with a header and no row",
            lambda d: write(d / "D53_header_only.csv", tabular([])),
            "failed: 'no record found in the document'",
            files=[("D53_header_only.csv", "failed", 0, "no record found in the document")],
        ),
        # ------------------------------------------------------------------ issue 12: identifiers, holders, text
        _case(
            "D55",
            "buyer SIRET whose 14-digit Luhn key is right but whose SIREN's key is wrong",
            lambda d: write(
                d / "D55_siren_key.json",
                json_2019(record("D55", acheteur={"id": SIREN_INVALID_SIRET, "nom": "Ville de Noisy-le-Sec"})),
            ),
            "contract kept with is_buyer_siret_valid = false (python-stdnum's rule); issue acheteur.id 'SIRET de "
            "l'acheteur invalide (14 chiffres, clé de Luhn du SIRET et du SIREN)'",
            files=[("D55_siren_key.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("acheteur.id", "SIRET de l'acheteur invalide (14 chiffres, clé de Luhn du SIRET et du SIREN)")],
            check="select not is_buyer_siret_valid and not is_buyer_id_placeholder from marts.fct_contracts "
            "where contract_id = 'D55-1'",
        ),
        _case(
            "D56",
            "two unrelated buyers publishing the placeholder SIRET 00000000000000 for the same contract id",
            lambda d: write(
                d / "D56_placeholder.json",
                json_2019(
                    record("D56", acheteur={"id": "00000000000000", "nom": "Commune de Villeneuve"}),
                    record("D56", acheteur={"id": "00000000000000", "nom": "Syndicat des eaux du Val"}),
                ),
            ),
            "two contracts, never merged (buyer identity = identifier + normalised name), flagged "
            "is_buyer_id_placeholder; issue acheteur.id 'identifiant de l'acheteur de remplissage' on each",
            files=[("D56_placeholder.json", "loaded", 2, None)],
            fates={"retained": 2},
            issues=[
                ("acheteur.id", "identifiant de l'acheteur de remplissage (chiffre répété ou suite 123456789)"),
                ("acheteur.id", "identifiant de l'acheteur de remplissage (chiffre répété ou suite 123456789)"),
            ],
            check="select count(*) = 2 and count(distinct buyer_key) = 2 and bool_and(is_buyer_id_placeholder) "
            "and (select count(*) from marts.dim_buyer where buyer_id_published = '00000000000000' "
            "and buyer_siret is null) = 2 from marts.fct_contracts where contract_id = 'D56-1'",
        ),
        _case(
            "D57",
            "modification whose titulaires are field names, not holders ([{titulaire: typeIdentifiant}, "
            "{titulaire: id}])",
            lambda d: write(
                d / "D57_modification_holders.json",
                json_2019(
                    record(
                        "D57",
                        modifications=[
                            _modification(
                                "2019-06-01", titulaires=[{"titulaire": "typeIdentifiant"}, {"titulaire": "id"}]
                            )
                        ],
                    )
                ),
            ),
            "the contract keeps its initial holder; issue 'modifications[1].titulaires' 'liste de titulaires sans "
            "identifiant : titulaires précédents conservés'",
            files=[("D57_modification_holders.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                (
                    "modifications[1].titulaires",
                    "liste de titulaires sans identifiant : titulaires précédents conservés",
                )
            ],
            check="select holder_count = 1 and modification_count = 1 from marts.fct_contracts "
            "where contract_id = 'D57-1'",
        ),
        _case(
            "D58",
            "initial titulaires without any identifier",
            lambda d: write(
                d / "D58_holders_without_id.json",
                json_2019(record("D58", titulaires=[{"typeIdentifiant": "SIRET", "denominationSociale": "ABATECH"}])),
            ),
            "contract kept, holder unknown (holder_count 0); issues 'titulaires' 'aucun titulaire identifié dans "
            "la liste : titulaire inconnu' and 'titulaires[1]' 'titulaire sans identifiant: ignoré'",
            files=[("D58_holders_without_id.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("titulaires", "aucun titulaire identifié dans la liste : titulaire inconnu"),
                ("titulaires[1]", "titulaire sans identifiant: ignoré"),
            ],
            check="select holder_count = 0 from marts.fct_contracts where contract_id = 'D58-1'",
        ),
        _case(
            "D59",
            "U+FFFD replacement characters in objet and the buyer's name",
            lambda d: write(
                d / "D59_lost_characters.json",
                json_2019(
                    record(
                        "D59",
                        objet=f"Travaux d'am{LOST}nagement",
                        acheteur={"id": NOISY, "nom": f"Ville de Noisy-le-S{LOST}c"},
                    )
                ),
            ),
            "contract kept as published; issues 'objet' and 'acheteur.nom' 'caractères perdus (U+FFFD) : texte "
            "endommagé à la publication, irréparable'",
            files=[("D59_lost_characters.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("acheteur.nom", "caractères perdus (U+FFFD) : texte endommagé à la publication, irréparable"),
                ("objet", "caractères perdus (U+FFFD) : texte endommagé à la publication, irréparable"),
            ],
        ),
        _case(
            "D60",
            "objet in UTF-8 read as Windows-1252 (mojibake: 'RÃ©novation de lâ€™Ã©cole')",
            lambda d: write(d / "D60_mojibake.json", json_2019(record("D60", objet=MOJIBAKE_OBJECT))),
            "repaired with ftfy: contract_object 'Rénovation de l’école…', raw record as published; issue 'objet' "
            "'texte mal décodé (UTF-8 lu comme Latin-1/Windows-1252) réparé : …'",
            files=[("D60_mojibake.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("objet", f"texte mal décodé (UTF-8 lu comme Latin-1/Windows-1252) réparé : {CLEAN_OBJECT}")],
            check=f"select contract_object = '{CLEAN_OBJECT}' from marts.fct_contracts where contract_id = 'D60-1'",
        ),
        _case(
            "D61",
            "CPV code that lost its leading zero (3000000-1)",
            lambda d: write(d / "D61_cpv_7_digits.json", json_2019(record("D61", codeCPV="3000000-1"))),
            "cpv_code 03000000 (in CPV 2008); issue codeCPV 'code CPV à 7 chiffres : zéro initial restauré'",
            files=[("D61_cpv_7_digits.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("codeCPV", "code CPV à 7 chiffres : zéro initial restauré")],
            check="select cpv_code = '03000000' from marts.fct_contracts where contract_id = 'D61-1'",
        ),
        _case(
            "D62",
            "CPV code of 8 digits absent from CPV 2008 (99999999-9)",
            lambda d: write(d / "D62_cpv_unknown.json", json_2019(record("D62", codeCPV="99999999-9"))),
            "cpv_code kept as published (99999999); issue codeCPV 'code CPV absent du CPV 2008'",
            files=[("D62_cpv_unknown.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[("codeCPV", "code CPV absent du CPV 2008")],
            check="select cpv_code = '99999999' and cpv_issue = 'code CPV absent du CPV 2008' "
            "from marts.fct_contracts where contract_id = 'D62-1'",
        ),
        _case(
            "D63",
            "data published before notification; modifications dated before notification and in 2999",
            lambda d: write(
                d / "D63_impossible_dates.json",
                json_2019(
                    record(
                        "D63",
                        datePublicationDonnees="2019-01-10",
                        modifications=[_modification("2018-12-01", montant=600000), _modification("2999-01-01")],
                    )
                ),
            ),
            "contract kept, is_published_before_notification, modification_date_issue_count 2; issues "
            "datePublicationDonnees, modifications[1] and modifications[2] dateNotificationModification",
            files=[("D63_impossible_dates.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            issues=[
                ("datePublicationDonnees", "données publiées avant la notification du contrat"),
                (
                    "modifications[1].dateNotificationModification",
                    "modification datée avant la notification du contrat",
                ),
                ("modifications[2].dateNotificationModification", "modification datée dans le futur"),
            ],
            check="select is_published_before_notification and modification_date_issue_count = 2 "
            "from marts.fct_contracts where contract_id = 'D63-1'",
        ),
        _case(
            "D64",
            "an undated modification (montant 700000) published after a dated one (montant 600000)",
            lambda d: write(
                d / "D64_undated_modification.json",
                json_2019(
                    record(
                        "D64",
                        modifications=[
                            _modification("2019-06-01", montant=600000),
                            _modification(None, montant=700000),
                        ],
                    )
                ),
            ),
            "current montant 600000: an undated modification comes before every dated one; no issue",
            files=[("D64_undated_modification.json", "loaded", 1, None)],
            fates=ONE_CONTRACT,
            check="select current_amount_eur = 600000 and modification_count = 2 from marts.fct_contracts "
            "where contract_id = 'D64-1'",
        ),
        _case(
            "D65",
            "the Ministry's 'DECP valides' tabular layout (';', titulaire_id_1..2, dotted acheteur.id, one row per "
            "modification)",
            lambda d: write(
                d / "D65_decp_valides.csv", "\ufeff" + tabular(valides_rows("D65"), VALIDES_HEADER, delimiter=";")
            ),
            "loaded: 4 rows (2 rows × 2 holders); one contract with 2 holders, 2 modifications, current montant "
            "600000 and duration 9",
            files=[("D65_decp_valides.csv", "loaded", 4, None)],
            fates=ONE_CONTRACT,
            check="select holder_count = 2 and modification_count = 2 and current_amount_eur = 600000 "
            "and current_duration_months = 9 from marts.fct_contracts where contract_id = 'D65-1'",
        ),
        _case(
            "D66",
            "the same contract in two files, same publication date and completeness, different objet",
            lambda d: (write(d / "D66_b.json", TIE_FIRST), write(d / "D66_a.json", TIE_SECOND)),
            "one contract: the file whose content has the smaller SHA-256 wins, whatever the file names",
            files=[("D66_a.json", "loaded", 1, None), ("D66_b.json", "loaded", 1, None)],
            fates={"retained": 1, "superseded": 1},
            check=f"select contract_object = '{TIE_WINNER_OBJECT}' from marts.fct_contracts "
            "where contract_id = 'D66-1'",
        ),
        _case(
            "D67",
            "'DECP valides'-like CSV without its acheteur.id column",
            lambda d: write(
                d / "D67_valides_no_buyer.csv",
                tabular(valides_rows("D67"), [h for h in VALIDES_HEADER if h != "acheteur.id"], delimiter=";"),
            ),
            "failed: 'missing column(s) acheteur_id, titulaire_id' (neither layout)",
            files=[("D67_valides_no_buyer.csv", "failed", 0, "missing column(s) acheteur_id, titulaire_id")],
        ),
    ]
)
