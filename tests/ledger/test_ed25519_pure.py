"""The verifier's own Ed25519 (pure Python) agrees with the cryptography package, and refuses bad input."""

import hashlib
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ledger.verify_log import _L, _P, ed25519_public_key, ed25519_sign, ed25519_verify
from ledger.verify_log import _ed25519_verify_pure as verify_pure

# RFC 8032 §7.1: TEST 1, 2, 3 and SHA(abc) (secret seed, public key, message, signature).
RFC_VECTORS = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
]


def _raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@pytest.mark.parametrize("seed, public, message, signature", RFC_VECTORS)
def test_rfc_8032_vectors(seed, public, message, signature):
    seed, public, message, signature = (bytes.fromhex(v) for v in (seed, public, message, signature))
    assert ed25519_public_key(seed) == public
    assert ed25519_sign(seed, message) == signature
    assert verify_pure(public, message, signature)
    assert not verify_pure(public, message + b"\x00", signature)


def test_pure_code_agrees_with_cryptography_both_ways():
    for length in range(0, 300, 13):
        seed, message = os.urandom(32), os.urandom(length)
        theirs = Ed25519PrivateKey.from_private_bytes(seed)
        public = _raw_public(theirs)
        assert ed25519_public_key(seed) == public
        signature = theirs.sign(message)
        assert ed25519_sign(seed, message) == signature  # Ed25519 signatures are deterministic
        assert verify_pure(public, message, signature)
        assert ed25519_verify(public, message, signature)
        # A signature by another key, over another message, or with one bit flipped is refused.
        other = _raw_public(Ed25519PrivateKey.generate())
        assert not verify_pure(other, message, signature)
        assert not verify_pure(public, message + b"!", signature)
        for position in (0, 31, 32, 63):
            flipped = bytearray(signature)
            flipped[position] ^= 1
            assert not verify_pure(public, message, bytes(flipped))
            assert not ed25519_verify(public, message, bytes(flipped))


def _not_on_curve_encoding() -> bytes:
    """A y below p for which no x exists: the encoding of no point."""
    from ledger.verify_log import _recover_x

    y = 2
    while _recover_x(y, 0) is not None:
        y += 1
    return y.to_bytes(32, "little")


def _malformed():
    seed = bytes(range(32))
    public, message = ed25519_public_key(seed), b"fund-ledger-tree-head/v1\n"
    signature = ed25519_sign(seed, message)
    s = int.from_bytes(signature[32:], "little")
    off_curve = _not_on_curve_encoding()
    return public, message, [
        ("key 31 bytes", public[:31], signature),
        ("key 33 bytes", public + b"\x00", signature),
        ("signature 63 bytes", public, signature[:63]),
        ("signature 65 bytes", public, signature + b"\x00"),
        ("empty", b"", b""),
        # S + L would pass the group equation; RFC 8032 requires S < L.
        ("S + L", public, signature[:32] + (s + _L).to_bytes(32, "little")),
        ("S = L", public, signature[:32] + _L.to_bytes(32, "little")),
        ("S all ones", public, signature[:32] + b"\xff" * 32),
        ("key not on the curve", off_curve, signature),
        ("R not on the curve", public, off_curve + signature[32:]),
        ("key with y = p (not canonical)", _P.to_bytes(32, "little"), signature),
        ("key y ≥ p", (_P + 1).to_bytes(32, "little"), signature),
        ("key x = 0 with the sign bit set", (1 | 1 << 255).to_bytes(32, "little"), signature),
        ("all zero signature", public, bytes(64)),
        ("all ff key", b"\xff" * 32, signature),
    ]


def test_malformed_keys_and_signatures_are_refused_never_raised():
    public, message, cases = _malformed()
    assert verify_pure(public, message, ed25519_sign(bytes(range(32)), message))
    for name, key, signature in cases:
        assert verify_pure(key, message, signature) is False, name
        assert ed25519_verify(key, message, signature) is False, name
    for bad in (None, "text", 5, [1, 2]):
        assert ed25519_verify(bad, message, bytes(64)) is False
        assert ed25519_verify(public, message, bad) is False


def test_signing_needs_a_32_byte_seed():
    for seed in (b"", bytes(31), bytes(33), "x" * 32):
        with pytest.raises(ValueError):
            ed25519_sign(seed, b"m")
        with pytest.raises(ValueError):
            ed25519_public_key(seed)


def test_the_sites_head_signatures_check_with_the_pure_code():
    from ledger.verify_log import head_message

    seed = hashlib.sha256(b"a witness seed").digest()
    message = head_message("zhiyuan-taiyuan/fund-ledger", 7, "ab" * 32, "2026-01-01T00:00:00Z")
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(message)
    assert verify_pure(ed25519_public_key(seed), message, signature)
