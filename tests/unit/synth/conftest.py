"""One synthetic export per test session, shared by the population tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest

from caldicott.synth import SynthConfig, SynthResult, synthesise

POPULATION = 12_000


@dataclass
class Export:
    folder: Path
    result: SynthResult
    _cache: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def records(self, resource_type: str) -> list[dict[str, Any]]:
        """Parsed records of one NDJSON file (parsed once per session; do not mutate)."""
        if resource_type not in self._cache:
            path = self.folder / f"{resource_type}.ndjson"
            self._cache[resource_type] = [orjson.loads(x) for x in path.read_bytes().splitlines()]
        return self._cache[resource_type]

    def raw(self, resource_type: str) -> bytes:
        return (self.folder / f"{resource_type}.ndjson").read_bytes()


@pytest.fixture(scope="session")
def export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    folder = tmp_path_factory.mktemp("export")
    result = synthesise(SynthConfig(patients=POPULATION, seed=11, out=folder))
    return Export(folder, result)
