"""Counter-based random numbers: every draw is a pure function of (seed, stream, keys).

A draw for patient ``i`` never depends on which chunk ``i`` was generated in, so output is
identical whatever the chunk size. The mixer is SplitMix64's finaliser (Steele, Lea and
Flood, 2014), applied to NumPy ``uint64`` arrays (array arithmetic wraps silently).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, cast

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[Any]
F64 = npt.NDArray[Any]
I64 = npt.NDArray[Any]
MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K1 = np.uint64(0xD6E8FEB86659FD93)
_K2 = np.uint64(0xA0761D6478BD642F)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)


class S(IntEnum):
    """Named streams: one per independent random quantity."""

    AGE_SEX = 1
    AGE_WITHIN = 2
    BIRTH_DAY = 3
    ETHNICITY = 4
    REGION = 5
    AREA = 6
    DISTRICT = 7
    SECTOR = 8
    UNIT = 9
    HOUSE = 10
    STREET = 11
    GIVEN = 12
    FAMILY = 13
    PHONE = 14
    DEATH = 15
    DEATH_DAY = 16
    PATIENT_ID = 17
    PATIENT_ID2 = 18
    NHS_FEISTEL = 19
    PRACTICE = 20
    BASELINE = 21
    CONDITION = 30
    ONSET = 31
    OBS_NOISE = 40
    OBS_NOISE2 = 41
    SMOKING = 42
    REVIEW_COUNT = 43
    REVIEW_DAY = 44
    REVIEW_NOISE = 45
    ACUTE_COUNT = 46
    ACUTE_DAY = 47
    ENCOUNTER_ID = 48
    ENCOUNTER_TIME = 49
    RECORD_ID = 50
    OUTCOME = 60
    OUTCOME_KIND = 61
    OUTCOME_DEATH = 62
    IMMUNISATION = 70
    IMMUNISATION_DAY = 71
    PROCEDURE = 72
    PROCEDURE_DAY = 73
    ALLERGY = 74
    ALLERGY_DAY = 75
    NOTE = 80
    NOTE_TEMPLATE = 81
    NOTE_WORDS = 82
    OPT_OUT = 90
    TYPE1 = 91
    CONSENT = 92
    CONSENT_DAY = 93
    DEFECT = 100
    DEFECT_KIND = 101
    DEFECT_DETAIL = 102
    DEFECT_ID = 103


def _mix(x: U64) -> U64:
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return cast(U64, x ^ (x >> _S31))


def _salt(seed: int, stream: int) -> np.uint64:
    z = (seed * _GOLDEN + stream * 0x632BE59BD9B4E019 + 0x2545F4914F6CDD1D) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return np.uint64(z ^ (z >> 31))


def hash64(seed: int, stream: int, key: npt.ArrayLike, sub: npt.ArrayLike = 0) -> U64:
    """64 random bits for each (key, sub) pair; ``key`` and ``sub`` broadcast."""
    k = np.atleast_1d(np.asarray(key)).astype(np.uint64)
    s = np.atleast_1d(np.asarray(sub)).astype(np.uint64)
    return _mix(_mix(k * _K1 + _salt(seed, stream)) ^ (s * _K2 + np.uint64(1)))


def uniform(seed: int, stream: int, key: npt.ArrayLike, sub: npt.ArrayLike = 0) -> F64:
    """Uniform draws in [0, 1)."""
    return (hash64(seed, stream, key, sub) >> _S11).astype(np.float64) * (2.0**-53)


def normal(seed: int, stream: int, key: npt.ArrayLike, sub: npt.ArrayLike = 0) -> F64:
    """Standard normal draws (Box-Muller on two independent uniforms)."""
    sub_arr = np.asarray(sub).astype(np.int64) * 2
    u1 = uniform(seed, stream, key, sub_arr)
    u2 = uniform(seed, stream, key, sub_arr + 1)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def choose(u: F64, probabilities: npt.ArrayLike) -> I64:
    """Index into ``probabilities`` (normalised) by inverse CDF of the uniforms ``u``."""
    p = np.asarray(probabilities, dtype=np.float64)
    cdf = np.cumsum(p / p.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, u, side="right").astype(np.int64)


def poisson(u: F64, lam: F64, cap: int = 80) -> I64:
    """Poisson counts by inverse CDF; ``lam`` per element, counts capped at ``cap``."""
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    k = np.zeros(u.shape, dtype=np.int64)
    p = np.exp(-lam)
    cdf = p.copy()
    active = u > cdf
    n = 0
    while active.any() and n < cap:
        n += 1
        p = p * lam / n
        cdf = cdf + p
        k += active
        active &= u > cdf
    return k


def group_offsets(counts: I64) -> tuple[I64, I64]:
    """For per-owner counts: each item's owner position and its rank within the owner."""
    owners = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    ranks = np.arange(owners.size, dtype=np.int64) - np.repeat(starts, counts)
    return owners, ranks
