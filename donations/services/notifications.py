"""Gateway notifications: kept as received, verified, then applied under the order's row lock."""

import base64
import logging
import re
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from donations.gateways import gateway_get
from donations.gateways.base import (
    NotificationEvent,
    VerificationError,
)
from donations.models import (
    CampaignPage,
    Donation,
    DonationStatus,
    Gateway,
    GatewayNotification,
    NotificationOutcome,
    Refund,
    RefundStatus,
)
from donations.services.orders import NotificationRejected, _settle_paid, _transition
from donations.services.refunds import _refund_event, _refund_fail, _refund_notice_key, _refund_settle
from fundsite.rows import row_insert, row_update

logger = logging.getLogger(__name__)


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


# PostgreSQL text and jsonb keep neither NUL nor lone surrogates; other controls are kept as they are.
_UNKEEPABLE = re.compile("[\x00\ud800-\udfff]")


def _keepable(text: str) -> bool:
    return _UNKEEPABLE.search(text) is None


def _header_kept(value):
    if not isinstance(value, str) or _keepable(value):
        return value
    return {"base64": base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")}


def notification_store(*, gateway: str, headers: dict, body: bytes | str, remote_addr=None) -> GatewayNotification:
    """Keep the notification exactly as it came, before trusting or parsing any of it.

    Bytes that are not UTF-8 text PostgreSQL can keep (a NUL, invalid UTF-8) are stored as base64 with
    body_encoding="base64", and such header values as {"base64": ...}, so every delivery leaves its row.
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    try:
        text, encoding = raw.decode("utf-8"), "text"
    except UnicodeDecodeError:
        text, encoding = None, "base64"
    if text is None or not _keepable(text):
        text, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    notification = GatewayNotification(
        gateway=gateway, headers={str(k): _header_kept(v) for k, v in headers.items()}, body=text,
        body_encoding=encoding, remote_addr=remote_addr,
    )
    if connection.vendor == "postgresql" and connection.get_autocommit():
        _insert_unflushed(notification)
        return notification
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Not worth a disk flush of its own: the next durable commit (the settlement, or the
            # refusal recorded on this row) flushes it too, and until one commits nothing was
            # acknowledged, so a crash in between only means the gateway delivers it again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        notification.save(force_insert=True)
    return notification


def _insert_unflushed(notification):
    """The INSERT Django would send, as one statement that is its own transaction, committed without a flush.

    One round trip instead of four (BEGIN, SET LOCAL, INSERT, COMMIT); why no flush is needed is said above.
    """
    row_insert(notification, from_clause=" FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting")


def notification_refuse(*, notification: GatewayNotification, reason: str) -> None:
    """Record why a stored notification was refused before verification (e.g. its gateway is not enabled)."""
    _finish(notification, NotificationOutcome.REJECTED, reason)


def _finish(notification, outcome, error=""):
    row_update(GatewayNotification, notification.pk, outcome=outcome, error=error, processed_at=timezone.now(),
               verified=notification.verified, out_trade_no=notification.out_trade_no)
    notification.outcome, notification.error = outcome, error


def notification_process(*, notification: GatewayNotification, params: dict):
    """Verify, then settle under the order's row lock. Returns the exact answer the gateway expects.

    Whatever goes wrong is recorded on the stored notification and answered with the gateway's refusal, which
    both gateways retry: a bad signature or malformed signed content (rejected), or any other exception (failed).
    """
    gateway = gateway_get(notification.gateway)
    try:
        verified = gateway.verify_notification(
            headers=notification.headers_received(), body=notification.body_bytes(), params=params
        )
        out_trade_no = verified.out_trade_no
        if not isinstance(out_trade_no, str):
            raise VerificationError("通知中的订单号格式错误")
    except VerificationError as exc:
        logger.warning("Rejected %s notification #%s: %s", notification.gateway, notification.pk, exc)
        _finish(notification, NotificationOutcome.REJECTED, _keepable_text(str(exc)))
        return gateway.refuse("签名验证失败")
    except Exception as exc:
        # Parsing a signed body hit something unforeseen: record it and let the gateway retry later.
        logger.exception("Failed verifying %s notification #%s", notification.gateway, notification.pk)
        _finish(notification, NotificationOutcome.FAILED, _keepable_text(f"{type(exc).__name__}: {str(exc)[:500]}"))
        return gateway.refuse("处理失败，请重试")
    notification.verified = True
    notification.out_trade_no = _keepable_text(out_trade_no)[:64]
    try:
        outcome = _notification_apply(gateway, verified, notification)
    except NotificationRejected as exc:
        logger.warning("Refused %s notification #%s: %s", notification.gateway, notification.pk, exc)
        _finish(notification, NotificationOutcome.REJECTED, _keepable_text(str(exc)))
        return gateway.refuse(_keepable_text(str(exc)))
    except Exception as exc:
        # A database or other fault: the transaction rolled back, so nothing is half-done; the gateway retries.
        logger.exception("Failed processing %s notification #%s", notification.gateway, notification.pk)
        _finish(notification, NotificationOutcome.FAILED, _keepable_text(f"{type(exc).__name__}: {exc}"))
        return gateway.refuse("处理失败，请重试")
    if outcome == NotificationOutcome.IGNORED:
        _finish(notification, outcome)  # applied outcomes were recorded in their own transaction
    return gateway.acknowledge()


def _keepable_text(text: str) -> str:
    # An error or order number quoting received text must not itself hold what the database refuses.
    return text if _keepable(text) else text.encode("utf-8", "surrogatepass").decode("utf-8", "replace").replace(
        "\x00", "\ufffd")


@cache
def _locked_order_sql(vendor):
    """The order row under lock, with just what its ledger record needs of the campaign (title, project id).

    Written once from the models' own table and column names: the ORM took 1.4 ms of CPU to build the
    same query on every notification (benchmarks/notify_http.py), more than anything else it does.
    The lock is on the order row only; SQLite has no row locks (a write transaction holds the file).
    """
    from cms_pages.models import ProjectPage

    donation = Donation._meta
    page_table = CampaignPage._meta.get_field("page_ptr").related_model._meta.db_table
    columns = ", ".join(f"d.{connection.ops.quote_name(f.column)}" for f in donation.concrete_fields)
    lock = " FOR UPDATE OF d" if vendor == "postgresql" else ""
    return (
        f"SELECT {columns}, c.title AS campaign_title, "  # noqa: S608 (names from the models, values bound)
        f"(SELECT pp.page_ptr_id FROM {ProjectPage._meta.db_table} pp JOIN {page_table} pr ON pr.id = pp.page_ptr_id"
        f" WHERE pr.path = substr(c.path, 1, length(c.path) - {CampaignPage.steplen})) AS campaign_project_id "
        f"FROM {donation.db_table} d JOIN {page_table} c ON c.id = d.campaign_id "
        f"WHERE d.out_trade_no = %s AND d.gateway = %s{lock}"
    )


def _donation_locked(*, out_trade_no, gateway):
    with connection.cursor() as cursor:
        cursor.execute(_locked_order_sql(connection.vendor), [out_trade_no, gateway])
        row = cursor.fetchone()
    if row is None:
        return None
    fields = Donation._meta.concrete_fields
    values = [converted(value) for converted, value in zip(_converters(connection.vendor), row, strict=False)]
    donation = Donation.from_db(connection.alias, [f.attname for f in fields], values[:len(fields)])
    donation.campaign_title, donation.campaign_project_id = row[len(fields):]
    return donation


@cache
def _converters(vendor):
    """Each column's database value as the model holds it, as the ORM converts it (SQLite keeps decimals as text)."""
    def apply(field):
        expression = field.get_col(Donation._meta.db_table)
        steps = [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]
        if not steps:
            return lambda value: value

        def convert(value):
            for step in steps:
                value = step(value, expression, connection)
            return value
        return convert
    return [apply(f) for f in Donation._meta.concrete_fields]


def _notification_apply(gateway, verified, notification):
    _check_merchant(gateway, verified)
    apply = APPLY.get(verified.event)
    if apply is None:
        return NotificationOutcome.IGNORED
    try:
        with transaction.atomic():
            donation = _donation_locked(out_trade_no=verified.out_trade_no, gateway=verified.gateway)
            if donation is None:
                raise NotificationRejected(f"订单 {verified.out_trade_no!r} 不存在")
            if verified.amount is None or verified.amount != donation.amount:
                raise NotificationRejected(f"金额 {verified.amount} 与订单金额 {donation.amount} 不符")
            outcome = apply(donation, verified, notification)
            # The outcome commits with the work it describes: one durable commit per notification.
            _finish(notification, outcome)
            return outcome
    except IntegrityError:
        # A concurrent delivery got there first (unique trade number or receipt): all of this attempt rolled
        # back (no savepoint: it would cost two round trips on every notification), so look again afresh.
        if verified.event != NotificationEvent.PAID:
            raise
        donation = Donation.objects.filter(out_trade_no=verified.out_trade_no, gateway=verified.gateway).first()
        if donation is None or not donation.is_paid:
            raise
        _finish(notification, NotificationOutcome.DUPLICATE)
        return NotificationOutcome.DUPLICATE
