"""Check the fund ledger's transparency log without Django: signed heads, inclusion and consistency.

The log is an RFC 9162 Merkle tree whose leaves are the ledger's entries in id order (leaf
index = entry id − 1). A leaf's data is the entry's canonical JSON bytes (the same bytes whose
SHA-256 is its ``entry_hash``, see verify_export.py); leaf hash = SHA-256(0x00 ‖ data), node
hash = SHA-256(0x01 ‖ left ‖ right). The fund signs each tree head with Ed25519 over:

    fund-ledger-tree-head/v1\\n<origin>\\n<size>\\n<root hash, hex>\\n<timestamp, YYYY-MM-DDTHH:MM:SSZ>\\n

This file uses only the standard library (the ``cryptography`` package speeds up Ed25519 if
installed) so anyone can download it and check the fund's published proofs years later.
"""

import base64
import hashlib

HEAD_PREFIX = "fund-ledger-tree-head/v1"
KEY_PREFIX = b"fund-ledger-key/v1\n"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_leaves(leaf_hashes: list[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 §2.1.1, from the leaf hashes themselves (for small trees and tests)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(root_from_leaves(leaf_hashes[:k]), root_from_leaves(leaf_hashes[k:]))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` in the tree with ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree of ``second`` leaves extends the one of ``first``?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
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
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- signed tree heads ---------------------------------------------------------------------------


def head_message(origin: str, size: int, root_hash_hex: str, timestamp: str) -> bytes:
    """The exact bytes the fund signs for one tree head."""
    for line in (origin, root_hash_hex, timestamp):
        if "\n" in line:
            raise ValueError("a tree head field cannot contain a line break")
    return f"{HEAD_PREFIX}\n{origin}\n{int(size)}\n{root_hash_hex}\n{timestamp}\n".encode()


COSIGNATURE_PREFIX = "fund-ledger-cosignature/v1"


def cosignature_message(witness: str, cosigned_at: str, head: dict) -> bytes:
    """The bytes a witness signs to vouch for a head it checked: its name, when, then the head itself."""
    for line in (witness, cosigned_at):
        if "\n" in line:
            raise ValueError("a cosignature field cannot contain a line break")
    signed = head_message(head["origin"], head["size"], head["root_hash"], head["timestamp"])
    return f"{COSIGNATURE_PREFIX}\n{witness}\n{cosigned_at}\n".encode() + signed


def key_id(public_key: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of SHA-256 over a tagged copy."""
    return hashlib.sha256(KEY_PREFIX + public_key).hexdigest()[:16]


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 (RFC 8032) signature check."""
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:  # pragma: no cover - the pure fallback is exercised by its own tests
        return _ed25519_verify_pure(public_key, message, signature)
    if len(public_key) != 32 or len(signature) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _ed25519_verify_pure(public_key: bytes, message: bytes, signature: bytes) -> bool:
    raise NotImplementedError("install the cryptography package to check signatures")


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def head_problems(head: dict, public_key: bytes) -> list[str]:
    """Why a published head (as served at /fund/log/) cannot be trusted; empty when it checks."""
    problems = []
    try:
        size = head["size"]
        root_hex = head["root_hash"]
        message = head_message(head["origin"], size, root_hex, head["timestamp"])
        signature = _b64decode(head["signature"])
    except (KeyError, TypeError, ValueError) as error:
        return [f"malformed head: {error}"]
    if not isinstance(size, int) or size < 0:
        problems.append("size is not a non-negative integer")
    if len(root_hex) != 64 or root_hex != root_hex.lower() or not all(c in "0123456789abcdef" for c in root_hex):
        problems.append("root_hash is not 64 lowercase hex digits")
    if head.get("key_id") not in (None, key_id(public_key)):
        problems.append("head names another key")
    if not ed25519_verify(public_key, message, signature):
        problems.append("signature does not verify with the fund's public key")
    return problems
