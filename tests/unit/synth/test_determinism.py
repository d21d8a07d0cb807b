"""Same seed and arguments: byte-identical output, whatever the chunk size."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from caldicott.synth import SynthConfig, synthesise
from caldicott.synth.streams import S, normal, poisson, uniform


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_byte_identical_twice_and_across_chunk_sizes(tmp_path: Path) -> None:
    args = {"patients": 700, "seed": 3, "invalid_rate": 0.05}
    a = _files(_run(tmp_path / "a", chunk_size=700, **args))
    b = _files(_run(tmp_path / "b", chunk_size=700, **args))
    c = _files(_run(tmp_path / "c", chunk_size=97, **args))
    assert a == b
    assert a == c
    assert {"Patient.ndjson", "defects.csv", "manifest.json", "outcomes.csv"} <= set(a)


def test_worker_processes_give_the_same_bytes(tmp_path: Path) -> None:
    args = {"patients": 300, "seed": 8, "chunk_size": 100, "invalid_rate": 0.05}
    one = _files(_run(tmp_path / "one", **args))
    synthesise(SynthConfig(out=tmp_path / "two", **args), workers=2)  # type: ignore[arg-type]
    assert _files(tmp_path / "two") == one


def test_a_different_seed_gives_a_different_population(tmp_path: Path) -> None:
    a = _files(_run(tmp_path / "a", patients=50, seed=1))
    b = _files(_run(tmp_path / "b", patients=50, seed=2))
    assert a["Patient.ndjson"] != b["Patient.ndjson"]


def test_a_prefix_of_patients_is_the_same_in_a_larger_run(tmp_path: Path) -> None:
    small = (_run(tmp_path / "s", patients=40, seed=9) / "Patient.ndjson").read_bytes()
    large = (_run(tmp_path / "l", patients=90, seed=9) / "Patient.ndjson").read_bytes()
    assert large.startswith(small)


def test_streams_are_pure_functions_of_their_keys() -> None:
    keys = np.arange(1000)
    assert np.array_equal(uniform(4, S.AGE_SEX, keys)[500:], uniform(4, S.AGE_SEX, keys[500:]))
    assert not np.array_equal(uniform(4, S.AGE_SEX, keys), uniform(4, S.REGION, keys))
    z = normal(4, S.OBS_NOISE, np.arange(50_000))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    u = uniform(4, S.REVIEW_COUNT, np.arange(50_000))
    k = poisson(u, np.full(u.shape, 2.5))
    assert abs(k.mean() - 2.5) < 0.05 and abs(k.var() - 2.5) < 0.1


def _run(out: Path, **kwargs: object) -> Path:
    synthesise(SynthConfig(out=out, **kwargs))  # type: ignore[arg-type]
    return out
