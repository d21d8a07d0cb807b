"""Accounting: per file and per resource type, read = accepted + quarantined, always.

Warnings are counted separately (a record with warnings is still accepted). The loader
adds to a :class:`Tally` as records move; :meth:`Tally.check` asserts the invariant.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from caldicott.errors import IntegrityError

UNPARSED = "(unparsed)"


@dataclass
class Counts:
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    warnings: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "warnings": self.warnings,
        }


@dataclass
class Tally:
    files: dict[str, Counts] = field(default_factory=dict)
    types: dict[str, Counts] = field(default_factory=dict)
    reasons: Counter[str] = field(default_factory=Counter)
    warning_codes: Counter[str] = field(default_factory=Counter)
    written: Counter[str] = field(default_factory=Counter)
    #: the same by file: (file, type) counts, (file, first reason), (file, warning code)
    file_types: dict[tuple[str, str], Counts] = field(default_factory=dict)
    file_reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    file_warning_codes: Counter[tuple[str, str]] = field(default_factory=Counter)

    def _counts(self, file: str, rtype: str) -> tuple[Counts, Counts, Counts]:
        f = self.files.get(file)
        if f is None:
            f = self.files[file] = Counts()
        t = self.types.get(rtype)
        if t is None:
            t = self.types[rtype] = Counts()
        ft = self.file_types.get((file, rtype))
        if ft is None:
            ft = self.file_types[(file, rtype)] = Counts()
        return f, t, ft

    def read(self, file: str, rtype: str, n: int = 1) -> None:
        for c in self._counts(file, rtype):
            c.read += n

    def accept(self, file: str, rtype: str, warning_codes: list[str], n: int = 1) -> None:
        """Count ``n`` records accepted, with these warnings among them."""
        for c in self._counts(file, rtype):
            c.accepted += n
            c.warnings += len(warning_codes)
        self.warning_codes.update(warning_codes)
        self.file_warning_codes.update((file, code) for code in warning_codes)

    def quarantine(self, file: str, rtype: str, codes: list[str]) -> None:
        for c in self._counts(file, rtype):
            c.quarantined += 1
        if codes:
            self.reasons[codes[0]] += 1
            self.file_reasons[(file, codes[0])] += 1

    def by_file(self) -> dict[str, dict[str, Any]]:
        """Each file's counts, with its breakdowns by type, first reason and warning."""
        out: dict[str, dict[str, Any]] = {
            file: {**c.as_dict(), "types": {}, "reasons": {}, "warning_codes": {}}
            for file, c in self.files.items()
        }
        for (file, rtype), c in sorted(self.file_types.items()):
            out[file]["types"][rtype] = c.as_dict()
        for key, table in (
            ("reasons", self.file_reasons),
            ("warning_codes", self.file_warning_codes),
        ):
            for (file, code), n in sorted(table.items()):
                out[file][key][code] = n
        return out

    def free_of(self, files: list[str], codes: tuple[str, ...]) -> list[str]:
        """Those of ``files`` none of whose records this load refused for ``codes``."""
        troubled = {f for f, code in self.file_reasons if code in codes}
        return [f for f in files if f not in troubled]

    def totals(self) -> Counts:
        total = Counts()
        for c in self.files.values():
            total.read += c.read
            total.accepted += c.accepted
            total.quarantined += c.quarantined
            total.warnings += c.warnings
        return total

    def check(self) -> None:
        """Raise IntegrityError if any file or type does not balance."""
        for scope, table in (("file", self.files), ("type", self.types)):
            for name, c in table.items():
                if c.read != c.accepted + c.quarantined:
                    raise IntegrityError(
                        f"accounting does not balance for {scope} {name}: "
                        f"read {c.read} != accepted {c.accepted} + quarantined {c.quarantined}"
                    )

    def as_dict(self) -> dict[str, Any]:
        return {
            "types": {k: v.as_dict() for k, v in sorted(self.types.items())},
            "reasons": dict(sorted(self.reasons.items())),
            "warning_codes": dict(sorted(self.warning_codes.items())),
            "written": dict(sorted(self.written.items())),
        }
