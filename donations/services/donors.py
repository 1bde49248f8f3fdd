"""Signing a donor in to 我的捐赠 by a one-time code sent to their phone or e-mail address.

A code is six digits, valid CODE_MINUTES, used once, void after CODE_MAX_ATTEMPTS wrong tries,
and stored only as a keyed hash (HMAC-SHA256 under SECRET_KEY). Sending is limited per address
(DONOR_CODE_RATE) and per client address (DONOR_CODE_IP_RATE). Codes are sent in the request,
not by a background task: a task's arguments are stored in plain text in its queue table.
"""

import re
import secrets
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from donations.models import DonorCode, DonorIdentityKind
from donations.ratelimit import rate_limit_hit
from donations.sms import SmsError, sms_enabled, sms_send_code
from fundsite.inputs import validate_no_control_chars

CODE_MINUTES = 10
CODE_MAX_ATTEMPTS = 5
CODE_RE = re.compile(r"[0-9]{6}")  # ASCII digits only: \d would take ١ and １ too
PHONE_RE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True)
class DonorIdentity:
    """Who a donor proved to be: a phone number, an e-mail address (lower case) or a WeChat openid."""

    kind: str
    value: str


class DonorCodeError(Exception):
    """A code could not be sent or was not accepted; ``message`` is what the donor reads."""

    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class DonorCodeRateLimited(DonorCodeError):
    """Too many codes for one address or from one client."""

    status = 429


def donor_target_parse(raw: str) -> DonorIdentity:
    """'138 0000 1234' / '+8613800001234' → phone 13800001234; 'A@Example.com' → email a@example.com."""
    text = (raw or "").strip()
    try:
        validate_no_control_chars(text)
    except ValidationError:
        raise ValidationError("请输入 11 位中国大陆手机号或电子邮箱。") from None
    if "@" in text:
        if len(text) > 254:
            raise ValidationError("电子邮箱格式不正确。")
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError("电子邮箱格式不正确。") from None
        return DonorIdentity(DonorIdentityKind.EMAIL, text.lower())
    phone = re.sub(r"[\s-]", "", text)
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_RE.fullmatch(phone):
        raise ValidationError("请输入 11 位中国大陆手机号或电子邮箱。")
    return DonorIdentity(DonorIdentityKind.PHONE, phone)


def _target_digest(identity: DonorIdentity) -> str:
    return salted_hmac("donations.donor_code.target", f"{identity.kind}:{identity.value}",
                       algorithm="sha256").hexdigest()


def _code_hash(salt: str, code: str) -> str:
    return salted_hmac("donations.donor_code.code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def _deliver(identity: DonorIdentity, code: str) -> None:
    if identity.kind == DonorIdentityKind.PHONE:
        sms_send_code(phone=identity.value, code=code)
        return
    fund = getattr(settings, "WAGTAIL_SITE_NAME", "")
    try:
        send_mail(
            subject=f"{fund} 我的捐赠：验证码",
            message=f"您的验证码是 {code}，{CODE_MINUTES} 分钟内有效，只能使用一次。\n"
                    "如果不是您本人操作，请忽略这封邮件。",
            from_email=None, recipient_list=[identity.value],
        )
    except (smtplib.SMTPException, OSError) as exc:
        raise SmsError("邮件发送失败，请稍后再试。") from exc


def donor_code_send(*, identity: DonorIdentity, client_ip: str) -> DonorCode:
    """Send a fresh code to the address; any earlier open code for it stops working."""
    if identity.kind == DonorIdentityKind.PHONE and not sms_enabled():
        raise DonorCodeError("本站暂未开通短信验证码，请改用电子邮箱。")
    if rate_limit_hit(scope="donor-code-ip", key=client_ip, rate=settings.DONOR_CODE_IP_RATE):
        raise DonorCodeRateLimited("获取验证码过于频繁，请一小时后再试。")
    digest = _target_digest(identity)
    if rate_limit_hit(scope="donor-code", key=digest, rate=settings.DONOR_CODE_RATE):
        raise DonorCodeRateLimited("该号码或邮箱获取验证码过于频繁，请一小时后再试。")
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        DonorCode.objects.filter(target_digest=digest, used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
        row = DonorCode.objects.create(kind=identity.kind, target_digest=digest, salt=salt,
                                       code_hash=_code_hash(salt, code), expires_at=now + timedelta(minutes=CODE_MINUTES))
    try:
        _deliver(identity, code)
    except SmsError as exc:
        DonorCode.objects.filter(pk=row.pk).update(voided_at=timezone.now())
        raise DonorCodeError(str(exc)) from exc
    return row


def donor_code_verify(*, identity: DonorIdentity, code: str) -> DonorIdentity:
    """Accept the newest code for the address once; a wrong code counts one try. Raises DonorCodeError."""
    code = (code or "").strip()
    if not CODE_RE.fullmatch(code):
        raise DonorCodeError("请输入 6 位数字验证码。")
    now = timezone.now()
    with transaction.atomic():
        row = (DonorCode.objects.select_for_update().filter(target_digest=_target_digest(identity), kind=identity.kind)
               .order_by("-created_at", "-id").first())
        if row is None or row.voided_at is not None:
            raise DonorCodeError("验证码无效，请重新获取。")
        if row.used_at is not None:
            raise DonorCodeError("验证码已使用过，请重新获取。")
        if row.expires_at <= now:
            raise DonorCodeError("验证码已过期，请重新获取。")
        if row.attempts >= CODE_MAX_ATTEMPTS:
            raise DonorCodeError("验证码错误次数过多，已失效，请重新获取。")
        right = constant_time_compare(row.code_hash, _code_hash(row.salt, code))
        if right:
            row.used_at = now
            row.save(update_fields=["used_at"])
        else:
            row.attempts += 1
            row.save(update_fields=["attempts"])
    if not right:  # outside the transaction, so the counted try is kept
        left = CODE_MAX_ATTEMPTS - row.attempts
        raise DonorCodeError(f"验证码不正确，还可尝试 {left} 次。" if left else "验证码错误次数过多，已失效，请重新获取。")
    return identity


def donor_codes_purge(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Drop codes long past use: an expired code proves nothing, and the rate limits count elsewhere."""
    deleted, _ = DonorCode.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
