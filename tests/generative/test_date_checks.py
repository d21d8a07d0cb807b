"""Properties: the checkers that do not run their pattern decide as the pattern does.

The date checkers remember valid parts of earlier values; they must decide every value
exactly as the pattern and the calendar do on their own. The id check uses string
methods; it must accept exactly what the id pattern accepts.

Values are drawn from pieces of valid and invalid dates and times, so that a remembered
date meets a time it never came with, and a bare date meets a checker that has only
seen longer values (an instant must never be a bare date).
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from caldicott.ingest.validate import primitives
from caldicott.ingest.validate.primitives import DATE, DATETIME, ID, INSTANT, is_id

_DAYS = st.sampled_from(
    [
        *("2020-02-29", "2021-02-29", "2021-04-30", "2021-04-31", "1999-12-31", "0000-01-01"),
        *("2021-13-01", "2021-1-01", "2024-06-15", "2024-06-15x", "1000-01-01"),
    ]
)
_RESTS = st.sampled_from(
    [
        *("", "T10:22:00Z", "T10:22:00+01:00", "T10:22Z", "T24:00:00Z", "T10:22:00.123-14:00"),
        *("T10:22:00", "T10:22:00+14:30", " ", "T23:59:60Z", "Z"),
    ]
)
_VALUES = st.one_of(
    st.tuples(_DAYS, _RESTS).map("".join),
    st.sampled_from(["2021", "2021-02", "", "x", "2021-02-28T"]),
)


def _reference(pattern: object, value: str) -> bool:
    assert hasattr(pattern, "fullmatch")
    if pattern.fullmatch(value) is None:
        return False
    if len(value) >= 10:
        try:
            date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(_VALUES, min_size=1, max_size=40))
def test_remembered_parts_never_change_a_decision(values: list[str]) -> None:
    for pattern, kind in ((DATE, "date"), (DATETIME, "dateTime"), (INSTANT, "instant")):
        check = primitives._dated(pattern, kind)  # a fresh memory for each example
        for value in values:
            assert (check(value) is None) == _reference(pattern, value), (kind, value)


_ID_CHARS = st.sampled_from([*"aZ09-._/ ", "\n", "é", "٣", "Ⅻ", "ｂ", "\x00"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(_ID_CHARS, max_size=70), st.text(max_size=8)))
def test_the_id_check_accepts_what_the_id_pattern_accepts(value: str) -> None:
    assert is_id(value) == (ID.fullmatch(value) is not None)


def test_the_id_check_at_its_limits() -> None:
    assert is_id("a" * 64) and not is_id("a" * 65) and not is_id("")
    assert is_id("---") and is_id("...") and is_id("A.b-9")
    assert not is_id("a_b") and not is_id("a b") and not is_id("a/b") and not is_id("٣")
