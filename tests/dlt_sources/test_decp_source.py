"""The DECP dlt source end to end into DuckDB: nothing lost, nothing loaded twice, bad files reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from support import DECP_DEMO, load_decp, warehouse_env

pytestmark = pytest.mark.xdist_group("dlt_decp")

SMALL_2019 = DECP_DEMO / "real_2019_format/decp-processing_tests_decp_test_2019.json"
NAN_2024 = DECP_DEMO / "real_2024_format/decp-processing_tests_decp_test_2022.json"
XML_2019 = DECP_DEMO / "official_examples/v1.5.0/paquet.xml"
TABULAR = DECP_DEMO / "real_tabular/decp-info-tabular_2024H2_travaux_cpv4521.csv"


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def audit(warehouse: Path) -> dict[str, tuple]:
    return {
        Path(r[0]).name: r[1:]
        for r in rows(warehouse, "select source_file, status, records_read, error from raw_decp.decp_load_audit")
    }


def test_records_read_per_file_equal_rows_loaded(tmp_path: Path) -> None:
    warehouse = load_decp([SMALL_2019, NAN_2024, XML_2019, TABULAR], tmp_path)
    loaded = dict(rows(warehouse, "select source_file, count(*) from raw_decp.decp_records group by 1"))
    loaded |= dict(rows(warehouse, "select source_file, count(*) from raw_decp.decp_tabular_rows group by 1"))
    for row in rows(warehouse, "select source_file, status, records_read from raw_decp.decp_load_audit"):
        assert row[1] == "loaded" and loaded[row[0]] == row[2], row
    with TABULAR.open(encoding="utf-8") as handle:
        assert loaded[str(tmp_path / "data/inbox/decp" / TABULAR.name)] == sum(1 for _ in handle) - 1
    nan_records = json.loads(NAN_2024.read_text(encoding="utf-8"), parse_constant=lambda _: None)["marches"]["marche"]
    assert audit(warehouse)[NAN_2024.name][:2] == ("loaded", len(nan_records))


def test_raw_rows_keep_the_published_values_and_provenance(tmp_path: Path) -> None:
    warehouse = load_decp([SMALL_2019], tmp_path)
    published = json.loads(SMALL_2019.read_text(encoding="utf-8"))["marches"]
    stored = rows(
        warehouse,
        "select record_index, record, format_version, record_type, length(source_sha256), _dlt_load_id is not null "
        "from raw_decp.decp_records order by record_index",
    )
    assert [r[0] for r in stored] == list(range(len(published)))
    for (index, record, version, kind, hash_length, has_load_id), source in zip(stored, published, strict=True):
        record = json.loads(record)
        assert (version, kind, hash_length, has_load_id) == ("2019", "marche", 64, True)
        for key in ("id", "objet", "montant", "dureeMois", "dateNotification", "codeCPV"):
            assert record.get(key) == source.get(key), (index, key)


def test_rerun_loads_nothing_and_same_content_under_another_name_is_not_reloaded(tmp_path: Path) -> None:
    warehouse = load_decp([SMALL_2019, XML_2019], tmp_path)
    before = rows(warehouse, "select count(*) from raw_decp.decp_records")
    load_decp([SMALL_2019, XML_2019], tmp_path)
    assert rows(warehouse, "select count(*) from raw_decp.decp_records") == before
    assert len(audit(warehouse)) == 2

    copy = tmp_path / "renamed_copy.json"
    shutil.copyfile(SMALL_2019, copy)
    load_decp([copy], tmp_path)
    assert rows(warehouse, "select count(*) from raw_decp.decp_records") == before
    status, read, reason = audit(warehouse)["renamed_copy.json"]
    assert (status, read) == ("duplicate_content", 0) and SMALL_2019.name in reason


def test_a_broken_file_is_reported_and_does_not_stop_the_others(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    text = SMALL_2019.read_text(encoding="utf-8")
    broken.write_text(text[: text.index('"id": "2019-VI2022.242"')], encoding="utf-8")  # cut inside record 2
    not_decp = tmp_path / "not_decp.json"
    not_decp.write_text('[{"foo": 1}]', encoding="utf-8")
    bad_table = tmp_path / "bad_table.csv"
    bad_table.write_text("a,b\n1,2\n", encoding="utf-8")

    warehouse = load_decp([broken, not_decp, bad_table, XML_2019], tmp_path)
    seen = audit(warehouse)
    assert seen["broken.json"][:2] == ("partial", 1)
    assert "invalid JSON after record 1" in seen["broken.json"][2]
    assert seen["not_decp.json"][:2] == ("failed", 0) and "top-level JSON array" in seen["not_decp.json"][2]
    assert seen["bad_table.csv"][0] == "failed"
    assert "missing column(s) id, acheteur_id, titulaire_id, montant, dateNotification" in seen["bad_table.csv"][2]
    assert seen["paquet.xml"][0] == "loaded"
    assert rows(warehouse, "select count(*) from raw_decp.decp_records where source_file like '%broken.json'") == [(1,)]


def test_a_configured_url_is_downloaded_once_and_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import functools
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    shutil.copyfile(SMALL_2019, served / SMALL_2019.name)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{SMALL_2019.name}"
        monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
        from dlt_sources.decp import decp_source
        from dlt_sources.pipelines import warehouse_pipeline

        warehouse_pipeline("decp").run(decp_source(paths=[url]))
    finally:
        server.shutdown()
    warehouse = tmp_path / "warehouse.duckdb"
    [(source_file, status, read)] = rows(
        warehouse, "select source_file, status, records_read from raw_decp.decp_load_audit"
    )
    assert status == "loaded" and read == 2
    assert source_file.startswith(str(tmp_path / "data" / "downloads" / "decp")) and source_file.endswith(
        SMALL_2019.name
    )


def test_files_read_by_worker_processes_load_what_one_process_loads(tmp_path: Path) -> None:
    """Worker processes (forced here: these files are below the size that starts them by itself) read the JSON and
    XML files; the tabular file and the archive's members are read in the source's process between them. The
    rows, the audit and the state are those of one process, broken and copied files included (the rows' order in a
    raw table means nothing: DuckDB inserts a load file's rows in parallel)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for file in [*DECP_DEMO.glob("real_*/*.json"), *DECP_DEMO.glob("real_*/*.zip"), XML_2019, TABULAR]:
        shutil.copyfile(file, inbox / file.name)
    shutil.copyfile(SMALL_2019, inbox / "zz_copy.json")  # same content as a file read before it: not read
    text = NAN_2024.read_text(encoding="utf-8")
    (inbox / "broken.json").write_text(text[: len(text) // 2], encoding="utf-8")  # partial: records before the cut
    (inbox / "notes.txt").write_text("not DECP", encoding="utf-8")

    from dlt_sources.decp import decp_source
    from dlt_sources.pipelines import warehouse_pipeline

    tables: dict[int, dict[str, list[tuple]]] = {}
    states: dict[int, dict] = {}
    for run, workers in ((1, 1), (2, 2)):
        env = warehouse_env(tmp_path / f"run_{run}")
        with pytest.MonkeyPatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            pipeline = warehouse_pipeline("decp")
            pipeline.run(decp_source(paths=[str(inbox)], workers=workers))
            states[run] = pipeline.state["sources"]["decp"]["resources"]["decp_records"]
        with duckdb.connect(env["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
            tables[run] = {}
            for table in ("decp_records", "decp_tabular_rows", "decp_load_audit"):
                columns = [
                    c
                    for (c,) in con.execute(
                        "select column_name from information_schema.columns where table_schema = 'raw_decp' "
                        "and table_name = ? and column_name not like '_dlt%' and column_name <> 'processed_at' "
                        "order by ordinal_position",
                        [table],
                    ).fetchall()
                ]
                select = ", ".join(f'"{c}"' for c in columns)
                tables[run][table] = sorted(con.execute(f"select {select} from raw_decp.{table}").fetchall(), key=repr)
    assert tables[1] == tables[2]
    assert states[1] == states[2]
    statuses = {Path(row[0]).name: row[4] for row in tables[2]["decp_load_audit"]}
    assert statuses["broken.json"] == "partial" and statuses["zz_copy.json"] == "duplicate_content"
    assert statuses["notes.txt"] == "failed" and statuses[TABULAR.name] == "loaded"
    assert len(tables[2]["decp_records"]) > 1000 and len(tables[2]["decp_tabular_rows"]) > 100
