"""Who the patients are: age, sex, ethnicity, address, deprivation, practice, death.

Arrays for one chunk of patients, every draw keyed by the patient's index
(:mod:`caldicott.synth.streams`). :func:`deprivation_quintile` is the documented mapping
from a postcode to an IMD quintile that views and ingest can call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from caldicott.errors import InvalidArgument
from caldicott.synth import figures as fig
from caldicott.synth.dates import YEAR
from caldicott.synth.nhs_numbers import assign_nhs_numbers
from caldicott.synth.streams import S, choose, hash64, uniform

I64 = npt.NDArray[Any]
F64 = npt.NDArray[Any]
B = npt.NDArray[Any]

_AREA_TABLE = [
    (region, letters, town, top)
    for region, areas in enumerate(fig.POSTCODE_AREAS)
    for letters, town, top in areas
]
AREA_LETTERS = tuple(a[1] for a in _AREA_TABLE)
AREA_TOWN = tuple(a[2] for a in _AREA_TABLE)
AREA_REGION = np.array([a[0] for a in _AREA_TABLE], dtype=np.int64)
AREA_TOP = np.array([a[3] for a in _AREA_TABLE], dtype=np.int64)
_POSTCODE = re.compile(r"([A-Z]{1,2})([0-9])([0-9A-Z]?) ?([0-9])([A-Z]{2})")
_IMD_STREAM = 7_001  # fixed: the mapping must not depend on any seed
_NATIONAL_IMD = tuple(
    float(x)
    for x in (np.asarray(fig.REGION_PERCENT) / sum(fig.REGION_PERCENT))
    @ np.asarray(fig.REGION_IMD_QUINTILES)
)


def _letters_code(letters: str) -> int:
    code = 0
    for ch in letters:
        code = code * 27 + (ord(ch) - 64)
    return code


_AREA_CODE = np.array([_letters_code(x) for x in AREA_LETTERS], dtype=np.int64)
_AREA_INDEX = {letters: i for i, letters in enumerate(AREA_LETTERS)}


def _sector_key(area_code: I64, district: I64, suffix: I64, sector: I64) -> I64:
    return ((area_code * 100 + district) * 27 + suffix) * 10 + sector


def _quintiles_for(key: I64, shares: npt.NDArray[Any]) -> I64:
    u = uniform(0, _IMD_STREAM, key)
    cdf = np.cumsum(shares, axis=-1)
    cdf[..., -1] = 1.0
    return cast(I64, (u[:, None] >= cdf).sum(axis=1).astype(np.int64) + 1)


def deprivation_quintile(postcode: str) -> int:
    """IMD quintile (1 most deprived, 5 least) for the postcode's sector.

    Deterministic and seed-free: a hash of the postcode sector (area, district, sector)
    picks a quintile with the probabilities of its region's share of LSOAs in each IMD 2019
    quintile; postcode areas outside the model use England's overall shares. Raises
    :class:`InvalidArgument` for text that is not a UK postcode.
    """
    m = _POSTCODE.fullmatch(postcode.strip().upper()) if isinstance(postcode, str) else None
    if m is None:
        raise InvalidArgument("postcode: not a syntactically valid UK postcode", key="postcode")
    letters, d1, d2, sector, _unit = m.groups()
    district = int(d1 + d2) if d2.isdigit() else int(d1)
    suffix = ord(d2) - 64 if d2 and not d2.isdigit() else 0
    area = _AREA_INDEX.get(letters)
    shares = (
        np.asarray(fig.REGION_IMD_QUINTILES[int(AREA_REGION[area])])
        if area is not None
        else np.asarray(_NATIONAL_IMD)
    )
    key = _sector_key(
        np.array([_letters_code(letters)]),
        np.array([district]),
        np.array([suffix]),
        np.array([int(sector)]),
    )
    return int(_quintiles_for(key, shares[None, :])[0])


@dataclass
class People:
    """One chunk of patients as parallel arrays (days are day numbers since 1970)."""

    index: I64
    female: B
    birth: I64
    baseline: I64
    death: I64  # day of death, or -1 while alive at the end of the window
    ethnic: I64
    region: I64
    area: I64
    district: I64
    sector: I64
    unit: I64
    quintile: I64
    house: I64
    street: I64
    given: I64
    family: I64
    phone: I64
    practice: list[str]
    ids: list[str]
    nhs: list[str]

    @property
    def size(self) -> int:
        return int(self.index.size)

    def last_day(self, end: int) -> I64:
        """The last day anything can happen: death, or the end of the window."""
        return np.where(self.death >= 0, self.death, end)

    def age_at(self, day: I64 | int) -> F64:
        return (np.asarray(day, dtype=np.float64) - self.birth) / YEAR

    def postcodes_one(self, i: int) -> str:
        letters = fig.UNIT_LETTERS
        u = int(self.unit[i])
        return (
            f"{AREA_LETTERS[int(self.area[i])]}{int(self.district[i])} "
            f"{int(self.sector[i])}{letters[u // 20]}{letters[u % 20]}"
        )

    def postcodes(self) -> list[str]:
        letters = fig.UNIT_LETTERS
        return [
            f"{AREA_LETTERS[a]}{d} {s}{letters[u // 20]}{letters[u % 20]}"
            for a, d, s, u in zip(
                self.area.tolist(),
                self.district.tolist(),
                self.sector.tolist(),
                self.unit.tolist(),
                strict=True,
            )
        ]


def resource_ids(seed: int, stream: int, key: I64, sub: npt.ArrayLike = 0) -> list[str]:
    """UUID-shaped (version 4 layout) identifiers, deterministic in (seed, stream, key, sub)."""
    hi = hash64(seed, stream, key, sub)
    lo = hash64(seed, stream + 1_000, key, sub)
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    h = np.stack([hi, lo], axis=1).astype(">u8").tobytes().hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-{h[i + 12 : i + 16]}-"
        f"{h[i + 16 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, len(h), 32)
    ]


def make_people(seed: int, index: I64, start: int, end: int) -> People:
    """Demographics for the patients numbered ``index``, as at the end of the window."""
    joint, _ = fig.age_sex_probabilities()
    cell = choose(uniform(seed, S.AGE_SEX, index), joint)
    band, female = cell // 2, cell % 2 == 1
    width = np.where(band == len(fig.AGE_BANDS) - 1, 10.0, 5.0)
    age_end = band * 5.0 + uniform(seed, S.AGE_WITHIN, index) * width
    birth = end - np.floor(age_end * YEAR).astype(np.int64)

    lo = np.maximum(start, birth)
    hi = np.minimum(lo + 90, end)
    baseline = lo + np.floor(uniform(seed, S.BASELINE, index) * (hi - lo + 1)).astype(np.int64)

    # Deaths in the window: Gompertz annual mortality, roughly England's life tables.
    years = (end - baseline) / YEAR
    age_mid = ((baseline + end) / 2.0 - birth) / YEAR
    q = np.minimum(np.exp(-9.9 + 0.094 * age_mid), 0.5)
    p_die = 1.0 - (1.0 - q) ** years
    dies = (uniform(seed, S.DEATH, index) < p_die) & (end > baseline)
    span = np.maximum(end - baseline, 1)
    death_day = baseline + 1 + np.floor(uniform(seed, S.DEATH_DAY, index) * span).astype(np.int64)
    death = np.where(dies, np.minimum(death_day, end), -1)

    ethnic = choose(uniform(seed, S.ETHNICITY, index), fig.ETHNIC_PERCENT)
    region = choose(uniform(seed, S.REGION, index), fig.REGION_PERCENT)
    u_area = uniform(seed, S.AREA, index)
    area = np.empty(index.size, dtype=np.int64)
    for r in range(len(fig.REGIONS)):
        candidates = np.nonzero(np.equal(AREA_REGION, r))[0]
        sel = region == r
        area[sel] = candidates[choose(u_area[sel], np.ones(candidates.size))]
    district = 1 + np.floor(uniform(seed, S.DISTRICT, index) * AREA_TOP[area]).astype(np.int64)
    sector = np.floor(uniform(seed, S.SECTOR, index) * 10).astype(np.int64)
    unit = np.floor(uniform(seed, S.UNIT, index) * 400).astype(np.int64)
    key = _sector_key(_AREA_CODE[area], district, np.zeros_like(district), sector)
    shares = np.asarray(fig.REGION_IMD_QUINTILES)[region]
    quintile = _quintiles_for(key, shares)

    practice_no = 81000 + (hash64(seed, S.PRACTICE, area * 1000 + district) % 900).astype(np.int64)
    practice = [
        f"{fig.REGION_ODS_LETTER[r]}{p:05d}"
        for r, p in zip(region.tolist(), practice_no.tolist(), strict=True)
    ]
    n_given = np.where(female, len(fig.GIVEN_FEMALE), len(fig.GIVEN_MALE))
    return People(
        index=index,
        female=female,
        birth=birth,
        baseline=baseline,
        death=death,
        ethnic=ethnic,
        region=region,
        area=area,
        district=district,
        sector=sector,
        unit=unit,
        quintile=quintile,
        house=1 + (hash64(seed, S.HOUSE, index) % 180).astype(np.int64),
        street=(hash64(seed, S.STREET, index) % len(fig.STREETS)).astype(np.int64),
        given=np.floor(uniform(seed, S.GIVEN, index) * n_given).astype(np.int64),
        family=(hash64(seed, S.FAMILY, index) % len(fig.FAMILY)).astype(np.int64),
        phone=(hash64(seed, S.PHONE, index) % 1000).astype(np.int64),
        practice=practice,
        ids=resource_ids(seed, S.PATIENT_ID, index),
        nhs=assign_nhs_numbers(seed, index),
    )
