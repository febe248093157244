"""The RFC 9162 tree: roots, frontiers, inclusion and consistency proofs, checked against the
RFC's recursive definitions on every tree up to 16 leaves."""

from __future__ import annotations

from hashlib import sha256

import pytest

from pmo_kernel.store.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    consistency_ranges,
    event_leaf,
    event_leaf_hash,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    nodes_of,
    resolve,
    root_of,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [leaf_hash(bytes([i])) for i in range(16)]


def _stored_nodes(leaves: list[bytes]) -> dict[Node, bytes]:
    nodes: dict[Node, bytes] = {}
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf, lambda level, index, h: nodes.__setitem__(Node(level, index), h))
    return nodes


NODES = _stored_nodes(LEAVES)


def test_hashes_are_domain_separated_as_the_rfc_says() -> None:
    assert leaf_hash(b"x") == sha256(b"\x00x").digest()
    assert node_hash(b"a", b"b") == sha256(b"\x01ab").digest()
    assert root_of([]) == EMPTY_ROOT == sha256(b"").digest()


def test_an_event_leaf_is_its_position_then_its_hash() -> None:
    leaf = event_leaf(258, "ab" * 32)
    assert leaf == b"\x00" * 6 + b"\x01\x02" + b"\xab" * 32
    assert event_leaf_hash(258, "ab" * 32) == leaf_hash(leaf)


def test_known_small_trees_have_the_rfc_shape() -> None:
    a, b, c, d, e = LEAVES[:5]
    assert root_of([a]) == a
    assert root_of([a, b, c]) == node_hash(node_hash(a, b), c)
    assert root_of([a, b, c, d, e]) == node_hash(node_hash(node_hash(a, b), node_hash(c, d)), e)


@pytest.mark.parametrize("size", range(17))
def test_the_compact_range_root_is_the_tree_root_at_every_size(size: int) -> None:
    tree = CompactRange()
    for leaf in LEAVES[:size]:
        tree.append(leaf)
    assert tree.root() == root_of(LEAVES[:size])
    assert len(tree.hashes) == size.bit_count()
    reloaded = CompactRange(size, [NODES[n] for n in CompactRange.frontier(size)])
    assert reloaded.hashes == tree.hashes


@pytest.mark.parametrize("size", range(1, 17))
def test_every_leaf_has_an_inclusion_proof_that_verifies(size: int) -> None:
    root = root_of(LEAVES[:size])
    for index in range(size):
        ranges = inclusion_ranges(index, size)
        assert nodes_of(ranges) <= NODES.keys()
        path = resolve(ranges, NODES)
        assert verify_inclusion(index, size, LEAVES[index], path, root)
        assert not verify_inclusion(index, size, LEAVES[(index + 1) % 16], path, root)
        if path:
            assert not verify_inclusion(index, size, LEAVES[index], path[:-1], root)


@pytest.mark.parametrize("second", range(1, 17))
def test_every_smaller_tree_has_a_consistency_proof_that_verifies(second: int) -> None:
    second_root = root_of(LEAVES[:second])
    for first in range(second + 1):
        proof = resolve(consistency_ranges(first, second), NODES)
        first_root = root_of(LEAVES[:first])
        assert verify_consistency(first, second, first_root, second_root, proof), first
        if 0 < first < second:
            forked = root_of([*LEAVES[: first - 1], leaf_hash(b"forged")])
            assert not verify_consistency(first, second, forked, second_root, proof)
            assert not verify_consistency(first, second, first_root, LEAVES[0], proof)


def test_proofs_have_the_shape_of_the_rfc_example() -> None:
    # RFC 9162 2.1.5, the tree of 7 leaves d0..d6: a..f are leaves 0..5, g = MTH(d0, d1),
    # i = MTH(d4, d5), j = leaf 6, k = MTH(d0..d3), l = MTH(d4..d6).
    assert consistency_ranges(3, 7) == [(2, 3), (3, 4), (0, 2), (4, 7)]  # [c, d, g, l]
    assert consistency_ranges(4, 7) == [(4, 7)]  # [l]
    assert consistency_ranges(6, 7) == [(4, 6), (6, 7), (0, 4)]  # [i, j, k]
    assert inclusion_ranges(0, 7) == [(1, 2), (2, 4), (4, 7)]  # [b, h, l]
    assert inclusion_ranges(3, 7) == [(2, 3), (0, 2), (4, 7)]  # [c, g, l]
    assert inclusion_ranges(4, 7) == [(5, 6), (6, 7), (0, 4)]  # [f, j, k]
    assert inclusion_ranges(6, 7) == [(4, 6), (0, 4)]  # [i, k]
