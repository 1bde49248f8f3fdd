"""The test suite: fast hashing, in-memory cache, tasks run at once, plain static storage."""

from gateway_sandbox.keys import aliyun_sms_settings, merchant_settings, sandbox_keys

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, SITE_BASE_URL
from .env import env_list, env_str

SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_CACHE = None  # rate limits count in the test database, as without Redis
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / ".test-media"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Payments go to the sandbox gateway, as in development (see dev.py).
GATEWAY_SANDBOX_ENABLED = True
INSTALLED_APPS = [*INSTALLED_APPS, "gateway_sandbox"]
# WeChat's browser gets the sandbox's WeixinJSBridge stand-in, as real WeChat injects its own.
MIDDLEWARE = [*MIDDLEWARE, "gateway_sandbox.middleware.WeixinJSBridgeMiddleware"]
GATEWAY_SANDBOX_KEYS_FILE = env_str("GATEWAY_SANDBOX_KEYS_FILE", str(BASE_DIR / "var" / "sandbox_keys.json"))
globals().update(merchant_settings(sandbox_keys(GATEWAY_SANDBOX_KEYS_FILE), site_base_url=SITE_BASE_URL))
PAYMENT_GATEWAYS = env_list("PAYMENT_GATEWAYS", "alipay,wechatpay,offline")
# Text messages: the console backend by default (codes in the log); SMS_BACKEND=aliyun sends them to the
# sandbox's stand-in for Aliyun SMS, which checks the signature as Aliyun does.
SMS_BACKEND = env_str("SMS_BACKEND", "console")
globals().update(aliyun_sms_settings(site_base_url=SITE_BASE_URL))
# Serve static files from the apps' folders; tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# A published demo key (see README): heads signed with it prove nothing outside a demo.
LEDGER_SIGNING_KEY = env_str("LEDGER_SIGNING_KEY", "GM5YQE+4KxeMw+AFMyOik2y3tE4bIc1+utQqqxbUblA=")
