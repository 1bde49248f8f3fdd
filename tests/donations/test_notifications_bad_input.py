"""Notifications with bytes the database cannot keep, and signed-but-malformed ones.

Each is stored (losslessly), recorded as rejected or failed with its error, answered with the gateway's own
refusal (which the gateway retries), and changes no order, ledger entry or receipt.
"""

import base64
import json
import secrets
import time
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from donations.models import GatewayNotification
from tests.donations.conftest import alipay_sign, post_alipay, wechat_resource
from tests.donations.test_notifications import ALIPAY_URL, WECHAT_URL, snapshot

pytestmark = pytest.mark.django_db


def assert_alipay_refusal(response):
    assert 400 <= response.status_code < 600
    assert response.content != b"success"  # anything else makes Alipay retry


def assert_wechat_refusal(response):
    assert 400 <= response.status_code < 600  # WeChat retries a 4xx/5xx with {"code": "FAIL"}
    assert response.json()["code"] == "FAIL" and response.json()["message"]


def assert_stored_and_failed(raw: bytes):
    stored = GatewayNotification.objects.get()
    assert stored.body_bytes() == raw, "the body is kept byte for byte"
    assert stored.outcome in ("failed", "rejected") and stored.error
    return stored


def wechat_signed(keys, body: str) -> dict:
    """Sign any body exactly as WeChat Pay does (the sandbox's platform key), as Django META headers."""
    ts, nonce = str(int(time.time())), secrets.token_hex(16)
    private = serialization.load_pem_private_key(keys.wechatpay_platform_private_key.encode(), password=None)
    signature = private.sign(f"{ts}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        "HTTP_WECHATPAY_SERIAL": keys.wechatpay_public_key_id,
        "HTTP_WECHATPAY_SIGNATURE": base64.b64encode(signature).decode(), "HTTP_WECHATPAY_TIMESTAMP": ts,
        "HTTP_WECHATPAY_NONCE": nonce, "HTTP_WECHATPAY_SIGNATURE_TYPE": "WECHATPAY2-SHA256-RSA2048",
    }


# --- bodies PostgreSQL cannot keep as text -----------------------------------------------------------

@pytest.mark.parametrize("head,tail", [(b"", b"&subject=a\x00b"), (b"", b"&subject=\xff\xfe"), (b"\x00", b""),
                                       (b"\xff", b"")])
def test_alipay_notification_with_unkeepable_bytes_is_stored_and_refused(client, donation, alipay_notification,
                                                                         head, tail):
    """The bytes land in a signed field (a repeated key's last value wins, or the first key's name)."""
    before = snapshot(donation)
    raw = head + urlencode(alipay_notification(donation)).encode() + tail
    response = client.post(ALIPAY_URL, raw, content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert_alipay_refusal(response)
    stored = assert_stored_and_failed(raw)
    assert stored.body_encoding == "base64"
    assert snapshot(donation) == before


@pytest.mark.parametrize("raw", [b'{"id":"x\x00","resource":{}}', b'{"id":"\xff"}', b"\x00\x01\x02"])
def test_wechat_notification_with_unkeepable_bytes_is_stored_and_refused(client, donation, raw):
    before = snapshot(donation)
    response = client.post(WECHAT_URL, raw, content_type="application/json")
    assert_wechat_refusal(response)
    stored = assert_stored_and_failed(raw)
    assert stored.body_encoding == "base64"
    assert snapshot(donation) == before


def test_a_nul_in_a_header_is_kept_too(client, donation):
    raw = b'{"id":"1"}'
    response = client.post(WECHAT_URL, raw, content_type="application/json", HTTP_WECHATPAY_NONCE="a\x00b")
    assert_wechat_refusal(response)
    stored = assert_stored_and_failed(raw)
    assert stored.headers_received()["HTTP_WECHATPAY_NONCE"] == "a\x00b"
    assert stored.body_encoding == "text" and stored.body == raw.decode()


def test_ordinary_notification_body_is_still_stored_as_text(client, donation, alipay_notification):
    params = alipay_notification(donation)
    assert post_alipay(client, params).content == b"success"
    stored = GatewayNotification.objects.get()
    assert stored.body_encoding == "text" and stored.body_bytes() == urlencode(params).encode()


def test_signed_alipay_notification_with_a_nul_in_its_order_number_is_refused(client, donation, keys):
    from tests.donations.conftest import alipay_params

    before = snapshot(donation)
    params = alipay_sign(alipay_params(keys, donation, out_trade_no=donation.out_trade_no + "\x00"),
                         keys.alipay_private_key)
    raw = urlencode(params).encode()
    response = client.post(ALIPAY_URL, raw, content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert_alipay_refusal(response)
    stored = assert_stored_and_failed(raw)
    assert stored.verified and "\x00" not in stored.out_trade_no
    assert snapshot(donation) == before


# --- signed with the sandbox's real keys, yet malformed --------------------------------------------------

@pytest.mark.parametrize("total", ["1e999999", "１００.00", "1,0,0.00", "100.000", "NaN", "-0.00x"])
def test_signed_alipay_notification_with_a_malformed_amount_is_refused(client, donation, alipay_notification,
                                                                       total):
    before = snapshot(donation)
    params = alipay_notification(donation, total_amount=total)
    response = post_alipay(client, params)
    assert_alipay_refusal(response)
    stored = assert_stored_and_failed(urlencode(params).encode())
    assert "金额" in stored.error
    assert snapshot(donation) == before


def test_signed_alipay_refund_with_a_malformed_refund_fee_is_refused(client, donation, alipay_notification):
    before = snapshot(donation)
    params = alipay_notification(donation, refund_fee="1e999999", out_biz_no="R1")
    assert_alipay_refusal(post_alipay(client, params))
    assert_stored_and_failed(urlencode(params).encode())
    assert snapshot(donation) == before


@pytest.mark.parametrize("resource", ["a string", ["a", "list"], 42, None, {"algorithm": ["AEAD_AES_256_GCM"]}])
def test_signed_wechat_notification_whose_resource_is_not_an_object_is_refused(client, donation, keys, resource):
    before = snapshot(donation)
    body = json.dumps({"id": "EV1", "event_type": "TRANSACTION.SUCCESS", "resource": resource})
    response = client.post(WECHAT_URL, body, content_type="application/json", **wechat_signed(keys, body))
    assert_wechat_refusal(response)
    assert_stored_and_failed(body.encode())
    assert snapshot(donation) == before


@pytest.mark.parametrize("overrides", [
    {"amount": [100, 100]}, {"amount": "10000"}, {"amount": {"total": "10000"}}, {"amount": {"total": 1e300}},
    {"amount": {"total": 10**40}}, {"out_trade_no": 12345}, {"out_trade_no": ["a"]}, {"mchid": None, "appid": 1},
    {"success_time": 20260101},
])
def test_signed_wechat_notification_with_fields_of_the_wrong_type_is_refused(client, donation, keys,
                                                                              wechat_notification, overrides):
    before = snapshot(donation)
    body, headers = wechat_notification(wechat_resource(keys, donation, **overrides))
    response = client.post(WECHAT_URL, body, content_type="application/json", **headers)
    assert_wechat_refusal(response)
    assert_stored_and_failed(body.encode())
    assert snapshot(donation) == before


def test_signed_wechat_refund_with_a_list_refund_amount_is_refused(client, donation, keys, wechat_notification):
    before = snapshot(donation)
    resource = wechat_resource(keys, donation, out_refund_no="R1", refund_status="SUCCESS",
                               amount={"total": 10000, "refund": [1], "payer_total": 10000, "payer_refund": 1})
    body, headers = wechat_notification(resource, event_type="REFUND.SUCCESS")
    response = client.post(WECHAT_URL, body, content_type="application/json", **headers)
    assert_wechat_refusal(response)
    assert_stored_and_failed(body.encode())
    assert snapshot(donation) == before


def test_signed_wechat_plaintext_that_is_not_an_object_is_refused(client, donation, keys, wechat_notification):
    before = snapshot(donation)
    body, headers = wechat_notification(["not", "an", "object"])
    response = client.post(WECHAT_URL, body, content_type="application/json", **headers)
    assert_wechat_refusal(response)
    assert_stored_and_failed(body.encode())
    assert snapshot(donation) == before
