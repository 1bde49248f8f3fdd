"""Reconciliation: the gateway's daily statement against our paid orders and refunds, every mismatch listed."""

import logging
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from donations.gateways import gateway_get
from donations.gateways.base import GatewayError, StatementLine
from donations.models import Donation, ReconciliationRun, Refund, RefundStatus
from donations.models.orders import PAID_STATUSES

logger = logging.getLogger(__name__)


def _day_bounds(day: date):
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _ours(gateway: str, day: date):
    start, end = _day_bounds(day)
    payments = {
        d.out_trade_no: d for d in Donation.objects.filter(
            gateway=gateway, status__in=PAID_STATUSES, paid_at__gte=start, paid_at__lt=end
        )
    }
    refunds = {
        r.out_request_no: r for r in Refund.objects.select_related("donation").filter(
            donation__gateway=gateway, status=RefundStatus.SUCCEEDED, completed_at__gte=start, completed_at__lt=end
        )
    }
    return payments, refunds


def statement_compare(*, lines: list[StatementLine], payments: dict, refunds: dict) -> tuple[int, list[dict]]:
    """(matched count, mismatches) between statement lines and our records for the same day."""
    matched, problems = 0, []
    seen_payments, seen_refunds = set(), set()
    for line in lines:
        if line.kind == "payment":
            seen_payments.add(line.out_trade_no)
            ours = payments.get(line.out_trade_no)
            if ours is None:
                other = Donation.objects.filter(out_trade_no=line.out_trade_no).first()
                problem = "平台已收款，本站未记为当日已支付" + (f"（本站状态：{other.get_status_display()}）" if other else "（本站无此订单）")
                problems.append(_row(line, None, problem))
            elif ours.amount != line.amount:
                problems.append(_row(line, ours.amount, "金额不一致"))
            else:
                matched += 1
        else:
            key = line.refund_request_no or line.out_trade_no
            seen_refunds.add(key)
            ours = refunds.get(key)
            if ours is None:
                problems.append(_row(line, None, "平台有退款，本站无对应的已完成退款"))
            elif ours.amount != line.amount:
                problems.append(_row(line, ours.amount, "退款金额不一致"))
            else:
                matched += 1
    for no, donation in payments.items():
        if no not in seen_payments:
            problems.append({"kind": "payment", "out_trade_no": no, "gateway_trade_no": donation.gateway_trade_no or "",
                             "ours": str(donation.amount), "theirs": "", "problem": "本站记为已支付，对账单中没有"})
    for no, refund in refunds.items():
        if no not in seen_refunds:
            problems.append({"kind": "refund", "out_trade_no": refund.donation.out_trade_no, "refund_request_no": no,
                             "ours": str(refund.amount), "theirs": "", "problem": "本站记为已退款，对账单中没有"})
    return matched, problems


def _row(line, ours, problem):
    return {
        "kind": line.kind, "out_trade_no": line.out_trade_no, "gateway_trade_no": line.gateway_trade_no,
        "refund_request_no": line.refund_request_no, "ours": str(ours) if ours is not None else "",
        "theirs": str(line.amount), "problem": problem,
    }


def reconciliation_run(*, gateway: str, day: date) -> ReconciliationRun:
    """Fetch the statement, compare, store the run.

    A statement that cannot be fetched, decoded or parsed is stored as a failed run (``error`` set, nothing
    compared): finance staff see that the day was not reconciled and why, rather than no record at all.
    """
    try:
        lines = gateway_get(gateway).statement(day)
        payments, refunds = _ours(gateway, day)
        matched, problems = statement_compare(lines=lines, payments=payments, refunds=refunds)
    except GatewayError as exc:
        return _failed(gateway, day, str(exc))
    except Exception as exc:  # noqa: BLE001 - any fault in a statement must leave a record, not a crash
        logger.exception("Reconciliation of %s for %s failed", gateway, day)
        return _failed(gateway, day, f"对账失败：{type(exc).__name__}: {str(exc)[:500]}")
    return ReconciliationRun.objects.create(
        gateway=gateway, day=day, statement_lines=len(lines), matched=matched, mismatch_count=len(problems),
        mismatches=problems,
    )


def _failed(gateway, day, error):
    return ReconciliationRun.objects.create(gateway=gateway, day=day, error=error, mismatch_count=0)
