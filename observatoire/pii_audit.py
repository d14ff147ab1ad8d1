"""Personal-data audit: no direct identifier in the warehouse, the snapshot or any published file.

    python -m observatoire.pii_audit [--warehouse PATH] [--published DIR] [--inbox DIR]

Looks for, in every text column of every DuckDB table and in every published text/CSV/JSON/HTML/Parquet file:
* the names and birth dates of the participants found in the tracking exports of the inbox (first name
  and last name together, or a birth date written as in the export or in ISO form);
* e-mail addresses, French phone numbers and NIR (social security numbers) by pattern.
Exits 1 with the list of hits (table/column or file, and the kind of identifier, never the value itself).
Public data can hold homonyms of participants (a company or a street named like a person, a SIRENE creation
date equal to a birth date): a hit is a place to look at, and ``--schemas`` narrows the scan.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from observatoire.pseudonymisation import normalise_name
from observatoire.settings import load_settings
from observatoire.warehouse import connect_reader

PATTERNS = {
    "e-mail": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "téléphone": r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?[0-9]{2}){4}\b",
    "NIR": r"\b[12]\s?[0-9]{2}\s?(?:0[1-9]|1[0-2]|[2-9][0-9])\s?(?:[0-9]{2}|2[AB])\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{2}\b",
}
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}/[0-9]{2}/[0-9]{4}"
DATE_SQL_PATTERN = DATE_PATTERN.replace("{", "{{").replace("}", "}}")  # inside str.format templates
TEXT_SUFFIXES = (".csv", ".json", ".html", ".htm", ".txt", ".md", ".svg", ".js", ".xml")


@dataclass(frozen=True)
class Hit:
    where: str
    kind: str
    count: int


@dataclass(frozen=True)
class Identities:
    """What to look for, normalised: adjacent (first name, last name) tokens in either order, birth dates."""

    name_pairs: frozenset[tuple[str, str]]
    birth_dates: frozenset[str]


def identities_of(people: Iterable[tuple[str, str, date]]) -> Identities:
    pairs, dates = set(), set()
    for last, first, birth in people:
        last_tokens, first_tokens = normalise_name(last).split(), normalise_name(first).split()
        if last_tokens and first_tokens:
            pairs.add((first_tokens[0], last_tokens[0]))  # "Zoé Lefèvre"
            pairs.add((last_tokens[-1], first_tokens[0]))  # "LEFEVRE Zoé"
        dates.update({birth.isoformat(), birth.strftime("%d/%m/%Y")})
    return Identities(frozenset(pairs), frozenset(dates))


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


def scan_duckdb(
    path: Path,
    identities: Identities | None = None,
    patterns: dict[str, str] = PATTERNS,
    only_tables: Callable[[str, str], bool] | None = None,
) -> list[Hit]:
    """Every text column of every table: identifier patterns (regex), and the participants' names and birth
    dates (token joins, fast on large tables). A table is scanned on its concatenated text columns, then the
    columns of a table with hits are scanned one by one to say where."""
    hits = []
    with connect_reader(path) as con:
        if identities:
            con.execute("create temp table pii_names(token_a varchar, token_b varchar)")
            con.executemany("insert into pii_names values (?, ?)", sorted(identities.name_pairs))
            con.execute("create temp table pii_dates(value varchar)")
            con.executemany("insert into pii_dates values (?)", [(d,) for d in sorted(identities.birth_dates)])
        columns: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema', 'pg_catalog') "
            "and table_catalog = current_database() order by table_schema, table_name, ordinal_position"
        ).fetchall():
            if only_tables is None or only_tables(schema, table):
                columns.setdefault((schema, table), []).append(column)
        for (schema, table), names in columns.items():
            whole = "concat_ws(chr(31), " + ", ".join(f'"{c}"::varchar' for c in names) + ")"
            for kind, count_sql in _detectors(identities, patterns):
                if not con.execute(count_sql.format(text=whole, table=f'"{schema}"."{table}"')).fetchone()[0]:
                    continue
                for column in names:
                    found = con.execute(count_sql.format(text=f'"{column}"::varchar', table=f'"{schema}"."{table}"'))
                    count = found.fetchone()[0]
                    if count:
                        hits.append(Hit(f"{path.name}:{schema}.{table}.{column}", kind, int(count)))
    return hits


def _detectors(identities: Identities | None, patterns: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, SQL counting the rows of {table} whose {text} holds it)."""
    detectors = [
        (
            kind,
            "select count(*) from {table} where regexp_matches({text}, '"
            + pattern.replace("'", "''").replace("{", "{{").replace("}", "}}")
            + "')",
        )
        for kind, pattern in patterns.items()
    ]
    if identities:
        detectors.append(
            (
                "nom et prénom d'un participant",
                """with texts as (
                   select row_number() over () as row_id,
                          regexp_split_to_array(upper(strip_accents({text})), '[^A-Z]+') as tokens
                   from {table}),
               adjacent as (
                   select row_id, tokens[i] as token_a, tokens[i + 1] as token_b
                   from texts, range(1, len(tokens)) as r(i))
               select count(distinct row_id) from adjacent join pii_names using (token_a, token_b)""",
            )
        )
        detectors.append(
            (
                "date de naissance d'un participant",
                "select count(*) from (select unnest(regexp_extract_all({text}, '" + DATE_SQL_PATTERN + "')) as value "
                "from {table}) as found semi join pii_dates using (value)",
            )
        )
    return detectors


def scan_files(folder: Path, identities: Identities | None = None, patterns: dict[str, str] = PATTERNS) -> list[Hit]:
    """Published files: DuckDB files as tables, Parquet through DuckDB, text files read whole."""
    compiled = {kind: re.compile(pattern) for kind, pattern in patterns.items()}
    hits = []
    for path in sorted(folder.rglob("*")) if folder.exists() else []:
        if not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix == ".duckdb":
            hits += scan_duckdb(path, identities, patterns)
            continue
        if suffix == ".parquet":
            with duckdb.connect() as con:
                text = "\n".join(str(r) for r in con.execute("select * from read_parquet(?)", [str(path)]).fetchall())
        elif suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8", errors="replace")
        else:
            continue
        found = {kind: len(regex.findall(text)) for kind, regex in compiled.items()}
        if identities:
            tokens = re.split(r"[^A-Z]+", _ascii_upper(text))
            pairs = set(zip(tokens, tokens[1:], strict=False))
            found["nom et prénom d'un participant"] = len(pairs & identities.name_pairs)
            dates = set(re.findall(DATE_PATTERN, text))
            found["date de naissance d'un participant"] = len(dates & identities.birth_dates)
        hits += [Hit(str(path), kind, count) for kind, count in found.items() if count]
    return hits


def _ascii_upper(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()


def audit(warehouse: Path, published: Path, inbox: Path, mappings_dir: Path) -> list[Hit]:
    identities = identities_of(participants_in_inbox(inbox, mappings_dir))
    hits = scan_duckdb(warehouse, identities) if warehouse.exists() else []
    return hits + scan_files(published, identities)


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
