"""RFC 9162 hashing and proofs, checked against an obviously-correct recursive reference."""

from __future__ import annotations

import pytest
from tests.merkle_reference import ref_mth, ref_path, ref_subproof

from caldicott.transparency import merkle
from caldicott.transparency.verifier import verify_consistency, verify_inclusion


def data(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


# Well-known Certificate Transparency test vectors (the same 8 leaves in every CT library).
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def test_fixed_hashes() -> None:
    assert merkle.EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert merkle.MemoryTree().root() == merkle.EMPTY_ROOT
    assert merkle.root_of([]) == merkle.EMPTY_ROOT
    assert merkle.leaf_hash(b"").hex() == CT_ROOTS[1]


def test_ct_vectors() -> None:
    tree = merkle.MemoryTree(merkle.leaf_hash(x) for x in CT_LEAVES)
    for n, expected in CT_ROOTS.items():
        assert tree.root(n).hex() == expected
        assert ref_mth(CT_LEAVES[:n]).hex() == expected


@pytest.mark.parametrize("n", range(1, 34))
def test_every_proof_matches_the_reference(n: int) -> None:
    d = data(n)
    tree = merkle.MemoryTree(merkle.leaf_hash(x) for x in d)
    root = ref_mth(d)
    assert tree.root() == root == merkle.root_of(merkle.leaf_hash(x) for x in d)
    for m in range(n):
        proof = tree.inclusion(m)
        assert proof == ref_path(m, d)
        assert verify_inclusion(m, n, merkle.leaf_hash(d[m]), proof, root)
    for m in range(1, n):
        proof = tree.consistency(m)
        assert proof == ref_subproof(m, d, True)
        assert verify_consistency(m, n, ref_mth(d[:m]), root, proof)


def test_bad_proofs_fail() -> None:
    d = data(11)
    tree = merkle.MemoryTree(merkle.leaf_hash(x) for x in d)
    root = tree.root()
    proof = tree.inclusion(5)
    leaf = merkle.leaf_hash(d[5])
    assert not verify_inclusion(4, 11, leaf, proof, root)
    assert not verify_inclusion(5, 6, leaf, proof, root)
    assert not verify_inclusion(5, 11, leaf, proof[:-1], root)
    assert not verify_inclusion(5, 11, leaf, [*proof, proof[0]], root)
    assert not verify_inclusion(11, 11, leaf, proof, root)
    assert not verify_inclusion(5, 11, merkle.leaf_hash(b"other"), proof, root)
    cons = tree.consistency(6)
    old = tree.root(6)
    assert not verify_consistency(6, 11, tree.root(5), root, cons)
    assert not verify_consistency(6, 11, old, tree.root(10), cons)
    assert not verify_consistency(6, 11, old, root, cons[1:])
    assert not verify_consistency(6, 11, old, root, [])
    assert not verify_consistency(7, 6, old, root, cons)
    assert verify_consistency(0, 11, merkle.EMPTY_ROOT, root, [])
    assert verify_consistency(11, 11, root, root, [])
    assert not verify_consistency(11, 11, root, old, [])


def test_range_errors() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(3, 3)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(4, 3)


def test_nodes_of_range_are_perfect_and_aligned() -> None:
    for lo in range(0, 40):
        for hi in range(lo + 1, 41):
            nodes = merkle.nodes_of_range(lo, hi)
            pos = lo
            for level, idx in nodes:
                assert idx << level == pos
                pos += 1 << level
            assert pos == hi


def test_completed_nodes_build_the_same_tree() -> None:
    edge: list[bytes] = []
    stored: dict[merkle.Node, bytes] = {}
    leaves = [merkle.leaf_hash(x) for x in data(21)]
    for i, leaf in enumerate(leaves):
        stored.update(merkle.completed_nodes(i, edge, leaf))
        assert merkle.fold(edge) == ref_mth(data(i + 1))
    tree = merkle.MemoryTree(leaves)
    for (level, idx), digest in stored.items():
        assert tree.levels[level][idx] == digest
    assert len(stored) == sum(len(level) for level in tree.levels)
