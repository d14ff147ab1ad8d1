"""Reading registry files with DuckDB: Arrow batches of text values, each row with its 0-based ``row_index``.

The SIRENE readers semi-join the national stock files against the identifiers the warehouse references, so
only those rows ever leave DuckDB; the file is streamed (CSV reader → streaming ``row_number`` → hash semi-join
against a small in-memory list), never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from observatoire.warehouse import sql_identifier, sql_literal

from ..common import BATCH_ROWS, csv_error_reason
from .files import RegistryFile, RegistryFileError

#: Value INSEE publishes in place of a field an establishment or a person asked not to disclose.
NON_DIFFUSIBLE = "[ND]"

#: DuckDB memory cap of the private connection that filters SIRENE (the hash side is a few MB).
SIRENE_MEMORY_LIMIT = "512MB"


def _csv_call(path: Path, spec: RegistryFile) -> str:
    options = [
        f"delim = {sql_literal(spec.delimiter)}",
        "quote = '\"'",
        "all_varchar = true",
        f"encoding = {sql_literal(spec.encoding)}",
    ]
    if spec.names:
        names = ", ".join(sql_literal(name) for name in spec.names)
        options += ["header = false", f"names = [{names}]", "null_padding = true", f"skip = {spec.skip_lines}"]
    else:
        options += ["header = true"]
        if spec.skip_lines:
            options.append(f"skip = {spec.skip_lines}")
    return f"read_csv({sql_literal(str(path))}, {', '.join(options)})"


def registry_file_sql(path: Path, spec: RegistryFile, columns: Sequence[str]) -> str:
    """The query of one registry list: its columns but the dropped ones, with the line position."""
    kept = [name for name in columns if name not in spec.drop_columns]
    projection = ", ".join(sql_identifier(name) for name in kept)
    query = f"select row_number() over () - 1 as row_index, {projection} from {_csv_call(path, spec)}"
    if spec.record_type:
        first = sql_identifier(spec.names[0]) if spec.names else sql_identifier(kept[0])
        query = f"select * exclude ({first}) from ({query}) where {first} = {sql_literal(spec.record_type)}"
    return query


def file_columns(con: duckdb.DuckDBPyConnection, path: Path, spec: RegistryFile) -> list[str]:
    return [row[0] for row in con.execute(f"describe select * from {_csv_call(path, spec)}").fetchall()]


def iter_registry_batches(path: Path, spec: RegistryFile, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Arrow batches of a registry list file, every value as text, contact columns left out.

    Raises RegistryFileError when the file is not in the expected layout (delimiter, encoding, columns)."""
    layout = f"delimiter {spec.delimiter!r}, encoding {spec.encoding}"
    if path.stat().st_size == 0:
        raise RegistryFileError(f"registry file {path} ({spec.table}) is empty (0 bytes): refusing to empty the table")
    con = duckdb.connect()
    try:
        columns = file_columns(con, path, spec)
        missing = [name for name in spec.required_columns if name not in columns]
        if missing:
            raise RegistryFileError(
                f"registry file {path} ({spec.table}): missing column(s) {', '.join(missing)}; columns read with "
                f"{layout}: {', '.join(columns)[:300]}. Use the published layout of the list."
            )
        yield from con.sql(registry_file_sql(path, spec, columns)).to_arrow_reader(batch_rows)
    except duckdb.Error as exc:
        reason = csv_error_reason(path, exc, spec.delimiter)
        message = f"registry file {path} ({spec.table}) cannot be read as CSV ({layout}): {reason}"
        raise RegistryFileError(message) from exc
    finally:
        con.close()


def _stock_relation(path: Path) -> str:
    """A SIRENE stock file as a relation with ``row_index``: CSV (optionally .gz) or INSEE's Parquet."""
    if path.suffix.lower() == ".parquet":
        return (
            f"(select file_row_number as row_index, * exclude (file_row_number) "
            f"from read_parquet({sql_literal(str(path))}, file_row_number = true))"
        )
    return (
        f"(select row_number() over () - 1 as row_index, * from read_csv({sql_literal(str(path))}, "
        f"header = true, delim = ',', quote = '\"', all_varchar = true))"
    )


def sirene_filter_sql(path: Path, key: str, columns: Sequence[str], present: Sequence[str]) -> str:
    """Rows of a SIRENE stock file whose ``key`` is in table ``wanted(id)``, ``[ND]`` values nulled and flagged.

    ``columns`` are the columns to keep (absent ones come out null: INSEE adds columns over the years);
    ``present`` are the columns of the file.
    """
    available = set(present)
    selected = []
    masked = []
    for name in columns:
        if name in available:
            selected.append(
                f"nullif(trim({sql_identifier(name)}), {sql_literal(NON_DIFFUSIBLE)}) as {sql_identifier(name)}"
            )
            masked.append(
                f"case when {sql_identifier(name)} = {sql_literal(NON_DIFFUSIBLE)} then {sql_literal(name)} end"
            )
        else:
            selected.append(f"cast(null as varchar) as {sql_identifier(name)}")
    masked_list = f"nullif(concat_ws(',', {', '.join(masked)}), '')" if masked else "cast(null as varchar)"
    return (
        f"select cast(row_index as bigint) as row_index, {', '.join(selected)}, "
        f"{masked_list} as non_diffusible_columns "
        f"from {_stock_relation(path)} as stock "
        f"where {sql_identifier(key)} in (select id from wanted)"
    )


def stock_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    return [row[0] for row in con.execute(f"describe select * from {_stock_relation(path)}").fetchall()]


def iter_sirene_batches(
    path: Path, key: str, columns: Sequence[str], wanted: Sequence[str], batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Arrow batches of the rows of a SIRENE stock file whose ``key`` (siret or siren) is in ``wanted``."""
    con = duckdb.connect(config={"memory_limit": SIRENE_MEMORY_LIMIT})
    try:
        con.register("wanted", pa.table({"id": pa.array(sorted(set(wanted)), type=pa.string())}))
        present = stock_columns(con, path)
        if key not in present:
            raise ValueError(f"{path} has no column {key!r}: not a SIRENE stock file in the INSEE layout")
        yield from con.sql(sirene_filter_sql(path, key, columns, present)).to_arrow_reader(batch_rows)
    finally:
        con.close()
