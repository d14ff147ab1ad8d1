"""Giving back to the system the memory a long-lived process has freed.

The Dagster run process holds every step of a refresh in turn. Arrow's allocator (pandas 3 strings, dlt's Arrow
items) and the C allocator keep what a step freed for later use by the process, so after the ingestion steps and
the Great Expectations suites the run process held 0.8–1.2 GB beside the dbt build (national preset), whose
DuckDB uses up to its memory cap: together above the 4 GB a stage may use."""

from __future__ import annotations

import ctypes
import gc


def release_freed_memory() -> None:
    """A garbage collection (GX keeps its frames in reference cycles), then Arrow's pool and the C allocator give
    their free memory back. About 0.15 s: for after large steps, not after each small one."""
    import pyarrow

    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is given back when the allocator decides
        pass
