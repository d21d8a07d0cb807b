"""Generated Patient resources and the paths views over them use."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from tests.generative.view_values import (
    DATES,
    DATETIMES,
    DECIMALS,
    GROUP_URL,
    MEASURE_URL,
    PART_URL,
    REFERENCES,
    SYSTEMS,
    USES,
    WORDS,
    Pools,
    optional,
)


@st.composite
def names(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if (use := draw(optional(USES))) is not None:
        out["use"] = use
    if (family := draw(optional(WORDS))) is not None:
        out["family"] = family
    given = draw(st.lists(WORDS, max_size=3))
    if given:
        out["given"] = given
    return out


@st.composite
def telecoms(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"system": draw(SYSTEMS), "value": draw(WORDS)}
    if (rank := draw(optional(st.integers(0, 3)))) is not None:
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
    if (active := draw(optional(st.booleans()))) is not None:
        out["active"] = active
    if (gender := draw(optional(st.sampled_from(["male", "female", "unknown"])))) is not None:
        out["gender"] = gender
    if (birth := draw(optional(DATES))) is not None:
        out["birthDate"] = birth
    for key, strategy in (
        ("name", names()),
        ("telecom", telecoms()),
        ("generalPractitioner", references()),
    ):
        items = draw(st.lists(strategy, max_size=3))
        if items:
            out[key] = items
    if len(out.get("name", [])) == 1 and draw(st.integers(0, 7)) == 0:
        # not FHIR JSON (a repeating element as an object): the SQL engines then cannot
        # rely on the element tables and navigate generically, as FHIRPath still can
        out["name"] = out["name"][0]
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


# Paths that yield at most one value in each context, and their types. div and mod see
# integers only, and ~ no objects (the SQL engines refuse those).
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
    ("telecom.rank.first() div 2", "integer"),
    ("telecom.rank.first() mod %krank", "integer"),
    ("name.count() div %krank", "integer"),
    ("%kword in name.family", "boolean"),
    ("name.given contains 'ann'", "boolean"),
    ("telecom.rank.first() in (telecom.rank | 3)", "boolean"),
    ("(name.given | name.family).count()", "integer"),
    ("(telecom.system | 'fax').join(',')", "string"),
    ("(birthDate | %kdate).count()", "integer"),
    ("deceased is boolean", "boolean"),
    ("deceased is dateTime", "boolean"),
    ("(deceased as dateTime) > @2020-06", "boolean"),
    ("gender is code", "boolean"),
    ("%kdecimal.lowBoundary()", "decimal"),
    ("2.50.highBoundary()", "decimal"),
    ("(%kdecimal is integer)", "boolean"),
    ("name.first().family ~ %kword", "boolean"),
    ("name.given ~ (name.given | {})", "boolean"),
    ("telecom.system !~ ('phone' | 'EMAIL')", "boolean"),
    ("extension.value.ofType(decimal).first() ~ %kdecimal", "boolean"),
    ("birthDate ~ %kdate", "boolean"),
    ("deceased ~ %kflag", "boolean"),
    ("birthDate = '1980-04'", "boolean"),
    ("birthDate < '1990-12'", "boolean"),
    ("birthDate = deceased.ofType(dateTime)", "boolean"),
    ("deceased.ofType(dateTime) >= name.first().family", "boolean"),
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
    ("use in ('official' | %kuse)", "boolean"),
    ("(given | family).join(' ')", "string"),
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
    ("rank mod 2", "integer"),
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
    ("name.given | name.family", "string"),
    ("telecom.rank | %krank", "integer"),
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
    "name.given contains %kword",
    "gender in ('female' | 'other')",
]
PATIENT = Pools("Patient", PATIENT_COLUMNS, ITERATIONS, NESTED, REPEATS, COLLECTIONS, WHERES)
