"""Build the compiled validator modules (``make native``); see ``caldicott._native``.

Compiles :data:`caldicott._native.MODULES` with mypyc into ``.native/`` and writes its
manifest (the source hashes, the interpreter, the files). Does nothing when the manifest
is current. Without a C compiler (or mypyc) it records that nothing was built and exits
0 unless ``--require`` is given (or ``CI=true``): caldicott then runs the Python source,
slower.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

os.environ["CALDICOTT_NATIVE"] = "0"  # this process runs the source, whatever is built
from caldicott import _native


def _up_to_date(require: bool) -> bool:
    """Built from this source; or, unless required, already failed for this source (a
    machine without a compiler does not try again at every ``make``)."""
    doc = _native.read_manifest()
    if doc is None or not _native.matches_source(doc):
        return False
    return bool(doc.get("built")) or not require


def _write_manifest(built: bool, **more: object) -> None:
    doc = {"built": built, "tag": _native.build_tag(), "sources": _native.fingerprint(), **more}
    _native.MANIFEST.write_text(json.dumps(doc, indent=2) + "\n")


def _compile(work: Path) -> dict[str, str]:
    """Compile into ``work``; return each module's built file relative to .native/."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    src = _native.SRC
    paths = [str(_native.source_path(m).relative_to(src)) for m in _native.MODULES]
    cache = src.parent / ".mypy_cache" / "native"
    here = Path.cwd()
    os.chdir(src)  # mypyc names modules by their path from here
    try:
        extensions = mypycify(
            [f"--cache-dir={cache}", *paths],
            opt_level="3",
            group_name=_native.GROUP,
            target_dir=str(work / "c"),
        )
        dist = Distribution(
            {
                "name": "caldicott-native",
                "ext_modules": extensions,
                "script_name": "build_native.py",
                "script_args": [
                    "--quiet",
                    "build_ext",
                    f"--build-lib={work / 'lib'}",
                    f"--build-temp={work / 'tmp'}",
                ],
            }
        )
        dist.parse_command_line()
        dist.run_commands()
    finally:
        os.chdir(here)
    files: dict[str, str] = {}
    suffixes = sorted(EXTENSION_SUFFIXES, key=len, reverse=True)
    for built in (work / "lib").rglob("*"):
        suffix = next((s for s in suffixes if built.name.endswith(s)), None)
        if suffix is None:
            continue
        rel = built.relative_to(work / "lib")
        files[".".join((*rel.parent.parts, built.name[: -len(suffix)]))] = str(rel)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require", action="store_true", help="fail if it cannot build")
    args = parser.parse_args(argv)
    require = args.require or os.environ.get("CI") == "true"
    if _up_to_date(require):
        return 0
    started = time.perf_counter()
    sys.stderr.write("compiling the validator with mypyc (about a minute)...\n")
    with tempfile.TemporaryDirectory(prefix="caldicott-native-") as tmp:
        work = Path(tmp)
        try:
            files = _compile(work)
        except (Exception, SystemExit) as exc:  # no compiler, no mypyc: the source still runs
            shutil.rmtree(_native.NATIVE_DIR, ignore_errors=True)
            _native.NATIVE_DIR.mkdir(parents=True, exist_ok=True)
            note = f"{type(exc).__name__}: {exc}"
            _write_manifest(False, note=note)
            sys.stderr.write(f"not compiled ({note}); caldicott runs the Python source\n")
            return 1 if require else 0
        shutil.rmtree(_native.NATIVE_DIR, ignore_errors=True)
        _native.NATIVE_DIR.mkdir(parents=True)
        for rel in files.values():
            target = _native.NATIVE_DIR / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / "lib" / rel, target)
    _write_manifest(True, files=files)
    sys.stderr.write(f"compiled {len(files)} modules in {time.perf_counter() - started:.0f} s\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
