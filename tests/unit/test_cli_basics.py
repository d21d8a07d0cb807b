import pytest

from caldicott.cli import app as app_module


def test_version_json(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("version", "--json")
    assert result.exit_code == 0
    doc = result.json()
    assert doc["engine"] == "duckdb"
    assert doc["version"]


def test_help_lists_commands(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("--help")
    assert result.exit_code == 0
    assert "version" in result.stdout and "db" in result.stdout


def test_bad_setting_exits_3_naming_key(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_ENGINE", "oracle")
    result = cli("version")
    assert result.exit_code == 3
    assert "CALDICOTT_ENGINE" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_setting_with_json_prints_problem(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CALDICOTT_ENGINE", "oracle")
    result = cli("version", "--json")
    assert result.exit_code == 3
    assert result.json()["error"]["type"].endswith("/invalid-setting")


def test_unknown_command_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("no-such-command")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


def test_internal_errors_show_no_traceback(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def boom(*_a: object, **_k: object) -> None:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(app_module, "build_runtime", boom)
    result = cli("version")
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "secret internals" not in result.stderr
    assert "--debug" in result.stderr
    with pytest.raises(ZeroDivisionError):
        cli("--debug", "version")
    as_json = cli("version", "--json")  # the problem document on stdout, as for any error
    assert as_json.exit_code == 1
    problem = as_json.json()["error"]  # type: ignore[index]
    assert problem["type"].endswith("/internal-error") and problem["exit_code"] == 1
    assert "secret internals" not in as_json.stdout + as_json.stderr


def test_a_closed_pipe_is_not_an_internal_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`caldicott ... | head`: the reader stopped early; exit 141 quietly, not 1."""
    import os
    import subprocess
    import sys

    from caldicott.errors import EXIT_CLOSED_PIPE

    env = {k: v for k, v in os.environ.items() if not k.startswith("CALDICOTT_")}
    env["CALDICOTT_HOME"] = str(tmp_path)
    code = "import sys; from caldicott.cli.app import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "version", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before the command writes: its first write meets EPIPE
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait(timeout=120) == EXIT_CLOSED_PIPE
    assert err == b""


def test_tables_and_messages_show_brackets_as_they_are(capsys: pytest.CaptureFixture[str]) -> None:
    """A masked id (``[redacted]``) or a path with brackets is not rich markup to drop."""
    from caldicott.cli.output import Output

    out = Output(False)
    out.table("Quarantine", ["id", "resource"], [[1, "[redacted]"]])
    out.message("wrote /data/[b]/q1.ndjson")
    shown = capsys.readouterr().out
    assert "[redacted]" in shown and "/data/[b]/q1.ndjson" in shown


def test_a_long_path_in_a_narrow_table_keeps_its_file_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from caldicott.cli.output import Output

    monkeypatch.setenv("COLUMNS", "60")
    path = "/tmp/a-rather-long-folder-name/and-another-one-below-it/export-2026.ndjson"
    Output(False).table("Files", ["file", "read", "accepted"], [[path, 10, 9]])
    shown = "".join(line.strip(" │|") for line in capsys.readouterr().out.splitlines())
    assert "export-2026.ndjson" in shown.replace(" ", "")
