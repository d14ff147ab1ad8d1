"""Records hit by each DECP rule of issue 12, per DECP file of demo_data (or of the files given).

    .venv/bin/python tools/decp_flag_counts.py [WORK_DIR] [FILE...]

Loads the files into a fresh warehouse under WORK_DIR (default: a temporary folder) with the DECP dlt source and
the reference data, builds the DECP marts with dbt, and prints one Markdown row per file (zip archives count their
members together). A record is a published JSON/XML record or a tabular row.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
from stdnum import luhn

REPO = Path(__file__).resolve().parents[1]
DEMO_DECP = REPO / "demo_data" / "decp"

FLAGS = {
    "SIRET invalide": "issue like 'SIRET de l''acheteur invalide%'",
    "dont SIREN seul faux": None,  # computed below: the 14-digit Luhn key passes, python-stdnum refuses
    "acheteur de remplissage": "issue like 'identifiant de l''acheteur de remplissage%'",
    "titulaire de remplissage": "issue like 'identifiant du titulaire de remplissage%'",
    "titulaires sans identifiant": "issue in ('aucun titulaire identifié dans la liste : titulaire inconnu', "
    "'liste de titulaires sans identifiant : titulaires précédents conservés')",
    "U+FFFD": "issue like 'caractères perdus%'",
    "mojibake réparé": "issue like 'texte mal décodé%'",
    "CPV zéro restauré": "issue = 'code CPV à 7 chiffres : zéro initial restauré'",
    "CPV hors CPV 2008": "issue = 'code CPV absent du CPV 2008'",
    "publié avant notification": "issue = 'données publiées avant la notification du contrat'",
    "modif. avant notification": "issue = 'modification datée avant la notification du contrat'",
    "modif. dans le futur": "issue = 'modification datée dans le futur'",
}


def demo_files() -> list[Path]:
    return sorted(
        p
        for folder in ("official_examples", "real_2019_format", "real_2024_format", "real_tabular")
        for p in (DEMO_DECP / folder).rglob("*")
        if p.suffix in (".json", ".xml", ".zip", ".csv") and "collect-config" not in p.name
    )


def build(work: Path, files: list[Path]) -> Path:
    shutil.rmtree(work, ignore_errors=True)
    inbox = work / "data" / "inbox" / "decp"
    inbox.mkdir(parents=True)
    for file in files:
        shutil.copyfile(file, inbox / file.name)
    env = {
        "OBSERVATOIRE_DATA_DIR": str(work / "data"),
        "OBSERVATOIRE_WAREHOUSE": str(work / "warehouse.duckdb"),
        "OBSERVATOIRE_REFERENCE_DIR": str(REPO / "demo_data" / "ref"),
    }
    os.environ.update(env)
    from dlt_sources.decp import decp_source
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.reference import reference_source

    warehouse_pipeline("decp").run(decp_source(paths=[str(inbox)]))
    warehouse_pipeline("reference").run(reference_source())
    subprocess.run(
        [str(REPO / ".venv" / "bin" / "dbt"), "build", "--select", "+path:models/*/decp", "--profiles-dir", "."]
        + ["--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"],
        cwd=REPO / "dbt_project",
        env={**os.environ, **env},
        check=True,
    )
    return Path(env["OBSERVATOIRE_WAREHOUSE"])


def counts(warehouse: Path) -> tuple[list[str], dict[str, dict[str, int]]]:
    file_of = "regexp_replace(split_part(source_file, '!', 1), '.*/', '')"
    table: dict[str, dict[str, int]] = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = [
            row[0]
            for row in con.execute(
                f"select distinct {file_of} from raw_decp.decp_load_audit where status in ('loaded', 'partial') "
                "order by 1"
            ).fetchall()
        ]
        records = dict(
            con.execute(
                f"select {file_of}, count(*) from (select source_file from raw_decp.decp_records "
                "union all select source_file from raw_decp.decp_tabular_rows) group by 1"
            ).fetchall()
        )
        for label, condition in FLAGS.items():
            if condition is None:
                continue
            for file, hit in con.execute(
                f"select {file_of}, count(distinct record_key) from audit.decp_record_issues "
                f"where {condition} group by 1"
            ).fetchall():
                table.setdefault(file, {})[label] = hit
        for file, values in con.execute(
            f"select {file_of}, list(distinct record_key || '|' || published_value) from audit.decp_record_issues "
            "where issue like 'SIRET de l''acheteur invalide%' group by 1"
        ).fetchall():
            table.setdefault(file, {})["dont SIREN seul faux"] = sum(
                1 for value in values if len(value.split("|")[-1]) == 14 and luhn.is_valid(value.split("|")[-1])
            )
        # contracts whose latest modification changed under the undated-last rule: a dated and an undated one
        for file, hit in con.execute(
            f"select {file_of}, count(*) from ("
            "select any_value(c.source_file) as source_file from intermediate.int_decp_modifications_unioned m "
            "join marts.fct_contracts c on c.source_record_key = m.record_key group by m.record_key "
            "having count(*) filter (where m.modification_date is null) > 0 "
            "and count(*) filter (where m.modification_date is not null) > 0) group by 1"
        ).fetchall():
            table.setdefault(file, {})["modif. non datée + datée"] = hit
        # records that won or lost a tie (same publication date, completeness and kind): decided by content now
        for file, hit in con.execute(
            f"select {file_of}, count(*) from (select source_file, count(*) over (partition by contract_key, "
            "publication_date, completeness_score, source_kind) as tied from intermediate.int_decp_records_ranked "
            "where record_fate in ('retained', 'superseded')) where tied > 1 group by 1"
        ).fetchall():
            table.setdefault(file, {})["ex aequo départagés"] = hit
    labels = ["enregistrements", *FLAGS, "modif. non datée + datée", "ex aequo départagés"]
    return labels, {file: {"enregistrements": records.get(file, 0), **table.get(file, {})} for file in files}


def main() -> None:
    args = sys.argv[1:]
    work = Path(args.pop(0)) if args else Path(tempfile.mkdtemp(prefix="decp_flags_"))
    files = [Path(a) for a in args] or demo_files()
    labels, table = counts(build(work, files))
    print("| fichier | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    for file, values in table.items():
        print(f"| {file} | " + " | ".join(str(values.get(label, 0)) for label in labels) + " |")


if __name__ == "__main__":
    main()
