"""The purpose vocabulary, read from the versioned data file ``purposes.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from caldicott.errors import InvalidArgument

FLAGS = (
    "refused",
    "direct_care",
    "national_opt_out",
    "type1_opt_out",
    "explicit_choice",
    "lawful_override",
)


@dataclass(frozen=True)
class Purpose:
    code: str
    title: str
    lay: str
    legal_framing: str
    refused: bool
    direct_care: bool
    national_opt_out: bool
    type1_opt_out: bool
    explicit_choice: bool
    lawful_override: bool


@dataclass(frozen=True)
class Vocabulary:
    version: str
    purposes: tuple[Purpose, ...]

    def get(self, code: str) -> Purpose:
        """The purpose with this code; unknown codes are refused by name."""
        for purpose in self.purposes:
            if purpose.code == code:
                return purpose
        known = ", ".join(p.code for p in self.purposes)
        raise InvalidArgument(f"unknown purpose {code!r}; known purposes: {known}", purpose=code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.purposes)


@cache
def vocabulary() -> Vocabulary:
    """The purpose vocabulary shipped with this version of caldicott."""
    text = files("caldicott.consent").joinpath("purposes.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    purposes = []
    for item in data["purposes"]:
        missing = [k for k in ("code", "title", "lay", "legal_framing", *FLAGS) if k not in item]
        if missing:
            raise ValueError(f"purposes.yaml: {item.get('code')}: missing {missing}")
        purposes.append(Purpose(**{k: item[k] for k in Purpose.__dataclass_fields__}))
    return Vocabulary(version=str(data["version"]), purposes=tuple(purposes))


def purpose(code: str) -> Purpose:
    return vocabulary().get(code)
