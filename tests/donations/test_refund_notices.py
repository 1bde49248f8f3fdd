"""Refund notifications as the gateways send them, signed with real keys: every kind understood, each once."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, transaction

from donations import services
from donations.models import DonationStatus, GatewayNotification, Refund, RefundEvent, RefundStatus
from ledger.models import LedgerEntry
from tests.donations.conftest import make_donation, post_alipay, postgres_url, wechat_resource

WECHAT_URL = "/donations/notify/wechatpay/"
BEIJING = ZoneInfo("Asia/Shanghai")


def post_wechat(client, body, headers):
    return client.post(WECHAT_URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def wx_paid(client, keys, campaign, wechat_notification):
    donation = make_donation(campaign, gateway="wechatpay", channel="qr", amount="50.00")
    assert post_wechat(client, *wechat_notification(wechat_resource(keys, donation))).status_code == 204
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    return donation


@pytest.fixture
def ali_paid(client, campaign, alipay_notification):
    donation = make_donation(campaign, amount="100.00")
    assert post_alipay(client, alipay_notification(donation)).content == b"success"
    donation.refresh_from_db()
    return donation


def refund_resource(keys, donation, *, out_refund_no, status, refund_fen, success_time=None):
    """The decrypted resource of a WeChat refund event: mchid, no appid (as WeChat sends it)."""
    resource = {
        "mchid": keys.wechatpay_mchid, "out_trade_no": donation.out_trade_no,
        "transaction_id": "4200" + donation.out_trade_no, "out_refund_no": out_refund_no,
        "refund_id": "50300" + out_refund_no[-6:], "refund_status": status, "user_received_account": "支付用户零钱",
        "amount": {"total": int(donation.amount * 100), "refund": refund_fen, "payer_total": int(donation.amount * 100),
                   "payer_refund": refund_fen},
    }
    if success_time:
        resource["success_time"] = success_time
    return resource


def open_refund(donation, settings, amount="50.00"):
    """A refund in flight: the gateway could not be reached, so it stays requested."""
    settings.WECHATPAY_BASE_URL = "http://127.0.0.1:9/sandbox/wechatpay"
    refund = services.refund_request(donation=donation, amount=Decimal(amount), reason="捐赠人申请")
    assert refund.status == RefundStatus.REQUESTED and refund.error
    return refund


def money(donation):
    donation.refresh_from_db()
    return (donation.status, donation.refunded_amount, LedgerEntry.objects.filter(kind="refund").count())


@pytest.mark.parametrize("event", ["REFUND.ABNORMAL", "REFUND.CLOSED"])
def test_failed_wechat_refund_notification_marks_it_failed_and_is_acknowledged(
        client, keys, wx_paid, wechat_notification, settings, event):
    # Before: refused for good ("app_id 与本方应用不符": refund events carry no appid), so WeChat retried for a day
    # and the refund stayed requested, blocking every later refund of the gift.
    refund = open_refund(wx_paid, settings)
    before = money(wx_paid)
    status = event.split(".")[1]
    body, headers = wechat_notification(
        refund_resource(keys, wx_paid, out_refund_no=refund.out_request_no, status=status, refund_fen=5000),
        event_type=event,
    )
    response = post_wechat(client, body, headers)
    assert response.status_code == 204  # WeChat stops retrying
    refund.refresh_from_db()
    assert refund.status == RefundStatus.FAILED and "资金未退出" in refund.error
    stored = GatewayNotification.objects.latest("id")
    assert stored.outcome == "processed" and stored.verified
    event_row = refund.events.get(to_status=RefundStatus.FAILED)
    assert event_row.notification_id == stored.pk and event_row.payload["resource"]["refund_status"] == status
    assert money(wx_paid) == before  # no money moved
    # A retry of the same event is a duplicate and changes nothing.
    assert post_wechat(client, *wechat_notification(
        refund_resource(keys, wx_paid, out_refund_no=refund.out_request_no, status=status, refund_fen=5000),
        event_type=event)).status_code == 204
    assert GatewayNotification.objects.latest("id").outcome == "duplicate"
    assert refund.events.count() == RefundEvent.objects.filter(refund=refund).count() == 3
    # The failed refund no longer blocks the next one.
    settings.WECHATPAY_BASE_URL = "http://127.0.0.1:9/other"
    nxt = services.refund_request(donation=wx_paid, amount=Decimal("50.00"), reason="再次退款")
    assert nxt.pk != refund.pk and nxt.out_request_no != refund.out_request_no


def test_failed_refund_notification_for_an_unknown_refund_is_refused_and_changes_nothing(
        client, keys, wx_paid, wechat_notification):
    before = money(wx_paid)
    body, headers = wechat_notification(
        refund_resource(keys, wx_paid, out_refund_no="NOT-OURS-1", status="CLOSED", refund_fen=5000),
        event_type="REFUND.CLOSED",
    )
    response = post_wechat(client, body, headers)
    assert response.status_code == 400 and response.json()["code"] == "FAIL"
    assert "不存在" in GatewayNotification.objects.latest("id").error
    assert money(wx_paid) == before and not Refund.objects.exists()


def test_refund_notification_of_another_merchant_is_refused(client, keys, wx_paid, wechat_notification, settings):
    refund = open_refund(wx_paid, settings)
    before = money(wx_paid)
    resource = refund_resource(keys, wx_paid, out_refund_no=refund.out_request_no, status="SUCCESS", refund_fen=5000)
    resource["mchid"] = "1900000000"
    response = post_wechat(client, *wechat_notification(resource, event_type="REFUND.SUCCESS"))
    assert response.status_code == 400 and "收款方" in GatewayNotification.objects.latest("id").error
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED and money(wx_paid) == before


def test_two_alipay_refund_notices_without_out_biz_no_are_both_recorded_and_a_retry_is_a_duplicate(
        client, ali_paid, alipay_notification):
    # Before: both were keyed "<out_trade_no>-GW", so the second refund (20.00) was lost as a "duplicate".
    first = alipay_notification(ali_paid, refund_fee="30.00", gmt_refund="2026-11-23 10:00:00")
    second = alipay_notification(ali_paid, refund_fee="50.00", gmt_refund="2026-11-24 09:15:00")
    assert post_alipay(client, first).content == b"success"
    assert post_alipay(client, second).content == b"success"
    assert money(ali_paid) == (DonationStatus.PARTIALLY_REFUNDED, Decimal("50.00"), 2)
    refunds = Refund.objects.order_by("created_at")
    assert [r.amount for r in refunds] == [Decimal("30.00"), Decimal("20.00")]
    assert len({r.out_request_no for r in refunds}) == 2
    assert all(r.status == RefundStatus.SUCCEEDED for r in refunds)
    # Alipay retries the second notice unchanged: nothing more is refunded.
    assert post_alipay(client, second).content == b"success"
    assert GatewayNotification.objects.latest("id").outcome == "duplicate"
    assert money(ali_paid) == (DonationStatus.PARTIALLY_REFUNDED, Decimal("50.00"), 2)
    assert Refund.objects.count() == 2


def test_alipay_refund_processed_on_new_years_day_is_dated_by_its_gmt_refund(client, ali_paid, alipay_notification):
    # Before: dated timezone.localdate() when processed, so a retry on 1 January put a 2026 refund in 2027.
    notice = alipay_notification(ali_paid, refund_fee="10.00", out_biz_no="NY-1", gmt_refund="2026-12-31 23:30:00")
    with time_machine.travel(datetime(2027, 1, 1, 0, 20, tzinfo=BEIJING), tick=True):
        assert post_alipay(client, notice).content == b"success"
    entry = LedgerEntry.objects.get(kind="refund", source_ref="NY-1")
    assert entry.occurred_on == date(2026, 12, 31) and entry.occurred_on.year == 2026
    refund = Refund.objects.get(out_request_no="NY-1")
    assert refund.refunded_at == datetime(2026, 12, 31, 23, 30, tzinfo=BEIJING)


@pytest.mark.parametrize("success_time,expected", [
    ("2026-12-31T23:30:00+08:00", date(2026, 12, 31)),
    ("2026-12-31T15:30:00Z", date(2026, 12, 31)),  # 23:30 in Beijing
    ("2026-12-31T16:30:00+00:00", date(2027, 1, 1)),  # 00:30 on 1 January in Beijing
])
def test_wechat_refund_is_dated_by_success_time_in_beijing(client, keys, wx_paid, wechat_notification, settings,
                                                           success_time, expected):
    refund = open_refund(wx_paid, settings, amount="20.00")
    body_headers = None
    with time_machine.travel(datetime(2027, 1, 1, 8, 0, tzinfo=BEIJING), tick=True):
        body_headers = wechat_notification(
            refund_resource(keys, wx_paid, out_refund_no=refund.out_request_no, status="SUCCESS", refund_fen=2000,
                            success_time=success_time),
            event_type="REFUND.SUCCESS",
        )
        assert post_wechat(client, *body_headers).status_code == 204
    entry = LedgerEntry.objects.get(kind="refund", source_ref=refund.out_request_no)
    assert entry.occurred_on == expected
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.gateway_refund_no


def test_wechat_refund_success_of_a_different_amount_is_refused(client, keys, wx_paid, wechat_notification, settings):
    refund = open_refund(wx_paid, settings, amount="20.00")
    before = money(wx_paid)
    response = post_wechat(client, *wechat_notification(
        refund_resource(keys, wx_paid, out_refund_no=refund.out_request_no, status="SUCCESS", refund_fen=2500),
        event_type="REFUND.SUCCESS"))
    assert response.status_code == 400 and "不符" in GatewayNotification.objects.latest("id").error
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED and money(wx_paid) == before


def test_refund_left_in_flight_is_scheduled_for_a_follow_up_with_backoff(ali_paid, settings,
                                                                         django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # a backend that defers
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:9/gateway.do"
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_request(donation=ali_paid, amount=Decimal("5.00"), reason="捐赠人申请")
    assert refund.status == RefundStatus.REQUESTED and "不可达" in refund.error
    [queued] = default_task_backend.results
    assert queued.task.name == "refund_follow_up" and queued.kwargs == {"refund_id": refund.pk}
    assert queued.task.run_after == refund.next_check_at
    first_delay = refund.next_check_at - refund.events.last().created_at
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_check(refund=refund)  # still unreachable: asked again later, and later
    assert refund.check_count == 1 and refund.status == RefundStatus.REQUESTED
    assert refund.next_check_at - refund.events.last().created_at > first_delay
    assert len(default_task_backend.results) == 2 and money(ali_paid)[2] == 0


@pytest.mark.skipif(not postgres_url(), reason="the refusing trigger is PostgreSQL's: set DATABASE_URL=postgres://…")
def test_a_refund_event_can_be_neither_changed_nor_deleted_on_postgresql(ali_paid, settings):
    settings.ALIPAY_GATEWAY_URL = "http://127.0.0.1:9/gateway.do"
    refund = services.refund_request(donation=ali_paid, amount=Decimal("5.00"), reason="捐赠人申请")
    event = refund.events.first()
    for attempt in (lambda: RefundEvent.objects.filter(pk=event.pk).update(cause="改过"),
                    lambda: RefundEvent.objects.filter(pk=event.pk).delete()):
        with pytest.raises(DatabaseError, match="money records change only through the services"), \
                transaction.atomic():
            attempt()
    event.refresh_from_db()
    assert event.cause == "发起退款"
