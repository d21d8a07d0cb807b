"""A decimal written in the view keeps its written digits on every engine, as a decimal
in the data does: ``1.0`` is a decimal, not the integer 1, and ``1.50`` has two places."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.unit.views.engine_params import ENGINES

from caldicott.views import parse_view
from caldicott.views.engines import get_engine
from caldicott.views.engines.base import ResourceList
from caldicott.views.suite import normalise

PATIENT = {"resourceType": "Patient", "id": "p1"}
CONSTANT = {"name": "k", "valueDecimal": Decimal("1.50")}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("1.50.lowBoundary()", Decimal("1.495")),
        ("1.50.highBoundary()", Decimal("1.505")),
        ("1.0.highBoundary()", Decimal("1.05")),  # not the 1.5 of the integer 1
        ("%k.lowBoundary()", Decimal("1.495")),
        ("1.0 is decimal", True),
        ("1.0 is integer", False),
        ("1.50 = 1.5", True),
        ("1.0 + 1", Decimal("2.0")),
    ],
)
def test_decimal_literals_keep_their_digits(engine: str, path: str, value: Any) -> None:
    view = parse_view(
        {
            "resourceType": "ViewDefinition",
            "resource": "Patient",
            "constant": [CONSTANT],
            "select": [{"column": [{"name": "c", "path": path}]}],
        }
    )
    (row,) = get_engine(engine).run(view, ResourceList([PATIENT])).dicts()
    assert normalise(row["c"]) == normalise(value)
