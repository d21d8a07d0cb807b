"""Direct identifiers: which requested columns would name, locate or contact a patient.

A column is a direct identifier if its FHIRPath (for inline views) or its name (for any
view) reads one of the kinds below. Releases never need them for aggregates, de-identified
or pseudonymised extracts: the release pseudonymises the patient key with the agreement's
own key and generalises dates, so applicants ask for the key, not the identifier.
"""

from __future__ import annotations

import re

from caldicott.governance.application import ColumnRequest

#: kind -> (pattern on the column's FHIRPath, pattern on the column's name)
KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "nhs-number": (
        re.compile(r"nhs-number|(^|\.)identifier(\b|$)"),
        re.compile(r"nhs_?(number|no)|^nhsno$"),
    ),
    "name": (
        re.compile(r"(^|\.)name(\.(family|given|text|prefix|suffix))?$"),
        re.compile(r"(^|_)(family|given|surname|forename|first_?name|last_?name|full_?name)($|_)"
                   r"|^(patient_)?name$"),
    ),
    "address": (
        re.compile(r"(^|\.)address(\.(line|text|city|district))?$"),
        re.compile(r"(^|_)(address|street|address_line\d*)($|_)"),
    ),
    "postcode": (re.compile(r"postalCode"), re.compile(r"post_?code|postal_?code")),
    "date-of-birth": (
        re.compile(r"(^|\.)birthDate$"),
        re.compile(r"^dob$|birth_?date|date_of_birth"),
    ),
    "email": (re.compile(r"telecom.*'email'"), re.compile(r"e_?mail")),
    "phone": (
        re.compile(r"telecom(?!.*'email')"),
        re.compile(r"phone|mobile|telephone"),
    ),
}  # fmt: skip


def identifier_kind(column: ColumnRequest) -> str | None:
    """The kind of direct identifier a requested column reads, or None."""
    name = column.column.lower()
    for kind, (by_path, by_name) in KINDS.items():
        if column.path is not None and by_path.search(column.path):
            return kind
        if by_name.search(name):
            return kind
    return None
