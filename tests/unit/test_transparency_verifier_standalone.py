"""The auditors' verifier stands alone: standard library and ``cryptography`` only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import caldicott.transparency.verifier as verifier_module

VERIFIER = Path(verifier_module.__file__)
ALLOWED_THIRD_PARTY = {"cryptography"}


def test_imports_only_the_standard_library_and_cryptography() -> None:
    tree = ast.parse(VERIFIER.read_text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in the standalone verifier"
            roots.add((node.module or "").split(".")[0])
    outside = {r for r in roots if r not in sys.stdlib_module_names} - ALLOWED_THIRD_PARTY
    assert outside == set(), f"the verifier imports {outside}"


BLOCKED_RUN = r"""
import importlib.abc, importlib.util, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "caldicott" or name.startswith("caldicott."):
            raise ImportError("caldicott is blocked: " + name)
        return None

sys.meta_path.insert(0, Block())
spec = importlib.util.spec_from_file_location("standalone_verifier", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules["standalone_verifier"] = module
spec.loader.exec_module(module)
assert not any(m == "caldicott" or m.startswith("caldicott.") for m in sys.modules)
raise SystemExit(module.main(sys.argv[2:]))
"""


def test_runs_with_caldicott_blocked(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "entries.ndjson").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED_RUN, str(VERIFIER), str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    # An empty folder has no keys: the verifier loads, runs and reports failure (exit 10).
    assert result.returncode == 10, result.stderr
    assert '"ok": false' in result.stdout


def test_runs_as_a_copied_script(tmp_path: Path) -> None:
    copy = tmp_path / "verifier.py"
    copy.write_bytes(VERIFIER.read_bytes())
    folder = tmp_path / "export"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "entries.ndjson").write_bytes(b"")
    result = subprocess.run(
        [sys.executable, "-I", str(copy), str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 10, result.stderr
