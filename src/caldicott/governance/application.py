"""The application document: read from YAML or JSON, checked against the published schema.

The schema (``application.schema.json``, documented in docs/agreements.md) fixes the shape;
this module reads a document, reports every shape problem with its path at once, checks the
inline ViewDefinitions and the column references, and returns a frozen :class:`Application`.
Policy (legal bases, justification, identifiers, sensitive codes, training) is not judged
here but by :mod:`caldicott.governance.checks`, so an incomplete application can still be
saved as a draft and told what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from caldicott.consent.purposes import vocabulary
from caldicott.errors import InvalidArgument, NotFound, ValidationFailed
from caldicott.governance import viewspec
from caldicott.governance.jsonschema_subset import Validator
from caldicott.views import library
from caldicott.views.parse import parse_view

SCHEMA_ID = "caldicott/application/v1"
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_LISTED_ERRORS = 5


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema of the application document."""
    text = files("caldicott.governance").joinpath("application.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Validator:
    return Validator(schema())


@dataclass(frozen=True)
class Coding:
    system: str
    code: str


@dataclass(frozen=True)
class ViewSpec:
    name: str
    library: str | None
    inline: dict[str, Any] | None
    columns: tuple[viewspec.ViewColumn, ...] = ()
    codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ColumnRequest:
    view: str
    column: str
    justification: str
    #: The FHIRPath the column reads (inline and built-in views alike).
    path: str | None = None


@dataclass(frozen=True)
class Application:
    document: dict[str, Any]
    title: str
    organisation: str
    people: tuple[tuple[str, str], ...]
    purpose: str
    lay_summary: str
    public_benefit: str
    views: tuple[ViewSpec, ...]
    columns: tuple[ColumnRequest, ...]
    cohort: str
    cohort_codes: tuple[Coding, ...]
    period: tuple[date, date]
    sensitive: tuple[tuple[str, str], ...]
    identifiability: str
    legal_basis: dict[str, str] = field(default_factory=dict)
    ethics: str | None = None
    dpia: str | None = None
    commercial: bool = False
    benefit_sharing: str = ""
    code_of_conduct: dict[str, str] = field(default_factory=dict)
    duration_months: int = 12

    @property
    def emails(self) -> tuple[str, ...]:
        return tuple(email for email, _role in self.people)

    def all_codes(self) -> set[str]:
        """Every code the cohort or an inline view mentions."""
        codes = {c.code for c in self.cohort_codes}
        for view in self.views:
            codes |= view.codes
        return codes


def _normalise(value: Any) -> Any:
    """YAML dates become ISO strings, so YAML and JSON documents validate alike."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def read_document(path: Path) -> dict[str, Any]:
    """Read a YAML or JSON application file (JSON is YAML, so one parser serves both)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"{path}: cannot be read ({exc})") from None
    try:
        data = yaml.load(text, Loader=_LOADER)  # a safe loader, in C when available
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ValidationFailed(f"{path}{where}: not valid YAML or JSON") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{path}: an application must be a mapping of fields")
    normalised: dict[str, Any] = _normalise(data)
    return normalised


def load_file(path: Path) -> Application:
    return parse(read_document(path), source=str(path))


def shape_errors(document: dict[str, Any]) -> list[str]:
    """Every problem with the document's shape, each as ``path: message``."""
    errors = _validator().errors(document)
    if errors:
        return errors
    data = document["data"]
    names: set[str] = set()
    inline_columns: dict[str, set[str]] = {}
    for i, view in enumerate(data["views"]):
        where = f"data.views[{i}]"
        if view["name"] in names:
            errors.append(f"{where}.name: view name {view['name']!r} is used twice")
        names.add(view["name"])
        if "inline" in view:
            try:
                parsed = parse_view(view["inline"])
            except ValidationFailed as exc:
                errors.append(f"{where}.inline.{exc.message}")
            else:
                inline_columns[view["name"]] = set(parsed.column_names)
        elif view["library"] not in library.names():
            known = ", ".join(library.names())
            errors.append(
                f"{where}.library: no built-in view named {view['library']!r}; known: {known}"
            )
        else:
            inline_columns[view["name"]] = set(library.load(view["library"]).column_names)
    for i, column in enumerate(data["columns"]):
        where = f"data.columns[{i}]"
        if column["view"] not in names:
            errors.append(f"{where}.view: no view named {column['view']!r} in data.views")
        elif column["view"] in inline_columns and column["column"] not in inline_columns.get(
            column["view"], set()
        ):
            errors.append(
                f"{where}.column: view {column['view']!r} has no column {column['column']!r}"
            )
    if document["purpose"] not in vocabulary().codes:
        known = ", ".join(vocabulary().codes)
        errors.append(f"purpose: unknown purpose {document['purpose']!r}; known: {known}")
    if data["period"]["start"] > data["period"]["end"]:
        errors.append("data.period: start is after end")
    return errors


def parse(document: dict[str, Any], source: str = "application") -> Application:
    """A checked, frozen application; ValidationFailed (exit 9) listing every problem."""
    errors = shape_errors(document)
    if errors:
        shown = "; ".join(errors[:MAX_LISTED_ERRORS])
        more = (
            f" (and {len(errors) - MAX_LISTED_ERRORS} more)"
            if len(errors) > MAX_LISTED_ERRORS
            else ""
        )
        raise ValidationFailed(
            f"{source}: {len(errors)} problem(s): {shown}{more}", errors=errors, source=source
        )
    return _build(document)


def _build(doc: dict[str, Any]) -> Application:
    data = doc["data"]
    views = []
    for view in data["views"]:
        inline = view.get("inline")
        body = inline if inline is not None else library.source(view["library"])
        views.append(
            ViewSpec(
                name=view["name"],
                library=view.get("library"),
                inline=inline,
                columns=tuple(viewspec.columns(body)),
                codes=frozenset(viewspec.mentioned_codes(body)),
            )
        )
    paths = {(v.name, c.name): c.path for v in views for c in v.columns}
    columns = tuple(
        ColumnRequest(
            c["view"],
            c["column"],
            c.get("justification", "").strip(),
            paths.get((c["view"], c["column"])),
        )
        for c in data["columns"]
    )
    commercial = doc.get("commercial", {})
    return Application(
        document=doc,
        title=doc["title"].strip(),
        organisation=doc["applicant"]["organisation"],
        people=tuple((p["email"].lower(), p["role"]) for p in doc["applicant"]["people"]),
        purpose=doc["purpose"],
        lay_summary=doc["lay_summary"].strip(),
        public_benefit=doc["public_benefit"].strip(),
        views=tuple(views),
        columns=columns,
        cohort=data["cohort"]["description"].strip(),
        cohort_codes=tuple(
            Coding(c["system"], str(c["code"])) for c in data["cohort"].get("codes", [])
        ),
        period=(
            date.fromisoformat(data["period"]["start"]),
            date.fromisoformat(data["period"]["end"]),
        ),
        sensitive=tuple(
            (s["category"], s.get("justification", "").strip()) for s in data.get("sensitive", [])
        ),
        identifiability=doc["identifiability"],
        legal_basis=dict(doc.get("legal_basis", {})),
        ethics=doc.get("ethics", {}).get("reference"),
        dpia=doc.get("dpia", {}).get("reference"),
        commercial=bool(commercial.get("commercial", False)),
        benefit_sharing=commercial.get("benefit_sharing", "").strip(),
        code_of_conduct={k: v.strip() for k, v in doc.get("code_of_conduct", {}).items()},
        duration_months=doc["duration_months"],
    )
