"""Dates as whole days since 1970-01-01 in int64 arrays, and their ISO 8601 text."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[Any]
EPOCH = date(1970, 1, 1)
YEAR = 365.25


def day_number(d: date) -> int:
    return (d - EPOCH).days


def iso(days: npt.ArrayLike) -> list[str]:
    """``YYYY-MM-DD`` for each day number."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(str).tolist()  # type: ignore[no-any-return]


def iso_time(days: npt.ArrayLike, minutes: npt.ArrayLike) -> list[str]:
    """``YYYY-MM-DDThh:mm:00Z`` for each (day, minute of day) pair."""
    stamps = np.asarray(days, dtype=np.int64) * 1440 + np.asarray(minutes, dtype=np.int64)
    text = stamps.astype("datetime64[m]").astype(str)
    return [t + ":00Z" for t in text.tolist()]


def years_between(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[Any]:
    return (np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)) / YEAR
