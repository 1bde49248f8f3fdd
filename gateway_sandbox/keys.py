"""The sandbox gateway's identities and key pairs, made once per checkout and kept on disk.

Django-free on purpose: the dev and test settings modules import it to point our payment
clients at the sandbox, before Django is configured. The file holds private keys of a
pretend gateway only; it is gitignored and never used in production.
"""

import base64
import datetime
import fcntl
import hashlib
import json
import os
import secrets
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_KEYS_FILE = Path(__file__).resolve().parent.parent / "var" / "sandbox_keys.json"

_cache: dict[str, "SandboxKeys"] = {}


@dataclass(frozen=True)
class SandboxKeys:
    """Everything both sides of the sandbox need: the gateway's keys and the merchant's (ours)."""

    # Alipay: the gateway's pair signs notifications and responses; the app pair signs our requests.
    alipay_app_id: str
    alipay_seller_id: str
    alipay_private_key: str
    alipay_public_key: str
    alipay_app_private_key: str
    alipay_app_public_key: str
    # WeChat Pay v3: the platform pair signs responses and notifications (public-key mode);
    # the merchant pair signs our requests; the APIv3 key encrypts notification resources.
    wechatpay_mchid: str
    wechatpay_appid: str
    wechatpay_platform_private_key: str
    wechatpay_platform_public_key: str
    wechatpay_public_key_id: str
    wechatpay_merchant_private_key: str
    wechatpay_merchant_public_key: str
    wechatpay_merchant_serial_no: str
    wechatpay_apiv3_key: str
    # Key rotation: a second platform pair under its own PUB_KEY_ID_…, and a platform certificate
    # (certificate mode, its serial in the certificate). Files written before these existed gain them on load.
    wechatpay_rotated_platform_private_key: str = ""
    wechatpay_rotated_platform_public_key: str = ""
    wechatpay_rotated_public_key_id: str = ""
    wechatpay_certificate_private_key: str = ""
    wechatpay_platform_certificate: str = ""
    wechatpay_platform_certificate_serial: str = ""


def sandbox_keys(path=None):
    """Load the sandbox keys from ``path`` (default ./var/), generating and storing them the first time."""
    file = Path(path or DEFAULT_KEYS_FILE)
    key = str(file)
    if key not in _cache:
        _cache[key] = _load_or_create(file)
    return _cache[key]


def _load_or_create(file):
    file.parent.mkdir(parents=True, exist_ok=True)
    # An exclusive lock so two processes starting at once agree on one set of keys.
    with open(file.with_name(file.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if file.exists() and file.stat().st_size:
            stored = json.loads(file.read_text(encoding="utf-8"))
            known = {f.name for f in fields(SandboxKeys)}
            if known <= stored.keys():
                return SandboxKeys(**{k: v for k, v in stored.items() if k in known})
            keys = SandboxKeys(**{**_rotation_keys(), **{k: v for k, v in stored.items() if k in known and v}})
        else:
            keys = _generate()
        tmp = file.with_name(file.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(keys), out, indent=2)
        os.replace(tmp, file)
        return keys


def _rsa_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def _certificate(private_pem, common_name):
    """A self-signed platform certificate, as WeChat Pay issues them, valid five years from yesterday."""
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, "Tenpay.com sandbox")])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=5 * 365)).sign(private, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), f"{certificate.serial_number:X}"


def _rotation_keys():
    rotated_private, rotated_public = _rsa_pair()
    certificate_private, _ = _rsa_pair()
    certificate, serial = _certificate(certificate_private, "Tenpay.com Root CA sandbox platform")
    return {
        "wechatpay_rotated_platform_private_key": rotated_private,
        "wechatpay_rotated_platform_public_key": rotated_public,
        "wechatpay_rotated_public_key_id": "PUB_KEY_ID_01" + _digits(14) + secrets.token_hex(8).upper(),
        "wechatpay_certificate_private_key": certificate_private,
        "wechatpay_platform_certificate": certificate,
        "wechatpay_platform_certificate_serial": serial,
    }


def _digits(count):
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def _generate():
    alipay_private, alipay_public = _rsa_pair()
    app_private, app_public = _rsa_pair()
    platform_private, platform_public = _rsa_pair()
    merchant_private, merchant_public = _rsa_pair()
    # APIv3 keys are 32 ASCII characters; urlsafe base64 of 24 random bytes is exactly that.
    apiv3_key = base64.urlsafe_b64encode(secrets.token_bytes(24)).decode()
    return SandboxKeys(
        alipay_app_id="2021" + _digits(12),
        alipay_seller_id="2088" + _digits(12),
        alipay_private_key=alipay_private,
        alipay_public_key=alipay_public,
        alipay_app_private_key=app_private,
        alipay_app_public_key=app_public,
        wechatpay_mchid="19" + _digits(8),
        wechatpay_appid="wx" + secrets.token_hex(8),
        wechatpay_platform_private_key=platform_private,
        wechatpay_platform_public_key=platform_public,
        wechatpay_public_key_id="PUB_KEY_ID_01" + _digits(14) + secrets.token_hex(8).upper(),
        wechatpay_merchant_private_key=merchant_private,
        wechatpay_merchant_public_key=merchant_public,
        wechatpay_merchant_serial_no=secrets.token_hex(20).upper(),
        wechatpay_apiv3_key=apiv3_key,
        **_rotation_keys(),
    )


def wechatpay_platform_signers(keys):
    """The platform keys the sandbox can sign with, by name: (private key PEM, the serial it sends)."""
    return {
        "current": (keys.wechatpay_platform_private_key, keys.wechatpay_public_key_id),
        "rotated": (keys.wechatpay_rotated_platform_private_key, keys.wechatpay_rotated_public_key_id),
        "certificate": (keys.wechatpay_certificate_private_key, keys.wechatpay_platform_certificate_serial),
    }


def wechat_mp_secret(keys):
    """The official account's AppSecret (32 hex digits, as WeChat issues them), derived from the stored keys."""
    return hashlib.sha256(("wechat-mp-secret:" + keys.wechatpay_apiv3_key).encode()).hexdigest()[:32]


# Static scripts that stand in for WeChat's client on pages served to WeChat's user agent (dev and test only):
# the JS-SDK's ``wx``. Our templates emit each of WECHAT_STAND_IN_SCRIPTS in place of res.wx.qq.com's script.
WECHAT_STAND_IN_SCRIPTS = ["gateway_sandbox/wx_stand_in.js"]


def merchant_settings(keys, *, site_base_url):
    """The settings our payment clients read, pointed at the sandbox served by this site."""
    base = site_base_url.rstrip("/")
    return {
        "ALIPAY_APP_ID": keys.alipay_app_id,
        "ALIPAY_SELLER_ID": keys.alipay_seller_id,
        "ALIPAY_APP_PRIVATE_KEY": keys.alipay_app_private_key,
        "ALIPAY_PUBLIC_KEY": keys.alipay_public_key,
        "ALIPAY_GATEWAY_URL": f"{base}/sandbox/alipay/gateway.do",
        "WECHATPAY_MCHID": keys.wechatpay_mchid,
        "WECHATPAY_APPID": keys.wechatpay_appid,
        "WECHATPAY_PRIVATE_KEY": keys.wechatpay_merchant_private_key,
        "WECHATPAY_CERT_SERIAL_NO": keys.wechatpay_merchant_serial_no,
        "WECHATPAY_APIV3_KEY": keys.wechatpay_apiv3_key,
        "WECHATPAY_PUBLIC_KEY": keys.wechatpay_platform_public_key,
        "WECHATPAY_PUBLIC_KEY_ID": keys.wechatpay_public_key_id,
        "WECHATPAY_BASE_URL": f"{base}/sandbox/wechatpay",
        # The official account bound to the merchant number: its server API (cgi-bin/token, getticket,
        # sns/oauth2/access_token), its OAuth authorize page (open.weixin.qq.com) and the JS-SDK stand-in.
        "WECHAT_MP_APPID": keys.wechatpay_appid,
        "WECHAT_MP_SECRET": wechat_mp_secret(keys),
        "WECHAT_API_BASE_URL": f"{base}/sandbox/wechat",
        "WECHAT_OPEN_BASE_URL": f"{base}/sandbox/wechat/open",
        "WECHAT_STAND_IN_SCRIPTS": list(WECHAT_STAND_IN_SCRIPTS),
    }


# The sandbox's Aliyun SMS account: published dev/test values, like the demo ledger key; they open nothing real.
SANDBOX_SMS_ACCESS_KEY_ID = "LTAI5tSandboxSmsDev0001"
SANDBOX_SMS_ACCESS_KEY_SECRET = "sandbox-sms-secret-not-secret"  # noqa: S105
SANDBOX_SMS_SIGN_NAME = "志愿城市太原"
SANDBOX_SMS_TEMPLATE_CODE = "SMS_000000001"


def aliyun_sms_settings(*, site_base_url):
    """The ALIYUN_SMS_* settings our SMS adapter reads, pointed at the sandbox's SendSms endpoint."""
    return {
        "ALIYUN_SMS_ACCESS_KEY_ID": SANDBOX_SMS_ACCESS_KEY_ID,
        "ALIYUN_SMS_ACCESS_KEY_SECRET": SANDBOX_SMS_ACCESS_KEY_SECRET,
        "ALIYUN_SMS_SIGN_NAME": SANDBOX_SMS_SIGN_NAME,
        "ALIYUN_SMS_TEMPLATE_CODE": SANDBOX_SMS_TEMPLATE_CODE,
        "ALIYUN_SMS_ENDPOINT": f"{site_base_url.rstrip('/')}/sandbox/aliyun-sms/",
    }
