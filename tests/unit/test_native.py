"""When the compiled validator is used: only when built, current and not switched off."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from caldicott import _native


@pytest.fixture
def native_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty .native folder in place of the real one."""
    monkeypatch.setattr(_native, "NATIVE_DIR", tmp_path)
    monkeypatch.setattr(_native, "MANIFEST", tmp_path / "manifest.json")
    return tmp_path


def _write(native_dir: Path, **changes: object) -> None:
    files = {name: f"{name}.so" for name in [*_native.MODULES, f"{_native.GROUP}__mypyc"]}
    for rel in files.values():
        (native_dir / rel).write_bytes(b"")
    doc = {"built": True, "tag": _native.build_tag(), "sources": _native.fingerprint()}
    doc |= {"files": files, **changes}
    (native_dir / "manifest.json").write_text(json.dumps(doc))


def test_a_current_build_is_used(native_dir: Path) -> None:
    _write(native_dir)
    found = _native._current()
    assert found is not None and set(found) == {*_native.MODULES, "caldicott_native__mypyc"}


def test_nothing_built_means_the_source(native_dir: Path) -> None:
    assert _native._current() is None
    _write(native_dir, built=False)
    assert _native._current() is None


def test_a_build_from_other_source_is_not_used_and_says_so(
    native_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stale = dict.fromkeys(_native.MODULES, "0" * 64)
    _write(native_dir, sources=stale)
    with caplog.at_level(logging.WARNING, logger="caldicott.native"):
        assert _native._current() is None
    assert "make native" in caplog.text


def test_a_build_for_another_interpreter_is_not_used(native_dir: Path) -> None:
    _write(native_dir, tag="cpython-399-plan9-z80")
    assert _native._current() is None


def test_a_missing_file_or_a_damaged_manifest_means_the_source(native_dir: Path) -> None:
    _write(native_dir)
    (native_dir / f"{_native.MODULES[0]}.so").unlink()
    assert _native._current() is None
    (native_dir / "manifest.json").write_text("{not json")
    assert _native._current() is None


def test_the_switch_turns_a_current_build_off(
    native_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(native_dir)
    monkeypatch.setenv(_native.SWITCH, "0")
    assert _native._current() is None
