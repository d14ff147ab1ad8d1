"""Streaming the records of a DECP JSON document in one pass, with the C JSON decoder of the standard library.

The records of a DECP file sit in one or two arrays deep inside one top-level object
(``{"marches": [...]}`` or ``{"marches": {"marche": [...], "contrat-concession": [...]}}``), so a whole-document
parse holds the file in memory and an event parser (ijson) pays Python for every token. This reader walks the
few container levels above the records itself and hands each record to ``json.JSONDecoder.raw_decode``, which
parses it in C: memory stays bounded by one buffer plus one record, and the tokens inside records cost no
Python call. NaN and Infinity, which some publishers write, are read as null on the way.

Errors (:class:`JsonLayoutError`) carry the messages of :mod:`.readers`: the layout errors before the first
record, ``invalid JSON after record N`` once records were read (those are kept).
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

#: Characters decoded per read; a record larger than this is read in several reads.
CHUNK_BYTES = 8 * 1024**2
#: Deepest JSON nesting accepted (real records nest about 7 levels): a deeper record is refused.
MAX_JSON_DEPTH = 64
#: 2024 layout: key of each record list under ``marches`` → record type.
RECORD_LISTS_2024 = {"marche": "marche", "contrat-concession": "concession"}
NOT_UTF8 = "the document is not UTF-8 text (Windows-1252?): DECP files are UTF-8, re-encode it"

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_constant=lambda _constant: None)
_KINDS = {"{": "object", "[": "array", '"': "string", "t": "boolean", "f": "boolean", "n": "null"}


class JsonLayoutError(ValueError):
    """The document is not (or stops being) a DECP JSON layout; the message says where and why."""


class _TooDeep(ValueError):
    """A value nested deeper than MAX_JSON_DEPTH levels."""


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


class _Text:
    """A window of the decoded document: ``text[pos:]`` is what is left to read of the current buffer."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.pos = 0
        self.dropped = 0  # characters of the document before ``text``
        self.eof = False

    def fill(self) -> bool:
        """Append the next chunk; False at the end of the document."""
        if self.eof:
            return False
        data = self.stream.read(CHUNK_BYTES)
        try:
            chunk = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ValueError(NOT_UTF8) from exc
        self.eof = not data
        self.dropped += self.pos
        self.text = self.text[self.pos :] + chunk
        self.pos = 0
        return bool(chunk) or not self.eof

    def peek(self) -> str:
        """The next character that is not whitespace ('' at the end of the document), without consuming it."""
        while True:
            self.pos = _WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "the end of the document"
            raise ValueError(f"parse error: expected {what} at character {self.dropped + self.pos}, found {shown}")
        self.pos += 1

    def value(self) -> tuple[Any, int]:
        """The next JSON value, decoded in C, and the number of '{' and '[' in its text (a bound of its depth)."""
        self.peek()
        last_error: tuple[str, int] | None = None
        while True:
            start = self.pos
            try:
                value, end = _DECODER.raw_decode(self.text, start)
            except json.JSONDecodeError as exc:
                error = (exc.msg, self.dropped + exc.pos)
                # More text may complete a value cut by the buffer end; the same error twice is a real one.
                if (error != last_error or exc.msg.startswith("Unterminated string")) and self.fill():
                    last_error = error
                    continue
                raise ValueError(f"parse error: {exc.msg} at character {self.dropped + exc.pos}") from None
            if end == len(self.text) and not self.eof:  # a number cut by the buffer end would look complete
                if self.fill():
                    continue
            brackets = self.text.count("{", start, end) + self.text.count("[", start, end)
            self.pos = end
            return value, brackets

    def record(self) -> Any:
        """The next value, refused when nested deeper than MAX_JSON_DEPTH (counted only when it could be)."""
        value, brackets = self.value()
        if brackets > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
            raise _TooDeep()
        return value

    def key(self) -> str:
        if self.peek() != '"':
            raise ValueError(f"parse error: expected an object key at character {self.dropped + self.pos}")
        key, _ = self.value()
        self.expect(":", "':' after an object key")
        return key

    def skip(self, depth: int = 1) -> None:
        """Consume the next value (at nesting ``depth``) without holding a large container whole in memory."""
        if depth > MAX_JSON_DEPTH:
            raise _TooDeep()
        kind = self.peek()
        if kind == "[":
            for _ in self.items():
                pass
        elif kind == "{":
            for _ in self.members():
                self.skip(depth + 1)
        else:
            self.value()

    def items(self) -> Iterator[Any]:
        """Elements of the array starting here, each decoded whole (a record)."""
        self.expect("[", "'['")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            value = self.record()
            yield value
            separator = self.peek()
            self.pos += 1
            if separator == "]":
                return
            if separator != ",":
                shown = repr(separator) if separator else "the end of the document"
                at = self.dropped + self.pos - 1
                raise ValueError(f"parse error: expected ',' or ']' at character {at}, found {shown}")

    def members(self) -> Iterator[str]:
        """Keys of the object starting here; the caller consumes each value before asking for the next key."""
        self.expect("{", "'{'")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            yield self.key()
            separator = self.peek()
            self.pos += 1
            if separator == "}":
                return
            if separator != ",":
                shown = repr(separator) if separator else "the end of the document"
                at = self.dropped + self.pos - 1
                raise ValueError(f"parse error: expected ',' or '}}' at character {at}, found {shown}")


def _too_deep(emitted: int) -> str:
    reason = f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    if emitted:
        return f"invalid JSON after record {emitted}: {reason} (a JSON bomb?): the rest of the document is refused"
    return f"{reason}: not a DECP layout (a JSON bomb?); document refused"


def iter_json_records(stream: IO[bytes]) -> Iterator[tuple[str, str | None, int, Any]]:
    """``(layout, record list key, index, record)`` for every record of a DECP JSON document, in file order.

    ``layout`` is '2019' (``marches`` is a list) or '2024' (an object of record lists); the list key is None
    for the 2019 layout, else the 2024 list the record comes from; ``index`` counts records per list.
    Raises :class:`JsonLayoutError`; the records yielded before it are good.
    """
    text = _Text(stream)
    emitted = 0
    layout: str | None = None
    try:
        first = text.peek()
        if not first:
            raise JsonLayoutError("empty document")
        if first == "[":
            raise JsonLayoutError(
                'top-level JSON array: expected an object {"marches": ...} (DECP 2019 or 2024 layout)'
            )
        if first != "{":
            kind = _KINDS.get(first, "number")
            raise JsonLayoutError(f"top-level JSON {kind}: expected an object with a 'marches' key")
        for key in text.members():
            if key != "marches" or layout is not None:
                text.skip()
                continue
            shape = text.peek()
            if shape == "[":
                layout = "2019"
                for index, item in enumerate(text.items()):
                    yield layout, None, index, item
                    emitted += 1
            elif shape == "{":
                layout = "2024"
                for list_key in text.members():
                    if list_key not in RECORD_LISTS_2024:
                        text.skip()
                    elif text.peek() == "{":  # a list of one record published as that record (XML→JSON tools)
                        yield layout, list_key, 0, text.record()
                        emitted += 1
                    elif text.peek() == "[":
                        for index, item in enumerate(text.items()):
                            yield layout, list_key, index, item
                            emitted += 1
                    else:
                        text.skip()
            else:
                kind = _KINDS.get(shape, "number")
                raise JsonLayoutError(
                    f"'marches' is a JSON {kind}: expected a list (2019 layout) or an object (2024 layout)"
                )
        if text.peek():
            at = text.dropped + text.pos
            raise ValueError(f"parse error: unexpected data after the top-level object at character {at}")
    except JsonLayoutError:
        raise
    except (_TooDeep, RecursionError):
        raise JsonLayoutError(_too_deep(emitted)) from None
    except ValueError as exc:
        if layout is None:
            raise JsonLayoutError(f"invalid JSON before any record: {exc}") from None
        raise JsonLayoutError(f"invalid JSON after record {emitted}: {exc}") from None
    if layout is None:
        raise JsonLayoutError("no 'marches' key at the top level: not a DECP file")
