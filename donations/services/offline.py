"""Bank transfers entered by finance staff, and the official 公益事业捐赠票据 they and donors ask for."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from donations.models import (
    Channel,
    Donation,
    DonationEvent,
    Gateway,
)
from donations.services.orders import TAXPAYER_RE, _clean_donor, _new_out_trade_no, _positive_amount, _settle_paid
from fundsite.inputs import has_control_chars

# --- offline gifts and official receipts -----------------------------------------------------------


def offline_donation_record(*, campaign, amount, donor_name="", anonymous=False, show_name=False, message="", phone="", email="",
                            received_at=None, bank_reference: str, voucher, recorded_by,
                            wants_official_receipt=False, official_receipt_title="", taxpayer_number="") -> Donation:
    """A bank transfer received and entered by finance staff: paid at once, with its voucher."""
    if voucher is None:
        raise ValidationError({"voucher": "请上传银行回单等转账凭证。"})
    if not (bank_reference or "").strip():
        raise ValidationError({"bank_reference": "请填写银行流水号。"})
    amount = _positive_amount(amount, label="金额", message="金额须大于零，最多两位小数。")
    donor = _clean_donor(
        donor_name=donor_name, anonymous=anonymous, show_name=show_name, message=message, phone=phone, email=email,
        wants_official_receipt=wants_official_receipt, official_receipt_title=official_receipt_title,
        taxpayer_number=taxpayer_number,
    )
    with transaction.atomic():
        donation = Donation.objects.create(
            campaign=campaign, out_trade_no=_new_out_trade_no(), gateway=Gateway.OFFLINE, channel=Channel.OFFLINE,
            amount=amount, resume_token=secrets.token_urlsafe(24), voucher=voucher, recorded_by=recorded_by, **donor,
        )
        _settle_paid(donation, gateway_trade_no=f"BANK-{bank_reference.strip()}", paid_at=received_at,
                     cause="财务录入银行转账", payload={"bank_reference": bank_reference.strip()}, actor=recorded_by)
    return donation


def official_receipt_request(*, donation: Donation, title: str, taxpayer_number: str = "") -> Donation:
    """A donor who did not ask for the official 公益事业捐赠票据 when giving asks for it later (我的捐赠).

    The request is stored on the order, as one made with the gift is, with an event saying who asked and when;
    finance staff then see it among the requests to issue. Asking twice changes nothing.
    """
    title, taxpayer_number = (title or "").strip(), (taxpayer_number or "").strip().upper()
    errors = {}
    if not title:
        errors["official_receipt_title"] = "请填写票据抬头（个人姓名或单位名称）。"
    elif len(title) > 100 or has_control_chars(title):
        errors["official_receipt_title"] = "票据抬头最长 100 个字，且不能含控制字符。"
    if taxpayer_number and not TAXPAYER_RE.fullmatch(taxpayer_number):
        errors["taxpayer_number"] = "纳税人识别号应为 15 至 20 位数字或大写字母。"
    if errors:
        raise ValidationError(errors)
    if not donation.is_paid:
        raise ValidationError("未支付的订单不能申请票据。")
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if locked.wants_official_receipt:
            return locked
        locked.wants_official_receipt = True
        locked.official_receipt_title = title
        locked.taxpayer_number = taxpayer_number
        locked.save(update_fields=["wants_official_receipt", "official_receipt_title", "taxpayer_number"])
        DonationEvent.objects.create(
            donation=locked, from_status=locked.status, to_status=locked.status,
            cause="捐赠人在“我的捐赠”申请公益事业捐赠票据",
        )
    return locked


def official_receipt_mark_issued(*, donation: Donation, issued_by) -> Donation:
    """Finance staff record that the official 公益事业捐赠票据 has been issued."""
    if not donation.wants_official_receipt:
        raise ValidationError("该捐赠人未申请捐赠票据。")
    if not donation.is_paid:
        raise ValidationError("未支付的订单不能开具票据。")
    if donation.official_receipt_issued_at:
        return donation
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if locked.official_receipt_issued_at is None:
            locked.official_receipt_issued_at = timezone.now()
            locked.official_receipt_issued_by = issued_by
            locked.save(update_fields=["official_receipt_issued_at", "official_receipt_issued_by"])
            DonationEvent.objects.create(
                donation=locked, from_status=locked.status, to_status=locked.status, cause="已开具公益事业捐赠票据",
                actor=issued_by,
            )
    donation.refresh_from_db()
    return donation
