"""Built-in ViewDefinitions for UK data, shipped as JSON beside this module."""

from __future__ import annotations

from importlib import resources

import orjson

from caldicott.errors import NotFound
from caldicott.views.model import ViewDefinition
from caldicott.views.parse import parse_view

_PACKAGE = "caldicott.views.library"


def names() -> list[str]:
    """The names of the built-in views, sorted."""
    return sorted(
        p.name.removesuffix(".json")
        for p in resources.files(_PACKAGE).iterdir()
        if p.name.endswith(".json")
    )


def source(name: str) -> dict[str, object]:
    """The ViewDefinition JSON of one built-in view."""
    if name not in names():
        raise NotFound(f"no built-in view named {name!r}; `caldicott view list` shows them")
    data = orjson.loads(resources.files(_PACKAGE).joinpath(f"{name}.json").read_bytes())
    assert isinstance(data, dict)
    return data


def load(name: str) -> ViewDefinition:
    return parse_view(source(name))
