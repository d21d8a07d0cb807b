"""RFC 9162 Merkle trees: hashing, tree heads, inclusion and consistency proofs.

The hashing and the proof *verification* live in :mod:`caldicott.transparency.verifier` (the
standalone module auditors run) and are re-exported here, so the server and the auditor use
one implementation. This module adds what only a log holder needs: building proofs.

Every subtree an RFC 9162 proof names is either a perfect, aligned subtree (``2**level``
leaves starting at a multiple of ``2**level``) or the right edge of a tree, which is a fold
of perfect subtrees. Proofs are therefore computed from *perfect node* hashes, addressed as
``(level, index)``; the log keeps those in the database so a proof is O(log n) lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from caldicott.transparency.verifier import (
    EMPTY_ROOT,
    RootBuilder,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

Node = tuple[int, int]  # (level, index): the perfect subtree of leaves [index*2**level, ...)
Range = tuple[int, int]  # [lo, hi): leaves lo .. hi-1

__all__ = [
    "EMPTY_ROOT",
    "MemoryTree",
    "Node",
    "RootBuilder",
    "completed_nodes",
    "consistency_ranges",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "nodes_of_range",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes form the inclusion proof of ``index`` (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    out: list[Range] = []
    lo, hi, m = 0, size, index
    stack: list[Range] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            stack.append((lo + k, hi))
            hi = lo + k
        else:
            stack.append((lo, lo + k))
            lo, m = lo + k, m - k
    out.extend(reversed(stack))
    return out


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The subtrees whose hashes form the consistency proof from ``old`` to ``new`` (2.1.4.1)."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == 0 or old == new:
        return []
    stack: list[Range] = []
    lo, hi, m, whole = 0, new, old, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                stack.append((lo, hi))
            break
        k = _split(n)
        if m <= k:
            stack.append((lo + k, hi))
            hi = lo + k
        else:
            stack.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    return list(reversed(stack))


def nodes_of_range(lo: int, hi: int) -> list[Node]:
    """The perfect aligned subtrees that make up ``[lo, hi)``, left to right."""
    out: list[Node] = []
    while lo < hi:
        level = (lo & -lo).bit_length() - 1 if lo else (hi - lo).bit_length() - 1
        while lo + (1 << level) > hi:
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a right edge of perfect subtrees given left to right."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def resolve(
    ranges: Iterable[Range], lookup: Callable[[Sequence[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """Hash each range from perfect-node hashes fetched in one ``lookup`` call."""
    ranges = list(ranges)
    parts = [nodes_of_range(lo, hi) for lo, hi in ranges]
    wanted = sorted({n for p in parts for n in p})
    found = lookup(wanted)
    missing = [n for n in wanted if n not in found]
    if missing:
        raise LookupError(f"tree node {missing[0]} is missing")
    return [fold([found[n] for n in p]) for p in parts]


def completed_nodes(index: int, edge: list[bytes], leaf: bytes) -> list[tuple[Node, bytes]]:
    """Append leaf ``index`` to the right ``edge`` in place; return the nodes it completes.

    ``edge`` holds the perfect subtrees of the binary decomposition of ``index`` leaves,
    largest first. Appending a leaf completes the leaf itself and one node per trailing one
    bit of ``index``.
    """
    done: list[tuple[Node, bytes]] = [((0, index), leaf)]
    edge.append(leaf)
    n, level, pos = index + 1, 0, index
    while n % 2 == 0:
        right = edge.pop()
        edge[-1] = node_hash(edge[-1], right)
        n //= 2
        level += 1
        pos >>= 1
        done.append(((level, pos), edge[-1]))
    return done


class MemoryTree:
    """A whole tree in memory: every perfect node, level by level. Used by export and tests."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        level, idx = 0, len(self.levels[0]) - 1
        while idx % 2 == 1:
            left, right = self.levels[level][idx - 1], self.levels[level][idx]
            level += 1
            if len(self.levels) == level:
                self.levels.append([])
            self.levels[level].append(node_hash(left, right))
            idx //= 2

    def _lookup(self, nodes: Sequence[Node]) -> dict[Node, bytes]:
        return {(lv, i): self.levels[lv][i] for lv, i in nodes}

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if size == 0:
            return EMPTY_ROOT
        return resolve([(0, size)], self._lookup)[0]

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        return resolve(inclusion_ranges(index, self.size if size is None else size), self._lookup)

    def consistency(self, old: int, new: int | None = None) -> list[bytes]:
        return resolve(consistency_ranges(old, self.size if new is None else new), self._lookup)
