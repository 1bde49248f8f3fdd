"""Text messages to donors (one-time sign-in codes), through the provider the settings name.

``SMS_BACKEND``: ``aliyun`` (Aliyun SMS, dysmsapi SendSms; in dev and test its endpoint is the
sandbox's stand-in), ``console`` (development only: the message goes to the log, code and all),
or ``none`` (no SMS: donors sign in by e-mail or WeChat). Production settings refuse ``console``.
"""

import logging

from django.conf import settings

from donations.sms.aliyun import SmsError, aliyun_send_code

logger = logging.getLogger(__name__)

BACKENDS = ("aliyun", "console", "none")

__all__ = ["BACKENDS", "SmsError", "sms_enabled", "sms_send_code"]


def sms_enabled() -> bool:
    return settings.SMS_BACKEND in ("aliyun", "console")


def sms_send_code(*, phone: str, code: str) -> None:
    """Send one sign-in code; raises SmsError when the provider refuses or cannot be reached."""
    backend = settings.SMS_BACKEND
    if backend == "aliyun":
        aliyun_send_code(phone=phone, code=code)
    elif backend == "console":
        # Development only (production settings refuse this backend): the developer reads the code here.
        logger.info("SMS (console backend) to %s****%s: 您的验证码是 %s，10 分钟内有效。", phone[:3], phone[-4:], code)
    else:
        raise SmsError("短信发送未开通")
