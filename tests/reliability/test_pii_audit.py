"""Personal data: the audit command passes on the demo outputs and fails on planted identifiers (naming the
place and the kind, never printing the value); the HMAC key appears in no log, event or file of a run; the
warehouse and the snapshot are owner-only; the UI listens on 127.0.0.1."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import stat
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from reliability_support import DemoOutputs, run_refresh, warehouse_of

from observatoire.pseudonymisation import Pseudonymiser, normalise_name
from observatoire.settings import DEMO_MAPPINGS_DIR, REPO_ROOT

pytestmark = pytest.mark.slow  # in no xdist group: the demo is built once for every worker (conftest.py)

#: A fake NIR with a valid key (97 - 1850375123456 mod 97), written with spaces as on a card.
PLANTED_NIR = "1 85 03 75 123 456 " + f"{97 - 1850375123456 % 97:02d}"
PLANTED_EMAIL = "zoe.planted@exemple.fr"


def run_audit(warehouse: Path, published: Path, inbox: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "observatoire.pii_audit",
            "--warehouse",
            str(warehouse),
            "--published",
            str(published),
            "--inbox",
            str(inbox / "suivi_clauses"),
            "--mappings",
            str(DEMO_MAPPINGS_DIR),  # the demo loaded its exports with these
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def a_participant(demo: DemoOutputs) -> dict:
    """A participant of the demo exports (the identities the generator wrote in its manifest), with one-word
    names, a birth date that is not a 1st of January, and a name and birth date that no public source of the
    warehouse holds (a street named like them, a company created that day: notes, not failures, see the
    audit's docstring)."""
    manifest = json.loads((demo.copy_dir / "data" / "generated" / "demo" / "manifest.json").read_text("utf-8"))
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        public = con.execute(
            "select table_schema, table_name, list(column_name) from information_schema.columns "
            "where table_schema in ('raw_decp', 'raw_reference', 'raw_registries') group by all"
        ).fetchall()

        def published(text: str) -> bool:  # compared upper case without accents, as names are
            return any(
                con.execute(
                    f"select count(*) from {schema}.{table} where contains(upper(strip_accents(concat_ws(' ', "
                    + ", ".join(f'"{c}"::varchar' for c in columns)
                    + "))), ?)",
                    [normalise_name(text) if text[0].isalpha() else text],
                ).fetchone()[0]
                for schema, table, columns in public
            )

        for person in manifest["identities"]:
            birth = date(*reversed([int(x) for x in person["date_naissance"].split("/")]))
            if " " in person["nom"] + person["prenom"] or (birth.month, birth.day) == (1, 1):
                continue
            names = (f"{person['prenom']} {person['nom']}", f"{person['nom']} {person['prenom']}")
            if not any(published(text) for text in (birth.isoformat(), person["date_naissance"], *names)):
                return {**person, "birth": birth}
    raise AssertionError("every participant of the demo has a name or birth date held by the public sources")


def test_the_audit_passes_on_the_demo_outputs_and_covers_every_published_file(demo_outputs: DemoOutputs) -> None:
    result = run_audit(demo_outputs.warehouse, demo_outputs.published, demo_outputs.inbox)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No direct identifier found" in result.stdout
    # and it looked for every participant row of the demo's exports: at least each one the warehouse loaded
    looked_for = int(re.search(r"Participant rows whose identity was looked for: (\d+)", result.stdout).group(1))
    with duckdb.connect(str(demo_outputs.warehouse), read_only=True) as con:
        (loaded,) = con.execute("select count(*) from raw_suivi_clauses.participants").fetchone()
    assert looked_for >= loaded > 0
    # every published file was read: the audit lists the files it scanned by type, which match the folder
    on_disk = Counter(p.suffix.lower() for p in demo_outputs.published.rglob("*") if p.is_file())
    scanned = dict(re.findall(r"(\.\w+): (\d+)", result.stdout.split("Published files scanned:")[1].splitlines()[0]))
    for suffix in (".duckdb", ".parquet", ".csv", ".json", ".html", ".js", ".pdf"):
        assert on_disk[suffix] > 0, f"the demo publishes no {suffix} file"
        assert int(scanned[suffix]) == on_disk[suffix], suffix


def test_planted_identifiers_fail_the_audit_with_place_kind_and_masked_value(
    demo_outputs: DemoOutputs, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_outputs.warehouse, warehouse)
    # the open data only: that the audit reads every other published file is the test above (a full scan of the
    # demo's published folder takes 17 s more, mostly the snapshot and the PDFs)
    published = tmp_path / "published"
    shutil.copytree(demo_outputs.published / "open_data", published / "open_data")
    person = a_participant(demo_outputs)
    birth = person["birth"]
    name = f"{person['prenom']} {person['nom'].capitalize()}"

    # into a published CSV: one cell each
    csv_path = sorted(published.glob("open_data/*/*.csv"))[0]
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    width = len(lines[0].split(","))
    for value in (name, birth.isoformat(), PLANTED_EMAIL, PLANTED_NIR):
        lines.append(",".join([f'"{value}"'] + [""] * (width - 1)))
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # into the warehouse: a free-text value holding all four, and a name split over two columns of a row
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update audit.clause_tracking_issues set issue = ? where rowid = (select min(rowid) from "
            "audit.clause_tracking_issues)",
            [f"rappeler {name}, née le {birth:%d/%m/%Y}, {PLANTED_EMAIL}, NIR {PLANTED_NIR}"],
        )
        con.execute(
            "update raw_suivi_clauses.participants set sexe = ?, prescripteur = ? where rowid = (select min(rowid) "
            "from raw_suivi_clauses.participants)",
            [person["nom"], person["prenom"]],
        )

    result = run_audit(warehouse, published, demo_outputs.inbox)
    assert result.returncode == 1, result.stdout + result.stderr
    report = result.stderr
    kinds = ("nom et prénom", "date de naissance", "adresse e-mail", "NIR")
    csv_label = str(csv_path.relative_to(tmp_path))
    for kind in kinds:
        assert re.search(rf"{re.escape(kind)}.*{re.escape(csv_label)}", report), (kind, report)
        assert re.search(rf"{re.escape(kind)}.*audit\.clause_tracking_issues\.issue", report), (kind, report)
    assert re.search(r"nom et prénom.*raw_suivi_clauses\.participants\.sexe\+prescripteur", report), report
    # the values are masked, never printed
    for value in (person["nom"], person["prenom"], birth.isoformat(), PLANTED_EMAIL, PLANTED_NIR, "1850375123456"):
        assert value.lower() not in (result.stdout + result.stderr).lower(), value
    assert "z**.p******@e******.f*" in report


def test_the_hmac_key_is_in_no_log_event_or_file_of_a_run(
    demo_outputs: DemoOutputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = secrets.token_hex(32)
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", key)  # the run's environment is this one's
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    work_dir = tmp_path / "run"
    work_dir.mkdir()
    output = run_refresh(work_dir, "tracking_with_key", ["--only-tracking", "--real-key"])
    assert key not in output
    # the key was used: a participant's beneficiary pseudonym is the HMAC of its identity with this key
    person = a_participant(demo_outputs)
    expected = Pseudonymiser(key.encode()).beneficiary(person["nom"], person["prenom"], person["birth"])
    with duckdb.connect(str(warehouse_of(work_dir)), read_only=True) as con:
        found = con.execute(
            "select count(*) from raw_suivi_clauses.participants where beneficiary_pseudonym = ?", [expected]
        ).fetchone()[0]
    assert found >= 1
    # Dagster's event log of the run (metadata, messages, tags, config) and its compute logs
    from dagster import DagsterInstance
    from dagster._serdes import serialize_value

    with DagsterInstance.from_config(str(work_dir / "dagster_home")) as instance:
        [run] = instance.get_runs()
        assert key not in serialize_value(run)
        entries = instance.all_logs(run.run_id)
        assert len(entries) > 20
        assert all(key not in serialize_value(entry) for entry in entries)
    # every file the run wrote: Dagster storage and compute logs, dlt pipeline state and traces, the warehouse
    for path in [*(work_dir / "dagster_home").rglob("*"), *(work_dir / "data").rglob("*"), warehouse_of(work_dir)]:
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_warehouse_and_snapshot_files_are_owner_only(demo_outputs: DemoOutputs) -> None:
    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    snapshot = demo_outputs.published / "snapshot" / "observatoire.duckdb"
    assert mode(demo_outputs.warehouse) == 0o600
    assert mode(demo_outputs.copy_dir / "data") == 0o700
    assert mode(snapshot) == 0o600
    assert mode(snapshot.parent) == 0o700


def test_a_new_warehouse_is_created_owner_only(tmp_path: Path) -> None:
    from dlt_sources.pipelines import prepare_load

    warehouse = tmp_path / "new" / "warehouse.duckdb"
    prepare_load(warehouse, "raw_reference")
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600
    with duckdb.connect(str(warehouse)) as con:  # a usable, empty DuckDB database
        assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 0
    warehouse.chmod(0o644)  # one created before this rule
    prepare_load(warehouse, "raw_reference")
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o600


def test_the_dagster_ui_listens_on_localhost_only() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    [dev_command] = [line for line in makefile.splitlines() if "dagster dev" in line]
    assert re.search(r"\s-h 127\.0\.0\.1\s", dev_command), dev_command
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "reverse proxy" in readme and "127.0.0.1" in readme


def test_a_participant_whose_birth_date_does_not_parse_is_looked_for_and_its_leak_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A row the loader rejects (31 February) is still someone: the audit searches for their name and their birth
    date as written, passes on the clean load, and fails once that date or name is copied somewhere."""
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.suivi_clauses import suivi_clauses_source
    from observatoire.pii_audit import main

    inbox = tmp_path / "inbox" / "suivi_clauses"
    unparsable = "31/02/1990"
    rows = [
        "id_participant;nom;prenom;date_naissance;sexe;date_entree",
        "P1;Vasseur-Kerbrat;Eulalie;14/03/1987;F;02/04/2024",
        f"P2;Garrigou;Philomène;{unparsable};F;02/04/2024",  # rejected: date illisible
        "P3;Oyelaran;Baptistin;1990-13-01;M;02/04/2024",  # rejected too, ISO-shaped
    ]
    (inbox / "coord_test").mkdir(parents=True)
    (inbox / "coord_test" / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("OBSERVATOIRE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OBSERVATOIRE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("OBSERVATOIRE_HMAC_KEY", secrets.token_hex(32))
    monkeypatch.delenv("OBSERVATOIRE_DEMO_MODE", raising=False)
    warehouse_pipeline("suivi_clauses").run(
        suivi_clauses_source(inbox=str(inbox), mappings_dir=str(tmp_path / "no_mappings"))
    )
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw_suivi_clauses.participants").fetchone() == (1,)
        assert con.execute("select count(*) from raw_suivi_clauses.tracking_rejects").fetchone() == (2,)
    published = tmp_path / "published"
    published.mkdir()

    def audit(warehouse: Path, published: Path) -> tuple[int, str]:
        code = main(["--warehouse", str(warehouse), "--published", str(published), "--inbox", str(inbox),
                     "--mappings", str(tmp_path / "no_mappings")])  # fmt: skip
        output = capsys.readouterr()
        return code, output.out + output.err

    code, report = audit(warehouse, published)
    assert code == 0, report

    # a reason quoting the rejected value, in a copy of the warehouse
    leaked = tmp_path / "leaked.duckdb"
    shutil.copyfile(warehouse, leaked)
    with duckdb.connect(str(leaked)) as con:
        con.execute(
            "update raw_suivi_clauses.tracking_rejects set reason = reason || ' (valeur lue : ' || ? || ')' "
            "where rowid = (select min(rowid) from raw_suivi_clauses.tracking_rejects)",
            [unparsable],
        )
    code, report = audit(leaked, published)
    assert code == 1, report
    assert re.search(r"date de naissance d'un participant\s+.*raw_suivi_clauses\.tracking_rejects\.reason", report)
    # the ISO-shaped one and the name of the rejected person, in a published CSV
    (published / "export.csv").write_text(
        'commentaire,valeur\n"né le",1990-13-01\n"à rappeler","Philomène GARRIGOU"\n', encoding="utf-8"
    )
    code, report = audit(warehouse, published)
    assert code == 1, report
    assert re.search(r"date de naissance d'un participant\s+published/export\.csv\.valeur", report), report
    assert re.search(r"nom et prénom d'un participant\s+published/export\.csv\.valeur", report), report
    for value in (unparsable, "1990-13-01", "Garrigou", "Philomène", "Philomene"):
        assert value.lower() not in report.lower(), value


def test_exports_of_which_no_participant_is_read_stop_the_audit_instead_of_passing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The wrong mappings folder reads nobody from a tool's own headers: the audit would search for no one and pass.
    It stops (exit code 2) and says which inbox, which mappings folder and what to give it."""
    from observatoire.pii_audit import main

    inbox = tmp_path / "inbox" / "suivi_clauses"
    (inbox / "coord_outil").mkdir(parents=True)
    (inbox / "coord_outil" / "Extraction_Beneficiaires.csv").write_text(
        "N° bénéficiaire;Nom de famille;Prénom usuel;Né(e) le\nB1;Vasseur;Eulalie;14/03/1987\n", encoding="utf-8"
    )
    published = tmp_path / "published"
    published.mkdir()
    empty_mappings = tmp_path / "mappings"
    empty_mappings.mkdir()
    code = main(["--warehouse", str(tmp_path / "absent.duckdb"), "--published", str(published),
                 "--inbox", str(inbox), "--mappings", str(empty_mappings)])  # fmt: skip
    error = capsys.readouterr().err
    assert code == 2, error
    assert f"no participant row read from the 1 export file(s) of {inbox}" in error
    assert str(empty_mappings) in error and "--mappings" in error
    assert "Vasseur" not in error
