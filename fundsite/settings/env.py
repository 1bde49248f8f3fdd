"""Every environment variable the site reads, declared once with its type and default.

Settings modules import from here; nothing else calls ``os.environ``.
"""

import os

_MISSING = object()


def _get(name, default=_MISSING):
    value = os.environ.get(name)
    if value is None or value == "":
        if default is _MISSING:
            raise RuntimeError(f"Environment variable {name} must be set")
        return default
    return value


def env_str(name, default=_MISSING):
    return _get(name, default)


def env_bool(name, default=False):
    value = _get(name, None)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(_get(name, str(default)))


def env_list(name, default=""):
    return [item.strip() for item in _get(name, default).split(",") if item.strip()]


# name: (kind, default, meaning) — the configuration reference in README.md mirrors this table.
VARIABLES = {
    "DJANGO_SETTINGS_MODULE": ("str", "fundsite.settings.dev", "settings module: dev, test or production"),
    "SECRET_KEY": ("str", "required in production", "Django secret key"),
    "DATABASE_URL": ("url", "sqlite:///db.sqlite3", "database; postgres://… switches to PostgreSQL"),
    "DATABASE_PREPARED": ("bool", "false", "PostgreSQL: let psycopg prepare statements a connection repeats (server-side binding)"),
    "REDIS_URL": ("url", "", "turns on the Redis cache when set"),
    "ALLOWED_HOSTS": ("list", "localhost,127.0.0.1", "host names served"),
    "CSRF_TRUSTED_ORIGINS": ("list", "", "origins allowed to post forms (https://…)"),
    "SITE_BASE_URL": ("url", "http://127.0.0.1:8000", "absolute address used in feeds, receipts and gateway callbacks"),
    "MEDIA_ROOT": ("path", "./media", "uploaded images and documents"),
    "STATIC_ROOT": ("path", "./staticfiles", "collected static files"),
    "EMAIL_URL": ("str", "console", "console, or smtp://user:pass@host:port"),
    "EMAIL_USE_TLS": ("bool", "true", "STARTTLS for the SMTP connection"),
    "DEFAULT_FROM_EMAIL": ("str", "noreply@localhost", "sender of receipts"),
    "DUTIES_OFFICE_EMAIL": ("list", "", "fund office addresses that get the overdue and near-due disclosure list (`manage.py duties_remind`)"),
    "SEARCH_BACKEND": ("str", "database", "database or elasticsearch"),
    "ELASTICSEARCH_URL": ("url", "", "Elasticsearch address when SEARCH_BACKEND=elasticsearch"),
    "ELASTICSEARCH_INDEX_PREFIX": ("str", "fundsite", "prefix of the Elasticsearch index and alias names"),
    "PAYMENT_GATEWAYS": ("list", "sandbox (dev), none (production)", "enabled gateways: alipay, wechatpay, sandbox, offline"),
    "ALIPAY_APP_ID": ("str", "", "Alipay application id"),
    "ALIPAY_SELLER_ID": ("str", "", "Alipay seller (partner) id"),
    "ALIPAY_APP_PRIVATE_KEY": ("pem", "", "our RSA2 private key"),
    "ALIPAY_PUBLIC_KEY": ("pem", "", "Alipay's public key"),
    "ALIPAY_GATEWAY_URL": ("url", "https://openapi.alipay.com/gateway.do", "Alipay OpenAPI gateway"),
    "WECHATPAY_MCHID": ("str", "", "WeChat Pay merchant id"),
    "WECHATPAY_APPID": ("str", "", "WeChat Pay app id"),
    "WECHATPAY_PRIVATE_KEY": ("pem", "", "merchant API private key"),
    "WECHATPAY_CERT_SERIAL_NO": ("str", "", "merchant certificate serial number"),
    "WECHATPAY_APIV3_KEY": ("str", "", "32-byte APIv3 key"),
    "WECHATPAY_PUBLIC_KEY": ("pem", "", "WeChat Pay platform public key"),
    "WECHATPAY_PUBLIC_KEY_ID": ("str", "", "platform public key id (PUB_KEY_ID_…)"),
    "WECHATPAY_PLATFORM_KEYS": ("pem", "", "more platform keys: certificate PEMs and/or `PUB_KEY_ID_…:` + public key PEM"),
    "WECHATPAY_BASE_URL": ("url", "https://api.mch.weixin.qq.com", "WeChat Pay API v3 address"),
    "WECHAT_MP_APPID": ("str", "WECHATPAY_APPID", "official account (公众号) app id: OAuth for the donor's openid, JSAPI pay, share cards"),
    "WECHAT_MP_SECRET": ("str", "", "official account AppSecret (OAuth code exchange, access_token)"),
    "WECHAT_API_BASE_URL": ("url", "https://api.weixin.qq.com", "WeChat official-account server API address"),
    "WECHAT_OPEN_BASE_URL": ("url", "https://open.weixin.qq.com", "WeChat OAuth authorize page address"),
    "DONATION_MIN_AMOUNT": ("decimal", "1.00", "smallest online gift in yuan"),
    "DONATION_MAX_AMOUNT": ("decimal", "50000.00", "largest online gift in yuan"),
    "DONATION_PENDING_MINUTES": ("int", "30", "minutes an unpaid order stays open before it is closed"),
    "DONATION_CREATE_RATE": ("rate", "20/h", "donation orders one client may create (n/s, n/m, n/h)"),
    "DONATION_LOOKUP_RATE": ("rate", "10/h", "donor lookups one client may make"),
    "DONATION_LOOKUP_ORDER_RATE": ("rate", "10/d", "donor lookups of one order number, from any client"),
    "DONOR_CODE_RATE": ("rate", "5/h", "我的捐赠 sign-in codes sent to one phone number or e-mail address"),
    "DONOR_CODE_IP_RATE": ("rate", "20/h", "我的捐赠 sign-in codes one client may ask for"),
    "FOUNDATION_USCC": ("str", "", "the fundraising charity's 统一社会信用代码 on certificates and giving pages, unless set in 基金信息"),
    "SMS_BACKEND": ("str", "console (dev, test), none (production)", "text messages: aliyun, console (development only: codes in the log) or none"),
    "ALIYUN_SMS_ACCESS_KEY_ID": ("str", "", "Aliyun SMS AccessKey id (a RAM user allowed dysmsapi:SendSms)"),
    "ALIYUN_SMS_ACCESS_KEY_SECRET": ("str", "", "Aliyun SMS AccessKey secret"),
    "ALIYUN_SMS_SIGN_NAME": ("str", "", "approved SMS sign name (短信签名)"),
    "ALIYUN_SMS_TEMPLATE_CODE": ("str", "", "approved verification-code template (SMS_…) with a ${code} parameter"),
    "ALIYUN_SMS_ENDPOINT": ("url", "https://dysmsapi.aliyuncs.com/", "Aliyun SMS API address"),
    "NOTIFY_RATE": ("rate", "6000/m", "gateway notifications accepted from one address (a campaign day sends hundreds a second)"),
    "TRUSTED_PROXY_HOPS": ("int", "0", "proxies in front of gunicorn that append X-Forwarded-For (nginx: 1)"),
    "GATEWAY_SANDBOX_KEYS_FILE": ("path", "./var/sandbox_keys.json", "dev/test only: the sandbox gateway's generated keys"),
    "SECURE_SSL_REDIRECT": ("bool", "true", "production: redirect plain HTTP to HTTPS (off when a proxy does it)"),
    "SECURE_HSTS_SECONDS": ("int", "31536000", "production: how long browsers must use HTTPS"),
    "LEDGER_SIGNING_KEY": ("str", "demo key (dev, test), required in production", "Ed25519 seed (base64 of 32 bytes) that signs the ledger log's tree heads"),
    "LEDGER_LOG_ORIGIN": ("str", "zhiyuan-taiyuan/fund-ledger", "the log's name, the first line of every signed tree head; never change it once published"),
    "PORT": ("int", "8000", "port for make run"),
}
