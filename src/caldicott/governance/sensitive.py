"""Sensitive code sets, read from the versioned data file ``sensitive_codes.yaml``.

Each category (sexual health, HIV, IVF, gender identity, termination of pregnancy, prison
health) lists SNOMED CT codes. Records carrying them are excluded from every release unless
the agreement requests the category with a justification; :func:`excluded_categories`
says which categories a release under an application must exclude.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    why: str
    codes: dict[str, str]


@dataclass(frozen=True)
class SensitiveCodes:
    version: str
    reviewed: bool
    system: str
    categories: tuple[Category, ...]

    def category_of(self, code: str) -> Category | None:
        for category in self.categories:
            if code in category.codes:
                return category
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.categories)


@cache
def sensitive_codes() -> SensitiveCodes:
    """The sensitive code sets shipped with this version of caldicott."""
    text = files("caldicott.governance").joinpath("sensitive_codes.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    categories = []
    for name, item in data["categories"].items():
        missing = [k for k in ("title", "why", "codes") if k not in item]
        if missing:
            raise ValueError(f"sensitive_codes.yaml: {name}: missing {missing}")
        codes = {str(code): str(display) for code, display in item["codes"].items()}
        categories.append(Category(name, item["title"], item["why"], codes))
    return SensitiveCodes(
        version=str(data["version"]),
        reviewed=bool(data["reviewed"]),
        system=str(data["system"]),
        categories=tuple(categories),
    )


def excluded_categories(requested: set[str]) -> tuple[str, ...]:
    """Categories a release must exclude: every category not requested (and justified)."""
    return tuple(c for c in sensitive_codes().names if c not in requested)
