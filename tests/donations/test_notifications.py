"""Notification intake: stored raw, verified, settled once under a row lock; anything else changes nothing."""

import time
from decimal import Decimal

import pytest
from django.core import mail
from django.db import OperationalError, connection
from django.urls import reverse

from donations.models import Donation, DonationEvent, DonationStatus, GatewayNotification, Receipt, Refund
from ledger.models import EntrySource, LedgerEntry, PendingEntry
from ledger.selectors import fund_totals
from ledger.services import sequence_pending
from tests.donations.conftest import make_donation, post_alipay, wechat_resource

ALIPAY_URL = "/donations/notify/alipay/"
WECHAT_URL = "/donations/notify/wechatpay/"


def snapshot(donation):
    donation.refresh_from_db()
    return {
        "status": donation.status, "refunded": donation.refunded_amount, "trade_no": donation.gateway_trade_no,
        "ledger": LedgerEntry.objects.count(), "queued": PendingEntry.objects.count(), "receipts": Receipt.objects.count(),
        "events": DonationEvent.objects.count(), "refunds": Refund.objects.count(), "mails": len(mail.outbox),
    }


def assert_rejected(response, donation, before, *, expect_error):
    assert response.status_code == 400
    assert response.content != b"success"
    assert snapshot(donation) == before, "a refused notification must change nothing"
    stored = GatewayNotification.objects.latest("id")
    assert stored.outcome == "rejected"
    assert expect_error in stored.error


def test_notify_urls_are_where_gateways_are_told_to_post():
    assert reverse("donations:notify_alipay") == ALIPAY_URL
    assert reverse("donations:notify_wechatpay") == WECHAT_URL


def test_genuine_alipay_notification_settles_the_order_once(client, donation, alipay_notification,
                                                           django_capture_on_commit_callbacks):
    params = alipay_notification(donation)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_alipay(client, params)
    assert response.status_code == 200 and response.content == b"success"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    assert donation.gateway_trade_no == params["trade_no"]
    # Queued for the chain, not yet in it, and already counted in the totals.
    pending = PendingEntry.objects.get(source=EntrySource.DONATION, source_ref=donation.out_trade_no)
    assert pending.entry is None and not LedgerEntry.objects.exists()
    assert fund_totals()["raised"] == Decimal("100.00")
    (entry,) = sequence_pending()
    assert entry.source_ref == donation.out_trade_no and entry.recorded_at == pending.queued_at
    assert entry.kind == "donation" and entry.amount == Decimal("100.00")
    assert entry.project_id == donation.campaign.project.pk
    assert fund_totals()["raised"] == Decimal("100.00")  # counted once, now from the chain
    receipt = donation.receipt
    assert receipt.number == f"{receipt.year}-1-000001" and receipt.stripe == 1 and receipt.serial == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["donor@example.com"]
    stored = GatewayNotification.objects.get()
    assert stored.verified and stored.outcome == "processed" and stored.out_trade_no == donation.out_trade_no
    assert "notify_id=" in stored.body  # the raw body is kept as received


def test_replayed_notification_answers_success_and_credits_nothing_more(client, donation, alipay_notification,
                                                                      django_capture_on_commit_callbacks):
    params = alipay_notification(donation)
    with django_capture_on_commit_callbacks(execute=True):
        post_alipay(client, params)
    before = snapshot(donation)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_alipay(client, params)
    assert response.content == b"success"
    assert snapshot(donation) == before
    assert GatewayNotification.objects.latest("id").outcome == "duplicate"


def test_notification_with_an_extra_empty_field_is_still_accepted(client, donation, alipay_notification):
    params = alipay_notification(donation)
    params["body"] = ""  # an empty value is not part of the signed content
    assert post_alipay(client, params).content == b"success"


def test_notification_with_forged_signature_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation)
    params["sign"] = params["sign"][:-8] + "AAAAAAA="
    assert_rejected(post_alipay(client, params), donation, before, expect_error="签名无效")


def test_notification_signed_with_the_wrong_key_is_rejected(client, donation, alipay_notification, keys):
    before = snapshot(donation)
    params = alipay_notification(donation, sign_with=keys.alipay_app_private_key)
    assert_rejected(post_alipay(client, params), donation, before, expect_error="签名无效")


def test_notification_without_signature_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation)
    del params["sign"]
    assert_rejected(post_alipay(client, params), donation, before, expect_error="签名无效")


@pytest.mark.parametrize("field,value", [("total_amount", "0.01"), ("app_id", "2021000000000000"),
                                         ("seller_id", "2088999999999999"), ("trade_status", "TRADE_FINISHED")])
def test_notification_with_a_field_changed_after_signing_is_rejected(client, donation, alipay_notification,
                                                                      field, value):
    before = snapshot(donation)
    params = alipay_notification(donation)
    params[field] = value
    assert_rejected(post_alipay(client, params), donation, before, expect_error="签名无效")


def test_validly_signed_notification_with_a_different_amount_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation, total_amount="0.01", receipt_amount="0.01")
    assert_rejected(post_alipay(client, params), donation, before, expect_error="金额")


def test_validly_signed_notification_for_another_app_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation, app_id="2021000000000000")
    assert_rejected(post_alipay(client, params), donation, before, expect_error="app_id")


def test_validly_signed_notification_for_another_seller_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation, seller_id="2088999999999999")
    assert_rejected(post_alipay(client, params), donation, before, expect_error="收款方")


def test_notification_for_an_unknown_order_is_rejected(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation, out_trade_no="20990101NOSUCHORDER")
    assert_rejected(post_alipay(client, params), donation, before, expect_error="不存在")


def test_paid_notification_for_a_closed_order_is_rejected(client, donation, alipay_notification):
    Donation.objects.filter(pk=donation.pk).update(status=DonationStatus.CLOSED)
    before = snapshot(donation)
    assert_rejected(post_alipay(client, alipay_notification(donation)), donation, before, expect_error="已关闭")


def test_signing_with_sign_type_included_is_not_alipays_rule_and_is_rejected(client, donation, alipay_notification,
                                                                               keys):
    import base64

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    before = snapshot(donation)
    params = {**alipay_notification(donation), "sign_type": "RSA2"}
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    key = serialization.load_pem_private_key(keys.alipay_private_key.encode(), password=None)
    params["sign"] = base64.b64encode(key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    assert_rejected(post_alipay(client, params), donation, before, expect_error="签名无效")


def test_get_on_the_notify_url_is_refused_and_stores_nothing(client, db):
    assert client.get(ALIPAY_URL).status_code == 405
    assert not GatewayNotification.objects.exists()


def test_timeout_close_notification_closes_a_pending_order(client, donation, alipay_notification):
    response = post_alipay(client, alipay_notification(donation, trade_status="TRADE_CLOSED"))
    assert response.content == b"success"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.CLOSED and donation.closed_at
    assert not LedgerEntry.objects.exists()


def test_partial_then_full_refund_notifications_post_refund_entries(client, donation, alipay_notification):
    post_alipay(client, alipay_notification(donation))
    partial = alipay_notification(donation, refund_fee="30.00", out_biz_no="R-A", gmt_refund="2026-11-23 10:00:00")
    assert post_alipay(client, partial).content == b"success"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PARTIALLY_REFUNDED and donation.refunded_amount == Decimal("30.00")
    assert LedgerEntry.objects.get(kind="refund", source_ref="R-A").amount == Decimal("30.00")
    assert post_alipay(client, partial).content == b"success"  # the retry refunds nothing more
    full = alipay_notification(donation, trade_status="TRADE_CLOSED", refund_fee="100.00", out_biz_no="R-B")
    assert post_alipay(client, full).content == b"success"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED and donation.refunded_amount == Decimal("100.00")
    assert LedgerEntry.objects.get(kind="refund", source_ref="R-B").amount == Decimal("70.00")
    assert LedgerEntry.objects.filter(kind="refund").count() == 2


def test_database_failure_mid_processing_leaves_nothing_half_done_and_the_retry_succeeds(
    client, donation, alipay_notification
):
    params = alipay_notification(donation)
    before = snapshot(donation)

    def fail_on_receipt_insert(execute, sql, params_, many, context):
        if sql.lstrip().upper().startswith("INSERT") and "donations_receipt" in sql:
            raise OperationalError("disk I/O error")
        return execute(sql, params_, many, context)

    with connection.execute_wrapper(fail_on_receipt_insert):
        response = post_alipay(client, params)
    assert response.status_code == 400
    assert snapshot(donation) == before  # no paid status, no ledger entry, no event, no receipt
    failed = GatewayNotification.objects.get()
    assert failed.outcome == "failed" and "OperationalError" in failed.error
    # Alipay retries the same notification; now it settles.
    assert post_alipay(client, params).content == b"success"
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    sequence_pending()
    assert LedgerEntry.objects.filter(source=EntrySource.DONATION).count() == 1 and Receipt.objects.count() == 1


# --- WeChat Pay --------------------------------------------------------------------------------------


@pytest.fixture
def wx_donation(campaign):
    return make_donation(campaign, gateway="wechatpay", channel="qr", amount="50.00")


def post_wechat(client, body, headers):
    return client.post(WECHAT_URL, data=body, content_type="application/json", **headers)


def test_genuine_wechatpay_notification_settles_with_204(client, keys, wx_donation, wechat_notification):
    body, headers = wechat_notification(wechat_resource(keys, wx_donation))
    response = post_wechat(client, body, headers)
    assert response.status_code == 204
    wx_donation.refresh_from_db()
    assert wx_donation.status == DonationStatus.PAID
    assert PendingEntry.objects.get(source_ref=wx_donation.out_trade_no).amount == Decimal("50.00")
    assert post_wechat(client, body, headers).status_code == 204  # replay: acknowledged, nothing more
    assert PendingEntry.objects.count() == 1 and Receipt.objects.count() == 1
    sequence_pending()
    assert post_wechat(client, body, headers).status_code == 204  # replayed after sequencing: still once
    assert LedgerEntry.objects.get(source_ref=wx_donation.out_trade_no).amount == Decimal("50.00")
    assert LedgerEntry.objects.count() == 1 and PendingEntry.objects.count() == 1 and Receipt.objects.count() == 1


def test_wechatpay_notification_with_an_old_timestamp_is_rejected(client, keys, wx_donation, wechat_notification):
    before = snapshot(wx_donation)
    body, headers = wechat_notification(wechat_resource(keys, wx_donation), timestamp=time.time() - 301)
    response = post_wechat(client, body, headers)
    assert response.json()["code"] == "FAIL"
    assert_rejected(response, wx_donation, before, expect_error="300")


def test_wechatpay_notification_with_a_wrong_gcm_tag_is_rejected(client, keys, wx_donation, wechat_notification):
    before = snapshot(wx_donation)
    body, headers = wechat_notification(wechat_resource(keys, wx_donation), apiv3_key="0" * 32)
    assert_rejected(post_wechat(client, body, headers), wx_donation, before, expect_error="校验失败")


def test_wechatpay_notification_signed_with_the_wrong_key_is_rejected(client, keys, wx_donation, wechat_notification):
    before = snapshot(wx_donation)
    body, headers = wechat_notification(wechat_resource(keys, wx_donation),
                                        sign_with=keys.wechatpay_merchant_private_key)
    assert_rejected(post_wechat(client, body, headers), wx_donation, before, expect_error="签名无效")


def test_wechatpay_notification_without_the_signature_type_header_settles(client, keys, wx_donation,
                                                                           wechat_notification):
    # The header is not signed and genuine notifications may omit it.
    body, headers = wechat_notification(wechat_resource(keys, wx_donation))
    del headers["HTTP_WECHATPAY_SIGNATURE_TYPE"]
    assert post_wechat(client, body, headers).status_code == 204
    wx_donation.refresh_from_db()
    assert wx_donation.status == DonationStatus.PAID


def test_wechatpay_notification_with_another_signature_type_is_rejected(client, keys, wx_donation,
                                                                        wechat_notification):
    before = snapshot(wx_donation)
    body, headers = wechat_notification(wechat_resource(keys, wx_donation))
    headers["HTTP_WECHATPAY_SIGNATURE_TYPE"] = "WECHATPAY2-SM2-WITH-SM3"
    assert_rejected(post_wechat(client, body, headers), wx_donation, before, expect_error="Wechatpay-Signature-Type")


@pytest.mark.parametrize("override,error", [
    ({"mchid": "1900000000"}, "收款方"), ({"appid": "wx0000000000000000"}, "app_id"),
    ({"amount": {"total": 1, "payer_total": 1, "currency": "CNY"}}, "金额"),
])
def test_wechatpay_notification_for_another_merchant_or_amount_is_rejected(client, keys, wx_donation,
                                                                            wechat_notification, override, error):
    before = snapshot(wx_donation)
    body, headers = wechat_notification(wechat_resource(keys, wx_donation, **override))
    assert_rejected(post_wechat(client, body, headers), wx_donation, before, expect_error=error)


def test_wechatpay_refund_notification_records_the_refund(client, keys, wx_donation, wechat_notification):
    post_wechat(client, *wechat_notification(wechat_resource(keys, wx_donation)))
    refund = {
        "mchid": keys.wechatpay_mchid, "out_trade_no": wx_donation.out_trade_no,
        "transaction_id": "4200" + wx_donation.out_trade_no, "out_refund_no": "WXR1", "refund_id": "50300",
        "refund_status": "SUCCESS", "amount": {"total": 5000, "refund": 2000, "payer_total": 5000,
                                               "payer_refund": 2000},
    }
    body, headers = wechat_notification(refund, event_type="REFUND.SUCCESS")
    assert post_wechat(client, body, headers).status_code == 204
    wx_donation.refresh_from_db()
    assert wx_donation.refunded_amount == Decimal("20.00")
    assert wx_donation.status == DonationStatus.PARTIALLY_REFUNDED


def test_notification_for_a_gateway_not_enabled_is_stored_and_refused(client, donation, alipay_notification,
                                                                       settings):
    settings.PAYMENT_GATEWAYS = ["wechatpay"]
    before = snapshot(donation)
    response = post_alipay(client, alipay_notification(donation))
    assert response.status_code == 404 and response.content != b"success"
    assert snapshot(donation) == before
    stored = GatewayNotification.objects.get()
    assert stored.outcome == "rejected" and "未启用" in stored.error and stored.body
