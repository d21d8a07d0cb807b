"""`view run --out` writes rows only to a regular file inside the data folder.

Rows are patient-level data (DESIGN invariant 6): ``--out /dev/stdout`` would print them,
and a path outside the data folder would take them out of the environment without a
release. Refusals have a stable exit code and write nothing; parquet that Arrow cannot
type is a user error that names the column, not the value.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tests.unit.views.ukdata import make_warehouse, patient

from caldicott.errors import OutputError, PermissionDenied

NHS = "9434765919"
DENIED = PermissionDenied.kind.exit_code
UNWRITABLE = OutputError.kind.exit_code


@pytest.fixture
def home(_isolated_settings: Path) -> Path:
    make_warehouse(_isolated_settings / "warehouse.duckdb", [patient("p1", NHS)])
    return _isolated_settings


def _refused(cli, out: str, code: int, *extra: str) -> str:  # type: ignore[no-untyped-def]
    res = cli("view", "run", "patient_demographics", "--out", out, *extra)
    assert res.exit_code == code, (res.stdout, res.stderr)
    assert NHS not in res.stdout + res.stderr
    return " ".join(res.stderr.split())  # unwrapped


def test_standard_output_and_devices_are_refused(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    for device in ("/dev/stdout", "/dev/stderr", "/dev/null"):
        err = _refused(cli, device, DENIED)
        assert "inside the data folder" in err


def test_a_path_outside_the_data_folder_is_refused(cli, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere" / "rows.csv"
    _refused(cli, str(outside), DENIED)
    _refused(cli, str(outside), DENIED, "--json")
    assert not outside.exists() and not outside.parent.exists()


def test_dot_dot_out_of_the_data_folder_is_refused(cli, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    escape = home / "outputs" / ".." / ".." / "escaped.csv"
    _refused(cli, str(escape), DENIED)
    assert not (tmp_path / "escaped.csv").exists()


def test_a_relative_path_is_taken_from_the_current_folder(  # type: ignore[no-untyped-def]
    cli, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(cli, "rows.csv", DENIED)
    assert not (tmp_path / "rows.csv").exists()
    monkeypatch.chdir(home)
    res = cli("view", "run", "patient_demographics", "--out", "rows.csv", "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["out"] == str((home / "rows.csv").resolve())  # type: ignore[index]


def test_a_symlink_inside_the_data_folder_to_outside_is_refused(  # type: ignore[no-untyped-def]
    cli, home: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (home / "link").symlink_to(outside)
    _refused(cli, str(home / "link" / "rows.csv"), DENIED)
    target = outside / "file.csv"
    target.write_text("kept\n")
    (home / "file.csv").symlink_to(target)
    _refused(cli, str(home / "file.csv"), DENIED)
    (home / "dangling.csv").symlink_to(outside / "new.csv")
    _refused(cli, str(home / "dangling.csv"), DENIED)
    assert sorted(p.name for p in outside.iterdir()) == ["file.csv"]
    assert target.read_text() == "kept\n"


def test_a_folder_or_fifo_inside_the_data_folder_is_refused(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    (home / "folder").mkdir()
    assert "is a folder" in _refused(cli, str(home / "folder"), UNWRITABLE)
    assert list((home / "folder").iterdir()) == []
    fifo = home / "rows.fifo"
    os.mkfifo(fifo)
    assert "is a FIFO" in _refused(cli, str(fifo), UNWRITABLE)


def test_a_file_inside_the_data_folder_is_written_and_replaced(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    out = home / "cohorts" / "rows.csv"
    for _ in range(2):  # the second run replaces the first file whole
        res = cli("view", "run", "patient_demographics", "--out", str(out), "--json")
        assert res.exit_code == 0, res.stderr
        assert NHS not in res.stdout + res.stderr
        assert res.json()["out"] == str(out.resolve())  # type: ignore[index]
        assert out.read_text().count(NHS) == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["rows.csv"]  # no partial left
    (home / "latest.csv").symlink_to(out)  # a link that stays inside is followed
    res = cli("view", "run", "patient_demographics", "--out", str(home / "latest.csv"), "--json")
    assert res.exit_code == 0, res.stderr
    assert res.json()["out"] == str(out.resolve())  # type: ignore[index]
    assert (home / "latest.csv").is_symlink()


def test_parquet_of_a_column_of_mixed_types_is_a_user_error_without_values(  # type: ignore[no-untyped-def]
    cli, _isolated_settings: Path, tmp_path: Path
) -> None:
    home = _isolated_settings
    make_warehouse(
        home / "warehouse.duckdb",
        [
            {"resourceType": "Patient", "id": "a", "multipleBirthBoolean": True},
            {"resourceType": "Patient", "id": "b", "multipleBirthInteger": 7},
            {"resourceType": "Patient", "id": "c", "multipleBirthInteger": 3},
        ],
    )
    view = tmp_path / "births.json"
    view.write_text(
        json.dumps(
            {
                "resourceType": "ViewDefinition",
                "name": "births",
                "resource": "Patient",
                "select": [{"column": [{"name": "birth_order", "path": "multipleBirth"}]}],
            }
        )
    )
    out = home / "births.parquet"
    for engine in ("memory", "duckdb"):
        res = cli("view", "run", str(view), "--engine", engine, "--format", "parquet")
        assert res.exit_code == UNWRITABLE, res.stderr
        err = " ".join(res.stderr.split())
        assert "internal error" not in err and "Traceback" not in err
        assert "column 'birth_order' holds values of different types (boolean and integer)" in err
        for value in ("7", "3", "True", "true"):
            assert value not in err
        assert not out.exists()
        assert not list((home / "outputs" / "views").glob("*births*"))


@pytest.mark.parametrize(
    "own",
    [
        "warehouse.duckdb",
        "warehouse.duckdb.wal",
        "control.db",
        "control.db-journal",
        "caldicott.toml",
        "keys/log-signing.key",
        "quarantine/originals/x.bin",
        "quarantine/new.csv",
        "exports/q5.ndjson",  # a repair under way
    ],
)
def test_caldicott_s_own_stores_are_never_written_over(cli, home: Path, own: str) -> None:  # type: ignore[no-untyped-def]
    """A view's CSV over the warehouse or the control plane would destroy them."""
    target = home / own
    target.parent.mkdir(parents=True, exist_ok=True)
    before = target.read_bytes() if target.exists() else None
    err = _refused(cli, str(target), DENIED)
    assert "caldicott's own" in err or "folder; rows are never written" in err
    assert (target.read_bytes() if target.exists() else None) == before


@pytest.mark.parametrize(
    ("setting", "value", "own"),
    [
        ("CALDICOTT_DATABASE_URL", "sqlite:///{home}/meta.sqlite", "meta.sqlite"),
        ("CALDICOTT_DATABASE_URL", "sqlite:///{home}/meta.sqlite", "meta.sqlite-journal"),
        ("CALDICOTT_LOG_SIGNING_KEY", "{home}/signing.key", "signing.key"),
    ],
)
def test_stores_placed_by_a_setting_are_never_written_over(  # type: ignore[no-untyped-def]
    cli, home: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, own: str
) -> None:
    """A control plane or signing key a setting puts in the data folder under another
    name is as much caldicott's own as ``control.db``: rows over it would destroy it."""
    monkeypatch.setenv(setting, value.format(home=home))
    target = home / own
    target.write_bytes(b"kept")
    err = _refused(cli, str(target), DENIED)
    assert "caldicott's own" in err
    assert target.read_bytes() == b"kept"


@pytest.mark.parametrize("own", ["Control.DB", "WAREHOUSE.duckdb", "Keys/x.csv"])
def test_own_stores_are_known_whatever_the_case_of_their_names(cli, home: Path, own: str) -> None:  # type: ignore[no-untyped-def]
    """On a case-insensitive file system (macOS, Windows shares) ``Control.DB`` is the
    control plane: names are compared without case, so it is refused everywhere."""
    err = _refused(cli, str(home / own), DENIED)
    assert "caldicott's" in err


def test_names_that_only_begin_like_a_store_are_files_like_any(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("view", "run", "patient_demographics", "--out", str(home / "warehouse.duckdb.csv"))
    assert res.exit_code == 0, res.stderr


def test_a_view_name_that_is_not_a_sql_name_is_refused(cli, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The name sets the default output file: ``../../warehouse`` would be the warehouse."""
    view = tmp_path / "v.json"
    view.write_text(
        json.dumps(
            {
                "resourceType": "ViewDefinition",
                "name": "../../warehouse",
                "resource": "Patient",
                "select": [{"column": [{"name": "id", "path": "id"}]}],
            }
        )
    )
    res = cli("view", "run", str(view))
    assert res.exit_code == 9, res.stderr
    assert "name: a letter then letters" in " ".join(res.stderr.split())
    assert (home / "warehouse.duckdb").read_bytes()[:4] != b"id\n"
