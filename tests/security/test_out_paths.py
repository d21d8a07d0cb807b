"""Every ``--out`` (and ``--report``) refuses caldicott's own stores before any work.

A report, an export or a test report written over ``control.db`` would destroy the
consents, agreements and transparency log; over ``warehouse.duckdb`` every record loaded;
over the settings file, every later command. ``view run`` has its own, stricter rules
(tests/security/test_view_output_path.py); these are the rest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from caldicott.errors import OutputError, PermissionDenied

DENIED = PermissionDenied.kind.exit_code
UNWRITABLE = OutputError.kind.exit_code

COMMANDS = {
    "quality report": ("quality", "report", "--format", "json", "--out"),
    "log audit-events": ("log", "audit-events", "--out"),
    "log audit-report": (
        "log",
        "audit-report",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
    ),
    "register export": ("register", "export", "--out"),
    "consent export": ("consent", "export", "--out"),
    "consent snapshot": ("consent", "snapshot", "--purpose", "research", "--out"),
    "view test": ("view", "test", "no-such-suite", "--report"),
}


@pytest.mark.parametrize(
    "store", ["control.db", "warehouse.duckdb.wal", "Caldicott.toml", "keys/x"]
)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_command_writes_over_an_own_store(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, command: str, store: str
) -> None:
    home = _isolated_settings
    target = home / store
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"kept")
    res = cli(*COMMANDS[command], str(target))
    assert res.exit_code == DENIED, (res.stdout, res.stderr)
    assert "caldicott's" in " ".join(res.stderr.split())
    assert target.read_bytes() == b"kept"


@pytest.mark.parametrize("command", ["quality report", "register export", "view test"])
def test_the_settings_file_read_is_an_own_store_whatever_its_name(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, command: str
) -> None:
    home = _isolated_settings
    home.mkdir(parents=True)
    config = home / "settings.toml"
    config.write_text('engine = "duckdb"\n')
    res = cli("--config", str(config), *COMMANDS[command], str(config))
    assert res.exit_code == DENIED, (res.stdout, res.stderr)
    assert config.read_text() == 'engine = "duckdb"\n'


def test_a_folder_is_refused_before_the_work_and_a_report_is_written_whole(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:
    res = cli("register", "export", "--out", str(tmp_path))
    assert res.exit_code == UNWRITABLE, (res.stdout, res.stderr)
    out = tmp_path / "register.json"
    out.write_text("old")
    assert cli("register", "export", "--out", str(out)).exit_code == 0
    assert out.read_text().startswith("{")
    assert not list(tmp_path.glob(".*part"))  # no partial file left


def test_a_report_takes_the_mode_the_umask_gives_a_new_file(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:
    import os

    old = os.umask(0o077)
    try:
        out = tmp_path / "register.json"
        assert cli("register", "export", "--out", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o600


def _rows(home: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(home / "control.db") as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@pytest.mark.parametrize(
    ("command", "table"),
    [
        (("consent", "snapshot", "--purpose", "research"), "consent_snapshot"),
        (
            ("log", "audit-report", "--from", "2026-01-01", "--to", "2026-01-31"),
            "transparency_checkpoint",
        ),
    ],
)
def test_a_folder_that_cannot_take_the_file_is_refused_before_anything_is_recorded(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, command: tuple[str, ...], table: str
) -> None:
    """A snapshot recorded, or a checkpoint signed, for a file never written would be a
    record of something that did not happen. /proc takes no new file, even from root."""
    assert cli("db", "upgrade").exit_code == 0
    before = _rows(_isolated_settings, table)
    res = cli(*command, "--out", "/proc/caldicott-test.out")
    assert res.exit_code == UNWRITABLE, (res.stdout, res.stderr)
    assert _rows(_isolated_settings, table) == before


def test_replacing_a_file_keeps_its_mode_and_patient_level_exports_are_private(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:
    import os

    out = tmp_path / "register.json"
    out.write_text("old")
    out.chmod(0o600)  # its owner made it private
    old = os.umask(0o022)
    try:
        assert cli("register", "export", "--out", str(out)).exit_code == 0
        consents = tmp_path / "consents.ndjson"
        assert cli("consent", "export", "--out", str(consents)).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o600
    assert consents.stat().st_mode & 0o777 == 0o600  # NHS numbers in the Consents


def test_a_loop_of_links_is_an_output_error_not_a_bug(
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for args in (("register", "export", "--out"), ("view", "run", "conditions", "--out")):
        res = cli(*args, str(loop))
        assert res.exit_code == UNWRITABLE, (res.stdout, res.stderr)


def test_a_log_export_to_a_folder_not_empty_signs_no_checkpoint(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:
    assert cli("db", "upgrade").exit_code == 0
    before = _rows(_isolated_settings, "transparency_checkpoint")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    res = cli("log", "export", "--out", str(tmp_path / "full"))
    assert res.exit_code == UNWRITABLE, (res.stdout, res.stderr)
    assert _rows(_isolated_settings, "transparency_checkpoint") == before
