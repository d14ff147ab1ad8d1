"""Days as int32 since 1970-01-01, months as year*12 + month-1; string tables for fast formatting."""

from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.date(1970, 1, 1)


def day(year: int, month: int = 1, day_: int = 1) -> int:
    return (dt.date(year, month, day_) - EPOCH).days


def to_date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def month_of(days: np.ndarray) -> np.ndarray:
    """Month index (year*12 + month-1) of each day."""
    d64 = np.asarray(days).astype("datetime64[D]")
    m = d64.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    return m + 1970 * 12


def month_start(month_index: np.ndarray) -> np.ndarray:
    m = (np.asarray(month_index) - 1970 * 12).astype("datetime64[M]")
    return m.astype("datetime64[D]").astype(np.int64)


def year_of(days: np.ndarray) -> np.ndarray:
    return month_of(days) // 12


class DateStrings:
    """dd/mm/yyyy strings for a day range, looked up by index (much faster than strftime per row)."""

    def __init__(self, first: int, last: int) -> None:
        self.first = first
        dates = np.arange(first, last + 1).astype("datetime64[D]").astype(str)  # yyyy-mm-dd
        self.table = [f"{s[8:10]}/{s[5:7]}/{s[0:4]}" for s in dates]

    def __call__(self, days: int) -> str:
        return self.table[int(days) - self.first]


def month_string(month_index: int) -> str:
    return f"{month_index % 12 + 1:02d}/{month_index // 12}"
