"""The sandbox's WeChat Pay v3: our signed requests are checked; its answers and notifications verify."""

import json
import time

import pytest
from django.test import Client
from wechatpayv3 import WeChatPayType

from gateway_sandbox import signatures
from gateway_sandbox.models import SandboxRefund, SandboxTrade

from .conftest import path_of, wechatpay_client


def native_order(wechat, merchant, out_trade_no="W20260001", total=10000):
    return wechat.pay(description="志愿城市·太原 捐赠", out_trade_no=out_trade_no, amount={"total": total},
                      notify_url=merchant.url, pay_type=WeChatPayType.NATIVE)


def pay_in_cashier(url):
    client = Client()
    page = client.get(path_of(url))
    assert "确认支付" in page.content.decode()
    return client.post(path_of(url), {"action": "pay"})


def callback_headers(delivery):
    return {name: value for name, value in delivery["headers"].items() if name.lower().startswith("wechatpay-")}


def test_native_order_is_signed_queried_paid_and_notified(wechat, merchant, keys):
    code, body = native_order(wechat, merchant)  # the client verifies the sandbox's response signature
    assert code == 200
    code_url = json.loads(body)["code_url"]
    code, body = wechat.query(out_trade_no="W20260001")
    assert code == 200 and json.loads(body)["trade_state"] == "NOTPAY"

    pay_in_cashier(code_url)

    [delivery] = merchant.received
    headers = callback_headers(delivery)
    assert set(headers) == {"Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce",
                            "Wechatpay-Signature-Type"}
    assert headers["Wechatpay-Serial"] == keys.wechatpay_public_key_id
    assert abs(time.time() - int(headers["Wechatpay-Timestamp"])) <= 300
    data = wechat.callback(headers, delivery["body"])  # wechatpayv3 verifies and decrypts
    assert data["event_type"] == "TRANSACTION.SUCCESS"
    resource = data["resource"]
    assert resource["trade_state"] == "SUCCESS" and resource["amount"]["total"] == 10000
    assert (resource["mchid"], resource["appid"], resource["out_trade_no"]) == (
        keys.wechatpay_mchid, keys.wechatpay_appid, "W20260001")
    code, body = wechat.query(out_trade_no="W20260001")
    assert json.loads(body)["trade_state"] == "SUCCESS"


def test_tampered_notification_body_or_wrong_key_fails(wechat, merchant, keys, live_server):
    pay_in_cashier(json.loads(native_order(wechat, merchant)[1])["code_url"])
    [delivery] = merchant.received
    headers = callback_headers(delivery)
    assert wechat.callback(headers, delivery["body"].replace("TRANSACTION", "TRANSACTIOM")) is None
    assert wechat.callback({**headers, "Wechatpay-Timestamp": str(int(headers["Wechatpay-Timestamp"]) + 1)},
                           delivery["body"]) is None
    body = json.loads(delivery["body"])
    assert body["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag: a wrong APIv3 key cannot open it
        signatures.wechatpay_decrypt(body["resource"]["ciphertext"], key="0" * 32, nonce=body["resource"]["nonce"],
                                     associated_data=body["resource"]["associated_data"])


def test_h5_and_jsapi_orders(wechat, merchant):
    code, body = wechat.pay(description="d", out_trade_no="H1", amount={"total": 100}, notify_url=merchant.url,
                            pay_type=WeChatPayType.H5, scene_info={"payer_client_ip": "1.2.3.4",
                                                                   "h5_info": {"type": "Wap"}})
    h5_url = json.loads(body)["h5_url"]
    done = pay_in_cashier(h5_url + "&redirect_url=http%3A%2F%2F127.0.0.1%3A9%2Fback%2F")
    assert code == 200
    page = Client().get(path_of(h5_url))
    assert page.status_code == 200
    # An openid WeChat issued for another appid (or none at all) is refused, as WeChat Pay does.
    code, body = wechat.pay(description="d", out_trade_no="J1", amount={"total": 100}, notify_url=merchant.url,
                            pay_type=WeChatPayType.JSAPI, payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"})
    assert code == 400 and "openid 与 appid 不匹配" in json.loads(body)["message"]
    assert not SandboxTrade.objects.filter(out_trade_no="J1").exists()
    from gateway_sandbox.config import current_keys
    from gateway_sandbox.wechat_oauth import openid_for

    openid = openid_for(current_keys().wechatpay_appid, "A" * 16)
    code, body = wechat.pay(description="d", out_trade_no="J1", amount={"total": 100}, notify_url=merchant.url,
                            pay_type=WeChatPayType.JSAPI, payer={"openid": openid})
    assert code == 200 and json.loads(body)["prepay_id"].startswith("wx")
    assert SandboxTrade.objects.get(out_trade_no="J1").payer_openid == openid
    assert done.status_code == 302 and done["Location"] == "http://127.0.0.1:9/back/"


def test_h5_without_client_ip_is_refused(wechat, merchant):
    code, body = wechat.pay(description="d", out_trade_no="H2", amount={"total": 100}, notify_url=merchant.url,
                            pay_type=WeChatPayType.H5, scene_info={"h5_info": {"type": "Wap"}})
    assert code == 400 and json.loads(body)["code"] == "PARAM_ERROR"
    assert not SandboxTrade.objects.exists()


def test_request_signed_with_another_key_is_refused(keys, live_server, merchant):
    stranger = wechatpay_client(keys, live_server.url + "/sandbox/wechatpay",
                                private_key=keys.wechatpay_platform_private_key)
    code, body = native_order(stranger, merchant)
    assert code == 401 and json.loads(body)["code"] == "SIGN_ERROR"
    assert not SandboxTrade.objects.exists()


def test_unknown_order_is_not_found(wechat):
    code, body = wechat.query(out_trade_no="nope")
    assert code == 404 and json.loads(body)["code"] == "ORDER_NOT_EXIST"


def test_close_unpaid_then_paid_refused(wechat, merchant):
    native_order(wechat, merchant, out_trade_no="C1")
    code, _ = wechat.close(out_trade_no="C1")
    assert code == 204
    assert json.loads(wechat.query(out_trade_no="C1")[1])["trade_state"] == "CLOSED"

    pay_in_cashier(json.loads(native_order(wechat, merchant, out_trade_no="C2")[1])["code_url"])
    code, body = wechat.close(out_trade_no="C2")
    assert code == 400 and json.loads(body)["code"] == "ORDERPAID"
    assert SandboxTrade.objects.get(out_trade_no="C2").status == SandboxTrade.Status.PAID


def test_refund_once_per_out_refund_no_and_bounded(wechat, merchant):
    pay_in_cashier(json.loads(native_order(wechat, merchant, out_trade_no="R1", total=1000)[1])["code_url"])
    first = wechat.refund(out_refund_no="RF1", amount={"refund": 400, "total": 1000, "currency": "CNY"},
                          out_trade_no="R1", notify_url=merchant.url + "/refund")
    again = wechat.refund(out_refund_no="RF1", amount={"refund": 400, "total": 1000, "currency": "CNY"},
                          out_trade_no="R1", notify_url=merchant.url + "/refund")
    assert first[0] == again[0] == 200
    assert json.loads(first[1])["refund_id"] == json.loads(again[1])["refund_id"]
    assert SandboxRefund.objects.count() == 1

    over = wechat.refund(out_refund_no="RF2", amount={"refund": 601, "total": 1000, "currency": "CNY"},
                         out_trade_no="R1")
    assert over[0] == 400 and SandboxRefund.objects.count() == 1

    code, body = wechat.query_refund(out_refund_no="RF1")
    assert code == 200 and json.loads(body)["status"] == "SUCCESS"
    assert json.loads(wechat.query(out_trade_no="R1")[1])["trade_state"] == "REFUND"

    paid, refunded = merchant.received
    assert refunded["path"] == "/notify/refund"  # the refund's own notify_url, not the payment's
    data = wechat.callback(callback_headers(refunded), refunded["body"])
    assert data["event_type"] == "REFUND.SUCCESS"
    assert data["resource"]["out_refund_no"] == "RF1" and data["resource"]["amount"]["refund"] == 400


def test_refund_answers_processing_first_and_settles_later(wechat, merchant):
    pay_in_cashier(json.loads(native_order(wechat, merchant, out_trade_no="P1", total=1000)[1])["code_url"])
    code, body = wechat.refund(out_refund_no="PF1", amount={"refund": 1000, "total": 1000, "currency": "CNY"},
                               out_trade_no="P1", notify_url=merchant.url)
    answer = json.loads(body)
    assert code == 200 and answer["status"] == "PROCESSING" and "success_time" not in answer
    assert len(merchant.received) == 1  # only the payment's: the refund has not settled yet
    code, body = wechat.query_refund(out_refund_no="PF1")
    assert json.loads(body)["status"] == "SUCCESS" and json.loads(body)["success_time"]
    resource = wechat.callback(callback_headers(merchant.received[1]), merchant.received[1]["body"])["resource"]
    assert resource["refund_status"] == "SUCCESS" and "appid" not in resource
    assert resource["mchid"] and resource["out_refund_no"] == "PF1"


def test_refund_without_notify_url_is_not_notified(wechat, merchant):
    pay_in_cashier(json.loads(native_order(wechat, merchant, out_trade_no="N1", total=1000)[1])["code_url"])
    wechat.refund(out_refund_no="NF1", amount={"refund": 100, "total": 1000, "currency": "CNY"}, out_trade_no="N1")
    assert json.loads(wechat.query_refund(out_refund_no="NF1")[1])["status"] == "SUCCESS"
    assert len(merchant.received) == 1 and SandboxRefund.objects.get().notify_url == ""


@pytest.mark.parametrize("outcome", ["ABNORMAL", "CLOSED"])
def test_failed_refund_is_notified_and_releases_the_money(wechat, merchant, settings, outcome):
    settings.GATEWAY_SANDBOX_WECHAT_REFUND_OUTCOME = outcome
    pay_in_cashier(json.loads(native_order(wechat, merchant, out_trade_no="F1", total=1000)[1])["code_url"])
    wechat.refund(out_refund_no="FF1", amount={"refund": 1000, "total": 1000, "currency": "CNY"},
                  out_trade_no="F1", notify_url=merchant.url)
    assert json.loads(wechat.query_refund(out_refund_no="FF1")[1])["status"] == outcome
    data = wechat.callback(callback_headers(merchant.received[1]), merchant.received[1]["body"])
    assert data["event_type"] == f"REFUND.{outcome}" and data["resource"]["refund_status"] == outcome
    assert SandboxTrade.objects.get(out_trade_no="F1").refunded_amount == 0
    settings.GATEWAY_SANDBOX_WECHAT_REFUND_OUTCOME = "SUCCESS"
    code, body = wechat.refund(out_refund_no="FF2", amount={"refund": 1000, "total": 1000, "currency": "CNY"},
                               out_trade_no="F1", notify_url=merchant.url)
    assert code == 200 and json.loads(body)["status"] == "PROCESSING"


@pytest.mark.parametrize("serial", [None, "", "PUB_KEY_ID_0000000000"])
def test_request_without_a_known_wechatpay_serial_is_refused(db, keys, merchant, serial):
    # Public-key mode: each request names the platform key the merchant holds in Wechatpay-Serial.
    from wechatpayv3.utils import build_authorization, load_private_key

    body = json.dumps({"appid": keys.wechatpay_appid, "mchid": keys.wechatpay_mchid, "description": "d",
                       "out_trade_no": "S1", "notify_url": merchant.url, "amount": {"total": 100}})
    authorization = build_authorization("/v3/pay/transactions/native", "POST", keys.wechatpay_mchid,
                                        keys.wechatpay_merchant_serial_no,
                                        load_private_key(keys.wechatpay_merchant_private_key), data=body)
    headers = {"HTTP_AUTHORIZATION": authorization}
    if serial is not None:
        headers["HTTP_WECHATPAY_SERIAL"] = serial
    response = Client().post("/sandbox/wechatpay/v3/pay/transactions/native", body, content_type="application/json",
                             **headers)
    assert response.status_code == 400 and "Wechatpay-Serial" in response.json()["message"]
    assert not SandboxTrade.objects.exists()
    ok = Client().post("/sandbox/wechatpay/v3/pay/transactions/native", body, content_type="application/json",
                       HTTP_AUTHORIZATION=authorization, HTTP_WECHATPAY_SERIAL=keys.wechatpay_rotated_public_key_id)
    assert ok.status_code == 200 and SandboxTrade.objects.count() == 1


def test_sandbox_signs_answers_with_the_platform_key_chosen_in_settings(wechat, merchant, keys, settings):
    from gateway_sandbox.wechatpay import signed_response

    settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = "rotated"
    with pytest.raises(Exception):  # noqa: B017 - the SDK holds key A only and refuses an answer signed by B
        native_order(wechat, merchant, out_trade_no="K1")
    for signer, serial, public in [
        ("rotated", keys.wechatpay_rotated_public_key_id, keys.wechatpay_rotated_platform_public_key),
        ("certificate", keys.wechatpay_platform_certificate_serial, keys.wechatpay_platform_certificate),
    ]:
        settings.GATEWAY_SANDBOX_WECHATPAY_SIGNER = signer
        response = signed_response(200, {"ok": True})
        assert response["Wechatpay-Serial"] == serial
        message = signatures.wechatpay_response_message(response["Wechatpay-Timestamp"], response["Wechatpay-Nonce"],
                                                        response.content.decode())
        assert signatures.rsa2_verify(message, response["Wechatpay-Signature"], public)
