"""What the views subset knows of FHIR types: choice suffixes, primitives and boundaries."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from decimal import Decimal

PRIMITIVES = (
    "base64Binary",
    "boolean",
    "canonical",
    "code",
    "date",
    "dateTime",
    "decimal",
    "id",
    "instant",
    "integer",
    "integer64",
    "markdown",
    "oid",
    "positiveInt",
    "string",
    "time",
    "unsignedInt",
    "uri",
    "url",
    "uuid",
)
COMPLEX = (
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "CodeableReference",
    "Coding",
    "ContactDetail",
    "ContactPoint",
    "Contributor",
    "Count",
    "DataRequirement",
    "Distance",
    "Dosage",
    "Duration",
    "Expression",
    "HumanName",
    "Identifier",
    "Meta",
    "Money",
    "ParameterDefinition",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "RatioRange",
    "Reference",
    "RelatedArtifact",
    "SampledData",
    "Signature",
    "Timing",
    "TriggerDefinition",
    "UsageContext",
)
#: Suffix of a choice element (``valueQuantity``) -> the FHIR type it carries.
CHOICE_SUFFIXES: dict[str, str] = {p[0].upper() + p[1:]: p for p in PRIMITIVES}
CHOICE_SUFFIXES.update({c: c for c in COMPLEX})

#: Names of FHIR R4 choice elements (``value[x]``, ``deceased[x]`` ...). Navigation by one
#: of these names also finds its typed forms (``valueQuantity``); other names never do.
CHOICE_ELEMENTS = frozenset(
    {
        "abatement",
        "age",
        "allowed",
        "amount",
        "answer",
        "asNeeded",
        "born",
        "collected",
        "content",
        "created",
        "deceased",
        "defaultValue",
        "definition",
        "detail",
        "diagnosis",
        "dose",
        "duration",
        "effective",
        "entity",
        "event",
        "fixed",
        "identified",
        "initial",
        "item",
        "location",
        "maxValue",
        "medication",
        "minValue",
        "multipleBirth",
        "occurrence",
        "offset",
        "onset",
        "pattern",
        "performed",
        "procedure",
        "product",
        "rate",
        "reported",
        "scheduled",
        "serviced",
        "subject",
        "target",
        "time",
        "timing",
        "used",
        "value",
    }
)

STRING_TYPES = frozenset(PRIMITIVES) - {
    "boolean",
    "decimal",
    "integer",
    "positiveInt",
    "unsignedInt",
    "integer64",
}
INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$", re.ASCII)
TIME = re.compile(r"^\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?$", re.ASCII)
DATETIME = re.compile(
    r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?T?(?:(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?"
    r"(Z|[+-]\d{2}:\d{2})?$",
    re.ASCII,
)


def normalise_type(name: str) -> str:
    """``FHIR.Quantity`` -> ``Quantity``, ``System.String`` -> ``string``."""
    if "." in name:
        namespace, _, name = name.partition(".")
        if namespace == "System":
            return name[0].lower() + name[1:] if name != "DateTime" else "dateTime"
    return name


def temporal_kind(text: str) -> str | None:
    """date, dateTime or time for a string that looks like one of them."""
    if DATE.fullmatch(text):
        return "date"
    if "T" in text and DATETIME.fullmatch(text):
        return "dateTime"
    if TIME.fullmatch(text):
        return "time"
    return None


#: A dateTime to the minute at least, with a zone: what :func:`in_utc` moves.
ZONED = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})([^Z+-]*)([+-])(\d{2}):(\d{2})", re.ASCII)


def in_utc(text: str) -> str:
    """A dateTime with a zone other than Z moved to UTC and written with Z, to the same
    precision (``2024-06-01T00:30:00+01:00`` is ``2024-05-31T23:30:00Z``); any other
    value as it is. Values with zones compare only once both are in UTC."""
    m = ZONED.fullmatch(text)
    if m is None:
        return text
    minute, rest, sign, hours, minutes = m.groups()
    try:
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        at = datetime.strptime(minute, "%Y-%m-%dT%H:%M")
        moved = at - offset if sign == "+" else at + offset
    except (ValueError, OverflowError):  # not a real date, or beyond year 1 or 9999
        return text
    return f"{moved.year:04d}{moved.strftime('-%m-%dT%H:%M')}{rest}Z"


def decimal_boundary(value: Decimal, high: bool) -> Decimal:
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    half = Decimal(5).scaleb(-(places + 1))
    return value + half if high else value - half


def date_boundary(text: str, high: bool) -> str | None:
    match = DATETIME.fullmatch(text)
    if match is None or not DATE.fullmatch(text):
        return None
    year = int(match.group(1))
    month = int(match.group(2) or (12 if high else 1))
    day = match.group(3)
    last = calendar.monthrange(year, month)[1]
    day_n = (last if high else 1) if day is None else int(day)
    return f"{year:04d}-{month:02d}-{day_n:02d}"


def datetime_boundary(text: str, high: bool) -> str | None:
    match = DATETIME.fullmatch(text)
    if match is None:
        return None
    date = date_boundary("-".join(g for g in match.group(1, 2, 3) if g), high)
    hour = match.group(4) or ("23" if high else "00")
    minute = match.group(5) or ("59" if high else "00")
    second = match.group(6) or ("59" if high else "00")
    frac = (match.group(7) or "")[:3].ljust(3, "9" if high else "0")
    zone = match.group(8) or ("-12:00" if high else "+14:00")
    return f"{date}T{hour}:{minute}:{second}.{frac}{zone}"


def time_boundary(text: str, high: bool) -> str | None:
    if not TIME.fullmatch(text):
        return None
    parts = text.split(":")
    hour = parts[0]
    minute = parts[1] if len(parts) > 1 else ("59" if high else "00")
    sec_text = parts[2] if len(parts) > 2 else ("59" if high else "00")
    second, _, frac = sec_text.partition(".")
    frac = frac[:3].ljust(3, "9" if high else "0")
    return f"{hour}:{minute}:{second}.{frac}"
