"""Docs that tests check: the CLI reference and the settings table cannot drift."""

from pathlib import Path

import typer

from caldicott.cli.app import app
from caldicott.cli.reference import command_paths, render
from caldicott.settings import setting_specs

DOCS = Path(__file__).parents[2] / "docs"


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text()
    assert current == render(), "docs/cli.md is stale: run `make docs`"


def test_every_command_is_in_the_reference() -> None:
    text = (DOCS / "cli.md").read_text()
    for path in command_paths(typer.main.get_command(app)):
        assert f"## `{' '.join(('caldicott', *path))}`" in text


def test_every_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    for path in command_paths(root):
        cmd = root
        for name in path:
            cmd = cmd.commands[name]  # type: ignore[attr-defined]
        assert (cmd.help or "").strip(), f"caldicott {' '.join(path)} has no help text"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    for name, spec in setting_specs().items():
        assert f"`{spec.env}`" in text, f"docs/settings.md does not document {spec.env}"
        assert f"`{name}`" in text, f"docs/settings.md does not give the TOML key {name}"


def test_every_variable_that_is_not_a_setting_is_documented() -> None:
    from caldicott.settings import NOT_SETTINGS

    text = (DOCS / "settings.md").read_text()
    for env in sorted(NOT_SETTINGS):
        assert f"`{env}`" in text, f"docs/settings.md does not document {env}"


def test_relative_links_in_docs_resolve() -> None:
    import re

    root = DOCS.parent
    pages = [root / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(root)} -> {target}")
    assert broken == [], f"broken links: {broken}"


def test_every_role_has_a_page() -> None:
    for role in ("custodian", "researcher", "patient", "auditor", "developers"):
        assert (DOCS / f"{role}.md").is_file()
