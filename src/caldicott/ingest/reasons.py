"""Machine-readable reasons: why a record was refused or what a warning is about.

A reason has a stable ``code`` (the table in ``docs/ingest.md``), a ``message`` for a
person and the ``path`` of the element concerned (``Patient.identifier[0].value``).
Messages name elements and rules, never a value from the record: a record may hold an
NHS number, a name or a date of birth, and reasons are shown and logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"

#: Every reason code, what it means, and whether it refuses the record (error) or not.
CODES: dict[str, tuple[str, str]] = {
    # The defect kinds the synthetic generator injects (its defects.csv), one for one.
    "malformed-json": (ERROR, "The record is not well-formed JSON, or not a JSON object."),
    "unknown-resource-type": (ERROR, "resourceType is missing or not a FHIR R4 resource type."),
    "wrong-type": (
        ERROR,
        "An element has the wrong JSON or FHIR type (e.g. a number as a string).",
    ),
    "missing-required": (ERROR, "A required element (or the id) is absent or empty."),
    "bad-nhs-number": (ERROR, "An NHS number identifier fails its format or check digit."),
    "dangling-reference": (ERROR, "A reference resolves neither in the load nor the warehouse."),
    "impossible-date": (ERROR, "A date, dateTime or instant is malformed or not a real date."),
    "invalid-code": (ERROR, "A code is malformed, fails its check digit or is not allowed."),
    "invalid-id": (ERROR, "The id is not a FHIR id (1-64 of A-Z a-z 0-9 - .)."),
    # Further reasons caldicott gives.
    "invalid-utf8": (ERROR, "The record's bytes are not valid UTF-8."),
    "not-a-number": (ERROR, "NaN or Infinity appear; JSON numbers must be finite."),
    "duplicate-key": (ERROR, "An object has the same key twice."),
    "too-deeply-nested": (ERROR, "JSON nesting is deeper than the limit."),
    "line-too-long": (ERROR, "A line or resource is larger than the size limit."),
    "truncated-gzip": (ERROR, "A gzip file ends early or is corrupt; records after are lost."),
    "unreadable-file": (ERROR, "A file cannot be opened or read."),
    "invalid-bundle": (ERROR, "A Bundle is malformed, of an unsupported type, or an entry is."),
    "cardinality": (ERROR, "An element repeats where only one is allowed, or is empty."),
    "invalid-value": (ERROR, "A primitive does not match its FHIR R4 format."),
    "invalid-choice": (ERROR, "A choice element (value[x]) has several or unknown forms."),
    "validator-failed": (ERROR, "The validator itself failed on the record: a bug to report."),
    "unknown-element": (WARNING, "An element not defined for the type (kept as loaded)."),
    "unresolved-reference": (WARNING, "A reference did not resolve; accepted by setting."),
    "implausible-date": (WARNING, "Dates that cannot both be true (birth after death, ...)."),
    "implausible-value": (WARNING, "An observation outside physiological ranges."),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One finding about a record."""

    code: str
    message: str
    path: str = ""

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "path": self.path}


def reason(code: str, message: str, path: str = "") -> Reason:
    """Make a reason, checking that the code is one of :data:`CODES`."""
    if code not in CODES:  # pragma: no cover - programming error caught by tests
        raise KeyError(code)
    return Reason(code, message, path)


_KEY_SHOWN = re.compile(r"[A-Za-z_][A-Za-z0-9_\[\]]{0,63}")


def shown_key(key: str) -> str:
    """A JSON key as a reason may show it: an element name, else ``(a key)`` (a record
    can hold anything as a key, a patient's NHS number say, and reasons are shown)."""
    return key if _KEY_SHOWN.fullmatch(key) else "(a key)"


def is_error(found: list[Reason]) -> bool:
    return any(CODES[r.code][0] == ERROR for r in found)


#: Reasons that a file, not a record, was at fault: a load that finds one has not read the
#: file to the end, so it resolves none of the file's earlier records.
FILE_PROBLEMS = ("unreadable-file", "truncated-gzip")
