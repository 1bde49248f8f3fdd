"""State changes of the pretend gateway: open, see, pay, close and refund trades; notify the merchant.

Gateway-neutral; the wire formats live in ``alipay.py`` and ``wechatpay.py``, which build the
notification bodies these functions store and deliver.
"""

import logging
import math
import secrets
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import SandboxNotification, SandboxNotificationAttempt, SandboxRefund, SandboxTrade

logger = logging.getLogger(__name__)

# The gateways' documented re-notification schedules, in seconds after the previous attempt.
RETRY_SCHEDULES = {
    SandboxTrade.Gateway.ALIPAY: [240, 600, 600, 3600, 7200, 21600, 54000],
    SandboxTrade.Gateway.WECHATPAY: [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600],
}
# The sandbox replays them compressed: by default ten minutes of the real schedule take one second.
DEFAULT_RETRY_SCALE = 1 / 600
DELIVERY_TIMEOUT_SECONDS = 5


class SandboxError(Exception):
    """A business refusal the gateway answers with its own error code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def random_digits(count):
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def _new_trade_no(gateway):
    stamp = timezone.localtime().strftime("%Y%m%d")
    if gateway == SandboxTrade.Gateway.ALIPAY:
        return f"{stamp}22001{random_digits(15)}"
    return f"42000{random_digits(5)}{stamp}{random_digits(10)}"


def trade_open(*, gateway, merchant_id, appid, product, out_trade_no, subject, total_amount, notify_url,
               return_url="", quit_url="", passback_params="", seen=False):
    """Create the trade, or return the same unpaid one when the merchant asks again with the same order."""
    for url in (notify_url, return_url, quit_url):
        if url and not url.startswith(("http://", "https://")):
            raise SandboxError("INVALID_PARAMETER", f"地址必须是 http(s) 网址：{url[:80]}")
    with transaction.atomic():
        trade = (
            SandboxTrade.objects.select_for_update()
            .filter(gateway=gateway, merchant_id=merchant_id, out_trade_no=out_trade_no)
            .first()
        )
        if trade is None:
            trade = SandboxTrade.objects.create(
                gateway=gateway, merchant_id=merchant_id, appid=appid, product=product, out_trade_no=out_trade_no,
                trade_no=_new_trade_no(gateway), subject=subject, total_amount=total_amount, notify_url=notify_url,
                return_url=return_url, quit_url=quit_url, passback_params=passback_params,
                seen_at=timezone.now() if seen else None,
            )
            return trade
        if trade.status == SandboxTrade.Status.PAID:
            raise SandboxError("TRADE_HAS_SUCCESS", "交易已被支付")
        if trade.status == SandboxTrade.Status.CLOSED:
            raise SandboxError("TRADE_HAS_CLOSE", "交易已经关闭")
        if trade.total_amount != total_amount or trade.subject != subject:
            raise SandboxError("CONTEXT_INCONSISTENT", "交易信息被篡改")
        trade.product, trade.notify_url, trade.return_url, trade.quit_url = product, notify_url, return_url, quit_url
        if seen and trade.seen_at is None:
            trade.seen_at = timezone.now()
        trade.save()
        return trade


def trade_see(*, trade):
    """The buyer opened the pay page (scanned the code or logged in): the trade now exists."""
    if trade.seen_at is None:
        SandboxTrade.objects.filter(pk=trade.pk, seen_at__isnull=True).update(seen_at=timezone.now())
        trade.refresh_from_db()
    return trade


def trade_pay(*, trade, build_notification):
    """The buyer confirmed: mark paid once and queue the payment notification. Returns it (or None)."""
    with transaction.atomic():
        locked = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        if locked.status == SandboxTrade.Status.CLOSED:
            raise SandboxError("TRADE_HAS_CLOSE", "交易已经关闭，无法支付")
        if locked.status == SandboxTrade.Status.PAID:
            return None
        now = timezone.now()
        locked.status = SandboxTrade.Status.PAID
        locked.paid_at = now
        locked.seen_at = locked.seen_at or now
        locked.buyer_id = "2088" + random_digits(12)
        locked.buyer_logon_id = "don***@sandbox.example"
        locked.save()
        notification = _notification_create(trade=locked, refund=None, build=build_notification)
    trade.refresh_from_db()
    return notification


def trade_close(*, trade, build_notification=None):
    """Close an unpaid trade; a paid one cannot be closed."""
    with transaction.atomic():
        locked = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        if locked.status == SandboxTrade.Status.PAID:
            raise SandboxError("TRADE_HAS_SUCCESS", "交易已被支付，不能关闭")
        notification = None
        if locked.status == SandboxTrade.Status.UNPAID:
            locked.status = SandboxTrade.Status.CLOSED
            locked.closed_at = timezone.now()
            locked.save()
            if build_notification is not None:
                notification = _notification_create(trade=locked, refund=None, build=build_notification)
    trade.refresh_from_db()
    return notification


def refund_create(*, trade, out_request_no, amount, reason="", notify_url="", build_notification, settle_after=None):
    """Refund once per request number, never beyond what was paid. Returns (refund, created, notification).

    ``settle_after`` (seconds) leaves the refund PROCESSING until then, as WeChat Pay does; without it
    the refund succeeds at once and its notification is queued, as at Alipay.
    """
    if amount <= 0:
        raise SandboxError("INVALID_PARAMETER", "退款金额必须大于零")
    with transaction.atomic():
        locked = SandboxTrade.objects.select_for_update().get(pk=trade.pk)
        existing = SandboxRefund.objects.filter(trade=locked, out_request_no=out_request_no).first()
        if existing is not None:
            if existing.amount != amount:
                raise SandboxError("CONTEXT_INCONSISTENT", "同一退款请求号的退款金额不一致")
            return existing, False, None
        if locked.status != SandboxTrade.Status.PAID:
            raise SandboxError("TRADE_STATUS_ERROR", "交易状态不允许退款")
        if locked.refunded_amount + amount > locked.total_amount:
            raise SandboxError("REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        now = timezone.now()
        pending = settle_after is not None
        refund = SandboxRefund.objects.create(
            trade=locked, out_request_no=out_request_no, amount=amount, reason=reason,
            refund_no=_new_trade_no(locked.gateway) + random_digits(2), notify_url=notify_url,
            status=SandboxRefund.Status.PROCESSING if pending else SandboxRefund.Status.SUCCESS,
            settles_at=now + timedelta(seconds=settle_after) if pending else None,
            settled_at=None if pending else now,
        )
        # The money is held for the refund at once, so two refunds together cannot exceed the payment.
        locked.refunded_amount += amount
        locked.save()
        notification = None if pending else _notification_create(trade=locked, refund=refund, build=build_notification)
    trade.refresh_from_db()
    return refund, True, notification


def refund_finish(*, refund, status, build_notification):
    """A PROCESSING refund reaches its end (SUCCESS, ABNORMAL or CLOSED); returns the notification to send."""
    with transaction.atomic():
        trade = SandboxTrade.objects.select_for_update().get(pk=refund.trade_id)
        locked = SandboxRefund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != SandboxRefund.Status.PROCESSING:
            refund.refresh_from_db()  # settled by a concurrent call: answer its current state
            return None
        locked.status, locked.settled_at = status, timezone.now()
        locked.save(update_fields=["status", "settled_at"])
        if status != SandboxRefund.Status.SUCCESS:
            trade.refunded_amount -= locked.amount  # no money left: it may be refunded again
            trade.save(update_fields=["refunded_amount"])
        notification = _notification_create(trade=trade, refund=locked, build=build_notification)
    refund.refresh_from_db()
    return notification


def refunds_due():
    """PROCESSING refunds whose time to settle has come."""
    return SandboxRefund.objects.filter(status=SandboxRefund.Status.PROCESSING, settles_at__lte=timezone.now())


def _notification_create(*, trade, refund, build):
    """Store the notification exactly as it will be sent; ``build`` speaks the gateway's format."""
    if build is None:
        return None
    notify_id = timezone.localtime().strftime("%Y%m%d") + "00222" + random_digits(25)
    message = build(trade=trade, refund=refund, notify_id=notify_id)
    if message is None or not message["url"]:
        return None
    return SandboxNotification.objects.create(
        trade=trade, refund=refund, notify_id=notify_id, event=message["event"], url=message["url"],
        content_type=message["content_type"], body=message["body"], next_attempt_at=timezone.now(),
    )


def retry_delay(*, gateway, attempts):
    """Seconds until the next attempt after ``attempts`` failed ones, or None once the schedule is spent."""
    schedule = RETRY_SCHEDULES[gateway]
    if attempts > len(schedule):
        return None
    scale = getattr(settings, "GATEWAY_SANDBOX_RETRY_SCALE", DEFAULT_RETRY_SCALE)
    return max(1, math.ceil(schedule[attempts - 1] * scale))


def notification_attempt(*, notification, headers_for):
    """POST the notification once and record the answer. True when the merchant acknowledged it.

    Alipay counts only a body of exactly ``success``; WeChat Pay any 2xx. ``headers_for``
    gives the gateway's headers for this attempt (WeChat Pay signs each attempt afresh).
    """
    if notification.delivered_at is not None:
        return True
    headers = {"Content-Type": notification.content_type, **headers_for(notification)}
    request = urllib.request.Request(  # noqa: S310 - the merchant's notify_url, http(s) only (checked on intake)
        notification.url, data=notification.body.encode("utf-8"), headers=headers, method="POST"
    )
    status, body, error = None, b"", ""
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310
            status, body = response.status, response.read(4096)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(4096)
    except (urllib.error.URLError, OSError) as exc:
        error = str(exc)[:256]
    acknowledged = status is not None and _acknowledged(notification.trade.gateway, status, body)
    return _attempt_record(notification, status, body, error, acknowledged)


def _acknowledged(gateway, status, body):
    if gateway == SandboxTrade.Gateway.ALIPAY:
        return status == 200 and body == b"success"
    return 200 <= status < 300


def _attempt_record(notification, status, body, error, acknowledged):
    now = timezone.now()
    SandboxNotificationAttempt.objects.create(
        notification=notification, status_code=status, response_body=body.decode("utf-8", "replace"),
        error=error, acknowledged=acknowledged,
    )
    notification.attempts += 1
    if acknowledged:
        notification.delivered_at, notification.next_attempt_at = now, None
    else:
        delay = retry_delay(gateway=notification.trade.gateway, attempts=notification.attempts)
        notification.next_attempt_at = None if delay is None else now + timedelta(seconds=delay)
        logger.info("sandbox notification %s not acknowledged (attempt %s)", notification.notify_id, notification.attempts)
    notification.save(update_fields=["attempts", "delivered_at", "next_attempt_at"])
    return acknowledged


def amount_from_fen(fen):
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))
