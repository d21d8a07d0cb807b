"""Hypothesis strategies: small Patient resources and valid views over them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

WORDS = st.sampled_from(["ann", "bob", "O'Neil", "zoë", "", "x y", "official"])
USES = st.sampled_from(["official", "usual", "maiden"])
SYSTEMS = st.sampled_from(["phone", "email", "fax"])
DATES = st.sampled_from(["1970", "1980-04", "1990-12-31", "2001-02-03"])
#: Decimals as a source may write them (trailing zeros and exponents carry precision).
DECIMALS = st.sampled_from(["1.50", "1.5", "0.000", "-2.25", "1E+2", "1.25e-3", "3"])
MEASURE_URL = "https://example.org/measure"


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
def patients(draw: st.DrawFn, index: int) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient", "id": f"p{index}"}
    if (active := draw(_opt(st.booleans()))) is not None:
        out["active"] = active
    if (gender := draw(_opt(st.sampled_from(["male", "female", "unknown"])))) is not None:
        out["gender"] = gender
    if (birth := draw(_opt(DATES))) is not None:
        out["birthDate"] = birth
    for key, strategy in (("name", names()), ("telecom", telecoms())):
        items = draw(st.lists(strategy, max_size=3))
        if items:
            out[key] = items
    contacts = draw(
        st.lists(
            st.fixed_dictionaries({"name": names(), "telecom": st.lists(telecoms(), max_size=2)}),
            max_size=2,
        )
    )
    if contacts:
        out["contact"] = contacts
    measures = draw(st.lists(DECIMALS, max_size=2))
    if measures:
        out["extension"] = [
            {
                "url": MEASURE_URL,
                "valueDecimal": Decimal(m) if "." in m or "E" in m.upper() else int(m),
            }
            for m in measures
        ]
    deceased = draw(st.sampled_from([None, True, False, "2020-01-01"]))
    if isinstance(deceased, bool):
        out["deceasedBoolean"] = deceased
    elif deceased is not None:
        out["deceasedDateTime"] = deceased
    return out


@st.composite
def populations(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(0, 4))
    return [draw(patients(i)) for i in range(size)]


# Paths that yield at most one value in each context, and their types.
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
]
NAME_COLUMNS = [
    ("family", "string"),
    ("use", "code"),
    ("given.first()", "string"),
    ("given.count()", "integer"),
    ("given.exists()", "boolean"),
    ("%rowIndex", "integer"),
    ("family = 'ann' or use = 'usual'", "boolean"),
]
TELECOM_COLUMNS = [
    ("system", "code"),
    ("value", "string"),
    ("rank", "integer"),
    ("rank * 2", "integer"),
    ("rank / 2", "decimal"),
    ("%rowIndex", "integer"),
    ("system != 'phone'", "boolean"),
]
CONTACT_COLUMNS = [
    ("name.family", "string"),
    ("telecom.count()", "integer"),
    ("%rowIndex", "integer"),
]
ITERATIONS = [
    ("name", NAME_COLUMNS),
    ("name.where(use != 'maiden')", NAME_COLUMNS),
    ("telecom", TELECOM_COLUMNS),
    ("contact.telecom", TELECOM_COLUMNS),
    ("contact", CONTACT_COLUMNS),
]
COLLECTIONS = [("name.given", "string"), ("telecom.system", "code")]
WHERES = [
    "active",
    "name.exists()",
    "gender = 'female'",
    "telecom.where(system = 'email').empty()",
    "birthDate > @1975",
]


class _Names:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"c{self.n}"


def _columns(
    draw: st.DrawFn, pool: list[tuple[str, str]], names: _Names, fixed: list[str] | None = None
) -> list[dict[str, Any]]:
    chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
    out = []
    for i, (path, kind) in enumerate(chosen):
        name = fixed[i] if fixed else names.next()
        out.append({"name": name, "path": path, "type": kind})
    return out


@st.composite
def selections(draw: st.DrawFn, names: _Names, depth: int = 0) -> dict[str, Any]:
    kind = draw(st.sampled_from(["plain", "forEach", "forEachOrNull", "union", "collection"]))
    if kind == "collection":
        path, col_type = draw(st.sampled_from(COLLECTIONS))
        return {
            "column": [{"name": names.next(), "path": path, "type": col_type, "collection": True}]
        }
    if kind == "union" and depth == 0:
        width = draw(st.integers(1, 2))
        fixed = [names.next() for _ in range(width)]
        branches = []
        for _ in range(draw(st.integers(1, 3))):
            path, pool = draw(st.sampled_from(ITERATIONS))
            cols = [{"name": n, "path": "%rowIndex", "type": "integer"} for n in fixed]
            chosen = draw(st.lists(st.sampled_from(pool), min_size=width, max_size=width))
            cols = [
                {"name": n, "path": p, "type": t} for n, (p, t) in zip(fixed, chosen, strict=True)
            ]
            key = draw(st.sampled_from(["forEach", "forEachOrNull"]))
            branches.append({key: path, "column": cols})
        return {"unionAll": branches}
    if kind in ("forEach", "forEachOrNull"):
        path, pool = draw(st.sampled_from(ITERATIONS))
        sel: dict[str, Any] = {kind: path, "column": _columns(draw, pool, names)}
        return sel
    sel = {"column": _columns(draw, PATIENT_COLUMNS, names)}
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
        "select": selects,
    }
    if draw(st.booleans()):
        view["where"] = [{"path": draw(st.sampled_from(WHERES))}]
    return view
