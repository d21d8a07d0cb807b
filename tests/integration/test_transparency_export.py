"""Exports verified by the standalone verifier, tampered exports, and the `log` commands."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caldicott.settings import Settings, load_settings
from caldicott.store.control import ControlPlane
from caldicott.transparency import KEY_OPERATION, Event, append_many, verifier
from caldicott.transparency.checkpoint import create_checkpoint, verifier_keys
from caldicott.transparency.entries import encode
from caldicott.transparency.export import export_log

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def exported(control: ControlPlane, settings: Settings, tmp_path: Path) -> Path:
    with control.session() as s:
        append_many(s, [Event(KEY_OPERATION, "custodian", {"n": i}, AT) for i in range(9)])
        create_checkpoint(s, settings)
    with control.session() as s:
        append_many(s, [Event(KEY_OPERATION, "custodian", {"n": i}, AT) for i in range(9, 20)])
        create_checkpoint(s, settings)
    with control.session() as s:
        export_log(s, settings, tmp_path / "export")
    return tmp_path / "export"


def _lines(folder: Path) -> list[bytes]:
    return (folder / "entries.ndjson").read_bytes().splitlines()


def _save(folder: Path, lines: list[bytes]) -> None:
    (folder / "entries.ndjson").write_bytes(b"".join(x + b"\n" for x in lines))


def test_export_verifies_with_pinned_keys(exported: Path, settings: Settings) -> None:
    report = verifier.verify_export(exported, trusted_keys=verifier_keys(settings))
    assert report.ok, report.problems
    assert report.size == 20 and [c["size"] for c in report.checkpoints] == [9, 20]
    assert report.notes == []
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["entries"] == 20


def test_previous_checkpoint_consistency(exported: Path, tmp_path: Path) -> None:
    old = sorted((exported / "checkpoints").glob("*.note"))[0].read_text()
    assert verifier.verify_export(exported, previous=old).ok
    fork = exported.parent / "fork"
    fork.mkdir()
    other = verifier.parse_checkpoint(old)
    # a checkpoint for a log that was never a prefix of this one fails
    forged = old.replace(old.split("\n")[2], "A" * 43 + "=")
    report = verifier.verify_export(exported, previous=forged)
    assert not report.ok and other.size == 9


def test_changed_line_is_named(exported: Path) -> None:
    lines = _lines(exported)
    lines[13] = lines[13].replace(b'"n":13', b'"n":99')
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert not report.ok and report.first_failing_index == 13


def test_changed_line_without_hint_names_the_checkpoint_interval(exported: Path) -> None:
    (exported / "leaves.bin").unlink()
    lines = _lines(exported)
    lines[13] = lines[13].replace(b'"n":13', b'"n":99')
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert not report.ok and report.first_failing_index == 9


def test_deleted_line_is_named(exported: Path) -> None:
    lines = _lines(exported)
    del lines[4]
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert not report.ok and report.first_failing_index == 4


def test_inserted_line_is_named(exported: Path) -> None:
    lines = _lines(exported)
    lines.insert(6, encode(6, KEY_OPERATION, "intruder", {"n": 0}, AT))
    lines = [
        encode(i, KEY_OPERATION, "custodian", json.loads(x)["payload"], AT) if i > 6 else x
        for i, x in enumerate(lines)
    ]
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert not report.ok and report.first_failing_index == 6


def test_reordered_lines_are_named(exported: Path) -> None:
    lines = _lines(exported)
    lines[3], lines[8] = lines[8], lines[3]
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert not report.ok and report.first_failing_index == 3


def test_resigned_export_fails_against_pinned_keys(exported: Path, settings: Settings) -> None:
    keys = verifier_keys(settings)
    (settings.keys_dir / "log-signing.key").unlink()
    (exported / "keys.txt").write_text("")
    from caldicott.transparency.checkpoint import load_signer

    impostor = load_signer(
        settings,
        verifier.parse_checkpoint(
            next((exported / "checkpoints").glob("*.note")).read_text()
        ).origin,
    )
    for note in (exported / "checkpoints").glob("*.note"):
        cp = verifier.parse_checkpoint(note.read_text())
        note.write_text(impostor.sign(cp.text))
    assert verifier.verify_export(exported, trusted_keys=[impostor.verifier_key()]).ok
    report = verifier.verify_export(exported, trusted_keys=keys[:1])
    assert not report.ok and "no valid signature" in report.problems[0]


def test_cli_round_trip(cli, control_url: str, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_DATABASE_URL", control_url)
    plane = ControlPlane(control_url)
    with plane.session() as s:
        append_many(s, [Event(KEY_OPERATION, "custodian", {"n": i}, AT) for i in range(5)])
    plane.dispose()
    assert cli("log", "prove", "--index", "0").exit_code == 4
    cp = cli("log", "checkpoint", "--json")
    assert cp.exit_code == 0, cp.stderr
    assert cp.json()["size"] == 5  # type: ignore[index]
    proof = cli("log", "prove", "--index", "3", "--json").json()
    assert proof["verified"] is True and proof["tree_size"] == 5  # type: ignore[index]
    assert cli("log", "prove", "--index", "5").exit_code == 2
    cons = cli("log", "consistency", "--from", "2", "--json").json()
    assert cons["to_size"] == 5 and len(cons["hashes"]) >= 1  # type: ignore[index]
    ok = cli("log", "verify", "--json")
    assert ok.exit_code == 0 and ok.json()["ok"] is True  # type: ignore[index]
    out = tmp_path / "exp"
    assert cli("log", "export", "--out", str(out), "--json").exit_code == 0
    assert cli("log", "export", "--out", str(out)).exit_code == 7
    key = (Path(load_settings().keys_dir) / "log-verifier-keys.txt").read_text().split()[0]
    assert cli("log", "verify", "--from-export", str(out), "--key", key).exit_code == 0
    lines = (out / "entries.ndjson").read_bytes().splitlines()
    lines[2] = lines[2].replace(b'"n":2', b'"n":7')
    (out / "entries.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    bad = cli("log", "verify", "--from-export", str(out))
    assert bad.exit_code == 10 and "first failing entry index 2" in bad.stderr
    plane = ControlPlane(control_url)
    with plane.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("DELETE FROM transparency_entry WHERE idx = 1"))
    plane.dispose()
    broken = cli("log", "verify")
    assert broken.exit_code == 10 and "first failing entry index 1" in broken.stderr


def test_strict_mode_and_non_canonical_lines(exported: Path) -> None:
    assert verifier.verify_export(exported, strict=True).ok
    lines = _lines(exported)
    lines[2] = b'{"v": 1, "index": 2}'
    _save(exported, lines)
    for strict in (False, True):
        report = verifier.verify_export(exported, strict=strict)
        assert not report.ok and report.first_failing_index == 2
    lines[2] = b'{"actor":"x","index":3,"kind":"k","v":1}'
    _save(exported, lines)
    report = verifier.verify_export(exported)
    assert report.first_failing_index == 2 and "records index 3" in report.problems[0]
