"""The fund's Ed25519 log key: signing tree heads, and the public key anyone checks them with."""

import base64
import binascii
import functools

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ledger.verify_log import head_message, key_id


@functools.lru_cache(maxsize=4)
def _private_key(seed_b64: str) -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(seed_b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY 不是有效的 base64。") from error
    if len(seed) != 32:
        raise ImproperlyConfigured(f"LEDGER_SIGNING_KEY 应为 32 字节的 Ed25519 种子，实际 {len(seed)} 字节。")
    return Ed25519PrivateKey.from_private_bytes(seed)


def private_key() -> Ed25519PrivateKey:
    if not settings.LEDGER_SIGNING_KEY:
        raise ImproperlyConfigured("LEDGER_SIGNING_KEY 未设置：透明日志无法签署树头。")
    return _private_key(settings.LEDGER_SIGNING_KEY)


def public_key_bytes() -> bytes:
    return private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def public_key_b64() -> str:
    return base64.b64encode(public_key_bytes()).decode("ascii")


def current_key_id() -> str:
    return key_id(public_key_bytes())


def head_signature(*, size: int, root_hash: str, timestamp: str) -> str:
    """Base64 Ed25519 signature over the head message (ledger/verify_log.py documents the bytes)."""
    message = head_message(settings.LEDGER_LOG_ORIGIN, size, root_hash, timestamp)
    return base64.b64encode(private_key().sign(message)).decode("ascii")
