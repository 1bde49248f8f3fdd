"""Orders: the donor's amount, creating and starting a payment, settling it paid, querying and closing."""

import logging
import re
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from donations.gateways import gateway_get
from donations.gateways.base import (
    CloseOutcome,
    GatewayError,
    PaymentRequest,
    TradeState,
)
from donations.models import (
    RECEIPT_STRIPES,
    Channel,
    Donation,
    DonationEvent,
    DonationStatus,
    Gateway,
    Receipt,
    ReceiptStripe,
    receipt_number,
)
from donations.models.orders import TRANSITIONS
from fundsite.inputs import CONTROL_MESSAGE, amount_parse, has_control_chars
from fundsite.rows import row_insert, row_update

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
PHONE_RE = re.compile(r"1[0-9]{10}")  # ASCII digits only: \d would take ١ and １ too
TAXPAYER_RE = re.compile(r"[0-9A-Z]{15,20}")
CHANNELS_BY_GATEWAY = {
    Gateway.ALIPAY: {Channel.PAGE, Channel.WAP, Channel.QR},
    Gateway.WECHATPAY: {Channel.QR, Channel.H5, Channel.JSAPI},
}


class NotificationRejected(Exception):
    """A verified notification that does not match our order; nothing changes and the gateway retries."""


# --- amounts and orders -------------------------------------------------------------------------


def donation_amount_parse(*, raw) -> Decimal:
    """The donor's amount as exact yuan within the configured bounds, or a ValidationError saying why not.

    Only ASCII digits with at most one point and two decimals (fundsite.inputs.amount_parse): no full-width or
    Arabic-Indic digits, no grouping commas (``1,0,0,0``), no third decimal (``10.000``), no exponent.
    """
    amount = amount_parse(raw, label="捐赠金额")
    low, high = Decimal(settings.DONATION_MIN_AMOUNT), Decimal(settings.DONATION_MAX_AMOUNT)
    if amount < low or amount > high:
        raise ValidationError(f"单笔捐赠金额须在 {low:.2f} 元至 {high:.2f} 元之间。", code="out_of_bounds")
    return amount


def _positive_amount(raw, *, label: str, message: str) -> Decimal:
    """A staff-entered amount through the one strict parser, as a field error; zero is refused with `message`."""
    try:
        amount = amount_parse(raw, label=label)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}) from exc
    if amount <= 0:
        raise ValidationError({"amount": message})
    return amount


def _new_out_trade_no() -> str:
    # Date for humans reading statements, then 12 random hex digits: unguessable and unique in practice.
    return timezone.localtime().strftime("%Y%m%d") + secrets.token_hex(6).upper()


def campaign_closed_message(campaign) -> str:
    """Why a campaign takes no gift now, in the words its page uses."""
    if campaign.live and campaign.has_ended():
        return f"本次募捐已于 {date_cn(campaign.ends_on)} 结束，不再接受捐赠。"
    if campaign.live and campaign.starts_on > timezone.localdate():
        return f"本次募捐将于 {date_cn(campaign.starts_on)} 开始，现在还不能捐赠。"
    return "该募捐活动当前不在募捐期内。"


def date_cn(day) -> str:
    """2022-06-30 → 2022年6月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _clean_donor(*, donor_name, anonymous, message, show_name=False, phone, email, wants_official_receipt, official_receipt_title,
                 taxpayer_number):
    errors = {}
    donor_name, message = (donor_name or "").strip(), (message or "").strip()
    phone, email = (phone or "").strip(), (email or "").strip()
    official_receipt_title, taxpayer_number = (official_receipt_title or "").strip(), (taxpayer_number or "").strip()
    texts = dict(donor_name=donor_name, message=message, phone=phone, email=email,
                 official_receipt_title=official_receipt_title, taxpayer_number=taxpayer_number)
    errors.update({name: CONTROL_MESSAGE for name, text in texts.items() if has_control_chars(text)})
    if not anonymous and not donor_name:
        errors["donor_name"] = "请填写姓名，或选择匿名捐赠。"
    if len(donor_name) > 50:
        errors["donor_name"] = "姓名最长 50 个字。"
    if len(message) > 200:
        errors["message"] = "留言最长 200 个字。"
    if phone and not PHONE_RE.fullmatch(phone):
        errors["phone"] = "请输入 11 位中国大陆手机号。"
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "电子邮箱格式不正确。"
    if wants_official_receipt:
        if not official_receipt_title:
            errors["official_receipt_title"] = "申请捐赠票据时请填写票据抬头（个人姓名或单位名称）。"
        if taxpayer_number and not TAXPAYER_RE.fullmatch(taxpayer_number.upper()):
            errors["taxpayer_number"] = "纳税人识别号应为 15 至 20 位数字或大写字母。"
        if not (phone or email):
            errors["phone"] = "申请捐赠票据时请留下手机号或电子邮箱，便于联系。"
    if errors:
        raise ValidationError(errors)
    return dict(
        donor_name=donor_name, anonymous=bool(anonymous), message=message, phone=phone, email=email,
        # Consent to show the name means nothing without a name, or for a gift marked anonymous.
        show_name=bool(show_name) and bool(donor_name) and not anonymous,
        wants_official_receipt=bool(wants_official_receipt),
        official_receipt_title=official_receipt_title if wants_official_receipt else "",
        taxpayer_number=taxpayer_number.upper() if wants_official_receipt else "",
    )


def donation_create(*, campaign, amount, gateway: str, channel: str, donor_name="", anonymous=False, show_name=False,
                    message="",
                    phone="", email="", wants_official_receipt=False, official_receipt_title="",
                    taxpayer_number="", payer_openid="") -> Donation:
    """A new order in state created; validates everything and saves nothing when anything is wrong.

    The amount's and the donor's errors come together, keyed by field, so a form can show each beside its field.
    A JSAPI order (inside WeChat) carries the payer's openid, frozen with it: only that payer may pay it.
    """
    if gateway not in CHANNELS_BY_GATEWAY or gateway not in settings.PAYMENT_GATEWAYS:
        raise ValidationError({"gateway": "该支付方式暂不可用。"})
    if channel not in CHANNELS_BY_GATEWAY[gateway]:
        raise ValidationError({"channel": "该支付方式不支持此支付渠道。"})
    if (channel == Channel.JSAPI) != bool(payer_openid):
        raise ValidationError({"payer_openid": "微信内支付需要先完成微信授权。" if payer_openid == ""
                               else "只有微信内支付记录付款人 openid。"})
    if not campaign.live or not campaign.is_open():
        raise ValidationError(campaign_closed_message(campaign))
    errors = {}
    try:
        amount = donation_amount_parse(raw=amount)
    except ValidationError as exc:
        errors["amount"] = exc.error_list
    try:
        donor = _clean_donor(
            donor_name=donor_name, anonymous=anonymous, show_name=show_name, message=message, phone=phone,
            email=email, wants_official_receipt=wants_official_receipt, official_receipt_title=official_receipt_title,
            taxpayer_number=taxpayer_number,
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        donation = Donation.objects.create(
            campaign=campaign, out_trade_no=_new_out_trade_no(), gateway=gateway, channel=channel, amount=amount,
            resume_token=secrets.token_urlsafe(24), payer_openid=payer_openid, **donor,
        )
        DonationEvent.objects.create(
            donation=donation, from_status=DonationStatus.CREATED, to_status=DonationStatus.CREATED,
            cause="捐赠人提交捐赠表单", payload={"amount": str(amount), "gateway": gateway, "channel": channel},
        )
    return donation


def _transition(donation, to_status, *, cause, payload=None, notification=None, actor=None):
    """Move an order along an allowed edge and record the event; refuse any other move."""
    if to_status not in TRANSITIONS[DonationStatus(donation.status)]:
        raise NotificationRejected(f"订单状态为 {donation.get_status_display()}，不能变为 {DonationStatus(to_status).label}")
    row_insert(DonationEvent(
        donation=donation, from_status=donation.status, to_status=to_status, cause=cause, payload=payload or {},
        notification=notification, actor=actor,
    ))
    donation.status = to_status


def _absolute(path: str) -> str:
    return settings.SITE_BASE_URL.rstrip("/") + path


def donation_start_payment(*, donation: Donation, client_ip: str = ""):
    """Ask the gateway for the payment page or QR code; a pending order may be started again to resume it."""
    if donation.status not in (DonationStatus.CREATED, DonationStatus.PENDING):
        raise ValidationError("该订单已不能支付。")
    gateway = gateway_get(donation.gateway)
    expires_at = donation.created_at + timedelta(minutes=settings.DONATION_PENDING_MINUTES)
    if expires_at <= timezone.now():
        raise ValidationError("该订单已超过支付时限，请重新捐赠。")
    start = gateway.start_payment(PaymentRequest(
        out_trade_no=donation.out_trade_no, amount=donation.amount, subject=f"捐赠：{donation.campaign.title}"[:128],
        channel=donation.channel,
        notify_url=_absolute(reverse(f"donations:notify_{donation.gateway}")),
        return_url=_absolute(reverse("donations:return", args=[donation.resume_token])),
        quit_url=_absolute(donation.campaign.url or "/"),
        client_ip=client_ip, expires_at=expires_at, payer_openid=donation.payer_openid,
    ))
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if locked.status == DonationStatus.CREATED:
            _transition(locked, DonationStatus.PENDING, cause="已向支付平台下单",
                        payload={"redirect_url": start.redirect_url[:500], "qr_code": start.qr_code})
            locked.save(update_fields=["status"])
    donation.refresh_from_db()
    return start


# --- settling a payment ----------------------------------------------------------------------------


def _post_donation_to_ledger(donation):
    """A gateway payment is queued for the ledger (no chain lock); a staff-entered transfer is recorded at once.

    Totals count a queued gift immediately; the sequencer appends it to the chain within moments.
    A bank transfer carries its sealed voucher and is entered by staff, so it takes the synchronous path.
    """
    from ledger.models import EntryKind, EntrySource
    from ledger.services import entry_enqueue, entry_record

    if hasattr(donation, "campaign_title"):  # read with the order (see _notification_apply)
        title, project_id = donation.campaign_title, donation.campaign_project_id
    else:
        title, project_id = donation.campaign.title, donation.campaign.project_id
    fields = dict(
        kind=EntryKind.DONATION, amount=donation.amount, occurred_on=timezone.localdate(donation.paid_at),
        memo=f"{title}：{Gateway(donation.gateway).label}捐赠，订单 {donation.out_trade_no}",
        project_id=project_id, source=EntrySource.DONATION, source_ref=donation.out_trade_no,
        recorded_by=donation.recorded_by,
    )
    if donation.voucher_id is not None or donation.gateway == Gateway.OFFLINE:
        entry_record(**fields, voucher=donation.voucher)
    else:
        entry_enqueue(**fields)


def _receipt_allocate(donation) -> Receipt:
    """The next number of one of the year's receipt stripes (see ReceiptStripe), never waiting on a busy one.

    Takes the first stripe no other transaction holds (FOR UPDATE SKIP LOCKED); only when every
    stripe is busy does it wait, on one chosen at random. Each stripe's series stays gap-free
    because its counter moves in the same transaction as the receipt it numbers.
    """
    year = timezone.localtime(donation.paid_at).year
    stripe, serial = _stripe_next(year)
    return row_insert(Receipt(
        donation=donation, year=year, stripe=stripe, serial=serial,
        number=receipt_number(year=year, stripe=stripe, serial=serial),
        token=secrets.token_urlsafe(32), issued_at=timezone.now(),
    ))


STRIPE_NEXT_SQL = """
UPDATE donations_receiptstripe SET last_serial = last_serial + 1
WHERE id = (SELECT id FROM donations_receiptstripe WHERE year = %s ORDER BY stripe LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING stripe, last_serial
"""


def _stripe_next(year) -> tuple[int, int]:
    """(stripe, serial): the taken stripe's counter moved on by one, under its row lock."""
    if connection.vendor == "postgresql":
        # The common case in one statement: a free stripe exists and is taken and moved at once.
        with connection.cursor() as cursor:
            cursor.execute(STRIPE_NEXT_SQL, [year])
            row = cursor.fetchone()
        if row is not None:
            return row[0], row[1]
    counter = _stripe_take(year)
    counter.last_serial += 1
    ReceiptStripe.objects.filter(pk=counter.pk).update(last_serial=counter.last_serial)
    return counter.stripe, counter.last_serial


def _stripe_take(year):
    stripes = ReceiptStripe.objects.filter(year=year)
    free = stripes.select_for_update(skip_locked=True).order_by("stripe").first()
    if free is not None:
        return free
    if not stripes.exists():  # the year's first receipt: create its stripes (a racing creator is ignored)
        ReceiptStripe.objects.bulk_create(
            [ReceiptStripe(year=year, stripe=n) for n in range(1, RECEIPT_STRIPES + 1)], ignore_conflicts=True,
        )
        free = stripes.select_for_update(skip_locked=True).order_by("stripe").first()
        if free is not None:
            return free
    # Every stripe is busy: wait for one, picked at random so waiters spread out.
    return stripes.select_for_update().get(stripe=secrets.randbelow(RECEIPT_STRIPES) + 1)


def _settle_paid(donation, *, gateway_trade_no, paid_at, cause, payload, notification=None, actor=None):
    """Mark a locked order paid: event, ledger entry, receipt number, e-mail after commit. Caller holds the lock."""
    _transition(donation, DonationStatus.PAID, cause=cause, payload=payload, notification=notification, actor=actor)
    donation.gateway_trade_no = gateway_trade_no or None
    donation.paid_at = paid_at or timezone.now()
    # Only these three columns move, none of them frozen.
    row_update(Donation, donation.pk, status=donation.status, gateway_trade_no=donation.gateway_trade_no,
               paid_at=donation.paid_at)
    _post_donation_to_ledger(donation)
    receipt = _receipt_allocate(donation)
    if donation.email:
        from donations.tasks import receipt_email_send

        transaction.on_commit(lambda: receipt_email_send.enqueue(receipt_id=receipt.pk))
    return receipt


def donation_sync(*, donation: Donation, cause="主动查询支付平台") -> Donation:
    """Ask the gateway where a pending order stands and settle it if the gateway says it is paid."""
    if donation.status not in (DonationStatus.CREATED, DonationStatus.PENDING):
        return donation
    gateway = gateway_get(donation.gateway)
    result = gateway.query(donation.out_trade_no)
    if result.state != TradeState.PAID:
        return donation
    if result.amount != donation.amount:
        logger.error("Query of %s returned amount %s, order is %s", donation.out_trade_no, result.amount,
                     donation.amount)
        return donation
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if locked.status in (DonationStatus.CREATED, DonationStatus.PENDING):
            _settle_paid(locked, gateway_trade_no=result.gateway_trade_no, paid_at=result.paid_at, cause=cause,
                         payload=result.data)
    donation.refresh_from_db()
    return donation


def donation_close_stale(*, donation: Donation) -> Donation:
    """Close an order left unpaid past its time; a gateway that says it was paid after all settles it instead."""
    if donation.status not in (DonationStatus.CREATED, DonationStatus.PENDING):
        return donation
    if donation.status == DonationStatus.PENDING:
        outcome = gateway_get(donation.gateway).close(donation.out_trade_no)
        if outcome == CloseOutcome.PAID:
            return donation_sync(donation=donation, cause="关闭前查询：已支付")
        if outcome != CloseOutcome.CLOSED:
            raise GatewayError(f"支付平台未能关闭订单 {donation.out_trade_no}")
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if locked.status in (DonationStatus.CREATED, DonationStatus.PENDING):
            _transition(locked, DonationStatus.CLOSED, cause="超时未支付，已关闭")
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
    donation.refresh_from_db()
    return donation
