"""Hypothesis: inclusion and consistency proofs over random tree sizes and ranges."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.merkle_reference import ref_mth, ref_path, ref_subproof

from caldicott.transparency import merkle
from caldicott.transparency.verifier import verify_consistency, verify_inclusion

SIZES = st.integers(min_value=1, max_value=600)


def _tree(n: int) -> tuple[list[bytes], merkle.MemoryTree]:
    d = [i.to_bytes(4, "big") for i in range(n)]
    return d, merkle.MemoryTree(merkle.leaf_hash(x) for x in d)


@settings(max_examples=150, deadline=None)
@given(SIZES, st.data())
def test_inclusion(n: int, draw: st.DataObject) -> None:
    d, tree = _tree(n)
    m = draw.draw(st.integers(0, n - 1))
    proof = tree.inclusion(m)
    assert proof == ref_path(m, d)
    root = tree.root()
    assert verify_inclusion(m, n, merkle.leaf_hash(d[m]), proof, root)
    if proof:
        bad = draw.draw(st.integers(0, len(proof) - 1))
        flipped = [*proof]
        flipped[bad] = bytes([flipped[bad][0] ^ 1]) + flipped[bad][1:]
        assert not verify_inclusion(m, n, merkle.leaf_hash(d[m]), flipped, root)


@settings(max_examples=150, deadline=None)
@given(SIZES, st.data())
def test_consistency(n: int, draw: st.DataObject) -> None:
    d, tree = _tree(n)
    old = draw.draw(st.integers(1, n))
    new = draw.draw(st.integers(old, n))
    proof = tree.consistency(old, new)
    expected = ref_subproof(old, d[:new], True) if old < new else []
    assert proof == expected
    old_root, new_root = tree.root(old), tree.root(new)
    assert old_root == ref_mth(d[:old])
    assert verify_consistency(old, new, old_root, new_root, proof)
    if old < new:
        assert not verify_consistency(old, new, new_root, old_root, proof) or old_root == new_root
        wrong = merkle.leaf_hash(b"not the old root")
        assert not verify_consistency(old, new, wrong, new_root, proof)
