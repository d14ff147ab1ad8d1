"""The emplois de l'inclusion API source, offline: recorded pages replayed on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

import duckdb
import pytest

from dlt_sources.pipelines import warehouse_pipeline
from dlt_sources.registries import inclusion_api_source

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registries"
_spec = importlib.util.spec_from_file_location("replay_server", FIXTURES / "replay_server.py")
replay_server = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(replay_server)  # type: ignore[union-attr]


def recorded(departement: str) -> tuple[list[dict], int]:
    """(results of every recorded page of the département, in order; announced count)."""
    pages = sorted(
        (FIXTURES / "api_siaes").glob(f"departement_{departement}_page_*.json"),
        key=lambda p: int(p.stem.rsplit("_", 1)[1]),
    )
    bodies = [json.loads(p.read_text(encoding="utf-8")) for p in pages]
    return [item for body in bodies for item in body["results"]], bodies[0]["count"]


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    return tmp_path / "warehouse.duckdb"


def test_pages_are_followed_to_the_end_and_every_siae_lands(warehouse: Path) -> None:
    with replay_server.replay_api() as (base_url, requests):
        warehouse_pipeline("registries").run(inclusion_api_source(base_url=base_url, departements=["93", "75"]))

    assert requests == [
        "/api/v1/siaes/?departement=93",
        "/api/v1/siaes/?departement=93&page=2",
        "/api/v1/siaes/?departement=93&page=3",
        "/api/v1/siaes/?departement=75",
        "/api/v1/siaes/?departement=75&page=2",
    ]
    expected_93, count_93 = recorded("93")
    expected_75, _ = recorded("75")
    assert len(expected_93) == count_93 == 45
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select departement_requested, record_index, siret, type, raison_sociale, postes, postes_count, "
            "bloque_candidatures, page_number, source_file, source_sha256 "
            "from raw_registries.inclusion_api_siaes order by departement_requested, record_index"
        ).fetchall()
    by_dep = {"93": [r for r in rows if r[0] == "93"], "75": [r for r in rows if r[0] == "75"]}
    for dep, expected in (("93", expected_93), ("75", expected_75)):
        assert [r[1] for r in by_dep[dep]] == list(range(len(expected)))
        assert [(r[2], r[3], r[4]) for r in by_dep[dep]] == [
            (i["siret"], i["type"], i["raison_sociale"]) for i in expected
        ]
        assert [json.loads(r[5]) for r in by_dep[dep]] == [i["postes"] for i in expected]
        assert [int(r[6]) for r in by_dep[dep]] == [len(i["postes"]) for i in expected]
        assert {r[7] for r in by_dep[dep]} <= {"true", "false"}
    last = by_dep["93"][-1]
    assert last[8] == 3 and last[9].endswith("/api/v1/siaes/?departement=93&page=3") and len(last[10]) == 64


def test_an_unchanged_answer_is_not_reloaded(warehouse: Path, caplog: pytest.LogCaptureFixture) -> None:
    pipeline = warehouse_pipeline("registries")
    with replay_server.replay_api() as (base_url, _):
        pipeline.run(inclusion_api_source(base_url=base_url, departements=["93"]))
        caplog.set_level(logging.INFO, logger="dlt_sources.registries")
        pipeline.run(inclusion_api_source(base_url=base_url, departements=["93"]))
    assert "emplois API 93: unchanged answer (45 SIAE), skipped" in caplog.text
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select count(*), count(distinct _dlt_load_id) from raw_registries.inclusion_api_siaes"
        ).fetchone() == (45, 1)


def test_a_short_answer_fails_instead_of_loading_part_of_a_departement(warehouse: Path, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    body = json.loads((FIXTURES / "api_siaes" / "departement_93_page_1.json").read_text(encoding="utf-8"))
    body["next"] = None  # the API announces 45 SIAE but the answer stops after the first page
    (pages / "departement_93_page_1.json").write_text(json.dumps(body), encoding="utf-8")
    with replay_server.replay_api(pages) as (base_url, _), pytest.raises(Exception, match="announced 45"):
        warehouse_pipeline("registries").run(inclusion_api_source(base_url=base_url, departements=["93"]))


def test_base_url_and_departements_come_from_dlt_config(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with replay_server.replay_api() as (base_url, requests):
        monkeypatch.setenv("SOURCES__REGISTRIES__INCLUSION_API__BASE_URL", base_url)
        monkeypatch.setenv("SOURCES__REGISTRIES__INCLUSION_API__DEPARTEMENTS", '["75"]')
        warehouse_pipeline("registries").run(inclusion_api_source())
    assert requests == ["/api/v1/siaes/?departement=75", "/api/v1/siaes/?departement=75&page=2"]
