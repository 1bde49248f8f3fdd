"""Signing and verification exactly as Alipay (RSA2) and WeChat Pay API v3 define them.

Pure functions over strings and PEM keys, so the same code checks our requests, signs the
sandbox's messages, and is itself checked against genuine gateway-signed vectors.
"""

import base64
import binascii
import json
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

WECHATPAY_SCHEME = "WECHATPAY2-SHA256-RSA2048"


@lru_cache(maxsize=32)  # parsing checks the RSA key (tens of ms); the sandbox signs every answer
def _private_key(pem):
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=32)
def _public_key(pem):
    if "BEGIN CERTIFICATE" in pem:
        return x509.load_pem_x509_certificate(pem.encode()).public_key()
    return serialization.load_pem_public_key(pem.encode())


def rsa2_sign(message, private_key_pem):
    """SHA256withRSA (PKCS#1 v1.5) over the UTF-8 bytes, base64-encoded."""
    signature = _private_key(private_key_pem).sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa2_verify(message, signature, public_key_pem):
    """True only for a well-formed signature that verifies; a missing one never passes."""
    if not signature or not public_key_pem:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        _public_key(public_key_pem).verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


# --- Alipay -----------------------------------------------------------------------------


def alipay_content(params, *, exclude):
    """The signed content: keys sorted by ASCII, empty values and ``exclude`` dropped, raw values."""
    items = sorted((k, v) for k, v in params.items() if k not in exclude and v not in (None, ""))
    return "&".join(f"{k}={v}" for k, v in items)


def alipay_request_content(params):
    """What a merchant signs on a request: everything but ``sign`` (``sign_type`` included)."""
    return alipay_content(params, exclude={"sign"})


def alipay_notification_content(params):
    """What Alipay signs on notifications and returns: without ``sign`` and ``sign_type``."""
    return alipay_content(params, exclude={"sign", "sign_type"})


def alipay_verify_request(params, public_key_pem):
    return rsa2_verify(alipay_request_content(params), params.get("sign", ""), public_key_pem)


def alipay_verify_notification(params, public_key_pem):
    return rsa2_verify(alipay_notification_content(params), params.get("sign", ""), public_key_pem)


def alipay_sign_notification(params, private_key_pem):
    """Return ``params`` with ``sign_type`` and the ``sign`` Alipay would put on them."""
    signed = {**params, "sign_type": "RSA2"}
    signed["sign"] = rsa2_sign(alipay_notification_content(signed), private_key_pem)
    return signed


def alipay_response_body(method, payload, private_key_pem):
    """A synchronous response: the signature covers the raw text of ``<method>_response``."""
    name = method.replace(".", "_") + "_response"
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    sign = rsa2_sign(raw, private_key_pem)
    return f'{{"{name}":{raw},"sign":"{sign}"}}'


# --- WeChat Pay API v3 -----------------------------------------------------------------


def wechatpay_request_message(method, path_with_query, timestamp, nonce, body):
    return f"{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n"


def wechatpay_response_message(timestamp, nonce, body):
    """What the platform signs on responses and notifications."""
    return f"{timestamp}\n{nonce}\n{body}\n"


def wechatpay_parse_authorization(header):
    """Split ``WECHATPAY2-SHA256-RSA2048 k="v",…`` into a dict; None when it is not that scheme."""
    scheme, _, rest = (header or "").partition(" ")
    if scheme != WECHATPAY_SCHEME or not rest:
        return None
    fields = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            return None
        fields[key] = value.strip('"')
    required = {"mchid", "nonce_str", "signature", "timestamp", "serial_no"}
    return fields if required <= fields.keys() else None


def wechatpay_signature_headers(body, *, private_key_pem, serial, timestamp, nonce):
    """The five ``Wechatpay-*`` headers the platform sends with a response or notification."""
    signature = rsa2_sign(wechatpay_response_message(timestamp, nonce, body), private_key_pem)
    return {
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature": signature,
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature-Type": WECHATPAY_SCHEME,
    }


def wechatpay_encrypt(plaintext, *, key, nonce, associated_data):
    """AEAD_AES_256_GCM as notifications carry it: base64 of ciphertext with the tag appended."""
    sealed = AESGCM(key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8")
    )
    return base64.b64encode(sealed).decode("ascii")


def wechatpay_decrypt(ciphertext, *, key, nonce, associated_data):
    return (
        AESGCM(key.encode("utf-8"))
        .decrypt(nonce.encode("utf-8"), base64.b64decode(ciphertext), associated_data.encode("utf-8"))
        .decode("utf-8")
    )
