"""Production: every secret from the environment, HTTPS only, no sandbox gateway."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSTALLED_APPS, SMS_BACKEND
from .env import env_bool, env_int, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")  # no default: a missing key stops the start
LEDGER_SIGNING_KEY = env_str("LEDGER_SIGNING_KEY")  # no default: a log signed with the demo key proves nothing
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# Wagtail's live preview shows the page in a same-origin frame, so DENY would break editing;
# SAMEORIGIN still refuses every other site's frames.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]

# The sandbox gateway is a pretend Alipay/WeChat Pay: production can never enable it.
GATEWAY_SANDBOX_ENABLED = False
WECHAT_STAND_IN_SCRIPTS = []  # WeChat's own JS-SDK, never the sandbox's stand-ins
if "gateway_sandbox" in INSTALLED_APPS:
    raise ImproperlyConfigured("gateway_sandbox must never be installed in production")

# The console SMS backend writes sign-in codes to the log: never in production.
if SMS_BACKEND not in ("aliyun", "none"):
    raise ImproperlyConfigured("SMS_BACKEND must be aliyun or none in production")
