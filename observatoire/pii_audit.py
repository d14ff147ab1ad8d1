"""Personal-data audit: no direct identifier in the warehouse, the snapshot or any published file.

    python -m observatoire.pii_audit [--warehouse PATH] [--published DIR] [--inbox DIR]

Looks for, in every text column of every DuckDB table and in every published text/CSV/JSON/HTML/Parquet file:
* the names and birth dates of the participants found in the tracking exports of the inbox (first name
  and last name together, or a birth date written as in the export or in ISO form);
* e-mail addresses, French phone numbers and NIR (social security numbers) by pattern.
Exits 1 with the list of hits (table/column or file, and the kind of identifier, never the value itself).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from observatoire.pseudonymisation import normalise_name
from observatoire.settings import load_settings

PATTERNS = {
    "e-mail": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "téléphone": r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?[0-9]{2}){4}\b",
    "NIR": r"\b[12]\s?[0-9]{2}\s?(?:0[1-9]|1[0-2]|[2-9][0-9])\s?(?:[0-9]{2}|2[AB])\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{2}\b",
}
TEXT_SUFFIXES = (".csv", ".json", ".html", ".htm", ".txt", ".md", ".svg", ".js", ".xml")


@dataclass(frozen=True)
class Hit:
    where: str
    kind: str
    count: int


def identity_patterns(people: Iterable[tuple[str, str, date]]) -> dict[str, str]:
    """Regexes (RE2 and Python compatible) matching the people's full names and birth dates."""
    names, dates = set(), set()
    for last, first, birth in people:
        last_n, first_n = normalise_name(last), normalise_name(first)
        if len(last_n) >= 2 and len(first_n) >= 2:
            names.add(f"{re.escape(first_n)}\\W+{re.escape(last_n)}")
            names.add(f"{re.escape(last_n)}\\W+{re.escape(first_n)}")
        dates.update({birth.isoformat(), birth.strftime("%d/%m/%Y")})
    patterns = {}
    if names:
        patterns["nom et prénom d'un participant"] = "(?i)(?:" + "|".join(sorted(names)) + ")"
    if dates:
        patterns["date de naissance d'un participant"] = "(?:" + "|".join(re.escape(d) for d in sorted(dates)) + ")"
    return patterns


def participants_in_inbox(inbox: Path, mappings_dir: Path) -> Iterator[tuple[str, str, date]]:
    """Identity fields of every participant row of the tracking exports (read, never stored)."""
    from dlt_sources.suivi_clauses.exchange_format import exchange_tables
    from dlt_sources.suivi_clauses.mapping import header_key, load_mapping
    from dlt_sources.suivi_clauses.readers import ExportReadError, read_csv, read_xlsx
    from dlt_sources.suivi_clauses.validation import InvalidValue, parse_date

    table = exchange_tables()["participants"]
    for source_dir in sorted(p for p in inbox.iterdir() if p.is_dir()) if inbox.exists() else []:
        mapping = load_mapping(source_dir.name, mappings_dir)
        for path in sorted(source_dir.rglob("*")):
            matches = [t for t in mapping.tables_for(path.name) if t.table == "participants"] if path.is_file() else []
            if not matches:
                continue
            table_mapping = matches[0]
            try:
                if path.suffix.lower() == ".xlsx":
                    expected = set(table_mapping.columns) | set(table.field_names)
                    sheet = read_xlsx(path, table_mapping.sheet, expected, header_key)
                else:
                    sheet = read_csv(path)
            except ExportReadError:
                continue
            index = {}
            for position, header in enumerate(sheet.header):
                key = header_key(header)
                index[table_mapping.columns.get(key, key)] = position
            if not {"nom", "prenom", "date_naissance"} <= index.keys():
                continue
            for _, cells in sheet.rows:
                try:
                    values = [cells[index[name]] for name in ("nom", "prenom", "date_naissance")]
                    yield str(values[0] or ""), str(values[1] or ""), parse_date(values[2])
                except (IndexError, InvalidValue, TypeError):
                    continue


def scan_duckdb(path: Path, patterns: dict[str, str]) -> list[Hit]:
    hits = []
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
        for schema, table, column in columns:
            for kind, pattern in patterns.items():
                row = con.execute(
                    f'select count(*) from "{schema}"."{table}" where regexp_matches("{column}"::varchar, ?)',
                    [pattern],
                ).fetchone()
                if row and row[0]:
                    hits.append(Hit(f"{path.name}:{schema}.{table}.{column}", kind, int(row[0])))
    return hits


def scan_files(folder: Path, patterns: dict[str, str]) -> list[Hit]:
    compiled = {
        kind: re.compile(pattern.replace("(?i)", ""), re.IGNORECASE if "(?i)" in pattern else 0)
        for kind, pattern in patterns.items()
    }
    hits = []
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if not path.is_file():
            continue
        if path.suffix.lower() == ".duckdb":
            hits += scan_duckdb(path, patterns)
            continue
        if path.suffix.lower() == ".parquet":
            with duckdb.connect() as con:
                text = "\n".join(str(r) for r in con.execute(f"select * from read_parquet('{path}')").fetchall())
        elif path.suffix.lower() in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        for kind, regex in compiled.items():
            count = len(regex.findall(text))
            if count:
                hits.append(Hit(str(path), kind, count))
    return hits


def audit(warehouse: Path, published: Path, inbox: Path, mappings_dir: Path) -> list[Hit]:
    patterns = {**PATTERNS, **identity_patterns(participants_in_inbox(inbox, mappings_dir))}
    hits = scan_duckdb(warehouse, patterns) if warehouse.exists() else []
    return hits + scan_files(published, patterns)


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path)
    parser.add_argument("--published", type=Path, default=settings.published_dir)
    parser.add_argument("--inbox", type=Path, default=settings.tracking_inbox)
    parser.add_argument("--mappings", type=Path, default=settings.mappings_dir)
    args = parser.parse_args(argv)
    hits = audit(args.warehouse, args.published, args.inbox, args.mappings)
    if hits:
        print("Personal data found (kind, place, number of values):", file=sys.stderr)
        for hit in hits:
            print(f"  {hit.kind:<36} {hit.where}  ({hit.count})", file=sys.stderr)
        return 1
    print(f"No direct identifier found in {args.warehouse} and {args.published}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
