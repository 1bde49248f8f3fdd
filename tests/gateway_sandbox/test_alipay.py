"""The sandbox's Alipay: our requests are checked, its answers and notifications verify as Alipay's do."""

import io
import json
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest

from gateway_sandbox import signatures
from gateway_sandbox.models import SandboxNotification, SandboxRefund, SandboxTrade

from .conftest import path_of

NOTIFICATION_FIELDS = {
    "notify_time", "notify_type", "notify_id", "app_id", "auth_app_id", "charset", "version", "sign_type", "sign",
    "trade_no", "out_trade_no", "buyer_id", "buyer_logon_id", "seller_id", "seller_email", "trade_status",
    "total_amount", "receipt_amount", "invoice_amount", "buyer_pay_amount", "point_amount", "subject", "gmt_create",
    "gmt_payment", "fund_bill_list",
}


def page_pay(alipay_api, merchant, out_trade_no="D20260001", amount="100.00", **biz):
    biz = {"out_trade_no": out_trade_no, "total_amount": amount, "subject": "志愿城市·太原 捐赠",
           "product_code": "FAST_INSTANT_TRADE_PAY", **biz}
    return alipay_api.get("alipay.trade.page.pay", biz, notify_url=merchant.url,
                          return_url="http://127.0.0.1:9/donations/return/")


def pay(client, pay_url):
    """Open the cashier and press 确认支付, as the donor does."""
    page = client.get(path_of(pay_url))
    assert "确认支付" in page.content.decode()
    return client.post(path_of(pay_url), {"action": "pay"})


def sdk_verifies(alipay_sdk, fields):
    """python-alipay-sdk's verify as our side must call it: a copy, sign popped, sign_type dropped."""
    data = dict(fields)
    sign = data.pop("sign")
    data.pop("sign_type", None)
    return alipay_sdk.verify(data, sign)


def test_page_pay_shows_cashier_then_notifies_and_returns_signed(alipay_api, alipay_sdk, merchant, keys):
    response = page_pay(alipay_api, merchant)
    assert response.status_code == 302
    cashier = alipay_api.client.get(path_of(response["Location"]))
    html = cashier.content.decode()
    assert "确认支付" in html and "取消" in html and "100.00" in html and 'name="viewport"' in html

    back = alipay_api.client.post(path_of(response["Location"]), {"action": "pay"})

    assert back.status_code == 302
    returned = dict(parse_qsl(urlsplit(back["Location"]).query))
    assert back["Location"].startswith("http://127.0.0.1:9/donations/return/?")
    assert "trade_status" not in returned and returned["method"] == "alipay.trade.page.pay.return"
    assert sdk_verifies(alipay_sdk, returned)
    [notification] = merchant.forms()
    assert NOTIFICATION_FIELDS <= notification.keys()
    assert notification["trade_status"] == "TRADE_SUCCESS"
    assert notification["total_amount"] == "100.00"
    assert notification["app_id"] == keys.alipay_app_id and notification["seller_id"] == keys.alipay_seller_id
    assert json.loads(notification["fund_bill_list"]) == [{"amount": "100.00", "fundChannel": "ALIPAYACCOUNT"}]
    assert sdk_verifies(alipay_sdk, notification)
    assert merchant.received[0]["headers"]["Content-Type"].startswith("application/x-www-form-urlencoded")


@pytest.mark.parametrize("field", sorted(NOTIFICATION_FIELDS - {"sign", "sign_type"}))
def test_notification_with_any_field_changed_fails_verification(alipay_api, alipay_sdk, merchant, field):
    pay(alipay_api.client, page_pay(alipay_api, merchant)["Location"])
    [notification] = merchant.forms()
    notification[field] += "1"
    assert not sdk_verifies(alipay_sdk, notification)
    assert not signatures.alipay_verify_notification(notification, alipay_sdk._alipay_public_key_string)


def test_notification_verifies_only_without_sign_type(alipay_api, alipay_sdk, merchant, keys):
    pay(alipay_api.client, page_pay(alipay_api, merchant)["Location"])
    [notification] = merchant.forms()
    assert signatures.alipay_verify_notification(notification, keys.alipay_public_key)
    assert not signatures.alipay_verify_request(notification, keys.alipay_public_key)


def test_request_with_tampered_amount_is_refused_and_opens_no_trade(alipay_api, merchant):
    query = alipay_api.signed_query(
        "alipay.trade.page.pay",
        {"out_trade_no": "D1", "total_amount": "1.00", "subject": "s", "product_code": "FAST_INSTANT_TRADE_PAY"},
        notify_url=merchant.url,
    )
    tampered = query.replace("1.00", "9.00")
    response = alipay_api.client.get("/sandbox/alipay/gateway.do?" + tampered)
    assert response.status_code == 400
    assert "isv.invalid-signature" in response.content.decode()
    assert not SandboxTrade.objects.exists()


def test_request_signed_with_another_key_is_refused(alipay_api, keys):
    from alipay import AliPay

    stranger = AliPay(appid=keys.alipay_app_id, app_notify_url=None, sign_type="RSA2",
                      app_private_key_string=keys.alipay_private_key,  # not our app key
                      alipay_public_key_string=keys.alipay_public_key)
    query = stranger.sign_data(stranger.build_body("alipay.trade.query", {"out_trade_no": "X"}))
    raw = alipay_api.client.get("/sandbox/alipay/gateway.do?" + query).content.decode()
    body = json.loads(raw)["alipay_trade_query_response"]
    assert body["code"] == "40002" and body["sub_code"] == "isv.invalid-signature"


def test_request_for_another_app_id_is_refused(alipay_api, alipay_sdk):
    alipay_sdk._appid = "2021000000000000"
    answer = alipay_api.call("alipay.trade.query", {"out_trade_no": "X"})
    assert answer["sub_code"] == "isv.invalid-app-id"


def test_unknown_method_gets_an_unsigned_error_response(alipay_api):
    body = json.loads(alipay_api.get("alipay.trade.nonsense", {}).content)
    assert body["error_response"]["sub_code"] == "isv.invalid-method" and "sign" not in body


def test_wap_pay_requires_quick_wap_way(alipay_api, merchant):
    biz = {"out_trade_no": "W1", "total_amount": "5.00", "subject": "s", "quit_url": "http://127.0.0.1:9/quit/"}
    refused = alipay_api.get("alipay.trade.wap.pay", {**biz, "product_code": "QUICK_WAP_PAY"}, notify_url=merchant.url)
    assert refused.status_code == 400 and "QUICK_WAP_WAY" in refused.content.decode()
    accepted = alipay_api.get("alipay.trade.wap.pay", {**biz, "product_code": "QUICK_WAP_WAY"}, notify_url=merchant.url)
    assert accepted.status_code == 302
    cancelled = alipay_api.client.post(path_of(accepted["Location"]), {"action": "cancel"})
    assert cancelled["Location"] == "http://127.0.0.1:9/quit/"
    assert SandboxTrade.objects.get(out_trade_no="W1").status == SandboxTrade.Status.UNPAID


@pytest.mark.parametrize("amount", ["0.00", "1.001", "abc", "-1.00", "1e3", "100000000.01"])
def test_bad_amount_is_refused(alipay_api, merchant, amount):
    response = page_pay(alipay_api, merchant, amount=amount)
    assert response.status_code == 400 and "ACQ.INVALID_PARAMETER" in response.content.decode()
    assert not SandboxTrade.objects.exists()


def test_same_order_with_another_amount_is_refused(alipay_api, merchant):
    page_pay(alipay_api, merchant, amount="10.00")
    again = page_pay(alipay_api, merchant, amount="11.00")
    assert again.status_code == 400 and "ACQ.CONTEXT_INCONSISTENT" in again.content.decode()
    assert SandboxTrade.objects.get().total_amount == Decimal("10.00")


def test_precreated_trade_does_not_exist_until_scanned(alipay_api, merchant):
    created = alipay_api.call("alipay.trade.precreate",
                              {"out_trade_no": "Q1", "total_amount": "8.80", "subject": "扫码捐赠"})
    assert created["code"] == "10000" and created["qr_code"].startswith("http")
    assert alipay_api.call("alipay.trade.query", {"out_trade_no": "Q1"})["sub_code"] == "ACQ.TRADE_NOT_EXIST"
    assert alipay_api.call("alipay.trade.close", {"out_trade_no": "Q1"})["sub_code"] == "ACQ.TRADE_NOT_EXIST"

    alipay_api.client.get(path_of(created["qr_code"]))  # scanned
    assert alipay_api.call("alipay.trade.query", {"out_trade_no": "Q1"})["trade_status"] == "WAIT_BUYER_PAY"


def test_paid_trade_queries_success_and_cannot_be_closed(alipay_api, merchant):
    pay(alipay_api.client, page_pay(alipay_api, merchant, out_trade_no="P1", amount="66.60")["Location"])
    answer = alipay_api.call("alipay.trade.query", {"out_trade_no": "P1"})
    assert answer["trade_status"] == "TRADE_SUCCESS" and answer["total_amount"] == "66.60"
    assert answer["fund_bill_list"] == [{"fund_channel": "ALIPAYACCOUNT", "amount": "66.60"}]
    closed = alipay_api.call("alipay.trade.close", {"out_trade_no": "P1"})
    assert closed["sub_code"] == "ACQ.TRADE_HAS_SUCCESS"
    assert SandboxTrade.objects.get().status == SandboxTrade.Status.PAID


def test_unpaid_trade_closes_and_then_cannot_be_paid(alipay_api, merchant):
    pay_url = page_pay(alipay_api, merchant, out_trade_no="C1")["Location"]
    assert alipay_api.call("alipay.trade.close", {"out_trade_no": "C1"})["code"] == "10000"
    assert alipay_api.call("alipay.trade.query", {"out_trade_no": "C1"})["trade_status"] == "TRADE_CLOSED"
    refused = alipay_api.client.post(path_of(pay_url), {"action": "pay"})
    assert refused.status_code == 409 and merchant.received == []


def test_refunds_are_idempotent_bounded_and_notified(alipay_api, alipay_sdk, merchant):
    pay(alipay_api.client, page_pay(alipay_api, merchant, out_trade_no="R1", amount="100.00")["Location"])
    first = alipay_api.call("alipay.trade.refund", {"out_trade_no": "R1", "refund_amount": "30.00",
                                                    "out_request_no": "R1-1"})
    assert first["code"] == "10000" and first["fund_change"] == "Y" and first["refund_fee"] == "30.00"

    retry = alipay_api.call("alipay.trade.refund", {"out_trade_no": "R1", "refund_amount": "30.00",
                                                    "out_request_no": "R1-1"})
    assert retry["code"] == "10000" and retry["fund_change"] == "N" and retry["refund_fee"] == "30.00"
    assert SandboxRefund.objects.count() == 1

    too_much = alipay_api.call("alipay.trade.refund", {"out_trade_no": "R1", "refund_amount": "70.01",
                                                       "out_request_no": "R1-2"})
    assert too_much["sub_code"] == "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
    assert SandboxTrade.objects.get().refunded_amount == Decimal("30.00")

    rest = alipay_api.call("alipay.trade.refund", {"out_trade_no": "R1", "refund_amount": "70.00",
                                                   "out_request_no": "R1-3"})
    assert rest["fund_change"] == "Y" and rest["refund_fee"] == "100.00"

    paid, partial, full = merchant.forms()
    assert paid["trade_status"] == "TRADE_SUCCESS" and "refund_fee" not in paid
    assert (partial["trade_status"], partial["refund_fee"], partial["out_biz_no"]) == ("TRADE_SUCCESS", "30.00", "R1-1")
    assert "gmt_refund" in partial
    assert (full["trade_status"], full["refund_fee"], full["out_biz_no"]) == ("TRADE_CLOSED", "100.00", "R1-3")
    assert all(sdk_verifies(alipay_sdk, form) for form in (paid, partial, full))

    queried = alipay_api.call("alipay.trade.fastpay.refund.query", {"out_trade_no": "R1", "out_request_no": "R1-1"})
    assert queried["refund_status"] == "REFUND_SUCCESS" and queried["refund_amount"] == "30.00"
    unknown = alipay_api.call("alipay.trade.fastpay.refund.query", {"out_trade_no": "R1", "out_request_no": "nope"})
    assert unknown["code"] == "10000" and "refund_status" not in unknown


def test_refund_of_unpaid_trade_is_refused(alipay_api, merchant):
    page_pay(alipay_api, merchant, out_trade_no="U1")
    answer = alipay_api.call("alipay.trade.refund", {"out_trade_no": "U1", "refund_amount": "1.00"})
    assert answer["sub_code"] == "ACQ.TRADE_STATUS_ERROR" and not SandboxRefund.objects.exists()


def test_unacknowledged_notification_is_retried_with_the_same_notify_id(alipay_api, merchant):
    from gateway_sandbox.tasks import notification_deliver

    merchant.answers = [(200, b"fail"), (200, b"success\n"), (500, b"success")]
    pay(alipay_api.client, page_pay(alipay_api, merchant)["Location"])
    notification = SandboxNotification.objects.get()
    assert notification.attempts == 1 and notification.delivered_at is None and notification.next_attempt_at

    for _ in range(3):  # the worker runs each retry once it is due
        SandboxNotification.objects.filter(pk=notification.pk).update(next_attempt_at=notification.created_at)
        notification_deliver.call(notification.pk)

    notification.refresh_from_db()
    assert notification.attempts == 4 and notification.delivered_at is not None
    assert [a.acknowledged for a in notification.attempt_log.order_by("pk")] == [False, False, False, True]
    assert len({form["notify_id"] for form in merchant.forms()}) == 1
    assert len({item["body"] for item in merchant.received}) == 1


def test_retry_schedule_is_compressed_and_ends(settings):
    from gateway_sandbox.services import retry_delay

    settings.GATEWAY_SANDBOX_RETRY_SCALE = 1 / 600
    delays = [retry_delay(gateway="alipay", attempts=n) for n in range(1, 9)]
    assert delays == [1, 1, 1, 6, 12, 36, 90, None]



def test_statement_is_a_zip_of_gbk_csvs_with_comment_lines(alipay_api, merchant):
    import io
    import zipfile

    from django.utils import timezone

    pay(alipay_api.client, page_pay(alipay_api, merchant, out_trade_no="B1", amount="50.00")["Location"])
    alipay_api.call("alipay.trade.refund", {"out_trade_no": "B1", "refund_amount": "20.00", "out_request_no": "B1-r"})
    today = timezone.localtime().date().isoformat()
    answer = alipay_api.call("alipay.data.dataservice.bill.downloadurl.query", {"bill_type": "trade", "bill_date": today})
    download = alipay_api.client.get(path_of(answer["bill_download_url"]))

    assert download.status_code == 200 and download["Content-Disposition"].endswith('.csv.zip"')
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    [detail_name] = [name for name in archive.namelist() if "汇总" not in name]
    text = archive.read(detail_name).decode("gbk")
    lines = text.splitlines()
    assert lines[0].startswith("#") and lines[-1].startswith("#")
    rows = [line.split(",") for line in lines if not line.startswith("#")]
    assert rows[0][:4] == ["支付宝交易号", "商户订单号", "业务类型", "商品名称"]
    kinds = {row[2]: row for row in rows[1:]}
    assert kinds["交易"][1] == "B1\t" and kinds["交易"][11] == "50.00"
    assert kinds["退款"][11] == "-20.00" and kinds["退款"][21] == "B1-r\t"


def test_statement_link_with_forged_token_is_refused(alipay_api):
    assert alipay_api.client.get("/sandbox/alipay/bill/?token=forged").status_code == 403


def test_statement_for_a_future_day_does_not_exist(alipay_api):
    answer = alipay_api.call("alipay.data.dataservice.bill.downloadurl.query",
                             {"bill_type": "trade", "bill_date": "2999-01-01"})
    assert answer["sub_code"] == "isp.bill_not_exist"


def test_sdk_round_trip_through_http(live_server, alipay_sdk, merchant):
    """The SDK's own network path (urlopen to the gateway URL) works unchanged against the sandbox."""
    alipay_sdk._gateway = live_server.url + "/sandbox/alipay/gateway.do"
    created = alipay_sdk.api_alipay_trade_precreate(subject="s", out_trade_no="H1", total_amount="1.00",
                                                    notify_url=merchant.url)
    assert created["code"] == "10000"
    assert alipay_sdk.api_alipay_trade_query(out_trade_no="H1")["sub_code"] == "ACQ.TRADE_NOT_EXIST"


def test_renotify_command_delivers_due_retries(alipay_api, merchant):
    from django.core.management import call_command

    merchant.answers = [(500, b"")]
    pay(alipay_api.client, page_pay(alipay_api, merchant)["Location"])
    notification = SandboxNotification.objects.get()
    SandboxNotification.objects.filter(pk=notification.pk).update(next_attempt_at=notification.created_at)
    out = io.StringIO()
    call_command("sandbox_renotify", stdout=out)
    assert out.getvalue().strip() == "1 notification(s) acknowledged"
    notification.refresh_from_db()
    assert notification.delivered_at is not None and len(merchant.received) == 2


def test_closing_a_wap_trade_notifies_trade_closed(alipay_api, alipay_sdk, merchant):
    biz = {"out_trade_no": "WC1", "total_amount": "5.00", "subject": "s", "product_code": "QUICK_WAP_WAY",
           "quit_url": "http://127.0.0.1:9/quit/"}
    alipay_api.get("alipay.trade.wap.pay", biz, notify_url=merchant.url)
    assert alipay_api.call("alipay.trade.close", {"out_trade_no": "WC1"})["code"] == "10000"
    [closed] = merchant.forms()
    assert closed["trade_status"] == "TRADE_CLOSED" and "refund_fee" not in closed and "gmt_close" in closed
    assert sdk_verifies(alipay_sdk, closed)
