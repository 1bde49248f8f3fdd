"""Payment gateways behind one interface, chosen by name from settings at call time."""

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from donations.gateways.base import GatewayError, PaymentGateway, VerificationError

__all__ = ["GatewayError", "PaymentGateway", "VerificationError", "gateway_enabled", "gateway_get"]

ONLINE_GATEWAYS = ("alipay", "wechatpay")


def gateway_enabled(name: str) -> bool:
    return name in settings.PAYMENT_GATEWAYS


def enabled_online_gateways() -> list[str]:
    return [name for name in ONLINE_GATEWAYS if gateway_enabled(name)]


def gateway_get(name: str) -> PaymentGateway:
    """The configured gateway called ``name``; refuses one that settings do not enable."""
    if not gateway_enabled(name) or name not in ONLINE_GATEWAYS:
        raise ImproperlyConfigured(f"支付方式 {name!r} 未启用")
    # Settings are read on every call; parsing RSA keys is slow, so a gateway is built once per configuration.
    return _gateway_build(name, tuple(getattr(settings, key, "") for key in GATEWAY_SETTINGS[name]))


@lru_cache(maxsize=8)
def _gateway_build(name, values):
    config = dict(zip(GATEWAY_SETTINGS[name], values, strict=True))
    if name == "alipay":
        from donations.gateways.alipay import AlipayGateway

        return AlipayGateway(
            app_id=config["ALIPAY_APP_ID"], seller_id=config["ALIPAY_SELLER_ID"],
            app_private_key=config["ALIPAY_APP_PRIVATE_KEY"], alipay_public_key=config["ALIPAY_PUBLIC_KEY"],
            gateway_url=config["ALIPAY_GATEWAY_URL"],
        )
    from donations.gateways.wechatpay import WechatPayGateway

    return WechatPayGateway(
        mchid=config["WECHATPAY_MCHID"], appid=config["WECHATPAY_APPID"],
        private_key=config["WECHATPAY_PRIVATE_KEY"], cert_serial_no=config["WECHATPAY_CERT_SERIAL_NO"],
        apiv3_key=config["WECHATPAY_APIV3_KEY"], public_key=config["WECHATPAY_PUBLIC_KEY"],
        public_key_id=config["WECHATPAY_PUBLIC_KEY_ID"], platform_keys=config["WECHATPAY_PLATFORM_KEYS"],
        base_url=config["WECHATPAY_BASE_URL"],
    )


# Every setting a gateway reads; all are required except those in OPTIONAL_SETTINGS.
GATEWAY_SETTINGS = {
    "alipay": ("ALIPAY_APP_ID", "ALIPAY_SELLER_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY",
               "ALIPAY_GATEWAY_URL"),
    "wechatpay": ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_PRIVATE_KEY", "WECHATPAY_CERT_SERIAL_NO",
                  "WECHATPAY_APIV3_KEY", "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID",
                  "WECHATPAY_PLATFORM_KEYS", "WECHATPAY_BASE_URL"),
}
# WeChat's platform keys come from the single-key pair, the list, or both; the check asks for at least one.
OPTIONAL_SETTINGS = {"WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_PLATFORM_KEYS"}
REQUIRED_SETTINGS = {
    name: tuple(key for key in keys if key not in OPTIONAL_SETTINGS) for name, keys in GATEWAY_SETTINGS.items()
}
