"""Loading the gateways' RSA keys with `cryptography`, each failure naming the setting that holds the key.

The system check and the gateways both load keys through these functions, so a key the check
accepts is a key the gateway can use.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured


class KeyConfigError(ImproperlyConfigured, ValueError):
    """A configured key or certificate does not parse, or is not the kind the gateway needs."""


@dataclass(frozen=True)
class PlatformKey:
    """One WeChat Pay platform key, named as notifications name it in ``Wechatpay-Serial``."""

    serial: str
    public_key: rsa.RSAPublicKey
    source: str  # the setting (and entry) it came from, for messages
    not_after: datetime | None = None  # a certificate's end of validity

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")


def _unescape(text: str) -> str:
    # A PEM in a one-line environment file is often written with literal "\n".
    return text.replace("\\n", "\n").strip()


def private_key_load(pem: str, *, setting: str, bare_base64_ok: bool = False) -> rsa.RSAPrivateKey:
    """Our RSA private key from its PEM text; ``bare_base64_ok`` for clients that wrap a bare PKCS#8 body."""
    text = (pem or "").strip()
    if bare_base64_ok and text and "-----BEGIN" not in text:
        text = f"-----BEGIN PRIVATE KEY-----\n{text}\n-----END PRIVATE KEY-----"
    try:
        key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyConfigError(f"{setting} 不是可读取的 PEM 私钥（{setting} is not a readable PEM private key）") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyConfigError(f"{setting} 不是 RSA 私钥（{setting} is not an RSA private key）")
    return key


def public_key_load(pem: str, *, setting: str) -> rsa.RSAPublicKey:
    """A gateway's RSA public key from a PUBLIC KEY or CERTIFICATE PEM."""
    text = (pem or "").strip()
    try:
        if "BEGIN CERTIFICATE" in text:
            key = x509.load_pem_x509_certificate(text.encode("utf-8")).public_key()
        else:
            key = serialization.load_pem_public_key(text.encode("utf-8"))
    except (ValueError, TypeError) as exc:
        raise KeyConfigError(
            f"{setting} 不是可读取的 PEM 公钥或证书（{setting} is not a readable PEM public key or certificate）"
        ) from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyConfigError(f"{setting} 不是 RSA 公钥（{setting} is not an RSA public key）")
    return key


PEM_ENTRY = re.compile(
    r"(?:(?P<id>PUB_KEY_ID_[0-9A-Za-z_]+)\s*[:=]?\s*)?"
    r"(?P<pem>-----BEGIN (?P<kind>[A-Z0-9 ]+)-----.+?-----END (?P=kind)-----)",
    re.S,
)
PUBLIC_KEY_ID = re.compile(r"PUB_KEY_ID_[0-9A-Za-z_]+")


def certificate_serial(certificate: x509.Certificate) -> str:
    """A certificate's serial as WeChat Pay writes it in ``Wechatpay-Serial``: upper-case hex."""
    return f"{certificate.serial_number:X}"


def _platform_entry(pem: str, kind: str, key_id: str, *, source: str) -> PlatformKey:
    if kind == "CERTIFICATE":
        if key_id:
            raise KeyConfigError(f"{source}：证书的序列号取自证书本身，不能另写 {key_id}"
                                 f"（a certificate's serial comes from the certificate itself）")
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode("utf-8"))
        except ValueError as exc:
            raise KeyConfigError(f"{source} 不是可读取的 PEM 证书（{source} is not a readable PEM certificate）") from exc
        key, serial = certificate.public_key(), certificate_serial(certificate)
        not_after = certificate.not_valid_after_utc
    elif kind in ("PUBLIC KEY", "RSA PUBLIC KEY"):
        if not key_id:
            raise KeyConfigError(f"{source}：公钥前须写明其 PUB_KEY_ID_…（a public key must be preceded by its PUB_KEY_ID_…）")
        try:
            key = serialization.load_pem_public_key(pem.encode("utf-8"))
        except ValueError as exc:
            raise KeyConfigError(f"{source} 不是可读取的 PEM 公钥（{source} is not a readable PEM public key）") from exc
        serial, not_after = key_id, None
    else:
        raise KeyConfigError(f"{source} 是 {kind}，应为平台证书或平台公钥（expected a platform certificate or public key）")
    if not isinstance(key, rsa.RSAPublicKey):
        raise KeyConfigError(f"{source} 不是 RSA 公钥（{source} is not an RSA public key）")
    return PlatformKey(serial=serial, public_key=key, source=source, not_after=not_after)


def wechatpay_platform_keys_load(*, entries: str = "", public_key: str = "", public_key_id: str = "") -> list[PlatformKey]:
    """Every platform key configured, in order: the single-key settings first, then WECHATPAY_PLATFORM_KEYS.

    ``entries`` holds PEM blocks one after another: a platform certificate as it is (its serial is read
    from it), or a public key preceded by its id, ``PUB_KEY_ID_…:`` then the PEM.
    """
    keys: list[PlatformKey] = []
    if (public_key or "").strip():
        text = _unescape(public_key)
        kind = "CERTIFICATE" if "BEGIN CERTIFICATE" in text else "PUBLIC KEY"
        if kind == "PUBLIC KEY" and not (public_key_id or "").strip():
            raise KeyConfigError("已设置 WECHATPAY_PUBLIC_KEY 但缺少 WECHATPAY_PUBLIC_KEY_ID"
                                 "（WECHATPAY_PUBLIC_KEY needs WECHATPAY_PUBLIC_KEY_ID）")
        keys.append(_platform_entry(text, kind, (public_key_id or "").strip() if kind == "PUBLIC KEY" else "",
                                    source="WECHATPAY_PUBLIC_KEY"))
    text = _unescape(entries or "")
    position, number = 0, 0
    for match in PEM_ENTRY.finditer(text):
        number += 1
        source = f"WECHATPAY_PLATFORM_KEYS 第 {number} 项"
        if text[position:match.start()].strip(" \t\r\n,;"):
            raise KeyConfigError(f"{source} 之前有无法识别的内容（unreadable text before entry {number}）")
        keys.append(_platform_entry(match["pem"], match["kind"], match["id"] or "", source=source))
        position = match.end()
    if text[position:].strip(" \t\r\n,;"):
        raise KeyConfigError("WECHATPAY_PLATFORM_KEYS 末尾有无法识别的内容，或某项不是完整的 PEM"
                             "（unreadable text, or an incomplete PEM, in WECHATPAY_PLATFORM_KEYS）")
    seen = {}
    for key in keys:
        if key.serial in seen and seen[key.serial] != key.public_key.public_numbers():
            raise KeyConfigError(f"平台公钥序列号 {key.serial} 配置了两把不同的公钥（two different keys share serial {key.serial}）")
        seen[key.serial] = key.public_key.public_numbers()
    return keys


def wechatpay_current_key(keys: list[PlatformKey], *, public_key_id: str = "") -> PlatformKey | None:
    """The key our requests name in ``Wechatpay-Serial``: WECHATPAY_PUBLIC_KEY_ID, else the first public-key
    entry (public-key mode asks for its id), else the first certificate."""
    for key in keys:
        if public_key_id and key.serial == public_key_id:
            return key
    for key in keys:
        if PUBLIC_KEY_ID.fullmatch(key.serial):
            return key
    return keys[0] if keys else None


def platform_key_find(keys: dict, serial: str):
    """The key named by a ``Wechatpay-Serial`` header; a certificate serial matches whatever its case or zeros."""
    key = keys.get(serial)
    if key is None and re.fullmatch(r"[0-9A-Fa-f]{1,64}", serial or ""):
        key = keys.get(f"{int(serial, 16):X}")
    return key
