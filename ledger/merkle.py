"""Merkle tree proofs over a store of complete subtrees (RFC 9162 §2.1), without Django.

The store holds the hash of every complete, aligned subtree: the node at ``(level, index)``
covers leaves ``[index·2^level, (index+1)·2^level)``. A tree of any size is made of such
subtrees, so roots and proofs for any size are a handful of lookups, never a rehash.
Callers pass ``fetch(keys) -> {key: hash}`` to read many nodes in one query.
"""

from ledger.verify_log import node_hash

LEVEL_SHIFT = 48  # room for 2^48 leaves


def node_key(level: int, index: int) -> int:
    """The single integer a stored node is filed under."""
    return (level << LEVEL_SHIFT) | index


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_plan(start: int, end: int, keys: set):
    """Record the stored nodes needed for MTH(D[start:end]); return a recipe to combine them.

    A range whose size is a power of two and which starts on a multiple of it is one stored
    node; any other range RFC 9162 builds splits into such a node and a shorter remainder.
    """
    size = end - start
    if size & (size - 1) == 0 and start % size == 0:
        key = node_key(size.bit_length() - 1, start // size)
        keys.add(key)
        return key
    k = _largest_power_of_two_below(size)
    return (_range_plan(start, start + k, keys), _range_plan(start + k, end, keys))


def _combine(recipe, nodes):
    if isinstance(recipe, int):
        return nodes[recipe]
    return node_hash(_combine(recipe[0], nodes), _combine(recipe[1], nodes))


def _resolve(recipes, fetch):
    keys: set = set()
    plans = [_range_plan(start, end, keys) for start, end in recipes]
    nodes = fetch(sorted(keys)) if keys else {}
    missing = keys - set(nodes)
    if missing:
        raise LookupError(f"log nodes missing from the store: {sorted(missing)[:5]}")
    return [_combine(plan, nodes) for plan in plans]


def root(size: int, fetch) -> bytes:
    """MTH of the first ``size`` leaves; the hash of the empty string for an empty tree."""
    from ledger.verify_log import EMPTY_ROOT

    if size == 0:
        return EMPTY_ROOT
    return _resolve([(0, size)], fetch)[0]


def _inclusion_ranges(index: int, start: int, end: int, out: list):
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as subtree ranges, leaf's sibling first."""
    if end - start == 1:
        return
    k = _largest_power_of_two_below(end - start)
    if index - start < k:
        _inclusion_ranges(index, start, start + k, out)
        out.append((start + k, end))
    else:
        _inclusion_ranges(index, start + k, end, out)
        out.append((start, start + k))


def inclusion_proof(index: int, size: int, fetch) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is outside a tree of size {size}")
    ranges: list = []
    _inclusion_ranges(index, 0, size, ranges)
    return _resolve(ranges, fetch)


def _consistency_ranges(m: int, start: int, end: int, complete: bool, out: list):
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) as subtree ranges."""
    n = end - start
    if m == n:
        if not complete:
            out.append((start, end))
        return
    k = _largest_power_of_two_below(n)
    if m <= k:
        _consistency_ranges(m, start, start + k, complete, out)
        out.append((start + k, end))
    else:
        _consistency_ranges(m - k, start + k, end, False, out)
        out.append((start, start + k))


def consistency_proof(first: int, second: int, fetch) -> list[bytes]:
    """The proof that the tree of ``second`` leaves extends the tree of its first ``first`` leaves."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    ranges: list = []
    _consistency_ranges(first, 0, second, True, ranges)
    return _resolve(ranges, fetch)


def append_nodes(size: int, leaf_hashes: list[bytes], fetch) -> dict[int, bytes]:
    """The stored nodes that appending ``leaf_hashes`` to a tree of ``size`` leaves completes.

    Each new leaf is a level-0 node; whenever a node is a right child, its parent is complete
    too. Left siblings come from this batch or, for the first few, from the store.
    """
    new: dict[int, bytes] = {}
    needed: set = set()
    # Left siblings that lie before this batch: the complete subtrees the old size is made of.
    for level in range(LEVEL_SHIFT):
        if (size >> level) & 1:
            needed.add(node_key(level, (size >> level) - 1))
    stored = fetch(sorted(needed)) if needed else {}
    for offset, leaf in enumerate(leaf_hashes):
        index, level, value = size + offset, 0, leaf
        new[node_key(0, index)] = value
        while index & 1:
            sibling_key = node_key(level, index - 1)
            sibling = new.get(sibling_key) or stored.get(sibling_key)
            if sibling is None:
                raise LookupError(f"log node {level}/{index - 1} missing from the store")
            value = node_hash(sibling, value)
            index, level = index >> 1, level + 1
            new[node_key(level, index)] = value
    return new
