"""Compiled validator modules: used when built and current, else the Python source.

The modules of :data:`MODULES` (parsing, the element walk, primitives, check digits,
plausibility) are plain typed Python that mypyc can compile to C extensions;
``make native`` (``scripts/build_native.py``) builds them into ``.native/`` beside
``src/`` with a manifest of the source hashes they were built from. :func:`install`
(called when ``caldicott`` is imported) points imports of those modules at the compiled
files only if every hash still matches the source and the Python is the one they were
built for; otherwise the source runs, slower, with the same results (a test holds the
two to the same findings). ``CALDICOTT_NATIVE=0`` turns the compiled modules off.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

#: The modules compiled, in one mypyc group (they call each other without Python).
MODULES = (
    "caldicott.fhir.codes",
    "caldicott.fhir.nhs_number",
    "caldicott.ingest.parse",
    "caldicott.ingest.validate.primitives",
    "caldicott.ingest.validate.plausibility",
    "caldicott.ingest.validate.engine",
    "caldicott.ingest.examine",
)
#: The name of the group's shared library (a top-level module of its own).
GROUP = "caldicott_native"
#: The variable that turns the compiled modules off (``0``).
SWITCH = "CALDICOTT_NATIVE"

SRC = Path(__file__).resolve().parent.parent
NATIVE_DIR = SRC.parent / ".native"
MANIFEST = NATIVE_DIR / "manifest.json"

log = logging.getLogger("caldicott.native")

#: True once the compiled modules are in use in this process.
ACTIVE = False


def source_path(module: str, src: Path = SRC) -> Path:
    return src.joinpath(*module.split(".")).with_suffix(".py")


def fingerprint(src: Path = SRC) -> dict[str, str]:
    """The sha256 of each compiled module's source, as the manifest records them."""
    return {m: hashlib.sha256(source_path(m, src).read_bytes()).hexdigest() for m in MODULES}


def build_tag() -> str:
    """What a build must match besides the source: the interpreter's ABI."""
    return f"{sys.implementation.cache_tag}-{sys.platform}-{platform.machine()}"


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled file of each module it was given, and nothing else."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        return importlib.util.spec_from_file_location(fullname, file)


def read_manifest() -> dict[str, Any] | None:
    """The build's manifest, or None if there is none (or it cannot be read)."""
    try:
        doc = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def matches_source(doc: dict[str, Any]) -> bool:
    """Whether a manifest was written for this source and this interpreter."""
    return doc.get("tag") == build_tag() and doc.get("sources") == fingerprint()


def _current() -> dict[str, Path] | None:
    """The compiled files to use, or None (not built, switched off, or out of date)."""
    if os.environ.get(SWITCH, "1") == "0":
        return None
    doc = read_manifest()
    if doc is None or not doc.get("built"):
        return None
    try:
        if not matches_source(doc):
            log.warning(
                "the compiled validator is out of date with the source; running the "
                "source (slower): run `make native` to rebuild it"
            )
            return None
        files = {name: NATIVE_DIR / rel for name, rel in doc["files"].items()}
    except (OSError, KeyError, TypeError, AttributeError):
        return None
    if set(files) != {*MODULES, f"{GROUP}__mypyc"} or not all(f.is_file() for f in files.values()):
        return None
    return files


def install() -> bool:
    """Use the compiled modules for the rest of this process, if they are current."""
    global ACTIVE
    if ACTIVE:
        return True
    if any(m in sys.modules for m in MODULES):  # too late: the source is loaded already
        return False
    files = _current()
    if files is None:
        return False
    sys.meta_path.insert(0, _Finder(files))
    ACTIVE = True
    return True
