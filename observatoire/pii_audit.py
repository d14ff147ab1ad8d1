"""Personal-data audit: no direct identifier in the warehouse, the analysts' snapshot or any published file.

    python -m observatoire.pii_audit [--warehouse PATH] [--published DIR] [--inbox DIR] [--mappings DIR]

What is looked for (docs/architecture.md, "Personal data"):
* the participants of the tracking exports in the inbox, every participant row including those the loader
  rejects: first and last name written together in a value (either order, accents and case ignored), or in two
  columns of the same row; birth date in ISO form and as dd/mm/yyyy, or, when it does not parse ("31/02/1990",
  "1990-13-01"), as written in the export;
* e-mail addresses, French phone numbers, and NIR (social security numbers: 13 digits with a valid key).

Where:
* the warehouse: every table but the public sources loaded as published (DECP, reference files, registries:
  ``raw_decp``, ``raw_reference``, ``raw_registries`` and dlt's ``*_staging`` copies), which are open data
  about contracts and organisations. Views are not scanned: their rows come from the tables;
* every file under the published folder: DuckDB files (the analysts' snapshot) table by table, Parquet and
  CSV files column by column, the text of PDFs and the lines of every other text file (JSON, HTML,
  JavaScript, Markdown…); binary files (images, fonts) are listed as such.

Columns scanned: text and integer columns; date columns only when their name says birth (``naissance``,
``birth``), since calendar tables hold every date. The 1st of January is not taken for a birth date: it is far
more often a bound (``2000-01-01`` in a rule, a period start) than the birth date of the participant born then.

Not failures but notes: a value that the public sources publish verbatim (a company whose published name is
an e-mail address, a street or a commune named like a participant), and a participant's name found verbatim
in the tracking exports as the name of a company, an operation or a contract ("Jean Vincent SA"). With tens of
thousands of participants, such homonyms are many; a birth date equal to a date of the public sources (a
company's creation date) is a note too, so a birth date alone is a weak signal: names are the strong one.

Exit code 0: nothing found; 1: identifiers found, each named by place (file, table, column), kind and count
with a masked example, never the value; 2: the audit could not run (a file locked by a writer, unreadable).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from observatoire.pseudonymisation import normalise_name
from observatoire.settings import load_settings
from observatoire.warehouse import sql_identifier, sql_literal

EMAIL = "adresse e-mail"
PHONE = "numéro de téléphone"
NIR = "NIR (numéro de sécurité sociale)"
NAME = "nom et prénom d'un participant"
BIRTH_DATE = "date de naissance d'un participant"

#: RE2 patterns (DuckDB) have no look-behind: a phone number or a NIR keeps the character before it, so that
#: digits ending an identifier or a decimal number (a dbt test id ``….0810447679``, a path, an SVG coordinate
#: ``49.857142857142854)``) are told apart; :func:`identifier` drops it.
NOT_AFTER_A_WORD_OR_NUMBER = r"(?:^|[^0-9A-Za-z._/-])"
PATTERNS = {
    EMAIL: r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    PHONE: NOT_AFTER_A_WORD_OR_NUMBER + r"(?:\+33\s?|0)[1-9](?:[\s.-]?[0-9]{2}){4}\b",
    NIR: NOT_AFTER_A_WORD_OR_NUMBER
    + r"[1-478]\s?[0-9]{2}\s?(?:0[1-9]|1[0-2]|[2-9][0-9])\s?(?:[0-9]{2}|2[AB])\s?[0-9]{3}\s?[0-9]{3}\s?[0-9]{2}\b",
}
#: Dates as exports and tables write them: ISO, dd/mm/yyyy, and d/m/yyyy, dd.mm.yyyy or dd-mm-yyyy as exported
#: (an unparsable birth date is looked for as written).
DATE_PATTERN = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}"
#: Public sources loaded as published: not scanned, but a value found in them verbatim is a republication.
PUBLIC_SCHEMAS = ("raw_decp", "raw_reference", "raw_registries")
TEXT_TYPES = ("VARCHAR", "JSON")
NUMBER_TYPES = ("BIGINT", "HUGEINT", "UBIGINT", "UHUGEINT")
BIRTH_COLUMN = re.compile(r"naissance|birth", re.IGNORECASE)
#: Columns of the tracking exports naming organisations, operations and contracts: a participant's name found
#: there is a company, a street or a place named like them ("Jean Vincent SA", "îlot Rémy (Paris)"), so a name
#: found verbatim in one of these columns is a note too.
ORGANISATION_NAMES = {
    ("raw_suivi_clauses", "entreprises", "raison_sociale"),
    ("raw_suivi_clauses", "marches", "objet"),
    ("raw_suivi_clauses", "operations", "nom_operation"),
    ("raw_suivi_clauses", "operations", "maitre_ouvrage_nom"),
    ("raw_suivi_clauses", "engagements_moa", "maitre_ouvrage_nom"),
}
#: Public-source check: at most this many distinct values are looked up (a real leak fails anyway).
MAX_PUBLIC_LOOKUPS = 5000


class AuditError(Exception):
    """A file to audit cannot be read; the message names it and says what to do."""


@dataclass(frozen=True)
class Hit:
    """Identifiers of one kind found in one place (a table column or a file)."""

    where: str
    kind: str
    count: int
    example: str  # masked
    values: frozenset[str] = frozenset()  # for the public-source check only, never printed
    public: bool = False


@dataclass(frozen=True)
class Match:
    """One identifier found in a relation: its kind, the column(s) (1-based), the value and how many times."""

    kind: str
    columns: tuple[int, ...]
    value: str  # for a name: "FIRST LAST", normalised
    count: int


def comparable(kind: str, value: str) -> str:
    """The form two values of a kind are compared in: e-mails without case, numbers without separators."""
    if kind == EMAIL:
        return value.lower()
    if kind in (PHONE, NIR):
        return re.sub(r"[\s.-]", "", value)
    return value


@dataclass(frozen=True)
class Identities:
    """Participants to look for, normalised: (last name, first name) pairs and birth dates as written."""

    names: frozenset[tuple[str, str]]
    birth_dates: frozenset[str]


def identities_of(people: Iterable[tuple[str, str, date | str | None]]) -> Identities:
    """Who to look for. A birth date that parses is looked for in ISO form and as dd/mm/yyyy; one that does not
    ("31/02/1990", "1990-13-01") as written, when it is shaped like a date (a leak copies it as it was exported)."""
    names, dates = set(), set()
    for last, first, birth in people:
        last_name, first_name = normalise_name(last), normalise_name(first)
        if last_name and first_name:
            names.add((last_name, first_name))
        if isinstance(birth, date):
            dates.update({birth.isoformat(), birth.strftime("%d/%m/%Y")})
        elif birth and re.fullmatch(DATE_PATTERN, birth.strip()):
            dates.add(birth.strip())
    return Identities(frozenset(names), frozenset(dates))


def participants_in_inbox(inbox: Path, mappings_dir: Path) -> Iterator[tuple[str, str, date | str | None]]:
    """Identity fields of every participant row of the tracking exports (read, never stored), rows the loader
    rejects included: a birth date that does not parse is given as written."""
    from dlt_sources.suivi_clauses.exchange_format import exchange_tables
    from dlt_sources.suivi_clauses.mapping import header_key, load_mapping
    from dlt_sources.suivi_clauses.readers import ExportReadError, read_csv, read_xlsx

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
            columns = [index[name] for name in ("nom", "prenom", "date_naissance")]
            try:
                for _, cells in sheet.rows:
                    last, first, birth = (cells[c] if c < len(cells) else None for c in columns)
                    yield str(last or ""), str(first or ""), _birth_date(birth)
            except ExportReadError:
                continue  # the file stops being readable: the loader stopped there too


def _birth_date(value: object) -> date | str | None:
    """A participant's birth date: the date when it parses, else the text as written (every row is someone)."""
    from dlt_sources.suivi_clauses.validation import InvalidValue, parse_date

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except (InvalidValue, TypeError, ValueError):
        return str(value).strip()


def mask(value: str) -> str:
    """Keep the first character of each run of letters or digits: 'jean.dupont@mail.fr' → 'j***.d*****@m***.f*'."""
    return re.sub(r"(?<=[^\W_])[^\W_]", "*", value)


def identifier(kind: str, found: str) -> str | None:
    """The identifier a pattern match holds, or None when it is not one (a NIR with a wrong key)."""
    if kind in (PHONE, NIR) and not (found[:1].isdigit() or found[:1] == "+"):
        found = found[1:]  # without the character before the number
    if kind == NIR:
        return found if valid_nir(found) else None
    return found


def valid_nir(value: str) -> bool:
    """A NIR-shaped value whose key (97 - the 13 digits modulo 97; Corsica 2A/2B counted as 19/18) is right."""
    digits = re.sub(r"\s", "", value)
    body = digits[:13].upper().replace("2A", "19").replace("2B", "18")
    return body.isdigit() and 97 - int(body) % 97 == int(digits[13:])


def _normalised_sql(expression: str) -> str:
    """SQL normalising a text like ``normalise_name``: upper case, no accents, letters only, single spaces."""
    return f"trim(regexp_replace(upper(strip_accents({expression})), '[^A-Z]+', ' ', 'g'))"


class Scanner:
    """An in-memory DuckDB session holding what to look for, scanning relations one at a time."""

    def __init__(self, identities: Identities | None) -> None:
        # bounded: the audit runs beside the pipeline and the analysts on a small server
        self.con = duckdb.connect(config={"memory_limit": "2GB", "threads": 2})
        self.identities = identities or Identities(frozenset(), frozenset())
        people = sorted(self.identities.names)
        sequences, parts = [], []
        for person, (last, first) in enumerate(people):
            for sequence in (f"{first} {last}", f"{last} {first}"):
                tokens = sequence.split()
                sequences.append((person, tokens[0], tokens[1], sequence))
            parts += [(person, "nom", last), (person, "prenom", first)]
        self._table("pii_sequences", ("person int", "token_a varchar", "token_b varchar", "seq varchar"), sequences)
        self._table("pii_parts", ("person int", "part varchar", "value varchar"), parts)
        self._table("pii_dates", ("value varchar",), [(d,) for d in sorted(self.identities.birth_dates)])
        self.people = [f"{first} {last}" for last, first in people]

    def _table(self, name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """A temporary table of ``rows`` (``columns``: "name type"), inserted in one statement."""
        values = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in columns]
        selects = ", ".join(f"unnest(?::{kind}[]) as {name}" for name, kind in (c.split() for c in columns))
        self.con.execute(f"create or replace temp table {name} as select {selects}", values)

    def close(self) -> None:
        self.con.close()

    def scan(self, label: str, relation: str, columns: dict[str, str]) -> list[Hit]:
        """Hits in ``relation`` (SQL), whose ``columns`` map a column name to a VARCHAR expression."""
        names = list(columns)
        grouped: dict[tuple[str, tuple[int, ...]], dict[str, int]] = {}
        for match in self.matches(relation, columns):
            values = grouped.setdefault((match.kind, match.columns), {})
            values[match.value] = values.get(match.value, 0) + match.count
        return [
            Hit(
                f"{label}.{'+'.join(names[c - 1] for c in cols)}",
                kind,
                sum(values.values()),
                mask(min(values)),
                frozenset(values),
            )
            for (kind, cols), values in sorted(grouped.items())
        ]

    def matches(self, relation: str, columns: dict[str, str], kinds: set[str] | None = None) -> list[Match]:
        """Every identifier (of ``kinds``, default all) in the cells of ``relation``: patterns, birth dates, names.

        Each distinct value of a column is looked at once, with the number of rows holding it: a table of facts
        repeats the same codes, months and amounts on most of its rows."""
        if not columns:
            return []
        self.con.execute(
            "create or replace temp table pii_values as select col, value, count(*) as n "
            f"from ({_cells_sql(relation, columns)}) where value <> '' group by all"
        )
        found = []
        for kind, pattern in PATTERNS.items():
            if kinds is not None and kind not in kinds:
                continue
            rows = self.con.execute(
                "select col, found, sum(n) from (select col, n, unnest(regexp_extract_all(value, ?)) as found "
                "from pii_values where regexp_matches(value, ?)) group by all",
                [pattern, pattern],
            ).fetchall()
            found += [Match(kind, (col,), i, int(n)) for col, value, n in rows if (i := identifier(kind, value))]
        if self.identities.birth_dates and (kinds is None or BIRTH_DATE in kinds):
            rows = self.con.execute(
                "select col, found, sum(n) from (select col, n, unnest(regexp_extract_all(value, ?)) as found "
                "from pii_values where regexp_matches(value, ?)) semi join pii_dates on found = pii_dates.value "
                "where found not like '%-01-01' and found not like '01/01/%' group by all",
                [DATE_PATTERN, DATE_PATTERN],
            ).fetchall()
            found += [Match(BIRTH_DATE, (col,), value, int(n)) for col, value, n in rows]
        if self.identities.names and (kinds is None or NAME in kinds):
            found += self._names(relation, columns)
        return found

    def _names(self, relation: str, columns: dict[str, str]) -> list[Match]:
        """Participants named in one value (first and last name together, either order) or in two columns of
        the same row (one holding the last name, another the first name). Each distinct value is normalised once;
        the rows are read again only when some values are a participant's last name and others their first name."""
        self.con.execute(
            "create or replace temp table pii_normalised as "
            "select row_number() over () as vid, col, original, value, n "
            f"from (select col, value as original, {_normalised_sql('value')} as value, n from pii_values) "
            "where value <> ''"
        )
        in_one_value = self.con.execute(
            """with pairs as (select vid, unnest(tokens[1:len(tokens) - 1]) as token_a,
                                 unnest(tokens[2:len(tokens)]) as token_b  -- side by side: each token, the next
                          from (select vid, string_split(value, ' ') as tokens from pii_normalised)),
                candidates as (select distinct vid, person, seq from pairs join pii_sequences using (token_a, token_b))
            select [col], person, sum(n) from (
                select distinct vid, col, n, person from candidates join pii_normalised using (vid)
                where contains(' ' || value || ' ', ' ' || seq || ' '))
            group by all"""
        ).fetchall()
        # values that are a whole last or first name, of the participants of whom both appear
        self.con.execute(
            "create or replace temp table pii_part_values as select col, original, value, person, part "
            "from pii_normalised join pii_parts using (value) "
            "qualify count(distinct part) over (partition by person) = 2"
        )
        in_two_columns = []
        if self.con.execute("select count(*) from pii_part_values").fetchone()[0]:
            in_two_columns = self.con.execute(
                f"""with cells as ({_cells_sql(relation, columns, row_ids=True)})
                select cols, person, count(*) from (
                    select rid, person, list(distinct p.col order by p.col) as cols
                    from cells c join pii_part_values p on c.col = p.col and c.value = p.original
                    group by rid, person having count(distinct part) = 2 and count(distinct p.value) = 2)
                group by all"""
            ).fetchall()
        return [
            Match(NAME, tuple(cols), self.people[person], int(n)) for cols, person, n in in_one_value + in_two_columns
        ]

    # ------------------------------------------------------------------------------------------ sources
    def scan_database(
        self,
        path: Path,
        label: str,
        skip_schemas: tuple[str, ...] = (),
        only_tables: Callable[[str, str], bool] | None = None,
    ) -> list[Hit]:
        """Every base table of the DuckDB file at ``path`` outside ``skip_schemas`` (opened read-only);
        ``only_tables(schema, table)`` narrows the scan."""
        alias = self._attach(path)
        try:
            hits = []
            for schema, table, columns in self._tables(alias, skip_schemas):
                if only_tables is not None and not only_tables(schema, table):
                    continue
                relation = f"{alias}.{sql_identifier(schema)}.{sql_identifier(table)}"
                hits += self.scan(f"{label} › {schema}.{table}", relation, columns)
            return hits
        finally:
            self.con.execute(f"detach {alias}")

    def _attach(self, path: Path) -> str:
        alias = "audited_" + re.sub(r"\W", "_", path.stem)
        try:
            self.con.execute(f"attach {sql_literal(str(path))} as {alias} (read_only)")
        except duckdb.Error as exc:
            raise AuditError(
                f"cannot open {path} read-only: {exc}. If a refresh is writing it, audit again once the run ended."
            ) from exc
        return alias

    def _tables(self, alias: str, skip_schemas: tuple[str, ...]) -> list[tuple[str, str, dict[str, str]]]:
        rows = self.con.execute(
            "select c.table_schema, c.table_name, c.column_name, c.data_type "
            "from information_schema.columns c join information_schema.tables t using (table_catalog, table_schema, "
            "table_name) where c.table_catalog = ? and t.table_type = 'BASE TABLE' "
            "order by c.table_schema, c.table_name, c.ordinal_position",
            [alias],
        ).fetchall()
        tables: dict[tuple[str, str], dict[str, str]] = {}
        for schema, table, column, data_type in rows:
            if schema in skip_schemas or schema.removesuffix("_staging") in skip_schemas:
                continue
            expression = _column_expression(column, data_type)
            columns = tables.setdefault((schema, table), {})
            if expression:
                columns[column] = expression
        return [(schema, table, columns) for (schema, table), columns in tables.items()]

    def scan_file(self, path: Path, label: str) -> list[Hit] | None:
        """Hits in a published file; None for a binary file that holds no text (an image, a font)."""
        suffix = path.suffix.lower()
        if suffix == ".duckdb":
            return self.scan_database(path, label)
        if suffix in (".parquet", ".csv"):
            source = sql_literal(str(path))
            reader = f"read_parquet({source})" if suffix == ".parquet" else f"read_csv({source}, all_varchar = true)"
            try:
                self.con.execute(f"create or replace temp view pii_file as select * from {reader}")
            except duckdb.Error:
                if suffix == ".parquet":
                    raise AuditError(f"cannot read the Parquet file {path}: is it complete?") from None
                return self._scan_lines(label, path.read_text(encoding="utf-8", errors="replace"))
            described = self.con.execute("describe pii_file").fetchall()
            columns = {name: expr for name, kind, *_ in described if (expr := _column_expression(name, kind))}
            return self.scan(label, "pii_file", columns)
        if suffix == ".pdf":
            return self._scan_lines(label, _pdf_text(path))
        content = path.read_bytes()
        if b"\0" in content[:8192]:
            return None
        return self._scan_lines(label, content.decode("utf-8", errors="replace"))

    def _scan_lines(self, label: str, text: str) -> list[Hit]:
        self._table("pii_lines", ("line varchar",), [(line,) for line in text.splitlines() if line])
        return self.scan(label, "pii_lines", {"(texte)": "line"})

    def public_values(self, warehouse: Path, hits: list[Hit]) -> set[tuple[str, str]]:
        """(kind, value) of the hits that the public sources of the warehouse publish verbatim (and, for names,
        that the tracking exports give as the name of an organisation, an operation or a contract). Numbers are
        compared without separators (the DECP's 0405.069.723 is 0405069723), e-mails without case."""
        values = sorted({(h.kind, v) for h in hits for v in h.values})[:MAX_PUBLIC_LOOKUPS]
        if not values or not warehouse.exists():
            return set()
        self._table(
            "pii_candidates",
            ("kind varchar", "value varchar", "needle varchar"),
            [(kind, value, comparable(kind, value)) for kind, value in values if kind != NAME],
        )
        names = {value for kind, value in values if kind == NAME}
        alias = self._attach(warehouse)
        published: set[tuple[str, str]] = set()
        try:
            for schema, table, columns in self._tables(alias, ()):
                relation = f"{alias}.{sql_identifier(schema)}.{sql_identifier(table)}"
                public = schema.removesuffix("_staging") in PUBLIC_SCHEMAS
                if not public:
                    columns = {c: e for c, e in columns.items() if (schema, table, c) in ORGANISATION_NAMES}
                if not columns:
                    continue
                if names:
                    published |= {(NAME, m.value) for m in self.matches(relation, columns, {NAME})}
                if not public:
                    continue
                whole = "concat_ws(' ', " + ", ".join(columns.values()) + ")"
                published |= set(
                    self.con.execute(
                        f"""select distinct c.kind, c.value from pii_candidates c
                        join (select lower({whole}) as text, regexp_replace({whole}, '[\\s.-]', '', 'g') as numbers
                              from {relation}) t
                          on contains(case when c.kind in (?, ?) then t.numbers else t.text end, c.needle)""",
                        [PHONE, NIR],
                    ).fetchall()
                )
        finally:
            self.con.execute(f"detach {alias}")
        return {(kind, value) for kind, value in values if (kind, value) in published}


def _cells_sql(relation: str, columns: dict[str, str], row_ids: bool = False) -> str:
    """SQL giving one row per cell of ``relation``: ``col`` (the column's 1-based position in ``columns``, which
    map a column name to a VARCHAR expression) and ``value``; with ``row_ids``, ``rid`` numbers the rows."""
    numbering, rid = ("row_number() over () as rid, ", "rid, ") if row_ids else ("", "")
    rows = f"select {numbering}[{', '.join(columns.values())}]::varchar[] as vals from {relation}"
    return f"select {rid}i as col, vals[i] as value from ({rows}), range(1, {len(columns) + 1}) as r(i)"


def _column_expression(column: str, data_type: str) -> str | None:
    """The column as VARCHAR when it can hold an identifier, else None."""
    base = data_type.split("(")[0]
    if base in TEXT_TYPES or base in NUMBER_TYPES or data_type.startswith("DECIMAL"):
        return f"{sql_identifier(column)}::varchar"
    if (base == "DATE" or base.startswith("TIMESTAMP")) and BIRTH_COLUMN.search(column):
        return f"strftime({sql_identifier(column)}, '%Y-%m-%d')"
    return None


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    try:
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except Exception as exc:  # pypdf raises many error types on a damaged file
        raise AuditError(f"cannot read the text of the PDF {path}: {exc}") from exc


def scan_duckdb(
    path: Path,
    identities: Identities | None = None,
    only_tables: Callable[[str, str], bool] | None = None,
    skip_schemas: tuple[str, ...] = (),
) -> list[Hit]:
    """Hits in every base table of a DuckDB file (``only_tables(schema, table)`` narrows the scan)."""
    scanner = Scanner(identities)
    try:
        return scanner.scan_database(path, path.name, skip_schemas, only_tables)
    finally:
        scanner.close()


@dataclass(frozen=True)
class AuditReport:
    hits: list[Hit]
    files_read: Counter[str]  # published files scanned, by suffix
    files_binary: list[Path]  # published files with no text to scan (images, fonts)
    people: int  # participant rows of the exports whose identity was looked for


def audit(warehouse: Path, published: Path, inbox: Path, mappings_dir: Path) -> AuditReport:
    """Every hit of the warehouse (public sources aside) and of the published files, public values marked.

    An inbox holding tracking exports of which no participant row could be read (no mapping names their
    participants file, e.g. the wrong mappings folder) is an error: the audit would look for nobody and pass."""
    people = list(participants_in_inbox(inbox, mappings_dir))
    exports = sorted(p for p in inbox.glob("*/**/*") if p.is_file()) if inbox.exists() else []
    if exports and not people:
        raise AuditError(
            f"no participant row read from the {len(exports)} export file(s) of {inbox} with the mappings of "
            f"{mappings_dir}: the audit would look for nobody. Give the mappings folder the load used "
            "(--mappings DIR or OBSERVATOIRE_MAPPINGS_DIR; the demo's are in demo_data/mappings)."
        )
    identities = identities_of(people)
    scanner = Scanner(identities)
    files_read: Counter[str] = Counter()
    files_binary = []
    try:
        hits = scanner.scan_database(warehouse, warehouse.name, PUBLIC_SCHEMAS) if warehouse.exists() else []
        for path in sorted(p for p in published.rglob("*") if p.is_file()) if published.exists() else []:
            found = scanner.scan_file(path, str(path.relative_to(published.parent)))
            if found is None:
                files_binary.append(path)
                continue
            files_read[path.suffix.lower() or "(no suffix)"] += 1
            hits += found
        public = scanner.public_values(warehouse, hits)
    finally:
        scanner.close()
    marked = [
        Hit(h.where, h.kind, h.count, h.example, h.values, bool(h.values) and {(h.kind, v) for v in h.values} <= public)
        for h in hits
    ]
    return AuditReport(marked, files_read, files_binary, len(people))


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path)
    parser.add_argument("--published", type=Path, default=settings.published_dir)
    parser.add_argument("--inbox", type=Path, default=settings.tracking_inbox)
    parser.add_argument("--mappings", type=Path, default=settings.mappings_dir)
    args = parser.parse_args(argv)
    try:
        report = audit(args.warehouse, args.published, args.inbox, args.mappings)
    except AuditError as exc:
        print(f"Personal-data audit not done: {exc}", file=sys.stderr)
        return 2
    print(f"Participant rows whose identity was looked for: {report.people}")
    read = ", ".join(f"{suffix}: {count}" for suffix, count in sorted(report.files_read.items()))
    print(f"Published files scanned: {read or 'none'}")
    if report.files_binary:
        print(f"Binary published files (no text): {', '.join(p.name for p in report.files_binary)}")
    failures = [h for h in report.hits if not h.public]
    notes = [h for h in report.hits if h.public]
    for title, listed, stream in (
        ("Published by the public sources, or names of organisations: notes, not failures", notes, sys.stdout),
        ("Personal data found (kind, place, number of values, masked example)", failures, sys.stderr),
    ):
        if listed:
            print(f"{title}:", file=stream)
            for hit in listed:
                print(f"  {hit.kind:<36} {hit.where}  ({hit.count}, e.g. {hit.example})", file=stream)
    if failures:
        return 1
    print(f"No direct identifier found in {args.warehouse} and {args.published}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
