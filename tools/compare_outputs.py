"""Compare two runs of the pipeline: every warehouse table and every published file, before and after a change.

    python tools/compare_outputs.py BEFORE_DATA_DIR AFTER_DATA_DIR [--strip-svg]

Each argument is a data folder (``OBSERVATOIRE_DATA_DIR``) in which ``python -m observatoire.demo`` (or a preset
refresh) ran. Tables are matched by name whatever their schema (a model moved from ``marts`` to ``audit`` is
compared with its former self); raw tables and dlt's bookkeeping are left out, as are load ids. For a table that
differs, the columns that differ are named. Published files are compared by content: Parquet and DuckDB files as
tables, PDFs by their text, text files after masking what changes on every run (timestamps, durations, run ids,
the data folder's own path). ``--strip-svg`` also drops inline SVG charts from HTML (for a change of chart
library). dbt's documentation site is left out: it holds the manifest, which changes with any model edit.

Exit code 0 when both runs agree, 1 otherwise; the differences are printed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb

SKIPPED_SCHEMAS = ("information_schema", "pg_catalog")
SKIPPED_FILES = ("snapshot/dbt_docs/",)
VOLATILE_COLUMN = re.compile(r"(^_dlt_|load_id$|loaded_at$|built_at$|^refreshed_at$|^processed_at$|^published_at$)")
VOLATILE_TEXT = [
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| ?UTC)?"), "<datetime>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b\d{8}T\d{6}(\.\d+)?Z"), "<datetime>"),
    (re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}\b"), "<datetime>"),
    (re.compile(r"\b\d+([.,]\d+)? ?(s|ms|secondes?)\b"), "<duration>"),
    (re.compile(r'"elapsed_seconds": [0-9.e-]+'), '"elapsed_seconds": <duration>'),
]
#: Keys of Great Expectations results that depend on the order in which a batch was read, not on the data.
UNORDERED_KEYS = {
    "partial_unexpected_index_list",
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "unexpected_index_list",
    "pandas_data_fingerprint",
}
#: A path inside a checkout of the repository (a mapping file, a demo file): two checkouts give two paths.
REPO_PATH = r"/[^ '\"]*/(exchange_format|demo_data|dbt_project)/"
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def table_fingerprints(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict[str, dict[str, object]]:
    """name → {"schema": s, "rows": n, column: checksum, ...} for every table and view outside the raw layer; the
    data folder's path (in file names and messages) is masked."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = current_database() "
        "and table_schema not like 'raw\\_%' escape '\\' and table_name not like '\\_dlt%' escape '\\' "
        f"and table_schema not in {SKIPPED_SCHEMAS} order by 1, 2"
    ).fetchall()
    prefixes = sorted({str(data_dir.resolve()), str(data_dir)}, key=len, reverse=True)
    fingerprints: dict[str, dict[str, object]] = {}
    for schema, table in tables:
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_catalog = current_database() "
                "and table_schema = ? and table_name = ? order by column_name",
                [schema, table],
            ).fetchall()
            if not VOLATILE_COLUMN.search(name)
        ]
        masked = {c: f'"{c}"::varchar' for c in columns}
        for prefix in prefixes:
            masked = {c: f"replace({expression}, '{prefix}', '<data>')" for c, expression in masked.items()}
        pattern = REPO_PATH.replace("'", "''")
        masked = {c: f"regexp_replace({e}, '{pattern}', '<repo>/\\1/', 'g')" for c, e in masked.items()}
        sums = ", ".join(f"md5(coalesce(string_agg({e}, '|' order by {e}), ''))" for e in masked.values())
        values = con.execute(f'select count(*){", " + sums if sums else ""} from "{schema}"."{table}"').fetchone()
        fingerprints.setdefault(
            table, {"schema": schema, "rows": values[0], **dict(zip(columns, values[1:], strict=True))}
        )
    return fingerprints


def warehouse_fingerprints(path: Path, data_dir: Path) -> dict[str, dict[str, object]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return table_fingerprints(con, data_dir)


def parquet_fingerprint(path: Path, data_dir: Path) -> dict[str, object]:
    with duckdb.connect() as con:
        con.execute(f"create view t as select * from read_parquet('{path}')")
        return table_fingerprints(con, data_dir)["t"] | {"schema": "-"}


def masked_text(text: str, data_dir: Path, strip_svg: bool) -> str:
    text = text.replace(str(data_dir.resolve()), "<data>").replace(str(data_dir), "<data>")
    text = re.sub(REPO_PATH, r"<repo>/\1/", text)
    if strip_svg:
        text = SVG.sub("<svg/>", text)
    for pattern, replacement in VOLATILE_TEXT:
        text = pattern.sub(replacement, text)
    return text


def without_unordered_keys(value: object) -> object:
    if isinstance(value, dict):
        return {k: without_unordered_keys(v) for k, v in value.items() if k not in UNORDERED_KEYS}
    if isinstance(value, list):
        return [without_unordered_keys(v) for v in value]
    return value


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def file_content(path: Path, data_dir: Path, strip_svg: bool) -> object:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return parquet_fingerprint(path, data_dir)
    if suffix == ".duckdb":
        return warehouse_fingerprints(path, data_dir)
    if suffix == ".json":
        return masked_text(
            json.dumps(without_unordered_keys(json.loads(path.read_bytes())), indent=1), data_dir, strip_svg
        )
    if suffix == ".pdf":
        return masked_text(pdf_text(path), data_dir, strip_svg)
    try:
        return masked_text(path.read_text(encoding="utf-8"), data_dir, strip_svg)
    except UnicodeDecodeError:
        return path.read_bytes()


def published_files(published: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(published)): p
        for p in sorted(published.rglob("*"))
        if p.is_file() and not str(p.relative_to(published)).startswith(SKIPPED_FILES)
    }


def compare_tables(before: dict, after: dict, where: str) -> Iterator[str]:
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            yield f"{where}: table {before[name]['schema']}.{name} missing after"
        elif name not in before:
            yield f"{where}: table {after[name]['schema']}.{name} new after"
        elif before[name] | {"schema": ""} != after[name] | {"schema": ""}:
            old, new = before[name], after[name]
            columns = sorted(c for c in old.keys() | new.keys() if c != "schema" and old.get(c) != new.get(c))
            yield f"{where}: table {old['schema']}.{name} → {new['schema']}.{name} differs in: {', '.join(columns)}"


def first_difference(old: str, new: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    return f"at character {at}: {old[max(0, at - 60) : at + 60]!r} → {new[max(0, at - 60) : at + 60]!r}"


def compare(before_dir: Path, after_dir: Path, strip_svg: bool) -> list[str]:
    differences = list(
        compare_tables(
            warehouse_fingerprints(before_dir / "warehouse.duckdb", before_dir),
            warehouse_fingerprints(after_dir / "warehouse.duckdb", after_dir),
            "warehouse",
        )
    )
    old_files, new_files = published_files(before_dir / "published"), published_files(after_dir / "published")
    for name in sorted(old_files.keys() | new_files.keys()):
        if name not in new_files:
            differences.append(f"published: {name} missing after")
            continue
        if name not in old_files:
            differences.append(f"published: {name} new after")
            continue
        old = file_content(old_files[name], before_dir, strip_svg)
        new = file_content(new_files[name], after_dir, strip_svg)
        if isinstance(old, dict) and isinstance(new, dict) and name.endswith(".duckdb"):
            differences += compare_tables(old, new, f"published: {name}")
        elif isinstance(old, dict) and isinstance(new, dict):
            differences += [
                d.replace("table -.t → -.t", "content")
                for d in compare_tables({"t": old}, {"t": new}, f"published: {name}")
            ]
        elif old != new:
            detail = first_difference(old, new) if isinstance(old, str) and isinstance(new, str) else "bytes differ"
            differences.append(f"published: {name} differs {detail}")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="data folder of the reference run")
    parser.add_argument("after", type=Path, help="data folder of the run to check")
    parser.add_argument("--strip-svg", action="store_true", help="ignore inline SVG charts in HTML")
    args = parser.parse_args(argv)
    differences = compare(args.before, args.after, args.strip_svg)
    tables = len(warehouse_fingerprints(args.after / "warehouse.duckdb", args.after))
    files = len(published_files(args.after / "published"))
    for line in differences:
        print(line)
    print(f"{len(differences)} difference(s); {tables} warehouse tables and {files} published files compared.")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
