"""Every change to donations: orders, payment, notifications, refunds, receipts, offline gifts."""

import logging
import re
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from donations.gateways import gateway_get
from donations.gateways.base import (
    CloseOutcome,
    GatewayError,
    NotificationEvent,
    PaymentRequest,
    RefundOutcome,
    RefundState,
    TradeState,
    VerificationError,
)
from donations.models import (
    Channel,
    Donation,
    DonationEvent,
    DonationStatus,
    Gateway,
    GatewayNotification,
    NotificationOutcome,
    Receipt,
    ReceiptCounter,
    Refund,
    RefundEvent,
    RefundStatus,
)
from donations.models.orders import TRANSITIONS

logger = logging.getLogger(__name__)
CENT = Decimal("0.01")
PHONE_RE = re.compile(r"^1\d{10}$")
TAXPAYER_RE = re.compile(r"^[0-9A-Z]{15,20}$")
CHANNELS_BY_GATEWAY = {
    Gateway.ALIPAY: {Channel.PAGE, Channel.WAP, Channel.QR},
    Gateway.WECHATPAY: {Channel.QR, Channel.H5},
}


class NotificationRejected(Exception):
    """A verified notification that does not match our order; nothing changes and the gateway retries."""


# --- amounts and orders -------------------------------------------------------------------------


def donation_amount_parse(*, raw) -> Decimal:
    """The donor's amount as exact yuan within the configured bounds, or a ValidationError saying why not."""
    text = str(raw if raw is not None else "").strip().replace(",", "")
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ValidationError("请输入数字金额，例如 100 或 66.60。", code="not_numeric")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise ValidationError("请输入数字金额，例如 100 或 66.60。", code="not_numeric") from exc
    if amount != amount.quantize(CENT):
        raise ValidationError("金额最多两位小数（精确到分）。", code="too_precise")
    low, high = Decimal(settings.DONATION_MIN_AMOUNT), Decimal(settings.DONATION_MAX_AMOUNT)
    if amount < low or amount > high:
        raise ValidationError(f"单笔捐赠金额须在 {low:.2f} 元至 {high:.2f} 元之间。", code="out_of_bounds")
    return amount.quantize(CENT)


def _new_out_trade_no() -> str:
    # Date for humans reading statements, then 12 random hex digits: unguessable and unique in practice.
    return timezone.localtime().strftime("%Y%m%d") + secrets.token_hex(6).upper()


def _clean_donor(*, donor_name, anonymous, message, phone, email, wants_official_receipt, official_receipt_title,
                 taxpayer_number):
    errors = {}
    donor_name, message = (donor_name or "").strip(), (message or "").strip()
    phone, email = (phone or "").strip(), (email or "").strip()
    official_receipt_title, taxpayer_number = (official_receipt_title or "").strip(), (taxpayer_number or "").strip()
    if not anonymous and not donor_name:
        errors["donor_name"] = "请填写姓名，或选择匿名捐赠。"
    if len(donor_name) > 50:
        errors["donor_name"] = "姓名最长 50 个字。"
    if len(message) > 200:
        errors["message"] = "留言最长 200 个字。"
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = "请输入 11 位中国大陆手机号。"
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = "电子邮箱格式不正确。"
    if wants_official_receipt:
        if not official_receipt_title:
            errors["official_receipt_title"] = "申请捐赠票据时请填写票据抬头（个人姓名或单位名称）。"
        if taxpayer_number and not TAXPAYER_RE.match(taxpayer_number.upper()):
            errors["taxpayer_number"] = "纳税人识别号应为 15 至 20 位数字或大写字母。"
        if not (phone or email):
            errors["phone"] = "申请捐赠票据时请留下手机号或电子邮箱，便于联系。"
    if errors:
        raise ValidationError(errors)
    return dict(
        donor_name=donor_name, anonymous=bool(anonymous), message=message, phone=phone, email=email,
        wants_official_receipt=bool(wants_official_receipt),
        official_receipt_title=official_receipt_title if wants_official_receipt else "",
        taxpayer_number=taxpayer_number.upper() if wants_official_receipt else "",
    )


def donation_create(*, campaign, amount, gateway: str, channel: str, donor_name="", anonymous=False, message="",
                    phone="", email="", wants_official_receipt=False, official_receipt_title="",
                    taxpayer_number="") -> Donation:
    """A new order in state created; validates everything and saves nothing when anything is wrong."""
    amount = donation_amount_parse(raw=amount)
    if gateway not in CHANNELS_BY_GATEWAY or gateway not in settings.PAYMENT_GATEWAYS:
        raise ValidationError({"gateway": "该支付方式暂不可用。"})
    if channel not in CHANNELS_BY_GATEWAY[gateway]:
        raise ValidationError({"channel": "该支付方式不支持此支付渠道。"})
    if not campaign.live or not campaign.is_open():
        raise ValidationError("该募捐活动当前不在募捐期内。")
    donor = _clean_donor(
        donor_name=donor_name, anonymous=anonymous, message=message, phone=phone, email=email,
        wants_official_receipt=wants_official_receipt, official_receipt_title=official_receipt_title,
        taxpayer_number=taxpayer_number,
    )
    with transaction.atomic():
        donation = Donation.objects.create(
            campaign=campaign, out_trade_no=_new_out_trade_no(), gateway=gateway, channel=channel, amount=amount,
            resume_token=secrets.token_urlsafe(24), **donor,
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
    DonationEvent.objects.create(
        donation=donation, from_status=donation.status, to_status=to_status, cause=cause, payload=payload or {},
        notification=notification, actor=actor,
    )
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
        client_ip=client_ip, expires_at=expires_at,
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
    from ledger.services import entry_record

    campaign = donation.campaign
    entry_record(
        kind="donation", amount=donation.amount, occurred_on=timezone.localdate(donation.paid_at),
        memo=f"{campaign.title}：{Gateway(donation.gateway).label}捐赠，订单 {donation.out_trade_no}",
        project_id=campaign.project_id, source="donation", source_ref=donation.out_trade_no,
        recorded_by=donation.recorded_by, voucher=donation.voucher,
    )


def _receipt_allocate(donation) -> Receipt:
    """The next gap-free number of the payment's year, taken under a lock on that year's counter row."""
    year = timezone.localtime(donation.paid_at).year
    counter = ReceiptCounter.objects.select_for_update().filter(year=year).first()
    if counter is None:  # the year's first receipt: create the row (a racing creator is caught), then lock it
        ReceiptCounter.objects.get_or_create(year=year)
        counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    return Receipt.objects.create(
        donation=donation, year=year, serial=counter.last_serial, number=f"{year}-{counter.last_serial:06d}",
        token=secrets.token_urlsafe(32), issued_at=timezone.now(),
    )


def _settle_paid(donation, *, gateway_trade_no, paid_at, cause, payload, notification=None, actor=None):
    """Mark a locked order paid: event, ledger entry, receipt number, e-mail after commit. Caller holds the lock."""
    _transition(donation, DonationStatus.PAID, cause=cause, payload=payload, notification=notification, actor=actor)
    donation.gateway_trade_no = gateway_trade_no or None
    donation.paid_at = paid_at or timezone.now()
    donation.save(update_fields=["status", "gateway_trade_no", "paid_at"])
    _post_donation_to_ledger(donation)
    receipt = _receipt_allocate(donation)
    if donation.email:
        from donations.tasks import receipt_email_send

        transaction.on_commit(lambda: receipt_email_send.enqueue(receipt_id=receipt.pk))
    return receipt


def _check_merchant(gateway, verified):
    app_id, merchant_id = gateway.expected_merchant()
    # WeChat's refund events carry mchid but no appid; every other message must name our app.
    refund_event = verified.event in (NotificationEvent.REFUNDED, NotificationEvent.REFUND_FAILED)
    if not (refund_event and verified.gateway == Gateway.WECHATPAY) and verified.app_id != app_id:
        raise NotificationRejected("app_id 与本方应用不符")
    if verified.merchant_id != merchant_id:
        raise NotificationRejected("收款方（seller_id/mchid）与本方不符")


def _apply_paid(donation, verified, notification):
    if donation.is_paid:
        if donation.gateway_trade_no and donation.gateway_trade_no != verified.gateway_trade_no:
            raise NotificationRejected("订单已由另一笔交易支付")
        return NotificationOutcome.DUPLICATE
    if donation.status == DonationStatus.CLOSED:
        raise NotificationRejected("订单已关闭却收到支付通知，需财务人工核查并退款")
    _settle_paid(donation, gateway_trade_no=verified.gateway_trade_no, paid_at=verified.occurred_at,
                 cause="支付平台异步通知：支付成功", payload=verified.data, notification=notification)
    return NotificationOutcome.PROCESSED


def _apply_refund(donation, verified, notification):
    if not donation.is_paid:
        raise NotificationRejected("未支付的订单收到退款通知")
    if verified.refund_amount is None or verified.refund_amount <= 0:
        raise NotificationRejected("退款通知缺少退款金额")
    refund = None
    if verified.refund_request_no:
        refund = Refund.objects.select_for_update().filter(out_request_no=verified.refund_request_no).first()
    if refund is None:
        # Alipay's refund_fee is the cumulative total; WeChat's amount.refund is this refund alone.
        amount = verified.refund_amount
        if verified.gateway == Gateway.ALIPAY:
            amount = verified.refund_amount - donation.refunded_amount
        if amount <= 0:
            return NotificationOutcome.DUPLICATE
        if not verified.refund_request_no:
            # A notice without out_biz_no: ours if it matches the refund in flight, else keyed by the notice.
            refund = donation.refunds.select_for_update().filter(status=RefundStatus.REQUESTED, amount=amount).first()
        if refund is None:
            refund = Refund.objects.create(
                donation=donation, out_request_no=verified.refund_request_no or _refund_notice_key(verified),
                amount=amount, reason="支付平台通知的退款",
            )
            _refund_event(refund, RefundStatus.REQUESTED, cause="支付平台通知了本站未发起的退款",
                          payload=verified.data, notification=notification)
    if refund.donation_id != donation.pk:
        raise NotificationRejected("退款请求号属于另一笔订单")
    if refund.status == RefundStatus.SUCCEEDED:
        return NotificationOutcome.DUPLICATE
    if verified.gateway == Gateway.WECHATPAY and verified.refund_amount != refund.amount:
        raise NotificationRejected(f"退款金额 {verified.refund_amount} 与退款单金额 {refund.amount} 不符")
    _refund_settle(refund, donation=donation, data=verified.data, refunded_at=verified.occurred_at,
                   gateway_refund_no=str((verified.data.get("resource") or {}).get("refund_id") or ""),
                   cause="支付平台异步通知：退款成功", notification=notification)
    return NotificationOutcome.PROCESSED


def _apply_refund_failed(donation, verified, notification):
    refund = Refund.objects.select_for_update().filter(out_request_no=verified.refund_request_no).first()
    if refund is None or refund.donation_id != donation.pk:
        raise NotificationRejected(f"退款单 {verified.refund_request_no!r} 不存在")
    if refund.status == RefundStatus.FAILED:
        return NotificationOutcome.DUPLICATE
    if refund.status == RefundStatus.SUCCEEDED:
        raise NotificationRejected("已退款成功的退款单收到退款失败通知，需财务人工核查")
    status = (verified.data.get("resource") or {}).get("refund_status") or verified.data.get("event_type", "")
    reason = {"ABNORMAL": "退款异常（如收款账户已注销），资金未退出，需财务另行处理",
              "CLOSED": "退款已关闭，资金未退出"}.get(status, f"退款失败（{status}）")
    _refund_fail(refund, reason=reason, data=verified.data, cause=f"支付平台异步通知：{reason}",
                 notification=notification)
    return NotificationOutcome.PROCESSED


def _apply_closed(donation, verified, notification):
    if donation.status == DonationStatus.CLOSED:
        return NotificationOutcome.DUPLICATE
    if donation.is_paid:
        raise NotificationRejected("已支付的订单收到无退款的关闭通知")
    _transition(donation, DonationStatus.CLOSED, cause="支付平台异步通知：交易关闭", payload=verified.data,
                notification=notification)
    donation.closed_at = timezone.now()
    donation.save(update_fields=["status", "closed_at"])
    return NotificationOutcome.PROCESSED


APPLY = {
    NotificationEvent.PAID: _apply_paid,
    NotificationEvent.REFUNDED: _apply_refund,
    NotificationEvent.REFUND_FAILED: _apply_refund_failed,
    NotificationEvent.CLOSED: _apply_closed,
}


def notification_store(*, gateway: str, headers: dict, body: str, remote_addr=None) -> GatewayNotification:
    """Keep the notification exactly as it came, before trusting or parsing any of it."""
    return GatewayNotification.objects.create(gateway=gateway, headers=headers, body=body, remote_addr=remote_addr)


def notification_refuse(*, notification: GatewayNotification, reason: str) -> None:
    """Record why a stored notification was refused before verification (e.g. its gateway is not enabled)."""
    _finish(notification, NotificationOutcome.REJECTED, reason)


def _finish(notification, outcome, error=""):
    GatewayNotification.objects.filter(pk=notification.pk).update(
        outcome=outcome, error=error, processed_at=timezone.now(), verified=notification.verified,
        out_trade_no=notification.out_trade_no,
    )
    notification.outcome, notification.error = outcome, error


def notification_process(*, notification: GatewayNotification, params: dict):
    """Verify, then settle under the order's row lock. Returns the exact answer the gateway expects."""
    gateway = gateway_get(notification.gateway)
    try:
        verified = gateway.verify_notification(
            headers=notification.headers, body=notification.body.encode("utf-8"), params=params
        )
    except VerificationError as exc:
        logger.warning("Rejected %s notification #%s: %s", notification.gateway, notification.pk, exc)
        _finish(notification, NotificationOutcome.REJECTED, str(exc))
        return gateway.refuse("签名验证失败")
    notification.verified = True
    notification.out_trade_no = verified.out_trade_no[:64]
    try:
        outcome = _notification_apply(gateway, verified, notification)
    except NotificationRejected as exc:
        logger.warning("Refused %s notification #%s: %s", notification.gateway, notification.pk, exc)
        _finish(notification, NotificationOutcome.REJECTED, str(exc))
        return gateway.refuse(str(exc))
    except Exception as exc:
        # A database or other fault: the transaction rolled back, so nothing is half-done; the gateway retries.
        logger.exception("Failed processing %s notification #%s", notification.gateway, notification.pk)
        _finish(notification, NotificationOutcome.FAILED, f"{type(exc).__name__}: {exc}")
        return gateway.refuse("处理失败，请重试")
    _finish(notification, outcome)
    return gateway.acknowledge()


def _notification_apply(gateway, verified, notification):
    _check_merchant(gateway, verified)
    apply = APPLY.get(verified.event)
    if apply is None:
        return NotificationOutcome.IGNORED
    with transaction.atomic():
        # Lock the order row only (of=self); its campaign comes along in the same query.
        donation = Donation.objects.select_related("campaign").select_for_update(of=("self",)).filter(
            out_trade_no=verified.out_trade_no, gateway=verified.gateway
        ).first()
        if donation is None:
            raise NotificationRejected(f"订单 {verified.out_trade_no!r} 不存在")
        if verified.amount is None or verified.amount != donation.amount:
            raise NotificationRejected(f"金额 {verified.amount} 与订单金额 {donation.amount} 不符")
        try:
            with transaction.atomic():
                return apply(donation, verified, notification)
        except IntegrityError:
            # A concurrent delivery got there first (unique trade number or receipt): the work is done once.
            donation.refresh_from_db()
            if verified.event == NotificationEvent.PAID and donation.is_paid:
                return NotificationOutcome.DUPLICATE
            raise


# --- querying, closing, refunds ----------------------------------------------------------------------


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


BEIJING = ZoneInfo("Asia/Shanghai")
# Seconds until a refund still in flight is asked about again, by how often it has been asked; then the last.
REFUND_CHECK_DELAYS = (60, 120, 300, 600, 1800, 3600, 7200, 21600)


def _refund_event(refund, to_status, *, cause, payload=None, notification=None, actor=None):
    """Record one step of a refund; every change of a refund goes through here."""
    RefundEvent.objects.create(
        refund=refund, from_status=refund.status, to_status=to_status, cause=cause[:200], payload=payload or {},
        notification=notification, actor=actor,
    )
    refund.status = to_status


def _refund_notice_key(verified) -> str:
    """A request number for a refund notice without out_biz_no: the same on every retry, new for each refund.

    Alipay sends such notices with its trade_no, the refund's gmt_refund and the cumulative refund_fee:
    a retry repeats all three, and a second refund has another time and a larger total.
    """
    stamp = re.sub(r"\D", "", verified.data.get("gmt_refund", ""))
    fee = f"{verified.refund_amount:.2f}".replace(".", "")
    return f"{verified.gateway_trade_no or verified.out_trade_no}-{stamp}-{fee}"[:64]


def _refund_gateway(donation):
    if donation.gateway == Gateway.OFFLINE:
        from donations.gateways.offline import OfflineGateway

        return OfflineGateway()
    return gateway_get(donation.gateway)


def _refund_occurred_on(*, refunded_at):
    """The ledger date of a refund: the gateway's refund time as a Beijing calendar day."""
    return (refunded_at or timezone.now()).astimezone(BEIJING).date()


def _refund_settle(refund, *, donation, data, refunded_at=None, gateway_refund_no="", cause="退款成功",
                   notification=None, actor=None):
    """A refund that moved money: donation refunded amount, status, events and a refund ledger entry."""
    from ledger.services import entry_record

    new_total = donation.refunded_amount + refund.amount
    if new_total > donation.amount:
        raise NotificationRejected("退款总额超过捐赠金额")
    to_status = DonationStatus.REFUNDED if new_total == donation.amount else DonationStatus.PARTIALLY_REFUNDED
    _transition(donation, to_status, cause=f"退款 {refund.amount} 元（{refund.out_request_no}）", payload=data,
                notification=notification, actor=actor)
    donation.refunded_amount = new_total
    donation.save(update_fields=["status", "refunded_amount"])
    _refund_event(refund, RefundStatus.SUCCEEDED, cause=cause, payload=data, notification=notification, actor=actor)
    refund.completed_at, refund.error, refund.next_check_at = timezone.now(), "", None
    refund.refunded_at = refunded_at or refund.completed_at
    refund.gateway_refund_no = (gateway_refund_no or refund.gateway_refund_no)[:64]
    refund.gateway_response = data
    refund.save(update_fields=["status", "completed_at", "gateway_response", "error", "next_check_at",
                               "refunded_at", "gateway_refund_no"])
    entry_record(
        kind="refund", amount=refund.amount, occurred_on=_refund_occurred_on(refunded_at=refund.refunded_at),
        memo=f"退还捐赠：订单 {donation.out_trade_no}，{refund.reason}",
        project_id=donation.campaign.project_id, source="refund", source_ref=refund.out_request_no,
        recorded_by=actor,
    )


def _refund_fail(refund, *, reason, data, cause, notification=None, actor=None):
    """The gateway refused or abandoned the refund: no money moved, and the next refund may be opened."""
    _refund_event(refund, RefundStatus.FAILED, cause=cause, payload=data, notification=notification, actor=actor)
    refund.error, refund.gateway_response = reason, data
    refund.completed_at, refund.next_check_at = timezone.now(), None
    refund.save(update_fields=["status", "error", "gateway_response", "completed_at", "next_check_at"])


def _refund_defer(refund, *, cause, data, message):
    """Still in flight: record what the gateway said and when to ask again (a task, or the housekeeping sweep)."""
    _refund_event(refund, RefundStatus.REQUESTED, cause=cause, payload=data)
    delay = REFUND_CHECK_DELAYS[min(refund.check_count, len(REFUND_CHECK_DELAYS) - 1)]
    refund.error = message or "支付平台处理中"
    refund.next_check_at = timezone.now() + timedelta(seconds=delay)
    refund.save(update_fields=["error", "next_check_at"])
    refund_id, when = refund.pk, refund.next_check_at

    def schedule():
        from donations.tasks import refund_follow_up_schedule

        refund_follow_up_schedule(refund_id=refund_id, when=when)

    transaction.on_commit(schedule)


def _refund_apply_outcome(refund, outcome, *, via, actor=None) -> Refund:
    """Apply what the gateway said about a refund, under the donation's and the refund's row locks."""
    with transaction.atomic():
        donation = Donation.objects.select_related("campaign").select_for_update(of=("self",)).get(
            pk=refund.donation_id
        )
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status == RefundStatus.REQUESTED:
            if outcome.state == RefundState.SUCCEEDED:
                _refund_settle(locked, donation=donation, data=outcome.data, refunded_at=outcome.refunded_at,
                               gateway_refund_no=outcome.gateway_refund_no, cause=f"{via}：退款成功", actor=actor)
            elif outcome.state == RefundState.FAILED:
                _refund_fail(locked, reason=outcome.message or "支付平台拒绝退款", data=outcome.data,
                             cause=f"{via}：{outcome.message or '支付平台拒绝退款'}", actor=actor)
            else:
                label = "处理中" if outcome.state == RefundState.PROCESSING else "结果未知"
                _refund_defer(locked, cause=f"{via}：{label}，稍后查询", data=outcome.data, message=outcome.message)
    refund.refresh_from_db()
    return refund


def refund_request(*, donation: Donation, amount, reason: str, requested_by=None) -> Refund:
    """Open a refund with its own idempotency number, then ask the gateway; a retry reuses the same number."""
    amount = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    if amount != amount.quantize(CENT) or amount <= 0:
        raise ValidationError({"amount": "退款金额须为大于零、最多两位小数的金额。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写退款原因。"})
    with transaction.atomic():
        locked = Donation.objects.select_for_update().get(pk=donation.pk)
        if not locked.is_paid or locked.status == DonationStatus.REFUNDED:
            raise ValidationError("只有已支付且未全额退款的捐赠可以退款。")
        if amount > locked.amount - locked.refunded_amount:
            raise ValidationError({"amount": f"退款金额不能超过可退金额 {locked.amount - locked.refunded_amount} 元。"})
        # Only a refund in flight blocks the next (the partial unique constraint holds it); failed ones do not.
        if locked.refunds.filter(status=RefundStatus.REQUESTED).exists():
            raise ValidationError("该捐赠已有一笔退款在处理中，请等待它完成。")
        count = locked.refunds.count() + 1
        refund = Refund.objects.create(
            donation=locked, out_request_no=f"{locked.out_trade_no}R{count}", amount=amount, reason=reason.strip(),
            requested_by=requested_by,
        )
        RefundEvent.objects.create(
            refund=refund, from_status=RefundStatus.REQUESTED, to_status=RefundStatus.REQUESTED,
            cause="发起退款", payload={"amount": str(amount), "reason": refund.reason}, actor=requested_by,
        )
    return refund_submit(refund=refund, actor=requested_by)


def refund_submit(*, refund: Refund, actor=None) -> Refund:
    """Send (or resend, under the same request number) a refund in flight; the gateway refunds it once."""
    if refund.status != RefundStatus.REQUESTED:
        return refund
    donation = refund.donation
    gateway = _refund_gateway(donation)
    notify_url = ""
    if donation.gateway != Gateway.OFFLINE:
        notify_url = _absolute(reverse(f"donations:notify_{donation.gateway}"))
    try:
        outcome = gateway.refund(
            out_trade_no=donation.out_trade_no, out_request_no=refund.out_request_no, amount=refund.amount,
            total=donation.amount, reason=refund.reason, notify_url=notify_url,
        )
    except GatewayError as exc:
        # No answer (network, bad signature): the refund may or may not exist; the follow-up asks first.
        outcome = RefundOutcome(state=RefundState.UNKNOWN, message=str(exc), data={"error": str(exc)})
    return _refund_apply_outcome(refund, outcome, via="提交退款", actor=actor)


def refund_check(*, refund: Refund) -> Refund:
    """Ask the gateway where a refund in flight stands; settle, fail, or resubmit it when it never arrived."""
    refund = Refund.objects.select_related("donation").get(pk=refund.pk)
    if refund.status != RefundStatus.REQUESTED:
        return refund
    donation = refund.donation
    Refund.objects.filter(pk=refund.pk).update(check_count=F("check_count") + 1)
    refund.refresh_from_db()
    try:
        outcome = _refund_gateway(donation).query_refund(
            out_trade_no=donation.out_trade_no, out_request_no=refund.out_request_no
        )
    except GatewayError as exc:
        outcome = RefundOutcome(state=RefundState.UNKNOWN, message=str(exc), data={"error": str(exc)})
    if outcome.state == RefundState.NOT_EXIST:
        # The gateway never took it: resending under the same number is safe (both gateways dedupe by it).
        RefundEvent.objects.create(
            refund=refund, from_status=refund.status, to_status=refund.status,
            cause="查询退款：支付平台无此退款，以同一请求号重新提交", payload=outcome.data,
        )
        return refund_submit(refund=refund)
    return _refund_apply_outcome(refund, outcome, via="查询退款")


def refunds_in_flight_check(*, limit=200) -> int:
    """Ask about every refund in flight whose time has come; the housekeeping sweep. Returns how many settled."""
    due = Refund.objects.filter(status=RefundStatus.REQUESTED).filter(
        Q(next_check_at__isnull=True) | Q(next_check_at__lte=timezone.now())
    ).order_by("next_check_at", "pk")[:limit]
    finished = 0
    for refund in list(due):
        try:
            if refund_check(refund=refund).status != RefundStatus.REQUESTED:
                finished += 1
        except (NotificationRejected, ValidationError) as exc:
            logger.error("Refund %s could not be settled: %s", refund.out_request_no, exc)
    return finished


# --- offline gifts and official receipts -----------------------------------------------------------


def offline_donation_record(*, campaign, amount, donor_name="", anonymous=False, message="", phone="", email="",
                            received_at=None, bank_reference: str, voucher, recorded_by,
                            wants_official_receipt=False, official_receipt_title="", taxpayer_number="") -> Donation:
    """A bank transfer received and entered by finance staff: paid at once, with its voucher."""
    if voucher is None:
        raise ValidationError({"voucher": "请上传银行回单等转账凭证。"})
    if not (bank_reference or "").strip():
        raise ValidationError({"bank_reference": "请填写银行流水号。"})
    amount = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationError({"amount": "金额须大于零，最多两位小数。"})
    donor = _clean_donor(
        donor_name=donor_name, anonymous=anonymous, message=message, phone=phone, email=email,
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
