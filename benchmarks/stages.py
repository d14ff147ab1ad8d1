"""The code each benchmark stage runs in its own child process (see :mod:`benchmarks.measure`).

Every stage prints, last, the number of rows it handled; lines starting with ``detail:`` are shown under the
stage (slowest dbt models, failed checks...), the rest of its output (dbt, Dagster logs) is left out. The
warehouse and data folder come from the environment (``OBSERVATOIRE_WAREHOUSE``, ``OBSERVATOIRE_DATA_DIR``),
as for the product itself.
"""

from __future__ import annotations

import textwrap

#: The project's DECP dlt source on the files given as arguments; rows = records read (load audit).
DECP_DLT = textwrap.dedent(
    """
    import os, sys, duckdb
    from dlt_sources.decp import decp_source
    from dlt_sources.pipelines import warehouse_pipeline
    files = sys.argv[1:]
    warehouse_pipeline("decp").run(decp_source(paths=files))
    with duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
        audit = con.execute(
            "select status, count(*), sum(records_read) from raw_decp.decp_load_audit "
            "where source_file in (select unnest(?)) group by 1", [files]
        ).fetchall()
    print("detail: documents: " + ", ".join(f"{n} {status}" for status, n, _ in audit))
    print(sum(r for _, _, r in audit))
    """
)

#: DuckDB's own JSON reader making a table of the records of the same files (the speed limit of the step).
DECP_READ_JSON = textwrap.dedent(
    """
    import os, re, sys, duckdb
    con = duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"])
    total = 0
    for i, path in enumerate(sys.argv[1:]):
        with open(path, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
        shape = re.search(r'"marches"\\s*:\\s*(.)', head).group(1)
        records = "marches" if shape == "[" else "marches.marche"  # 2019 layout: a list; 2024: an object
        literal = "'" + path.replace("'", "''") + "'"
        con.execute(
            f"create table records_{i} as select unnest({records}) as record "
            f"from read_json({literal}, maximum_object_size = 2147483647)"
        )
        total += con.execute(f"select count(*) from records_{i}").fetchone()[0]
    print(total)
    """
)

#: DuckDB's own CSV reader making a table of every row, all columns as text (as the sources load them).
#: DuckDB reads UTF-8 only: Windows-1252 exports are first rewritten as UTF-8 (timed with the read).
READ_CSV = textwrap.dedent(
    """
    import os, sys, tempfile, duckdb
    from pathlib import Path
    from dlt_sources.suivi_clauses.readers import detect_encoding
    con = duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"])
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, name in enumerate(sys.argv[1:]):
            path = Path(name)
            if detect_encoding(path) == "cp1252":
                utf8 = Path(tmp) / f"{i}.csv"
                utf8.write_text(path.read_text(encoding="cp1252"), encoding="utf-8")
                path = utf8
            literal = "'" + str(path).replace("'", "''") + "'"
            scan = f"read_csv({literal}, all_varchar = true, header = true)"
            con.execute(f"create table rows_{i} as select * from {scan}")
            total += con.execute(f"select count(*) from rows_{i}").fetchone()[0]
    print(total)
    """
)

#: The clause-tracking dlt source on the inbox; rows = rows read (load audit).
TRACKING_DLT = textwrap.dedent(
    """
    import duckdb
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.suivi_clauses import suivi_clauses_source
    from observatoire.settings import load_settings
    settings = load_settings()
    source = suivi_clauses_source(inbox=str(settings.tracking_inbox), mappings_dir=str(settings.mappings_dir))
    warehouse_pipeline("suivi_clauses", settings).run(source)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        read, loaded, rejected = con.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_rejected) from raw_suivi_clauses.tracking_load_audit"
        ).fetchone()
    print(f"detail: rows read {read}: loaded {loaded}, rejected {rejected}")
    print(read)
    """
)

#: The reference files alone (CPV nomenclature, COG...), as the Dagster asset loads them; rows = rows loaded.
REFERENCE_DLT = textwrap.dedent(
    """
    import duckdb
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.reference import reference_source
    from observatoire.settings import load_settings
    settings = load_settings()
    warehouse_pipeline("reference", settings).run(reference_source())
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'raw_reference' and table_name not like '_dlt%'"
        ).fetchall()
        print(sum(con.execute(f'select count(*) from raw_reference."{t}"').fetchone()[0] for (t,) in tables))
    """
)

#: Reference files and registries, as the Dagster assets load them; rows = rows in those raw tables.
REGISTRIES_DLT = textwrap.dedent(
    """
    import duckdb
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.reference import reference_source
    from dlt_sources.registries import registry_files_source, sirene_source
    from observatoire.settings import load_settings
    settings = load_settings()
    warehouse_pipeline("reference", settings).run(reference_source())
    warehouse_pipeline("registries", settings).run(registry_files_source(reference_dir=str(settings.reference_dir)))
    warehouse_pipeline("registries", settings).run(sirene_source(registries_dir=str(settings.registries_dir)))
    total = 0
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw_reference', 'raw_registries') and table_name not like '_dlt%'"
        ).fetchall()
        for schema, table in tables:
            total += con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    print(total)
    """
)

#: ``dbt build`` (seeds, models, tests); rows = rows of the models' tables. Prints the slowest nodes.
DBT_BUILD = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from pathlib import Path
    from observatoire.settings import DBT_PROJECT_DIR
    target = Path(sys.argv[1])
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", *sys.argv[2:], "--profiles-dir", str(DBT_PROJECT_DIR),
               "--target-path", str(target), "--log-path", str(target / "logs")]
    result = subprocess.run(command, cwd=DBT_PROJECT_DIR, capture_output=True, text=True)
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = [r["unique_id"] for r in results if r["status"] in ("error", "fail")]
    if result.returncode != 0 and not failed:
        sys.exit(result.stdout[-5000:] + result.stderr[-3000:])
    by_kind = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        by_kind[kind] = by_kind.get(kind, 0) + r["execution_time"]
    print("detail: time by kind: " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(by_kind.items())))
    for r in sorted(results, key=lambda r: -r["execution_time"])[:6]:
        print(f"detail: slowest: {r['unique_id']} {r['execution_time']:.1f} s")
    if failed:
        print("detail: failed: " + ", ".join(failed))
    manifest = json.loads((target / "manifest.json").read_text())
    import duckdb  # once dbt has finished: the stage measures dbt's memory, not this counting process's
    built = {r["unique_id"] for r in results if r["status"] == "success"}  # a `--select` builds part of them
    total = 0
    with duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
        for key, node in manifest["nodes"].items():
            if key in built and node["resource_type"] == "model" and node["config"]["materialized"] in (
                "table", "incremental"
            ):
                total += con.execute(f"select count(*) from {node['relation_name']}").fetchone()[0]
    print(total)
    """
)

#: DECP file to ``fct_contracts`` (preset ``decp200k``): the DECP ingestion stage then ``dbt build --select
#: +fct_contracts``, back to back on a fresh warehouse, as a refresh runs them; rows = rows of ``fct_contracts``.
#: Arguments: the dbt target folder, then the DECP files.
DECP_TO_CONTRACTS = textwrap.dedent(
    """
    import os, subprocess, sys
    from benchmarks.stages import DBT_BUILD, DECP_DLT
    target, files = sys.argv[1], sys.argv[2:]
    for code, args in ((DECP_DLT, files), (DBT_BUILD, [target, "--select", "+fct_contracts"])):
        subprocess.run([sys.executable, "-c", code, *args], check=True, stdout=subprocess.DEVNULL)
    import duckdb  # after the two steps: this wrapper process is not part of the pipeline's memory
    with duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
        print(con.execute("select count(*) from marts.fct_contracts").fetchone()[0])
    """
)

#: The SQL dbt compiled, run directly by DuckDB in dependency order on a copy of the same raw warehouse.
DBT_SQL_DIRECT = textwrap.dedent(
    """
    import json, os, sys, duckdb
    from graphlib import TopologicalSorter
    from observatoire.warehouse import duckdb_memory_limit
    manifest = json.loads(open(sys.argv[1]).read())
    models = {k: n for k, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    order = TopologicalSorter(
        {k: [d for d in n["depends_on"]["nodes"] if d in models] for k, n in models.items()}
    ).static_order()
    con = duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"])
    # the memory limit dbt's profile gives DuckDB (dbt_project/profiles.yml), so both spill alike
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    # seeds: copied from the warehouse dbt built (loading a few small CSV files is not what is compared)
    built = os.environ["OBSERVATOIRE_BUILT_WAREHOUSE"].replace("'", "''")
    con.execute(f"attach '{built}' as built (read_only)")
    for node in manifest["nodes"].values():
        if node["resource_type"] == "seed":
            con.execute(f'create schema if not exists "{node["schema"]}"')
            con.execute(
                f"create or replace table {node['relation_name']} as "
                f'select * from built."{node["schema"]}"."{node["alias"]}"'
            )
    con.execute("detach built")
    total = 0
    for key in order:
        node = models[key]
        kind = node["config"]["materialized"]
        if kind == "ephemeral":
            continue
        con.execute(f'create schema if not exists "{node["schema"]}"')
        relation = "view" if kind == "view" else "table"
        con.execute(f"create or replace {relation} {node['relation_name']} as ({node['compiled_code']})")
        if relation == "table":
            total += con.execute(f"select count(*) from {node['relation_name']}").fetchone()[0]
    print(total)
    """
)

#: Every Great Expectations suite, as the Dagster checks run them; rows = rows of the validated tables.
QUALITY_CHECKS = textwrap.dedent(
    """
    import duckdb
    from expectations.runner import SUITES_DIR, load_suite, validate_table
    from observatoire.settings import load_settings
    settings = load_settings()
    total = 0
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        listed = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
        tables = {f"{schema}.{table}" for schema, table in listed}
    for path in sorted(SUITES_DIR.glob("*.json")):
        if path.stem not in tables:  # a source not configured here (the emplois de l'inclusion API)
            print(f"detail: skipped: {path.name} (no table {path.stem})")
            continue
        suite = load_suite(path)
        report = validate_table(settings.warehouse_path, suite)
        if not report.success:
            print(f"detail: failed: {path.name}")
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            total += con.execute(f"select count(*) from {path.stem}").fetchone()[0]
    print(total)
    """
)

#: The publication assets of the full_refresh job (snapshot, docs, open data, dataviz), through Dagster.
PUBLICATION = textwrap.dedent(
    """
    import os, shutil
    from pathlib import Path
    from dagster import DagsterInstance
    from orchestration.definitions import defs
    from orchestration.assets import publication
    from observatoire.settings import REPO_ROOT
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    # the per-year report and fiches run in their own job, after the refresh
    selected = [key for a in publication.PUBLICATION_ASSETS if a.partitions_def is None for key in a.keys]
    job = defs().resolve_job_def("full_refresh")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, asset_selection=selected, raise_on_error=False)
    if not result.success:
        failed = [e.step_key or "?" for e in result.get_step_failure_events()]
        raise SystemExit(f"publication failed: {failed}")
    print(len(selected))
    """
)

#: The Dagster job ``full_refresh`` in process, as ``make demo`` runs it; rows = raw rows added by the run.
DAGSTER_FULL_REFRESH = textwrap.dedent(
    """
    import os, shutil, duckdb
    from pathlib import Path
    from dagster import AssetCheckSeverity, DagsterInstance
    from observatoire.settings import REPO_ROOT, load_settings
    settings = load_settings()
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")

    def raw_rows():
        if not settings.warehouse_path.exists():
            return 0
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_schema like 'raw%' and table_name not like '_dlt%'"
            ).fetchall()
            return sum(con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables)

    before = raw_rows()
    from orchestration.definitions import defs
    job = defs().resolve_job_def("full_refresh")
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failed = [e.check_name for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == AssetCheckSeverity.ERROR]
    if not result.success or failed:
        steps = [e.step_key for e in result.get_step_failure_events()]
        raise SystemExit(f"full_refresh failed: steps {steps}, blocking checks {failed}")
    steps = sorted(
        ((e.step_key, e.event_specific_data.duration_ms if hasattr(e.event_specific_data, "duration_ms") else 0)
         for e in result.all_events if e.event_type_value == "STEP_SUCCESS"),
        key=lambda s: -s[1],
    )
    for key, ms in steps[:6]:
        print(f"detail: slowest step: {key} {ms / 1000:.1f} s")
    print(raw_rows() - before)
    """
)

#: Loading the Dagster code location in a fresh process (what the webserver and the daemon do).
#: What a Dagster code server does when it loads the location: import the definitions and serialise the repository
#: snapshot it sends to the webserver and the daemon. A code server then keeps running, so the process leaves
#: without the interpreter's final collection of the ~350,000 loaded objects (about 1 s no server pays).
CODE_LOCATION = textwrap.dedent(
    """
    import os
    import sys

    from dagster._core.remote_representation.external_data import RepositorySnap
    from dagster_shared.serdes import serialize_value

    from orchestration.definitions import defs

    snapshot = serialize_value(RepositorySnap.from_def(defs().get_repository_def()))
    print(f"detail: repository snapshot {len(snapshot) / 1e6:.1f} MB")
    print(0)
    sys.stdout.flush()
    os._exit(0)
    """
)
