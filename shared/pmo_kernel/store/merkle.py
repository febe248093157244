"""RFC 9162 (Certificate Transparency v2) Merkle trees over a service's log, section 2.1.

- leaf hash `SHA-256(0x00 || leaf)`, node hash `SHA-256(0x01 || left || right)`, the empty
  tree's root `SHA-256()`; MTH(D[n]) splits at k, the largest power of two below n;
- a leaf is one event: its global position (8 bytes, big-endian) and its stored chain hash (32
  bytes), in the order log readers see (store/postgres.py: (tx_id, global_position));
- `CompactRange` keeps only the roots of a tree's perfect subtrees (at most log2(n) + 1 hashes)
  and appends a leaf in amortised O(1), returning the nodes it completed;
- proofs (PATH, PROOF of section 2.1.3.1 and 2.1.4.1) are computed as the subtree ranges they
  consist of (`Range`), so a store can fetch every node it needs at once: a range's root is one
  stored node when the range is perfect, else the right fold of its perfect pieces;
- `verify_inclusion` and `verify_consistency` are the RFC's verification algorithms, 2.1.3.2
  and 2.1.4.2, written from the text (tests check them on every pair of sizes up to 16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from hashlib import sha256
from typing import NamedTuple

EMPTY_ROOT = sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def event_leaf(global_position: int, event_hash: str) -> bytes:
    """The leaf of one event: its position (8 bytes, big-endian) and its stored hash."""
    return global_position.to_bytes(8, "big") + bytes.fromhex(event_hash)


def event_leaf_hash(global_position: int, event_hash: str) -> bytes:
    return sha256(b"\x00" + global_position.to_bytes(8, "big") + bytes.fromhex(event_hash)).digest()


class Node(NamedTuple):
    """A stored node: the root of the perfect subtree of leaves [index * 2**level, +2**level)."""

    level: int
    node_index: int


class Range(NamedTuple):
    """Leaves [start, end) of the log."""

    start: int
    end: int


def _split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def pieces(r: Range) -> list[Node]:
    """The perfect subtrees whose right fold is MTH of `r`. Ranges met in the RFC's recursion
    start at a multiple of their left subtree's size, so each piece is an aligned stored node."""
    out: list[Node] = []
    start, end = r
    while end > start:
        n = end - start
        size = n if _perfect(n) else _split(n)
        level = size.bit_length() - 1
        out.append(Node(level, start >> level))
        start += size
    return out


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its pieces' hashes, largest first."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for h in reversed(hashes[:-1]):
        root = node_hash(h, root)
    return root


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """PATH(index, D[0:size]) as ranges, leaf side first (RFC 9162 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(Range(start + k, end))
            end = start + k
        else:
            path.append(Range(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(first: int, second: int) -> list[Range]:
    """PROOF(first, D[0:second]) as ranges (RFC 9162 2.1.4.1); empty when first is 0 or equal."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    proof: list[Range] = []
    start, end, whole = 0, second, True
    m = first
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(Range(start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(Range(start + k, end))
            end = start + k
        else:
            proof.append(Range(start, start + k))
            start += k
            m -= k
            whole = False
    proof.reverse()
    return proof


def nodes_of(ranges: Iterable[Range]) -> set[Node]:
    return {node for r in ranges for node in pieces(r)}


def resolve(ranges: Iterable[Range], nodes: Mapping[Node, bytes]) -> list[bytes]:
    """The hashes of `ranges`, from stored nodes (`nodes_of` says which)."""
    return [fold([nodes[node] for node in pieces(r)]) for r in ranges]


class CompactRange:
    """The frontier of a tree of `size` leaves: its perfect subtrees' roots, largest first."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes")
        self.size = size
        self.hashes = list(hashes)

    @staticmethod
    def frontier(size: int) -> list[Node]:
        """The stored nodes that make up the frontier of a tree of `size` leaves."""
        return pieces(Range(0, size)) if size else []

    def append(
        self, leaf: bytes, completed: Callable[[int, int, bytes], object] | None = None
    ) -> None:
        """Add a leaf hash; `completed(level, index, hash)` hears of each node it completes,
        the leaf itself included (level 0)."""
        index = self.size
        level = 0
        h = leaf
        if completed is not None:
            completed(0, index, h)
        hashes = self.hashes
        while index & 1:
            h = node_hash(hashes.pop(), h)
            index >>= 1
            level += 1
            if completed is not None:
                completed(level, index, h)
        hashes.append(h)
        self.size += 1

    def root(self) -> bytes:
        return fold(self.hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.hashes)


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) by the RFC's recursive definition, over leaf hashes (the tests' reference)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root_of(leaves[:k]), root_of(leaves[k:]))


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: whether `leaf` is leaf `index` of the tree of `size` with `root`."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: whether the tree of `second` leaves extends the one of `first`."""
    if first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if _perfect(first):
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
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
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root
