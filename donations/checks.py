"""System checks: an enabled gateway must have every key it needs, and every key must parse."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from donations.gateways import REQUIRED_SETTINGS
from donations.gateways.keys import (
    KeyConfigError,
    private_key_load,
    public_key_load,
    wechatpay_platform_keys_load,
)


def _apiv3_key():
    if len(settings.WECHATPAY_APIV3_KEY.encode("utf-8")) != 32:
        raise KeyConfigError("WECHATPAY_APIV3_KEY 应为 32 字节（WECHATPAY_APIV3_KEY must be 32 bytes）")


def _platform_keys():
    keys = wechatpay_platform_keys_load(
        entries=settings.WECHATPAY_PLATFORM_KEYS, public_key=settings.WECHATPAY_PUBLIC_KEY,
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
    )
    expired = [key for key in keys if key.not_after and key.not_after < datetime.now(UTC)]
    if not keys:
        raise KeyConfigError("微信支付未配置平台公钥：请设置 WECHATPAY_PLATFORM_KEYS，或 WECHATPAY_PUBLIC_KEY 与 "
                             "WECHATPAY_PUBLIC_KEY_ID（no WeChat Pay platform key is configured）")
    return [Warning(
        f"{key.source} 的平台证书 {key.serial} 已于 {key.not_after:%Y-%m-%d} 过期（expired platform certificate）",
        hint="微信支付不会再用它签名；换上新证书后可将其删除。", id="donations.W001",
    ) for key in expired]


# One loader per key, so each bad key gets its own error naming its setting.
KEY_LOADERS = {
    "alipay": (
        lambda: private_key_load(settings.ALIPAY_APP_PRIVATE_KEY, setting="ALIPAY_APP_PRIVATE_KEY"),
        lambda: public_key_load(settings.ALIPAY_PUBLIC_KEY, setting="ALIPAY_PUBLIC_KEY"),
    ),
    "wechatpay": (
        # wechatpayv3 wraps a bare PKCS#8 body in PEM lines itself, so that form is accepted here too.
        lambda: private_key_load(settings.WECHATPAY_PRIVATE_KEY, setting="WECHATPAY_PRIVATE_KEY", bare_base64_ok=True),
        _apiv3_key,
        _platform_keys,
    ),
}


@register(Tags.security, deploy=False)
def payment_gateway_settings_check(app_configs, **kwargs):
    errors = []
    for name in settings.PAYMENT_GATEWAYS:
        if name not in REQUIRED_SETTINGS and name != "offline":
            errors.append(Error(f"PAYMENT_GATEWAYS 含未知支付方式 {name!r}", id="donations.E001"))
            continue
        missing = [key for key in REQUIRED_SETTINGS.get(name, ()) if not getattr(settings, key, "")]
        if missing:
            errors.append(Error(
                f"支付方式 {name} 已启用，但缺少配置：{', '.join(missing)}",
                hint="在环境变量中设置这些值，或从 PAYMENT_GATEWAYS 中移除该支付方式。",
                id="donations.E002",
            ))
            continue
        # A key that does not parse would otherwise pass here and fail every payment call later.
        for load in KEY_LOADERS.get(name, ()):
            try:
                warnings = load()  # a loaded key, or (for platform keys) warnings about them
                if isinstance(warnings, list):
                    errors.extend(warnings)
            except KeyConfigError as exc:
                errors.append(Error(
                    f"支付方式 {name} 的密钥无法读取：{exc}",
                    hint="粘贴完整的 PEM（含 -----BEGIN …----- 与 -----END …----- 行）。",
                    id="donations.E003",
                ))
    return errors


SMS_REQUIRED = ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME",
                "ALIYUN_SMS_TEMPLATE_CODE", "ALIYUN_SMS_ENDPOINT")


@register(Tags.security, deploy=False)
def sms_settings_check(app_configs, **kwargs):
    """An SMS backend that cannot send would refuse every donor who signs in by phone."""
    from donations.sms import BACKENDS

    if settings.SMS_BACKEND not in BACKENDS:
        return [Error(f"SMS_BACKEND 应为 {', '.join(BACKENDS)} 之一，而不是 {settings.SMS_BACKEND!r}", id="donations.E004")]
    missing = [key for key in SMS_REQUIRED if settings.SMS_BACKEND == "aliyun" and not getattr(settings, key, "")]
    if missing:
        return [Error(f"短信已启用（SMS_BACKEND=aliyun），但缺少配置：{', '.join(missing)}",
                      hint="在环境变量中设置这些值，或设 SMS_BACKEND=none。", id="donations.E005")]
    return []


@register(Tags.security, deploy=False)
def wechat_official_account_check(app_configs, **kwargs):
    """Inside WeChat only JSAPI pay works, and it needs the donor's openid from the official account's OAuth:
    without the account's AppSecret every donor arriving from the official account meets an error page."""
    if "wechatpay" not in settings.PAYMENT_GATEWAYS or (settings.WECHAT_MP_APPID and settings.WECHAT_MP_SECRET):
        return []
    missing = [key for key in ("WECHAT_MP_APPID", "WECHAT_MP_SECRET") if not getattr(settings, key, "")]
    return [Warning(
        f"微信支付已启用，但公众号缺少配置：{', '.join(missing)}；在微信内打开本站的捐赠人将无法完成网页授权与 JSAPI 支付",
        hint="设置公众号的 AppID 与 AppSecret（见 README「Giving inside WeChat」），或只在微信外提供微信支付。",
        id="donations.W002",
    )]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_valid(code: str) -> bool:
    """An 18-character 统一社会信用代码 whose last character is the GB 32100-2015 check character."""
    if len(code) != 18 or any(char not in USCC_CHARS for char in code):
        return False
    total = sum(USCC_CHARS.index(char) * weight for char, weight in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31] == code[17]


def _fund_settings_uscc() -> str:
    """The code staff set in 基金信息, if the database can be read yet (checks also run before migrate)."""
    from django.db import DatabaseError

    try:
        from cms_pages.models import FundSettings

        return "".join(FundSettings.objects.exclude(foundation_uscc="").values_list("foundation_uscc", flat=True)[:1])
    except DatabaseError:
        return ""


@register(Tags.security, deploy=True)
def foundation_uscc_check(app_configs, **kwargs):
    """Certificates and giving pages print the charity's credit code; production must not print an empty line."""
    code = _fund_settings_uscc() or settings.FOUNDATION_USCC
    if not code:
        return [Warning(
            "未配置募捐主体（慈善组织）的统一社会信用代码：捐赠证书与募捐页面上的“统一社会信用代码”将显示为未配置",
            hint="设置环境变量 FOUNDATION_USCC，或在后台“设置 → 基金信息”中填写“慈善组织统一社会信用代码”。",
            id="donations.W003",
        )]
    if not uscc_valid(code):
        return [Warning(
            f"募捐主体的统一社会信用代码 {code!r} 不是有效的 18 位代码（校验位不符）",
            hint="按登记证书核对 FOUNDATION_USCC 或“基金信息”中的代码。", id="donations.W004",
        )]
    return []
