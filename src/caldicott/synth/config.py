"""The arguments of one synthesis run, validated when built (a frozen value)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from caldicott.errors import InvalidArgument

#: The reserved test range holds about 909,000 valid NHS numbers; each patient needs one.
MAX_PATIENTS = 900_000
DEFAULT_START = date(2015, 1, 1)
DEFAULT_END = date(2024, 12, 31)
EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)
DEFAULT_CHUNK = 2_000


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. ``start``/``end`` bound the recorded history (inclusive)."""

    patients: int
    seed: int
    out: Path
    start: date = DEFAULT_START
    end: date = DEFAULT_END
    invalid_rate: float = 0.0
    chunk_size: int = DEFAULT_CHUNK

    def __post_init__(self) -> None:
        if isinstance(self.patients, bool) or not isinstance(self.patients, int):
            raise InvalidArgument("--patients: must be a whole number", key="patients")
        if self.patients < 0:
            raise InvalidArgument("--patients: must not be negative", key="patients")
        if self.patients > MAX_PATIENTS:
            raise InvalidArgument(
                f"--patients: at most {MAX_PATIENTS:,} (the NHS number test range is finite)",
                key="patients",
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidArgument("--seed: must be a non-negative whole number", key="seed")
        if self.seed >= 2**63:
            raise InvalidArgument("--seed: must be below 2**63", key="seed")
        for name, value in (("--start-date", self.start), ("--end-date", self.end)):
            if not EARLIEST <= value <= LATEST:
                raise InvalidArgument(f"{name}: must lie between 1900 and 2100", key=name)
        if self.end <= self.start:
            raise InvalidArgument("--end-date: must be after --start-date", key="--end-date")
        if (self.end - self.start).days < 365:
            raise InvalidArgument(
                "--end-date: the window must span at least one year", key="--end-date"
            )
        rate = self.invalid_rate
        if not isinstance(rate, int | float) or not 0.0 <= float(rate) < 1.0 or rate != rate:
            raise InvalidArgument("--invalid-rate: must be at least 0 and below 1", key="rate")
        if not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise InvalidArgument("--chunk-size: must be a positive whole number", key="chunk")

    @property
    def window_days(self) -> int:
        return (self.end - self.start).days


def parse_date(name: str, text: str) -> date:
    """An ISO date (YYYY-MM-DD) or an InvalidArgument naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument(f"{name}: not a date in the form YYYY-MM-DD", key=name) from None
