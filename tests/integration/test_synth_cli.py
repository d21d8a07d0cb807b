"""``caldicott synth`` through the CLI: output, --json, exit codes, no tracebacks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_synth_json_prints_one_document(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "export"
    result = cli("synth", "--patients", "60", "--seed", "2026", "--out", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    doc = result.json()
    assert doc["patients"] == 60 and doc["seed"] == 2026 and doc["seconds"] >= 0
    assert doc["files"]["Patient.ndjson"]["lines"] == 60
    assert (out / "manifest.json").is_file() and (out / "national-opt-outs.csv").is_file()
    assert "999" not in result.stderr


def test_synth_human_output_is_a_summary(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("synth", "--patients", "30", "--seed", "1", "--out", str(tmp_path / "e"))
    assert result.exit_code == 0
    assert "Patient.ndjson" in result.stdout and "National Data Opt-outs" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--patients", "-5"], 2, "--patients"),
        (["--patients", "ten"], 2, "--patients"),
        (["--patients", "5", "--start-date", "2021-02-30"], 2, "--start-date"),
        (["--patients", "5", "--end-date", "2001-01-01"], 2, "--end-date"),
        (["--patients", "5", "--invalid-rate", "1.5"], 2, "--invalid-rate"),
    ],
)
def test_bad_arguments_exit_2_without_traceback(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, args: list[str], code: int, words: str
) -> None:
    result = cli("synth", *args, "--out", str(tmp_path / "x"))
    assert result.exit_code == code
    assert words in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unwritable_folder_exits_7(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("synth", "--patients", "5", "--out", str(blocker / "export"))
    assert result.exit_code == 7
    assert "cannot write" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder_exits_7(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        result = cli("synth", "--patients", "5", "--out", str(ro), "--json")
        assert result.exit_code == 7
        assert result.json()["error"]["type"].endswith("/output-unwritable")
    finally:
        ro.chmod(0o700)
