"""Every inclusion and consistency proof for trees of 1 to 64 leaves verifies, and any change breaks it.

Proofs come from ledger/merkle.py over an in-memory node store that append_nodes filled in
uneven batches, exactly as the site fills LogNode rows; they are checked by ledger/verify_log.py.
"""

import hashlib

import pytest

from ledger import merkle
from ledger.verify_log import (
    EMPTY_ROOT,
    leaf_hash,
    root_from_leaves,
    root_of_stream,
    verify_consistency,
    verify_inclusion,
)

MAX = 64
DATA = [f'{{"id":{i + 1},"memo":"第{i + 1}条"}}'.encode() for i in range(MAX)]
LEAVES = [leaf_hash(data) for data in DATA]
ROOTS = [root_from_leaves(LEAVES[:n]) for n in range(MAX + 1)]


def _store(size: int) -> dict:
    """Nodes for ``size`` leaves, appended in batches of 1, 2, 3, 5, 8 … leaves (shifted per size)."""
    store: dict = {}

    def fetch(keys):
        return {key: store[key] for key in keys if key in store}

    done, step = 0, size % 4
    batches = [1, 2, 3, 5, 8, 13]
    while done < size:
        count = min(batches[step % len(batches)], size - done)
        store.update(merkle.append_nodes(done, LEAVES[done:done + count], fetch))
        done, step = done + count, step + 1
    return store


STORES = {n: _store(n) for n in range(MAX + 1)}


def _fetch(size):
    store = STORES[size]
    return lambda keys: {key: store[key] for key in keys if key in store}


def _lookup(store):
    return lambda keys: {key: store[key] for key in keys if key in store}


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def test_the_store_holds_every_complete_subtree_and_gives_the_rfc_root():
    for n in range(MAX + 1):
        expected = sum(n >> level for level in range(7))  # one node per complete, aligned subtree
        assert len(STORES[n]) == expected
        assert merkle.root(n, _fetch(n)) == ROOTS[n] == root_of_stream(LEAVES[:n])
    assert ROOTS[0] == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, MAX + 1))
def test_inclusion_proof_for_every_leaf_verifies_and_any_change_fails(size):
    root, fetch = ROOTS[size], _fetch(size)
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, fetch)
        leaf = LEAVES[index]
        assert verify_inclusion(leaf, index, size, proof, root)
        # Any proof hash changed, dropped or added.
        for position in range(len(proof)):
            changed = proof[:position] + [_flip(proof[position])] + proof[position + 1:]
            assert not verify_inclusion(leaf, index, size, changed, root)
        assert not verify_inclusion(leaf, index, size, proof + [root], root)
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        # The leaf changed: another entry's leaf, or its data altered by one byte.
        assert not verify_inclusion(leaf_hash(DATA[index] + b" "), index, size, proof, root)
        assert not verify_inclusion(_flip(leaf), index, size, proof, root)
        # Any other index.
        for other in range(-1, size + 1):
            if other != index:
                assert not verify_inclusion(leaf, other, size, proof, root)
        # Any other size, checked against that size's root (the pair a signed head commits to).
        # The audit path alone does not fix the size: e.g. leaf 0 of 5 and of 6 combine the same
        # way, so against the size-5 root a size-6 claim also computes; it is the signature over
        # (size, root) that binds them, see test_verify_log_cli.py.
        for other in range(0, MAX + 2):
            if other != size:
                assert not verify_inclusion(leaf, index, other, proof, ROOTS[other] if other <= MAX else root)


def test_inclusion_outside_the_tree_cannot_be_asked_for():
    with pytest.raises(ValueError):
        merkle.inclusion_proof(3, 3, _fetch(3))
    with pytest.raises(ValueError):
        merkle.inclusion_proof(-1, 3, _fetch(3))
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)


def test_proofs_need_nodes_the_store_lacks_and_say_so():
    with pytest.raises(LookupError):
        merkle.inclusion_proof(0, 9, _fetch(8))


@pytest.mark.parametrize("second", range(0, MAX + 1))
def test_consistency_proof_for_every_pair_verifies_and_any_change_fails(second):
    fetch = _fetch(second)
    for first in range(0, second + 1):
        proof = merkle.consistency_proof(first, second, fetch)
        r1, r2 = ROOTS[first], ROOTS[second]
        assert verify_consistency(first, second, proof, r1, r2)
        for position in range(len(proof)):
            changed = proof[:position] + [_flip(proof[position])] + proof[position + 1:]
            assert not verify_consistency(first, second, changed, r1, r2)
        assert not verify_consistency(first, second, proof + [r2], r1, r2)
        if proof:
            assert not verify_consistency(first, second, proof[:-1], r1, r2)
        # Either root changed, or the two swapped.
        # Every tree extends the empty one, so from size 0 only the first side can be wrong.
        vacuous = first == 0
        assert not verify_consistency(first, second, proof, _flip(r1), r2)
        assert vacuous or not verify_consistency(first, second, proof, r1, _flip(r2))
        if first != second:
            assert not verify_consistency(first, second, proof, r2, r1)
        # Either size changed, whether the roots stay or are the roots of the sizes claimed (then
        # the claim is true, and only its own proof may show it: e.g. the empty proof of 1 → 1).
        for other in range(0, MAX + 1):
            if other != first:
                assert not verify_consistency(other, second, proof, r1, r2)
                if other > second or proof != merkle.consistency_proof(other, second, fetch):
                    assert not verify_consistency(other, second, proof, ROOTS[other], r2)
            # As with inclusion, the proof alone does not fix the later size (1 → 3 and 1 → 4 combine
            # the same way): checked against the root of the size claimed, as a signed head gives it.
            if other != second and not vacuous:
                if other < first or proof != merkle.consistency_proof(first, other, _fetch(other)):
                    assert not verify_consistency(first, other, proof, r1, ROOTS[other])


def test_a_changed_leaf_makes_every_later_tree_inconsistent_with_the_earlier_one():
    # A rewritten history: leaf k changed and every root recomputed honestly from the new leaves.
    for k in (0, 5, 31, 63):
        forked = list(LEAVES)
        forked[k] = leaf_hash(DATA[k] + b"!")
        store = merkle.append_nodes(0, forked, dict)  # from size 0 nothing is read from the store
        fetch = _lookup(store)
        for first in range(k + 1, MAX):
            proof = merkle.consistency_proof(first, MAX, fetch)
            # Consistent with the fork's own past, never with the past the public saw.
            assert verify_consistency(first, MAX, proof, root_from_leaves(forked[:first]), merkle.root(MAX, fetch))
            assert not verify_consistency(first, MAX, proof, ROOTS[first], merkle.root(MAX, fetch))
