"""Standalone verifier for a caldicott transparency-log export. For auditors.

This file depends only on the Python standard library and the ``cryptography`` package; it
imports nothing from caldicott, so an auditor can copy it out, read it in full and run it
against an export folder without trusting the server that produced the export::

    python verifier.py EXPORT_DIR [--previous OLD_CHECKPOINT_FILE] [--key VERIFIER_KEY] [--strict]

What it checks (see docs/auditor.md):

1. every line of ``entries.ndjson`` is an entry whose ``index`` equals its line number
   (0-based) and whose ``v`` is a known version (a fast check of the canonical layout; any
   line that does not match it, and with ``--strict`` every line, is parsed as JSON);
2. the RFC 9162 Merkle tree hash recomputed from those lines equals the root of every signed
   checkpoint in ``checkpoints/`` (leaf = SHA-256(0x00 || line), node = SHA-256(0x01 || l || r));
3. every checkpoint is a C2SP signed note with a valid Ed25519 signature by a key listed in
   ``keys.txt`` (or given with ``--key``), whose origin line matches the export's;
4. with ``--previous``, a checkpoint kept from an earlier audit is consistent with the export:
   the log then was a prefix of the log now.

Exit status 0 when every check passes, 10 when one fails (the first failing entry index is
printed when there is one), 2 on unusable input.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ENTRY_VERSIONS = (1,)
ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space start every signature line
EMPTY_ROOT = hashlib.sha256(b"").digest()


# --- RFC 9162 section 2.1.1: hashing -------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class RootBuilder:
    """The tree hash of a growing list of leaves, kept as the right edge of perfect subtrees.

    ``edge`` holds the hashes of the perfect subtrees that make up the binary decomposition of
    ``size``, largest first; each push is amortised O(1) and the root is O(log n).
    """

    def __init__(self) -> None:
        self.size = 0
        self.edge: list[bytes] = []

    def push(self, leaf: bytes) -> None:
        self.edge.append(leaf)
        self.size += 1
        n = self.size
        while n % 2 == 0:
            right = self.edge.pop()
            self.edge[-1] = node_hash(self.edge[-1], right)
            n //= 2

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        acc = self.edge[-1]
        for h in reversed(self.edge[:-1]):
            acc = node_hash(h, acc)
        return acc


def root_of(leaves: Iterable[bytes]) -> bytes:
    """MTH over already-hashed leaves."""
    builder = RootBuilder()
    for leaf in leaves:
        builder.push(leaf)
    return builder.root()


# --- RFC 9162 sections 2.1.3.2 and 2.1.4.2: proof verification -----------------------------


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """True when ``proof`` shows leaf ``index`` (hash ``leaf``) is in the tree of ``size``."""
    if index >= size or index < 0:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows the tree of ``size1`` is a prefix of the tree of ``size2``."""
    if size1 < 0 or size2 < size1:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == root1 and sr == root2 and sn == 0


# --- C2SP signed notes and checkpoints ------------------------------------------------------


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public: Ed25519PublicKey


def key_id(name: str, public_raw: bytes) -> bytes:
    """The signed-note key ID: the first 4 bytes of SHA-256(name || 0x0A || 0x01 || key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_raw).digest()[:4]


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``<name>+<hex key id>+<base64(0x01 || public key)>``."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise ValueError("a verifier key has three parts joined by '+'")
    name, hex_id, b64 = parts
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise ValueError(f"verifier key {name}: not an Ed25519 key")
    kid = key_id(name, raw[1:])
    if kid.hex() != hex_id.lower():
        raise ValueError(f"verifier key {name}: key id does not match the key")
    return VerifierKey(name, kid, Ed25519PublicKey.from_public_bytes(raw[1:]))


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    text: str  # the signed body, ending with a newline
    signatures: tuple[tuple[str, bytes, bytes], ...]  # (name, key id, signature)


def parse_checkpoint(note: str) -> Checkpoint:
    """Split a signed note into its checkpoint body and signature lines; check the body."""
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("a signed note needs a blank line before its signatures")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise ValueError("a checkpoint body has an origin, a size and a root hash")
    origin, size_text, root_b64 = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise ValueError("checkpoint size is not a decimal number")
    root = base64.b64decode(root_b64, validate=True)
    if len(root) != 32:
        raise ValueError("checkpoint root is not 32 bytes")
    signatures = []
    for line in sigs.split("\n"):
        if not line:
            continue
        if not line.startswith(SIGNATURE_PREFIX):
            raise ValueError("signature line does not start with an em dash")
        name, _, b64 = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        raw = base64.b64decode(b64, validate=True)
        if len(raw) < 5:
            raise ValueError("signature too short")
        signatures.append((name, raw[:4], raw[4:]))
    if not signatures:
        raise ValueError("checkpoint carries no signature")
    return Checkpoint(origin, int(size_text), root, body, tuple(signatures))


def signed_by(checkpoint: Checkpoint, keys: Sequence[VerifierKey]) -> list[str]:
    """The names of the given keys with a valid signature on the checkpoint."""
    good = []
    for name, kid, sig in checkpoint.signatures:
        for key in keys:
            if key.name == name and key.key_id == kid:
                try:
                    key.public.verify(sig, checkpoint.text.encode())
                except InvalidSignature:
                    continue
                good.append(name)
    return good


# --- Verifying an export folder -------------------------------------------------------------


@dataclass
class Report:
    ok: bool = True
    size: int = 0
    checkpoints: list[dict[str, object]] = field(default_factory=list)
    first_failing_index: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, problem: str, index: int | None = None) -> None:
        self.ok = False
        self.problems.append(problem)
        if index is not None and (
            self.first_failing_index is None or index < self.first_failing_index
        ):
            self.first_failing_index = index

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "size": self.size,
            "checkpoints": self.checkpoints,
            "first_failing_index": self.first_failing_index,
            "problems": self.problems,
            "notes": self.notes,
        }


def read_keys(folder: Path, trusted: Sequence[str] = ()) -> list[VerifierKey]:
    """The keys to check signatures with: the ``trusted`` ones if given, else ``keys.txt``."""
    lines = list(trusted)
    path = folder / "keys.txt"
    if not lines and path.is_file():
        lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [parse_verifier_key(line) for line in lines]


def check_entry(line: bytes, index: int) -> str | None:
    """Why this entry line is malformed at this position, or None when it is well formed."""
    try:
        doc = json.loads(line)
    except ValueError:
        return f"entry {index}: not JSON"
    if not isinstance(doc, dict):
        return f"entry {index}: not a JSON object"
    if doc.get("v") not in ENTRY_VERSIONS:
        return f"entry {index}: unknown version {doc.get('v')!r}"
    if doc.get("index") != index:
        return f"entry {index}: records index {doc.get('index')!r}"
    return None


def well_placed(line: bytes, index: int) -> bool:
    """Fast structural check: ``{"actor":"..","index":N,"kind":"`` .. ``,"v":1}``.

    Canonical entries sort their keys, so ``index`` follows ``actor`` (whose characters never
    need escaping) and ``v`` comes last. Anything else gets the full JSON check.
    """
    if not line.startswith(b'{"actor":"') or not line.endswith(b',"v":1}'):
        return False
    end = line.find(b'"', 10)
    return (
        end > 10
        and line[end - 1] != 0x5C
        and line.startswith(b'","index":%d,"kind":"' % index, end)
    )


def hash_entries(lines: Iterable[bytes], report: Report, strict: bool = False) -> list[bytes]:
    """Check each entry in place and return the leaf hashes, in order."""
    sha = hashlib.sha256
    leaves: list[bytes] = []
    push = leaves.append
    for index, line in enumerate(lines):
        if strict or not well_placed(line, index):
            problem = check_entry(line, index)
            if problem is not None:
                report.fail(problem, index)
        push(sha(b"\x00" + line).digest())
    report.size = len(leaves)
    return leaves


def tree_levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every perfect subtree hash, level by level (level 0 are the leaves)."""
    sha = hashlib.sha256
    levels = [leaves]
    while len(levels[-1]) > 1:
        prev = levels[-1]
        levels.append(
            [sha(b"\x01" + prev[i] + prev[i + 1]).digest() for i in range(0, len(prev) - 1, 2)]
        )
    return levels


def root_at(levels: list[list[bytes]], size: int) -> bytes:
    """MTH of the first ``size`` leaves: the fold of the perfect subtrees that make up size."""
    if size == 0:
        return EMPTY_ROOT
    parts = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            parts.append(levels[level][offset >> level])
            offset += 1 << level
    acc = parts[-1]
    for h in reversed(parts[:-1]):
        acc = node_hash(h, acc)
    return acc


def verify_entries(leaves: list[bytes], checkpoints: Sequence[Checkpoint], report: Report) -> None:
    """Compare the tree over the leaves with each checkpoint's root."""
    levels = tree_levels(leaves)
    for cp in checkpoints:
        if cp.size > len(leaves):
            report.fail(
                f"checkpoint of size {cp.size} is beyond the {len(leaves)} entries", len(leaves)
            )
        elif root_at(levels, cp.size) != cp.root:
            report.fail(f"root at size {cp.size} differs from the signed checkpoint")


def verify_export(
    folder: Path,
    previous: str | None = None,
    trusted_keys: Sequence[str] = (),
    strict: bool = False,
) -> Report:
    """Verify an export folder; see the module docstring for what is checked."""
    report = Report()
    keys = read_keys(folder, trusted_keys)
    if not keys:
        report.fail("no verifier key: keys.txt is missing and none was given")
        return report
    if not trusted_keys:
        report.notes.append("keys taken from the export's keys.txt; pin them with --key")
    notes = sorted((folder / "checkpoints").glob("*.note"))
    checkpoints = [parse_checkpoint(p.read_text(encoding="utf-8")) for p in notes]
    if previous is not None:
        checkpoints.append(parse_checkpoint(previous))
    if not checkpoints:
        report.fail("no checkpoint to verify against")
    origins = {c.origin for c in checkpoints}
    if len(origins) > 1:
        report.fail(f"checkpoints from more than one origin: {sorted(origins)}")
    for cp in checkpoints:
        names = signed_by(cp, keys)
        report.checkpoints.append({"size": cp.size, "signed_by": names})
        if not names:
            report.fail(f"checkpoint of size {cp.size} has no valid signature by a known key")
    with (folder / "entries.ndjson").open("rb") as fh:
        leaves = hash_entries((line.rstrip(b"\n") for line in fh), report, strict)
    verify_entries(leaves, checkpoints, report)
    if report.first_failing_index is None and not report.ok:
        report.first_failing_index = locate(folder, leaves, checkpoints)
    return report


def locate(folder: Path, lines: list[bytes], checkpoints: Sequence[Checkpoint]) -> int | None:
    """The first entry that differs from what the signed checkpoints commit to.

    ``leaves.bin`` in the export (the leaf hashes as the server stored them) is only a hint:
    it is used when its first ``size`` hashes fold to a signed root, which makes them exactly
    the committed leaves. Otherwise the answer is the first entry after the largest
    checkpoint whose root still matches.
    """
    hint_path = folder / "leaves.bin"
    hint = hint_path.read_bytes() if hint_path.is_file() else b""
    hints = [hint[i : i + 32] for i in range(0, len(hint) - len(hint) % 32, 32)]
    good = 0
    for cp in sorted(checkpoints, key=lambda c: c.size):
        if len(lines) >= cp.size and root_of(lines[: cp.size]) == cp.root:
            good = cp.size
            continue
        if len(hints) >= cp.size and root_of(hints[: cp.size]) == cp.root:
            for i in range(good, cp.size):
                if i >= len(lines) or lines[i] != hints[i]:
                    return i
        return good
    return None


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Verify a caldicott transparency-log export.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--previous", type=Path, help="a checkpoint kept from an earlier audit")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        help="a verifier key you trust (repeatable); without it keys.txt in the export is used",
    )
    parser.add_argument("--strict", action="store_true", help="parse every entry as JSON (slower)")
    args = parser.parse_args(argv)
    try:
        prev = args.previous.read_text(encoding="utf-8") if args.previous else None
        report = verify_export(args.folder, prev, args.key, args.strict)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    return 0 if report.ok else 10


if __name__ == "__main__":
    raise SystemExit(main())
