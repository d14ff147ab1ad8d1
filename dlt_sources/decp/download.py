"""Fetch a DECP file given by URL into the local download cache (streamed, never held in memory)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlparse

import requests

from observatoire.settings import load_settings


def fetch_remote(url: str, timeout_s: float = 60.0) -> Path:
    """Download ``url`` once into ``$DATA_DIR/downloads/decp`` and return the local path."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(parsed.path)
    if parsed.scheme not in ("http", "https"):
        raise ValueError(f"unsupported URL scheme in DECP paths: {url!r} (use a path, file://, http:// or https://)")
    name = Path(parsed.path).name or "download"
    target_dir = load_settings().data_dir / "downloads" / "decp" / hashlib.sha256(url.encode()).hexdigest()[:12]
    target = target_dir / name
    if target.exists():
        return target
    target_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    with requests.get(url, stream=True, timeout=timeout_s) as response:
        response.raise_for_status()
        with open(partial, "wb") as out:
            for chunk in response.iter_content(chunk_size=1 << 20):
                out.write(chunk)
    partial.rename(target)
    return target
