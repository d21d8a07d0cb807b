"""The shape DESIGN.md asks for, checked: thin interfaces, no print, small modules."""

import ast
from pathlib import Path

SRC = Path(__file__).parents[2] / "src" / "caldicott"
INTERFACES = ("caldicott.cli", "caldicott.api", "caldicott.web")
MAX_LINES = 500


def _modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_print_in_library_code() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "print"
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == [], f"print() in library code: {offenders}"


def test_capabilities_never_import_an_interface() -> None:
    offenders = []
    for path in _modules():
        rel = path.relative_to(SRC)
        if rel.parts[0] in ("cli", "api", "web"):
            continue
        bad = {m for m in _imports(path) if m.startswith(INTERFACES)}
        if bad:
            offenders.append(f"{rel}: {sorted(bad)}")
    assert offenders == [], f"capabilities importing interfaces: {offenders}"


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert big == {}, f"modules past {MAX_LINES} lines (split them by idea): {big}"
