"""SIRENE filter benchmark: a 5-million-row StockEtablissement file filtered to ~5,000 referenced SIRETs.

    .venv/bin/python -m benchmarks.sirene_filter [--rows 5000000] [--referenced 5000] [--json OUT]

The file is generated once in the real INSEE column layout (cached under ``$OBSERVATOIRE_DATA_DIR/benchmarks``)
by DuckDB. Two stages run in fresh child processes sampled every 10 ms with psutil (peak RSS is their own):
the baseline (DuckDB ``read_csv`` count of the whole file) and the project's SIRENE dlt source loading the
referenced rows into a fresh warehouse (file hashing, filtering, dlt normalise and load included).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
import time
from pathlib import Path

import duckdb

from benchmarks import measure
from observatoire.settings import load_settings

HEADER = (
    "siren,nic,siret,statutDiffusionEtablissement,dateCreationEtablissement,trancheEffectifsEtablissement,"
    "anneeEffectifsEtablissement,activitePrincipaleRegistreMetiersEtablissement,dateDernierTraitementEtablissement,"
    "etablissementSiege,nombrePeriodesEtablissement,complementAdresseEtablissement,numeroVoieEtablissement,"
    "indiceRepetitionEtablissement,dernierNumeroVoieEtablissement,indiceRepetitionDernierNumeroVoieEtablissement,"
    "typeVoieEtablissement,libelleVoieEtablissement,codePostalEtablissement,libelleCommuneEtablissement,"
    "libelleCommuneEtrangerEtablissement,distributionSpecialeEtablissement,codeCommuneEtablissement,"
    "codeCedexEtablissement,libelleCedexEtablissement,codePaysEtrangerEtablissement,libellePaysEtrangerEtablissement,"
    "identifiantAdresseEtablissement,coordonneeLambertAbscisseEtablissement,coordonneeLambertOrdonneeEtablissement,"
    "complementAdresse2Etablissement,numeroVoie2Etablissement,indiceRepetition2Etablissement,typeVoie2Etablissement,"
    "libelleVoie2Etablissement,codePostal2Etablissement,libelleCommune2Etablissement,"
    "libelleCommuneEtranger2Etablissement,distributionSpeciale2Etablissement,codeCommune2Etablissement,"
    "codeCedex2Etablissement,libelleCedex2Etablissement,codePaysEtranger2Etablissement,"
    "libellePaysEtranger2Etablissement,dateDebut,etatAdministratifEtablissement,enseigne1Etablissement,"
    "enseigne2Etablissement,enseigne3Etablissement,denominationUsuelleEtablissement,activitePrincipaleEtablissement,"
    "nomenclatureActivitePrincipaleEtablissement,caractereEmployeurEtablissement,activitePrincipaleNAF25Etablissement"
).split(",")

#: Generated values per column (SQL over ``i`` = row number); other columns stay empty, as most are in the real file.
GENERATED = {
    "siren": "lpad(cast(100000000 + i * 7 % 899999999 as varchar), 9, '0')",
    "nic": "lpad(cast(i % 97 + 10 as varchar), 5, '0')",
    "statutDiffusionEtablissement": "case when i % 50 = 0 then 'P' else 'O' end",
    "dateCreationEtablissement": "cast(date '1970-01-01' + cast(i % 19000 as integer) as varchar)",
    "trancheEffectifsEtablissement": "(['NN','00','01','02','03','11','12','21','22','31'])[i % 10 + 1]",
    "anneeEffectifsEtablissement": "'2023'",
    "dateDernierTraitementEtablissement": "'2026-10-03T02:14:37'",
    "etablissementSiege": "case when i % 3 = 0 then 'true' else 'false' end",
    "nombrePeriodesEtablissement": "cast(i % 4 + 1 as varchar)",
    "numeroVoieEtablissement": "case when i % 50 = 0 then '[ND]' else cast(i % 200 + 1 as varchar) end",
    "typeVoieEtablissement": "case when i % 50 = 0 then '[ND]' else (['RUE','AV','BD','CHE','ALL'])[i % 5 + 1] end",
    "libelleVoieEtablissement": "case when i % 50 = 0 then '[ND]' else 'DE LA REPUBLIQUE' end",
    "codePostalEtablissement": "lpad(cast(1000 + i % 94000 as varchar), 5, '0')",
    "libelleCommuneEtablissement": "'COMMUNE ' || cast(i % 35000 as varchar)",
    "codeCommuneEtablissement": "lpad(cast(1001 + i % 94000 as varchar), 5, '0')",
    "dateDebut": "'2021-01-01'",
    "etatAdministratifEtablissement": "case when i % 4 = 0 then 'F' else 'A' end",
    "enseigne1Etablissement": (
        "case when i % 50 = 0 then '[ND]' when i % 5 = 0 then 'ENSEIGNE ' || cast(i as varchar) end"
    ),
    "denominationUsuelleEtablissement": "case when i % 50 = 0 then '[ND]' end",
    "activitePrincipaleEtablissement": "(['43.99C','41.20B','81.21Z','88.99B','47.11F','56.10A'])[i % 6 + 1]",
    "nomenclatureActivitePrincipaleEtablissement": "'NAFRev2'",
    "caractereEmployeurEtablissement": "case when i % 2 = 0 then 'O' else 'N' end",
}


def generate(path: Path, rows: int) -> None:
    """Write a ``rows``-row StockEtablissement CSV in the INSEE layout (siret = siren || nic)."""
    columns = []
    for name in HEADER:
        if name == "siret":
            columns.append(f"({GENERATED['siren']}) || ({GENERATED['nic']}) as siret")
        else:
            columns.append(f'{GENERATED.get(name, "cast(null as varchar)")} as "{name}"')
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select {', '.join(columns)} from range({rows}) as t(i)) to '{partial}' (header, delimiter ',')"
        )
    partial.rename(path)


def referenced_sirets(path: Path, rows: int, count: int) -> list[str]:
    """``count`` SIRETs spread over the file, plus 1 % that are not in it (closed or foreign establishments)."""
    step = max(rows // count, 1)
    with duckdb.connect() as con:
        present = [
            r[0]
            for r in con.execute(
                f"select siret from (select row_number() over () - 1 as n, siret from read_csv('{path}', "
                f"all_varchar = true)) where n % {step} = 0"
            ).fetchall()
        ]
    return present[:count] + [f"99999999{n:06d}" for n in range(count // 100)]


BASELINE_STAGE = textwrap.dedent(
    """
    import sys, duckdb
    print(duckdb.connect().execute(f"select count(*) from read_csv('{sys.argv[1]}', all_varchar = true)").fetchone()[0])
    """
)

SOURCE_STAGE = textwrap.dedent(
    """
    import json, os, sys
    from dlt_sources.pipelines import warehouse_pipeline
    from dlt_sources.registries import sirene_source
    sirets = json.loads(open(sys.argv[2]).read())
    warehouse_pipeline("registries").run(sirene_source(etablissements_path=sys.argv[1], sirets=sirets))
    import duckdb
    with duckdb.connect(os.environ["OBSERVATOIRE_WAREHOUSE"], read_only=True) as con:
        print(con.execute("select count(*) from raw_registries.sirene_etablissements").fetchone()[0])
    """
)


def run_stage(name: str, code: str, args: list[str], work_dir: Path) -> dict[str, float | int | str]:
    run = measure.run_stage(name, code, args, work_dir)
    return {"stage": name, "seconds": run.seconds, "rows_out": run.rows, "peak_rss_mb": run.peak_rss_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--referenced", type=int, default=5_000)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    stock = load_settings().data_dir / "benchmarks" / f"StockEtablissement_generated_{args.rows}.csv"
    if not stock.is_file():
        started = time.perf_counter()
        generate(stock, args.rows)
        print(f"generated {stock} in {time.perf_counter() - started:.1f} s")
    sirets = referenced_sirets(stock, args.rows, args.referenced)
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = Path(tmp)
        sirets_file = work_dir / "sirets.json"
        sirets_file.write_text(json.dumps(sirets), encoding="utf-8")
        results = [
            run_stage("duckdb read_csv count (baseline)", BASELINE_STAGE, [str(stock)], work_dir),
            run_stage("dlt SIRENE source (filter+load)", SOURCE_STAGE, [str(stock), str(sirets_file)], work_dir),
        ]
    baseline = float(results[0]["seconds"])
    print(
        f"SIRENE filter of {stock.name} ({stock.stat().st_size / 1e9:.2f} GB, {args.rows:,} rows) "
        f"to {len(sirets):,} referenced SIRETs"
    )
    print(f"{'stage':<34} {'seconds':>8} {'rows out':>9} {'rows/s':>10} {'peak RSS MB':>12} {'× baseline':>11}")
    for row in results:
        row["rows_per_s"] = round(args.rows / float(row["seconds"]))
        print(
            f"{row['stage']:<34} {row['seconds']:>8} {row['rows_out']:>9} {row['rows_per_s']:>10} "
            f"{row['peak_rss_mb']:>12} {float(row['seconds']) / baseline:>11.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
