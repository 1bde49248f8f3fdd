"""Refunds: requested by staff or announced by the gateway, followed up until they settle, each step recorded."""

import logging
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from donations.gateways import gateway_get
from donations.gateways.base import (
    GatewayError,
    RefundOutcome,
    RefundState,
)
from donations.models import (
    Donation,
    DonationStatus,
    Gateway,
    Refund,
    RefundEvent,
    RefundStatus,
)
from donations.services.orders import NotificationRejected, _absolute, _positive_amount, _transition

logger = logging.getLogger(__name__)

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
    from ledger.models import EntryKind, EntrySource
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
        kind=EntryKind.REFUND, amount=refund.amount, occurred_on=_refund_occurred_on(refunded_at=refund.refunded_at),
        memo=f"退还捐赠：订单 {donation.out_trade_no}，{refund.reason}",
        project_id=donation.campaign.project_id, source=EntrySource.REFUND, source_ref=refund.out_request_no,
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
    amount = _positive_amount(amount, label="退款金额", message="退款金额须为大于零、最多两位小数的金额。")
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
