"""Unique NHS numbers from the test range 999 000 0000 to 999 999 9999, none ever issued.

Of the million nine-digit stems ``999dddddd`` about 909,000 have a valid Modulus 11 check
digit. Patient ``i`` gets the stem at position ``perm(i)`` in that sorted list, where
``perm`` is a keyed Feistel permutation of 20-bit numbers restricted by cycle walking, so
numbers are unique, scattered, and independent of chunking.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from caldicott.synth.streams import S, hash64

I64 = npt.NDArray[Any]
_HALF = 10
_HALF_MASK = (1 << _HALF) - 1
_ROUNDS = 4


def check_digits(stems: I64) -> I64:
    """Modulus 11 check digit per nine-digit stem; 10 marks a stem with no valid number."""
    total = np.zeros(stems.shape, dtype=np.int64)
    rest = stems.copy()
    for weight in range(2, 11):
        total += (rest % 10) * weight
        rest //= 10
    check = 11 - total % 11
    return np.where(check == 11, 0, check)


@lru_cache(maxsize=1)
def valid_stems() -> I64:
    stems = 999_000_000 + np.arange(1_000_000, dtype=np.int64)
    return cast(I64, stems[check_digits(stems) != 10])


def _feistel(seed: int, x: I64) -> I64:
    left, right = x >> _HALF, x & _HALF_MASK
    for r in range(_ROUNDS):
        f = (hash64(seed, S.NHS_FEISTEL + 1_000 * r, right) & np.uint64(_HALF_MASK)).astype(
            np.int64
        )
        left, right = right, left ^ f
    return (left << _HALF) | right


def permuted_positions(seed: int, index: I64) -> I64:
    limit = valid_stems().size
    x = _feistel(seed, index)
    walk = x >= limit
    while walk.any():
        x[walk] = _feistel(seed, x[walk])
        walk = x >= limit
    return x


def assign_nhs_numbers(seed: int, index: I64) -> list[str]:
    """The NHS numbers (ten digits, no spaces) of the patients numbered ``index``."""
    stems = valid_stems()[permuted_positions(seed, index)]
    numbers = stems * 10 + check_digits(stems)
    return [str(n) for n in numbers.tolist()]
