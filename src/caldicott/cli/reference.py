"""Generate the CLI reference (docs/cli.md) from the real ``--help`` of every command.

``make docs`` writes it; ``tests/unit/test_docs.py`` fails when the file has drifted.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

HEADER = """# CLI reference

Generated from `caldicott --help` by `make docs`; do not edit by hand. A test fails when
this file differs from the real help. Exit codes are listed in [errors.md](errors.md).
"""


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path in the tree, parents before children, alphabetical."""
    yield prefix
    children = getattr(command, "commands", None) or {}
    for name in sorted(children):
        child = children[name]
        if getattr(child, "hidden", False):
            continue
        yield from command_paths(child, (*prefix, name))


def help_text(path: tuple[str, ...]) -> str:
    from caldicott.cli.app import app

    env = {"COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"}
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="caldicott", env=env)
    if result.exit_code != 0:  # pragma: no cover - a broken command is a bug to see at once
        raise RuntimeError(f"caldicott {' '.join(path)} --help failed: {result.output}")
    lines = [line.rstrip() for line in result.output.strip("\n").splitlines()]
    return "\n".join(lines)


def render() -> str:
    from caldicott.cli.app import app

    parts = [HEADER]
    for path in command_paths(typer.main.get_command(app)):
        title = " ".join(("caldicott", *path))
        parts.append(f"## `{title}`\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(parts)


def main() -> None:
    os.environ.setdefault("COLUMNS", "100")
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
