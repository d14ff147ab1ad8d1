"""What every case of the bad-input corpus has: an id, the source it feeds, what is wrong with its input, how the
input is built, and the outcome it must get. The catalogues are ``decp_cases``, ``tracking_cases``,
``registry_cases`` and ``reference_cases``; README.md lists them all."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass
class Corpus:
    """The corpus warehouse built once per session (see conftest.py)."""

    work_dir: Path
    warehouse: Path
    decp_inbox: Path
    tracking_inbox: Path
    #: load ids of the first and the second run of each source family
    loads: dict[str, list[str]] = field(default_factory=dict)
    #: rows of each raw table after the first and after the second run
    raw_rows: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            yield con


@dataclass(frozen=True)
class Case:
    #: short id, also the prefix of every file the case writes ("D05" → "D05_empty.json")
    id: str
    #: what is wrong with the input, in one line
    description: str
    #: writes the case's input files into a folder (the inbox of its source, or a work folder)
    build: Callable[[Path], None]
    #: the outcome, in one line, as the README states it
    outcome: str
    #: source-specific expectations (see each catalogue)
    expect: dict = field(default_factory=dict)


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def check_unique_ids(cases: list[Case]) -> list[Case]:
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    return cases
