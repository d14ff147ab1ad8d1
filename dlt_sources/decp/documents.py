"""Input documents of the DECP source: files in the inbox, or members of a zip archive.

A *document* is one thing to parse: a plain file or one member of a zip. It carries a display path that
names it in every error and audit row (``archive.zip!folder/member.json``), its content hash (so the same
content is never loaded twice, whatever its name), and a way to open it as a binary stream.

Archives are read in place, never extracted: a member name such as ``../../etc/passwd`` is only a label,
but it is refused all the same so the audit shows the archive is suspicious, and members are decompressed
through a byte budget so a zip bomb is stopped instead of filling memory or disk.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

from ..common import stream_sha256

DECP_SUFFIXES = (".json", ".xml", ".csv", ".parquet")
#: Largest uncompressed member accepted from an archive, and largest compression ratio.
MAX_MEMBER_BYTES = 8 * 1024**3
MAX_COMPRESSION_RATIO = 200


class DocumentError(Exception):
    """A document that cannot be read at all; the message says why and what to do."""


@dataclass(frozen=True)
class Document:
    display_path: str
    suffix: str
    size_bytes: int
    open: Callable[[], IO[bytes]]
    #: a path on disk when the document is a plain file (tabular readers need one)
    disk_path: Path | None = None

    def sha256(self) -> str:
        with self.open() as stream:
            return stream_sha256(stream)


class _BudgetedReader:
    """Wraps a decompressing stream and stops once more bytes than announced come out."""

    def __init__(self, raw: IO[bytes], budget: int, label: str) -> None:
        self._raw, self._left, self._label = raw, budget, label

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._raw.read(size if size is not None and size >= 0 else 1 << 20)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise DocumentError(f"{self._label}: corrupt archive member ({exc}); re-download the archive") from exc
        self._left -= len(data)
        if self._left < 0:
            raise DocumentError(f"{self._label}: decompressed size exceeds the size declared in the archive")
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _BudgetedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unsafe_member_name(name: str) -> bool:
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":")


def _zip_documents(archive: Path) -> Iterator[Document | tuple[str, str]]:
    """Documents inside ``archive``; refused members come out as ``(display_path, reason)``."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        yield (str(archive), f"not a readable zip archive ({exc}); re-download or re-export the file")
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            label = f"{archive}!{info.filename}"
            suffix = PurePosixPath(info.filename).suffix.lower()
            if _unsafe_member_name(info.filename):
                yield (label, "unsafe member name (absolute path or '..'): member refused")
                continue
            if suffix == ".zip":
                yield (label, "nested archive: unzip it into the inbox instead")
                continue
            if suffix not in DECP_SUFFIXES:
                continue
            if info.file_size > MAX_MEMBER_BYTES or (
                info.compress_size
                and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
                and info.file_size > 100 * 1024**2
            ):
                yield (label, f"member too large or too compressed ({info.file_size} bytes): possible zip bomb")
                continue

            def opener(info: zipfile.ZipInfo = info, label: str = label) -> IO[bytes]:
                member_zip = zipfile.ZipFile(archive)
                raw = member_zip.open(info)
                return _BudgetedReader(raw, info.file_size, label)  # type: ignore[return-value]

            yield Document(display_path=label, suffix=suffix, size_bytes=info.file_size, open=opener)


def discover_documents(paths: list[Path]) -> Iterator[Document | tuple[str, str]]:
    """Walk files and folders (recursively, in a stable order) and yield documents to parse.

    Anything that cannot even be opened is yielded as ``(display_path, reason)`` for the audit table.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            files.append(path)
        else:
            yield (str(path), "path does not exist: check the inbox folder or the configured paths")
    for file in sorted(files):
        suffix = file.suffix.lower()
        if suffix == ".zip":
            yield from _zip_documents(file)
        elif suffix in DECP_SUFFIXES:
            yield Document(
                display_path=str(file),
                suffix=suffix,
                size_bytes=file.stat().st_size,
                open=partial(open, file, "rb"),  # picklable: a worker process may read the document
                disk_path=file,
            )
        else:
            yield (str(file), f"unsupported file type '{suffix}': expected .json, .xml, .csv, .parquet or .zip")
