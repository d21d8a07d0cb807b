"""Values for generated resources and views: awkward on purpose, shared by each type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

WORDS = st.sampled_from(["ann", "bob", "O'Neil", "zoë", "", "x y", "official"])
USES = st.sampled_from(["official", "usual", "maiden"])
SYSTEMS = st.sampled_from(["phone", "email", "fax"])
VALID_DATES = ["1970", "1980-04", "1990-12-31", "2001-02-03"]
#: Dates as sources write them, and one no engine may read as a date (a final line break).
DATES = st.sampled_from([*VALID_DATES, "1985-06-07\n"])
#: Decimals as a source may write them (trailing zeros and exponents carry precision).
DECIMALS = st.sampled_from(["1.50", "1.5", "0.000", "-2.25", "1E+2", "1.25e-3", "3"])
#: dateTimes of several precisions and zones (British Summer Time is +01:00).
DATETIMES = [
    "2020-01-01",
    "2020-06",
    "2020-06-01T00:30:00+01:00",
    "2020-05-31T23:30:00Z",
    "2020-06-01T10:00:00.250-05:00",
    "2020-06-01T15:00:00.25+00:00",
]
MEASURE_URL = "https://example.org/measure"
GROUP_URL = "https://example.org/group"
PART_URL = "https://example.org/part"
#: References as sources write them: the usual ``Type/id``, versioned, absolute, and
#: forms no key can be read from (contained, a URN, a bare id, a trailing newline).
REFERENCES = st.sampled_from(
    [
        "Practitioner/g1",
        "Organization/o1",
        "Practitioner/g2/_history/3",
        "https://example.org/fhir/Organization/o2",
        "#contained",
        "urn:uuid:7d1a8f7e-6c35-4c1c-9b0a-2f3a4b5c6d7e",
        "g3",
        "Practitioner/",
        "Practitioner/g1\n",
        "practitioner/g4",
    ]
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def constants(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The view's constants, one of each kind the paths below use."""
    return [
        {"name": "kword", "valueString": draw(WORDS)},
        {"name": "kuse", "valueCode": draw(USES)},
        {"name": "krank", "valueInteger": draw(st.integers(-1, 4))},
        {"name": "kflag", "valueBoolean": draw(st.booleans())},
        {"name": "kdate", "valueDate": draw(st.sampled_from(VALID_DATES))},
        {"name": "kdecimal", "valueDecimal": Decimal(draw(DECIMALS))},
    ]


#: Paths of each type any context can give a unionAll branch when its own pool has none.
ANYWHERE = {
    "integer": ["%rowIndex", "%krank", "7"],
    "string": ["'lit'", "%kword"],
    "boolean": ["%kflag", "true"],
    "decimal": ["%kdecimal", "2.50"],
}


#: (path, type) pairs, and iterations: a path and the columns over what it finds.
ColumnPool = list[tuple[str, str]]


@dataclass(frozen=True)
class Pools:
    """What views over one resource type are made of.

    ``columns`` yield at most one value per resource; ``iterations`` are forEach paths
    with the columns over their items; ``nested`` are (outer, its columns, inner, its
    columns); ``repeats`` are repeat paths with their columns; ``collections`` are
    collection columns; ``wheres`` are view-level filters.
    """

    resource: str
    columns: ColumnPool
    iterations: list[tuple[str, ColumnPool]]
    nested: list[tuple[str, ColumnPool, str, ColumnPool]]
    repeats: list[tuple[list[str], ColumnPool]]
    collections: ColumnPool
    wheres: list[str]
