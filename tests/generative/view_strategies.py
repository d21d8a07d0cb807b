"""Hypothesis strategies: small Patient resources and valid views over them.

The views cover what the specification asks of an engine: columns and collection
columns, forEach and forEachOrNull (nested), unionAll whose branches agree on their
columns' types, repeat over nested extensions, view constants of several types,
getResourceKey and getReferenceKey (with and without a type, over references of the
usual and of unusual forms), extension(url), ofType, boundaries and where.
"""

from __future__ import annotations

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


def _opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def names(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (use := draw(_opt(USES))) is not None:
        out["use"] = use
    if (family := draw(_opt(WORDS))) is not None:
        out["family"] = family
    given = draw(st.lists(WORDS, max_size=3))
    if given:
        out["given"] = given
    return out


@st.composite
def telecoms(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"system": draw(SYSTEMS), "value": draw(WORDS)}
    if (rank := draw(_opt(st.integers(0, 3)))) is not None:
        out["rank"] = rank
    return out


@st.composite
def references(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"reference": draw(REFERENCES)}
    if draw(st.booleans()):
        out["display"] = draw(WORDS)
    return out


@st.composite
def groups(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    """A complex extension: parts with a string value, and groups nested inside."""
    parts: list[dict[str, Any]] = [
        {"url": PART_URL, "valueString": w} for w in draw(st.lists(WORDS, max_size=2))
    ]
    if depth < 2:
        parts += draw(st.lists(groups(depth + 1), max_size=2))
    out: dict[str, Any] = {"url": GROUP_URL}
    if parts:
        out["extension"] = parts
    else:
        out["valueString"] = draw(WORDS)
    return out


def _measure(text: str) -> dict[str, Any]:
    value = Decimal(text) if "." in text or "E" in text.upper() else int(text)
    return {"url": MEASURE_URL, "valueDecimal": value}


@st.composite
def patients(draw: st.DrawFn, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": f"p{index}"}
    if (active := draw(_opt(st.booleans()))) is not None:
        out["active"] = active
    if (gender := draw(_opt(st.sampled_from(["male", "female", "unknown"])))) is not None:
        out["gender"] = gender
    if (birth := draw(_opt(DATES))) is not None:
        out["birthDate"] = birth
    for key, strategy in (
        ("name", names()),
        ("telecom", telecoms()),
        ("generalPractitioner", references()),
    ):
        items = draw(st.lists(strategy, max_size=3))
        if items:
            out[key] = items
    if draw(st.booleans()):
        out["managingOrganization"] = draw(references())
    contacts = draw(
        st.lists(
            st.fixed_dictionaries({"name": names(), "telecom": st.lists(telecoms(), max_size=2)}),
            max_size=2,
        )
    )
    if contacts:
        out["contact"] = contacts
    extensions = [_measure(m) for m in draw(st.lists(DECIMALS, max_size=2))]
    extensions += draw(st.lists(groups(), max_size=2))
    if extensions:
        out["extension"] = draw(st.permutations(extensions))
    deceased = draw(st.sampled_from([None, True, False, *DATETIMES]))
    if isinstance(deceased, bool):
        out["deceasedBoolean"] = deceased
    elif deceased is not None:
        out["deceasedDateTime"] = deceased
    return out


@st.composite
def populations(draw: st.DrawFn) -> list[dict[str, Any]]:
    # An empty population now and then; rows to compare most of the time.
    size = draw(st.sampled_from([0, 1, 2, 2, 3, 3, 4, 5]))
    return [draw(patients(i)) for i in range(size)]


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


# Paths that yield at most one value in each context, and their types. Operators the SQL
# engines declare unsupported (in, contains, |, ~, div, mod, is, as) are left to
# tests/unit/views/test_capabilities.py.
PATIENT_COLUMNS = [
    ("id", "id"),
    ("active", "boolean"),
    ("gender", "code"),
    ("birthDate", "date"),
    ("name.first().family", "string"),
    ("name.where(use = 'official').family.first()", "string"),
    ("name.exists()", "boolean"),
    ("telecom.empty()", "boolean"),
    ("name.count()", "integer"),
    ("deceased.ofType(boolean)", "boolean"),
    ("deceased.ofType(dateTime)", "dateTime"),
    ("name.given.join(',')", "string"),
    ("getResourceKey()", "string"),
    ("birthDate.lowBoundary()", "date"),
    ("telecom.rank.first() + 1", "integer"),
    ("gender = 'male' and active", "boolean"),
    ("(gender = 'female').not()", "boolean"),
    ("name[1].given.last()", "string"),
    ("telecom.where(rank > 1).exists()", "boolean"),
    ("%rowIndex", "integer"),
    ("'const'", "string"),
    ("gender & '-' & birthDate", "string"),
    ("extension.value.ofType(decimal).first()", "decimal"),
    ("extension.value.ofType(decimal).first().lowBoundary()", "decimal"),
    ("extension.value.ofType(decimal).last().highBoundary()", "decimal"),
    ("extension.value.ofType(decimal).first() = 1.5", "boolean"),
    ("extension.value.ofType(decimal).first() > 1", "boolean"),
    (f"extension('{MEASURE_URL}').value.ofType(decimal).first()", "decimal"),
    (f"extension('{MEASURE_URL}').count()", "integer"),
    (f"extension('{GROUP_URL}').extension('{PART_URL}').value.ofType(string).first()", "string"),
    (f"extension('{GROUP_URL}').exists()", "boolean"),
    ("managingOrganization.getReferenceKey()", "string"),
    ("managingOrganization.getReferenceKey(Organization)", "string"),
    ("managingOrganization.getReferenceKey(Practitioner)", "string"),
    ("generalPractitioner.getReferenceKey(Practitioner).first()", "string"),
    ("generalPractitioner.first().getReferenceKey()", "string"),
    ("generalPractitioner.getReferenceKey(Organization).exists()", "boolean"),
    ("managingOrganization.reference", "string"),
    ("deceased.ofType(dateTime) > @2020-05-31T23:00:00Z", "boolean"),
    ("deceased.ofType(dateTime) = @2020-05-31T23:30Z", "boolean"),
    ("deceased.ofType(dateTime) <= @2020-06-01T15:00:00.250Z", "boolean"),
    ("deceased.ofType(dateTime) < @2020-06", "boolean"),
    ("deceased.ofType(dateTime) >= birthDate", "boolean"),
    ("telecom.rank.first() / 4", "decimal"),
    ("telecom.rank.first() - %krank", "integer"),
    ("active implies gender = 'male'", "boolean"),
    ("active xor name.exists()", "boolean"),
    ("name.first().family + '!'", "string"),
    ("extension.value.ofType(decimal).first() * 2", "decimal"),
    ("extension.value.ofType(decimal).first() + telecom.rank.first()", "decimal"),
    ("extension.value.ofType(decimal).first() < %kdecimal", "boolean"),
    ("birthDate = @1990-12-31", "boolean"),
    ("birthDate != %kdate", "boolean"),
    ("name.where(given.exists() and family.exists()).count()", "integer"),
    ("name.exists(use = 'official')", "boolean"),
    ("telecom.where(rank.exists()).rank.last()", "integer"),
    ("%kword", "string"),
    ("%krank", "integer"),
    ("%kflag", "boolean"),
    ("%kdecimal", "decimal"),
    ("name.where(family = %kword).exists()", "boolean"),
    ("name.where(use = %kuse).given.first()", "string"),
    ("telecom.where(rank >= %krank).count()", "integer"),
    ("birthDate > %kdate", "boolean"),
    ("active = %kflag", "boolean"),
]
NAME_COLUMNS = [
    ("family", "string"),
    ("use", "code"),
    ("given.first()", "string"),
    ("given.count()", "integer"),
    ("given.exists()", "boolean"),
    ("%rowIndex", "integer"),
    ("family = 'ann' or use = 'usual'", "boolean"),
    ("use = %kuse", "boolean"),
]
TELECOM_COLUMNS = [
    ("system", "code"),
    ("value", "string"),
    ("rank", "integer"),
    ("rank * 2", "integer"),
    ("rank / 2", "decimal"),
    ("%rowIndex", "integer"),
    ("system != 'phone'", "boolean"),
    ("rank + %krank", "integer"),
]
CONTACT_COLUMNS = [
    ("name.family", "string"),
    ("telecom.count()", "integer"),
    ("%rowIndex", "integer"),
]
REFERENCE_COLUMNS = [
    ("reference", "string"),
    ("display", "string"),
    ("getReferenceKey()", "string"),
    ("getReferenceKey(Practitioner)", "string"),
    ("getReferenceKey(Organization).exists()", "boolean"),
    ("%rowIndex", "integer"),
]
#: Columns over an extension found by repeat (any depth of the nesting).
EXTENSION_COLUMNS = [
    ("url", "uri"),
    ("value.ofType(string)", "string"),
    ("value.ofType(decimal)", "decimal"),
    ("extension.count()", "integer"),
    (f"extension('{PART_URL}').value.ofType(string).first()", "string"),
    ("%rowIndex", "integer"),
]
ITERATIONS = [
    ("name", NAME_COLUMNS),
    ("name.where(use != 'maiden')", NAME_COLUMNS),
    ("telecom", TELECOM_COLUMNS),
    ("contact.telecom", TELECOM_COLUMNS),
    ("contact", CONTACT_COLUMNS),
    ("generalPractitioner", REFERENCE_COLUMNS),
    ("managingOrganization", REFERENCE_COLUMNS),
    (f"extension('{GROUP_URL}')", EXTENSION_COLUMNS),
]
#: Nested iterations: an outer path, its columns, and the inner path and its columns.
NESTED = [
    ("contact", CONTACT_COLUMNS, "telecom", TELECOM_COLUMNS),
    ("contact", CONTACT_COLUMNS, "name", NAME_COLUMNS),
    (f"extension('{GROUP_URL}')", EXTENSION_COLUMNS, "extension", EXTENSION_COLUMNS),
]
REPEATS = [(["extension"], EXTENSION_COLUMNS), (["extension", "contact"], CONTACT_COLUMNS)]
COLLECTIONS = [
    ("name.given", "string"),
    ("telecom.system", "code"),
    ("generalPractitioner.getReferenceKey()", "string"),
    (f"extension('{GROUP_URL}').extension.url", "uri"),
]
WHERES = [
    "active",
    "name.exists()",
    "gender = 'female'",
    "telecom.where(system = 'email').empty()",
    "birthDate > @1975",
    "%kflag",
    "name.where(family = %kword).exists()",
    "managingOrganization.getReferenceKey(Organization).exists()",
    f"extension('{GROUP_URL}').exists()",
]
#: Paths of each type any context can give a unionAll branch when its own pool has none.
ANYWHERE = {
    "integer": ["%rowIndex", "%krank", "7"],
    "string": ["'lit'", "%kword"],
    "boolean": ["%kflag", "true"],
    "decimal": ["%kdecimal", "2.50"],
}


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"c{self.n}"


def _columns(draw: st.DrawFn, pool: list[tuple[str, str]], names: _Names) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    return [{"name": names.next(), "path": path, "type": kind} for path, kind in chosen]


def _union(draw: st.DrawFn, names: _Names) -> dict[str, Any]:
    """unionAll branches with the same column names, each column of one type throughout."""
    kinds = draw(st.lists(st.sampled_from(sorted(ANYWHERE)), min_size=1, max_size=2))
    fixed = [names.next() for _ in kinds]
    branches = []
    for _ in range(draw(st.integers(1, 3))):
        path, pool = draw(st.sampled_from(ITERATIONS))
        cols = []
        for name, kind in zip(fixed, kinds, strict=True):
            choices = [p for p, t in pool if t == kind] + ANYWHERE[kind]
            cols.append({"name": name, "path": draw(st.sampled_from(choices)), "type": kind})
        key = draw(st.sampled_from(["forEach", "forEachOrNull"]))
        branches.append({key: path, "column": cols})
    return {"unionAll": branches}


@st.composite
def selections(draw: st.DrawFn, names: _Names, depth: int = 0) -> dict[str, Any]:
    kinds = ["plain", "forEach", "forEachOrNull", "nested", "repeat", "collection"]
    kind = draw(st.sampled_from([*kinds, "union"] if depth == 0 else kinds))
    if kind == "collection":
        path, col_type = draw(st.sampled_from(COLLECTIONS))
        return {
            "column": [{"name": names.next(), "path": path, "type": col_type, "collection": True}]
        }
    if kind == "union":
        return _union(draw, names)
    if kind in ("forEach", "forEachOrNull"):
        path, pool = draw(st.sampled_from(ITERATIONS))
        return {kind: path, "column": _columns(draw, pool, names)}
    if kind == "nested":
        outer, outer_pool, inner, inner_pool = draw(st.sampled_from(NESTED))
        keys = st.sampled_from(["forEach", "forEachOrNull"])
        return {
            draw(keys): outer,
            "column": _columns(draw, outer_pool, names),
            "select": [{draw(keys): inner, "column": _columns(draw, inner_pool, names)}],
        }
    if kind == "repeat":
        paths, pool = draw(st.sampled_from(REPEATS))
        return {"repeat": paths, "column": _columns(draw, pool, names)}
    sel: dict[str, Any] = {"column": _columns(draw, PATIENT_COLUMNS, names)}
    if depth == 0 and draw(st.booleans()):
        sel["select"] = [draw(selections(names, depth + 1))]
    return sel


@st.composite
def views(draw: st.DrawFn) -> dict[str, Any]:
    names = _Names()
    selects = draw(st.lists(selections(names), min_size=1, max_size=3))
    view: dict[str, Any] = {
        "resourceType": "ViewDefinition",
        "resource": "Patient",
        "constant": draw(constants()),
        "select": selects,
    }
    if draw(st.booleans()):
        view["where"] = [{"path": draw(st.sampled_from(WHERES))}]
    return view
