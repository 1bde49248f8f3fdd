"""System checks: an enabled gateway must have every key it needs to verify what it receives."""

from django.conf import settings
from django.core.checks import Error, Tags, register

from donations.gateways import REQUIRED_SETTINGS


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
    return errors
