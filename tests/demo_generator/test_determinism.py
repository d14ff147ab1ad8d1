"""Same seed -> byte-identical output (XLSX included); another seed -> different data."""

from __future__ import annotations

import hashlib
from pathlib import Path

from demo_generator import generate


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes(demo_out: Path, tmp_path: Path) -> None:
    generate("demo", 2024, tmp_path)
    first, second = _digests(demo_out), _digests(tmp_path)
    assert first.keys() == second.keys()
    assert any(name.endswith(".xlsx") for name in first)
    assert first == second


def test_other_seed_differs(demo_out: Path, tmp_path: Path) -> None:
    generate("demo", 7, tmp_path)
    first, second = _digests(demo_out), _digests(tmp_path)
    common = first.keys() & second.keys()
    assert common, "the same file layout is expected"
    assert all(first[k] != second[k] for k in common if k.endswith(("participants.csv", ".xlsx", "manifest.json")))
