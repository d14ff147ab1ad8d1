"""A monthly refresh gives the marts a full rebuild gives, on the demo preset.

The demo preset is split like the benchmark's (benchmarks/inputs.py): every month but the last, then the last
month's hours files and DECP records. Two runs, one after the other in the same folder (raw rows keep their
file paths, so both must read the same paths):

* incremental: load months 1..N-1, ``dbt run``; add month N, load, ``dbt run`` (the incremental models
  recompute what the new rows touch);
* full: load every month at once into a fresh warehouse, ``dbt run``.

Month N also carries what a real month brings besides new rows: a DECP record published again with a later
publication date and a modification (it supersedes the earlier one), a corrected row for a month already
loaded in an hours export (the latest file wins), a tabular DECP file (a "DECP valides" file whose rows
repeat holders and carry modifications) that the incremental DECP models add to those of the first months' (a
real decp.info extract), and a source's re-export of rows it published before: a participant's new education
level, a participant published under another identity (the beneficiary it was leaves the marts), an employment
contract moved to another participant with a new end date, a new six-month situation and a tracked contract's
new planned hours.

Every table dbt builds (schemas ``staging``, ``intermediate`` and ``marts``: the incremental models of every
layer and what they feed) must hold the same rows, compared as an order-independent checksum of each row
(doubles rounded to 1e-6, dlt load ids left out: they are the only values that depend on when a load ran).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from support import FIXTURES, build_seeds_and_models, load_inbox, warehouse_env

from benchmarks.inputs import MAPPINGS_DIR, link_inbox, prepare
from demo_generator.decp import write_json
from dlt_sources.suivi_clauses.mapping import header_key, load_mapping
from dlt_sources.suivi_clauses.readers import read_csv
from observatoire.settings import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("incremental_refresh")]

#: Columns that record when something was loaded or rebuilt, not what the data say.
LOAD_COLUMNS = {"load_id", "refreshed_load_id", "_dlt_load_id"}
#: The schemas of the tables dbt builds (seeds, in ``reference``, are the same files in both runs).
BUILT_SCHEMAS = ("staging", "intermediate", "marts", "audit")
#: Incremental models outside the marts: a refresh must leave them as a full rebuild would.
INCREMENTAL_UPSTREAM = {
    "staging.stg_decp__records",
    "staging.stg_decp__holders",
    "staging.stg_decp__modifications",
    "staging.stg_decp__tabular_rows",
    "staging.stg_suivi_clauses__monthly_hours",
    "staging.stg_suivi_clauses__participants",
    "staging.stg_suivi_clauses__employment_contracts",
    "staging.stg_suivi_clauses__exits",
    "staging.stg_suivi_clauses__tracked_contracts",
    "intermediate.int_decp_records_unioned",
    "intermediate.int_decp_records_ranked",
    "intermediate.int_decp_contracts_modified",
    "intermediate.int_decp_holders_unioned",
    "intermediate.int_decp_modifications_unioned",
    "intermediate.int_insertion_hours_attributed",
    "intermediate.int_employment_contracts_enriched",
    "intermediate.int_beneficiaries_unified",
    "intermediate.int_beneficiary_months_summed",
}


def table_checksums(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and order-independent checksum of every table dbt built, keyed ``schema.table``."""
    checksums = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in (select unnest(?)) and table_type = 'BASE TABLE' order by 1, 2",
            [list(BUILT_SCHEMAS)],
        ).fetchall()
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            values = [
                f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
                for name, kind in columns
                if name not in LOAD_COLUMNS
            ]
            row = con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) "
                f'from (select md5(cast(row({", ".join(values)}) as varchar)) as h from {schema}."{table}")'
            ).fetchone()
            checksums[f"{schema}.{table}"] = (row[0], row[1])
    return checksums


def add_corrections(base: Path, month: Path, month_label: str) -> tuple[str, str, float]:
    """Add to the month's inbox a DECP record published again (later date, one modification raising the amount),
    a "DECP valides" tabular file and, in an hours file of the month, a corrected row of the previous month; add a
    decp.info tabular file to the first months. Returns the republished contract
    id, the corrected employment contract id and its corrected hours."""
    published = json.loads((base / "decp" / f"decp_idf_{month_label[:4]}.json").read_text(encoding="utf-8"))
    record = dict(published["marches"]["marche"][0])
    record["datePublicationDonnees"] = f"{month_label}-20"
    record["modifications"] = [
        {"modification": {"id": 1, "dateNotificationModification": f"{month_label}-15", "montant": 1_234_567.0}}
    ]
    write_json(month / "decp" / f"republications_{month_label}.json", [record])
    for tabular, inbox in (
        (REPO_ROOT / "demo_data" / "decp" / "real_tabular" / "decp-info-tabular_2024H2_travaux_cpv4521.csv", base),
        (FIXTURES / "decp" / "decp-economie-valides_2022format_written_for_tests.csv", month),
    ):
        shutil.copyfile(tabular, inbox / "decp" / tabular.name)

    month_file = next((month / "suivi_clauses" / "coordination_93").glob("*heures*"))
    base_file = base / "suivi_clauses" / "coordination_93" / month_file.name.replace(f"_{month_label}", "")
    columns = next(t.columns for t in load_mapping("coordination_93", MAPPINGS_DIR).tables_for(base_file.name))
    sheet = read_csv(base_file)
    field = {i: columns.get(header_key(name), header_key(name)) for i, name in enumerate(sheet.header)}
    previous = f"{int(month_label[5:]) - 1:02d}/{month_label[:4]}"
    cells = next(cells for _, cells in sheet.rows if cells[_index(field, "mois")] == previous)
    corrected = [*cells]
    corrected[_index(field, "heures")] = "7"
    line = ";".join(corrected).encode(sheet.encoding or "utf-8") + b"\r\n"
    month_file.write_bytes(month_file.read_bytes() + line)
    return record["id"], cells[_index(field, "id_contrat")], 7.0


#: The exchange-format source of the demo preset (files named after their table, headers are the field names).
REPUBLISHING_SOURCE = "sgp_grand_paris_express"


def add_tracking_republications(base: Path, month: Path, month_label: str) -> dict[str, str]:
    """Add to the month's inbox, for :data:`REPUBLISHING_SOURCE`, files that publish again rows of the first months
    with changed values (see the module docstring); the month's files sort after the first ones, so their rows win.
    Returns the published ids and values the test checks in the staging models."""
    source = base / "suivi_clauses" / REPUBLISHING_SOURCE
    target = month / "suivi_clauses" / REPUBLISHING_SOURCE
    target.mkdir(parents=True, exist_ok=True)

    def republish(table: str, changes: dict[str, dict[str, str]], key: str) -> dict[str, dict[str, str]]:
        """Rows of ``table`` whose ``key`` is in ``changes``, with those fields changed, written to the month."""
        sheet = read_csv(source / f"{table}.csv")
        header = [header_key(name) for name in sheet.header]
        rows = [dict(zip(header, cells, strict=True)) for _, cells in sheet.rows]
        changed = {row[key]: {**row, **changes[row[key]]} for row in rows if row[key] in changes}
        assert set(changed) == set(changes), f"{table}: rows {set(changes) - set(changed)} not in the first months"
        unchanged = [
            (row[key], field)
            for row in rows
            if row[key] in changes
            for field, value in changes[row[key]].items()
            if row[field] == value
        ]
        assert not unchanged, f"{table}: these values are already the first months' {unchanged}"
        lines = [";".join(sheet.header), *(";".join(row[field] for field in header) for row in changed.values())]
        (target / f"{table}_{month_label}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return changed

    republish(
        "participants",
        {"P000001": {"niveau_formation": "5"}, "P000002": {"prenom": "Guillaume-Henri"}},
        "id_participant",
    )
    contracts = republish("contrats_travail", {"K0000002": {"id_participant": "P000001", "date_fin": ""}}, "id_contrat")
    republish("sorties", {"P000001": {"situation_6_mois": "CDI"}}, "id_participant")
    republish("marches", {"M00001": {"heures_prevues": "1500"}}, "id_marche")
    return {"moved_contract": "K0000002", "moved_to": contracts["K0000002"]["id_participant"], "planned_hours": "1500"}


def _index(fields: dict[int, str], name: str) -> int:
    return next(i for i, field in fields.items() if field == name)


def test_monthly_refresh_equals_full_rebuild(tmp_path: Path) -> None:
    inputs = prepare("demo", 2024, tmp_path / "inputs")
    month = tmp_path / "month"
    shutil.copytree(inputs.increment, month)
    month_label = f"{inputs.month[0]}-{inputs.month[1]:02d}"
    contract_id, employment_contract_id, corrected_hours = add_corrections(inputs.base, month, month_label)
    republished = add_tracking_republications(inputs.base, month, month_label)
    work_dir = tmp_path / "run"  # the same paths for both runs
    env = {**warehouse_env(work_dir), "OBSERVATOIRE_DEMO_MODE": "1"}
    inbox = work_dir / "data" / "inbox"
    warehouse = Path(env["OBSERVATOIRE_WAREHOUSE"])

    link_inbox([inputs.base], inbox)
    load_inbox(env)
    build_seeds_and_models(env, work_dir)
    link_inbox([month], inbox)
    load_inbox(env)
    build_seeds_and_models(env, work_dir)
    incremental = table_checksums(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        month_rows = con.execute(
            "select count(*) from marts.fct_insertion_hours where month_date = ?", [f"{month_label}-01"]
        ).fetchone()[0]
        hours = con.execute(
            "select h.hours from marts.fct_insertion_hours h join marts.fct_employment_contracts c "
            "using (employment_contract_key) where c.source_employment_contract_id = ? "
            "and h.month_date = ?::date - interval 1 month",
            [employment_contract_id, f"{month_label}-01"],
        ).fetchall()
        contract = con.execute(
            "select current_amount_eur, duplicate_record_count, modification_count from marts.fct_contracts "
            "where contract_id = ?",
            [contract_id],
        ).fetchall()
        staged = con.execute(
            "select p.education_level, c.participant_key = p.participant_key, c.end_date, t.planned_hours, "
            "x.six_month_situation_code "
            "from staging.stg_suivi_clauses__participants p, staging.stg_suivi_clauses__employment_contracts c, "
            "staging.stg_suivi_clauses__tracked_contracts t, staging.stg_suivi_clauses__exits x "
            "where p.source_name = ? and p.source_file like ? "
            "and c.source_employment_contract_id = ? and c.source_file like ? "
            "and t.source_contract_id = 'M00001' and t.source_name = p.source_name "
            "and x.participant_key = p.participant_key and x.source_file like ?",
            [
                REPUBLISHING_SOURCE,
                f"%participants_{month_label}.csv",
                republished["moved_contract"],
                f"%contrats_travail_{month_label}.csv",
                f"%sorties_{month_label}.csv",
            ],
        ).fetchall()
        tabular_added = [
            con.execute(f"select count(*) from intermediate.{table} where record_key like '%:tabular:%'").fetchone()[0]
            for table in ("int_decp_holders_unioned", "int_decp_modifications_unioned")
        ]

    shutil.rmtree(work_dir)
    link_inbox([inputs.base, month], inbox)
    load_inbox(env)
    build_seeds_and_models(env, work_dir)
    full = table_checksums(warehouse)

    # the month arrived in the second refresh, with its correction and its republished contract
    assert month_rows > 0
    assert hours == [(corrected_hours,)]
    assert contract == [(1_234_567.0, 1, 1)]
    # the re-exported rows replaced the first ones in the incremental staging models (P000001, whose exit and
    # contract K0000002 now point at it, is the one participant of the re-export with an exit)
    assert staged == [(5, True, None, float(republished["planned_hours"]), "CDI")], staged
    assert all(tabular_added), tabular_added  # the month's tabular files went through the incremental models
    assert set(incremental) == set(full)
    assert {"marts.fct_insertion_hours", "marts.fct_contracts", *INCREMENTAL_UPSTREAM} <= set(full)
    different = {table: (incremental[table], full[table]) for table in full if incremental[table] != full[table]}
    assert not different
