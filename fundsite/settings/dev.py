"""Local development and the demo that `make run` serves."""

from gateway_sandbox.keys import aliyun_sms_settings, merchant_settings, sandbox_keys

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, SITE_BASE_URL
from .env import env_list, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret")  # noqa: S105

# The sandbox gateway plays Alipay and WeChat Pay on this very site; our payment clients
# talk to it with keys generated once into var/ (see gateway_sandbox/keys.py). This fills
# ALIPAY_* and WECHATPAY_* (including WECHATPAY_BASE_URL) exactly as production's environment would.
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

# A published demo key (see README): heads signed with it prove nothing outside a demo.
LEDGER_SIGNING_KEY = env_str("LEDGER_SIGNING_KEY", "GM5YQE+4KxeMw+AFMyOik2y3tE4bIc1+utQqqxbUblA=")
