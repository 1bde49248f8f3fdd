"""Payment gateways behind one interface, chosen by name from settings at call time."""

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
    if name == "alipay":
        from donations.gateways.alipay import AlipayGateway

        return AlipayGateway(
            app_id=settings.ALIPAY_APP_ID, seller_id=settings.ALIPAY_SELLER_ID,
            app_private_key=settings.ALIPAY_APP_PRIVATE_KEY, alipay_public_key=settings.ALIPAY_PUBLIC_KEY,
            gateway_url=settings.ALIPAY_GATEWAY_URL,
        )
    from donations.gateways.wechatpay import WechatPayGateway

    return WechatPayGateway(
        mchid=settings.WECHATPAY_MCHID, appid=settings.WECHATPAY_APPID,
        private_key=settings.WECHATPAY_PRIVATE_KEY, cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        apiv3_key=settings.WECHATPAY_APIV3_KEY, public_key=settings.WECHATPAY_PUBLIC_KEY,
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID, base_url=settings.WECHATPAY_BASE_URL,
    )


REQUIRED_SETTINGS = {
    "alipay": ("ALIPAY_APP_ID", "ALIPAY_SELLER_ID", "ALIPAY_APP_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY",
               "ALIPAY_GATEWAY_URL"),
    "wechatpay": ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_PRIVATE_KEY", "WECHATPAY_CERT_SERIAL_NO",
                  "WECHATPAY_APIV3_KEY", "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID", "WECHATPAY_BASE_URL"),
}
