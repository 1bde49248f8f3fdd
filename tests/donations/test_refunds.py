"""Refunds that always finish, driven through the sandbox gateway over real HTTP with real signatures."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from donations import services
from donations.models import DonationStatus, GatewayNotification, Refund, RefundStatus
from donations.tasks import refund_follow_up
from gateway_sandbox.models import SandboxNotification, SandboxRefund
from ledger.models import LedgerEntry
from tests.donations.conftest import postgres_url
from tests.donations.test_with_sandbox import _paid

pytestmark = pytest.mark.django_db(transaction=True)
DEAD = "http://127.0.0.1:9"




def ledger_refunds():
    return sorted(e.amount for e in LedgerEntry.objects.filter(kind="refund"))


def test_wechat_refund_answered_processing_is_queried_until_it_settles(sandbox, campaign, settings):
    # Before: WeChat's first answer PROCESSING left the refund requested for good (nothing asked again).
    donation = _paid(sandbox, campaign, amount="50.00", gateway="wechatpay", channel="qr")
    settings.SITE_BASE_URL = DEAD  # the REFUND.SUCCESS notification is lost: only the query can settle it
    refund = services.refund_request(donation=donation, amount=Decimal("50.00"), reason="捐赠人申请")
    settings.SITE_BASE_URL = sandbox.url
    assert refund.status == RefundStatus.REQUESTED and refund.next_check_at is not None
    assert refund.events.filter(cause__contains="处理中").exists()
    assert ledger_refunds() == []
    assert refund_follow_up.enqueue(refund_id=refund.pk).return_value == RefundStatus.SUCCEEDED
    refund.refresh_from_db()
    donation.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.refunded_at and refund.next_check_at is None
    assert donation.status == DonationStatus.REFUNDED and ledger_refunds() == [Decimal("50.00")]
    assert list(refund.events.values_list("to_status", flat=True)) == ["requested", "requested", "succeeded"]
    assert refund.events.last().cause == "查询退款：退款成功"
    assert SandboxRefund.objects.get(out_request_no=refund.out_request_no).status == "SUCCESS"
    # Asking again changes nothing.
    refund_follow_up.enqueue(refund_id=refund.pk)
    assert ledger_refunds() == [Decimal("50.00")] and refund.events.count() == 3


def test_wechat_refund_is_sent_with_notify_url_and_its_notification_settles_it(sandbox, campaign):
    # Before: no notify_url, so WeChat had nowhere to send the refund's result.
    donation = _paid(sandbox, campaign, amount="30.00", gateway="wechatpay", channel="qr")
    refund = services.refund_request(donation=donation, amount=Decimal("10.00"), reason="捐赠人申请")
    record = SandboxRefund.objects.get(out_request_no=refund.out_request_no)
    assert record.notify_url == sandbox.url + "/donations/notify/wechatpay/"
    refund_follow_up.enqueue(refund_id=refund.pk)  # the sandbox settles it and notifies the refund's notify_url
    sent = SandboxNotification.objects.get(refund=record)
    assert sent.event == "REFUND.SUCCESS" and sent.delivered_at is not None and sent.url == record.notify_url
    stored = GatewayNotification.objects.filter(gateway="wechatpay").latest("id")
    assert stored.outcome in ("processed", "duplicate")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and ledger_refunds() == [Decimal("10.00")]


@pytest.mark.parametrize("outcome", ["ABNORMAL", "CLOSED"])
def test_failed_wechat_refund_no_longer_blocks_the_next(sandbox, campaign, settings, outcome):
    # Before: the REFUND.ABNORMAL/CLOSED notification was refused and the refund stayed requested, so every
    # later refund of the gift answered "已有一笔退款在处理中".
    donation = _paid(sandbox, campaign, amount="40.00", gateway="wechatpay", channel="qr")
    settings.GATEWAY_SANDBOX_WECHAT_REFUND_OUTCOME = outcome
    first = services.refund_request(donation=donation, amount=Decimal("40.00"), reason="捐赠人申请")
    with pytest.raises(ValidationError, match="处理中"):
        services.refund_request(donation=donation, amount=Decimal("1.00"), reason="并发")
    assert Refund.objects.count() == 1
    refund_follow_up.enqueue(refund_id=first.pk)
    first.refresh_from_db()
    assert first.status == RefundStatus.FAILED and first.error
    sent = SandboxNotification.objects.get(refund__out_request_no=first.out_request_no)
    assert sent.event == f"REFUND.{outcome}" and sent.delivered_at is not None  # acknowledged: no retries
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID and donation.refunded_amount == 0 and ledger_refunds() == []
    settings.GATEWAY_SANDBOX_WECHAT_REFUND_OUTCOME = "SUCCESS"
    second = services.refund_request(donation=donation, amount=Decimal("40.00"), reason="重新退款")
    assert second.out_request_no != first.out_request_no
    refund_follow_up.enqueue(refund_id=second.pk)
    second.refresh_from_db()
    donation.refresh_from_db()
    assert second.status == RefundStatus.SUCCEEDED and donation.status == DonationStatus.REFUNDED
    assert ledger_refunds() == [Decimal("40.00")]


@pytest.mark.parametrize("gateway,channel,setting,path", [
    ("alipay", "page", "ALIPAY_GATEWAY_URL", "/sandbox/alipay/gateway.do"),
    ("wechatpay", "qr", "WECHATPAY_BASE_URL", "/sandbox/wechatpay"),
])
def test_refund_after_a_gateway_error_is_resubmitted_with_the_same_number_by_the_housekeeping_sweep(
        sandbox, campaign, settings, gateway, channel, setting, path):
    # Before: a gateway error left the refund requested for good, blocking every later refund of the gift.
    donation = _paid(sandbox, campaign, amount="60.00", gateway=gateway, channel=channel)
    settings.__setattr__(setting, DEAD + path)  # the gateway cannot be reached
    refund = services.refund_request(donation=donation, amount=Decimal("25.00"), reason="捐赠人申请")
    assert refund.status == RefundStatus.REQUESTED and ("调用失败" in refund.error or "不可达" in refund.error)
    assert not SandboxRefund.objects.exists() and ledger_refunds() == []
    settings.__setattr__(setting, sandbox.url + path)
    for _sweep in range(3):  # WeChat answers the resubmission PROCESSING: a later sweep finds it settled
        Refund.objects.filter(pk=refund.pk).update(next_check_at=None)  # its time has come
        out = io.StringIO()
        call_command("donations_housekeeping", stdout=out)
        assert "refunds_follow_up_due" in out.getvalue()
        refund.refresh_from_db()
        if refund.status != RefundStatus.REQUESTED:
            break
    assert refund.status == RefundStatus.SUCCEEDED, list(refund.events.values_list("cause", flat=True))
    assert refund.events.filter(cause__contains="以同一请求号重新提交").count() == 1
    [record] = SandboxRefund.objects.all()
    assert record.out_request_no == refund.out_request_no and record.amount == Decimal("25.00")
    assert ledger_refunds() == [Decimal("25.00")]
    donation.refresh_from_db()
    assert donation.refunded_amount == Decimal("25.00")


def test_alipay_refund_is_dated_by_the_gateway_and_recorded_step_by_step(sandbox, campaign):
    donation = _paid(sandbox, campaign)
    refund = services.refund_request(donation=donation, amount=Decimal("30.00"), reason="捐赠人申请")
    assert refund.status == RefundStatus.SUCCEEDED and refund.refunded_at is not None
    record = SandboxRefund.objects.get(out_request_no=refund.out_request_no)
    assert abs((refund.refunded_at - record.created_at).total_seconds()) < 1  # Alipay's gmt_refund_pay
    assert list(refund.events.values_list("to_status", flat=True))[0] == "requested"
    assert refund.events.filter(to_status="succeeded").count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
def test_concurrent_follow_ups_and_the_notification_refund_once(sandbox, campaign):
    donation = _paid(sandbox, campaign, amount="80.00", gateway="wechatpay", channel="qr")
    refund = services.refund_request(donation=donation, amount=Decimal("80.00"), reason="捐赠人申请")
    assert refund.status == RefundStatus.REQUESTED
    copies = 8
    barrier = threading.Barrier(copies)

    def follow_up(_):
        try:
            barrier.wait()
            return refund_follow_up.call(refund_id=refund.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=copies) as pool:
        answers = list(pool.map(follow_up, range(copies)))
    assert set(answers) == {RefundStatus.SUCCEEDED}
    refund.refresh_from_db()
    donation.refresh_from_db()
    assert refund.events.filter(to_status=RefundStatus.SUCCEEDED).count() == 1
    assert donation.refunded_amount == Decimal("80.00") and ledger_refunds() == [Decimal("80.00")]
    assert SandboxNotification.objects.filter(refund__out_request_no=refund.out_request_no).count() == 1
