"""Decimals as tagged text, so SQL engines keep their written digits (Spark, and DuckDB
for views that need them: see ``duckdb_decimals``).

Spark's VARIANT keeps only a decimal's value: ``to_json``, ``schema_of_variant`` and every
cast give ``1.5`` for ``1.50`` and ``1`` for ``1.0`` (which then reads back as an integer
once an item crosses a level as JSON text). FHIRPath needs the written precision
(``lowBoundary()`` of ``1.50`` is ``1.495``), so every JSON decimal (a number written with
a fraction or an exponent) reaches Spark as a *tagged string*: U+0001 followed by the
decimal exactly as written. The Spark dialect reads a tagged string as a decimal (its
kind, number and text; see ``spark_dialect``), and :func:`untag` turns any that come back
in a JSON cell into :class:`~decimal.Decimal` again.

FHIR does not allow U+0001 in strings, so no real string can be mistaken for a tagged
decimal; a resource holding a string that starts with it is refused rather than misread.
Integers stay JSON numbers, but for those beyond 64 bits, which Spark cannot hold: they
are tagged as decimals, as the other engines read them (:func:`caldicott.views.engines.
base.wide_integer`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from caldicott.errors import ValidationFailed
from caldicott.views.engines.base import INTEGER_RANGE
from caldicott.views.engines.sql_dialect import Dialect

TAG = "\x01"
#: The tag as SQL text (Spark and DuckDB alike).
TAG_SQL = "chr(1)"
#: A tagged decimal inside JSON text, as both engines print it: "\u0001<decimal>".
TAGGED_IN_JSON = r'"\\u0001([-+.0-9eE]+)"'
#: Why a string starting with the tag is refused.
TAG_IN_STRING = "starts with U+0001, a control character FHIR does not allow in strings"


def tagged_text(resource: Mapping[str, Any]) -> str:
    """One resource as the JSON text given to Spark, its decimals tagged."""
    return orjson.dumps(_tagged(resource, str(resource.get("resourceType")))).decode()


def tagged_text_of_json(text: str) -> str:
    """Like :func:`tagged_text` for resource JSON text, keeping each decimal as written."""
    resource = json.loads(text, parse_float=Decimal)
    if not isinstance(resource, dict):
        raise ValidationFailed("a resource must be a JSON object")
    return tagged_text(resource)


def _tagged(node: Any, resource_type: str) -> Any:
    kind = type(node)
    if kind is dict:
        return {k: _tagged(v, resource_type) for k, v in node.items()}
    if kind is list:
        return [_tagged(v, resource_type) for v in node]
    if kind is str:
        if node.startswith(TAG):
            raise ValidationFailed(f"a string in a {resource_type} resource {TAG_IN_STRING}")
        return node
    if kind is float:
        if not math.isfinite(node):
            raise ValidationFailed(f"a number in a {resource_type} resource is not finite")
        return TAG + orjson.dumps(node).decode()
    if isinstance(node, Decimal):
        if not node.is_finite():
            raise ValidationFailed(f"a number in a {resource_type} resource is not finite")
        return TAG + str(node)
    if kind is int and node not in INTEGER_RANGE:
        return TAG + str(node)  # beyond 64 bits: a decimal, as DuckDB and memory read it
    if isinstance(node, Mapping):
        return {k: _tagged(v, resource_type) for k, v in node.items()}
    return node


def untag(value: Any) -> Any:
    """A cell from Spark with every tagged decimal inside it made a Decimal again."""
    if isinstance(value, str):
        return Decimal(value[1:]) if value.startswith(TAG) else value
    if isinstance(value, list):
        return [untag(v) for v in value]
    if isinstance(value, dict):
        return {k: untag(v) for k, v in value.items()}
    return value


class TaggedDialect(Dialect):
    """What a dialect reads differently when decimals arrive as tagged strings: a tagged
    string's value, integer value and written text. Each engine says how to test for the
    tag, strip it and parse JSON text."""

    def _tagged(self, item: str) -> str:
        raise NotImplementedError

    def _untagged(self, item: str) -> str:
        raise NotImplementedError

    def _parse_json(self, text: str) -> str:
        raise NotImplementedError

    def number(self, item: str) -> str:
        return (
            f"(CASE WHEN {self._tagged(item)} THEN CAST({self._untagged(item)} AS DOUBLE) "
            f"ELSE {super().number(item)} END)"
        )

    def integer(self, item: str) -> str:
        parsed = self._parse_json(self._untagged(item))
        return (
            f"(CASE WHEN {self._tagged(item)} THEN CAST({parsed} AS BIGINT) "
            f"ELSE {super().integer(item)} END)"
        )

    def number_text(self, item: str) -> str:
        return self.string(item)

    def json_decimal(self, written: str) -> str:
        # tagged like the data's, so 1.0 stays a decimal and 1.50 keeps its precision
        return self.json_param(orjson.dumps(TAG + written).decode())
