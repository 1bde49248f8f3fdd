"""Genuine gateway-signed messages: our verifiers accept them as they are and reject any change."""

import json
import os
from pathlib import Path

import pytest
from cryptography.x509 import load_pem_x509_certificate
from django.conf import settings

from donations.gateways.alipay import AlipayClient, alipay_signed_content, alipay_verify
from donations.gateways.base import VerificationError
from donations.gateways.wechatpay import WechatPayGateway, wechatpay_decrypt_resource, wechatpay_verify_signature
from gateway_sandbox.keys import sandbox_keys


@pytest.fixture(scope="module")
def vectors():
    path = os.environ.get("PAYMENT_VECTORS")
    if not path:
        pytest.skip("PAYMENT_VECTORS is not set: the genuine gateway vectors file is not available")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _alipay_client(pem):
    return AlipayClient(app_id="x", app_private_key="", alipay_public_key=pem, gateway_url="https://invalid/")


@pytest.fixture
def alipay_vector(vectors):
    vector = vectors["alipay_trade_notification"]
    return dict(vector["params"]), _alipay_client(vector["alipay_public_key_pem"])


def test_genuine_alipay_notification_verifies(alipay_vector):
    params, client = alipay_vector
    assert alipay_verify(params, client=client)


def test_genuine_alipay_notification_verifies_with_an_extra_empty_field(alipay_vector):
    params, client = alipay_vector
    assert alipay_verify({**params, "body": "", "passback_params": ""}, client=client)


def test_verifying_does_not_change_the_callers_params(alipay_vector):
    params, client = alipay_vector
    before = dict(params)
    alipay_verify(params, client=client)
    assert params == before


def test_alipay_notification_signed_content_excludes_sign_type(alipay_vector):
    params, client = alipay_vector
    assert "sign_type=" not in alipay_signed_content(params)
    kept = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    assert not client._verify(kept, params["sign"])


@pytest.mark.parametrize("field", [
    "total_amount", "app_id", "seller_id", "out_trade_no", "trade_status", "trade_no", "notify_id",
    "gmt_payment", "fund_bill_list", "subject", "buyer_id", "receipt_amount",
])
def test_alipay_notification_with_any_field_changed_is_rejected(alipay_vector, field):
    params, client = alipay_vector
    tampered = dict(params)
    tampered[field] = tampered[field] + "0"
    assert not alipay_verify(tampered, client=client)


def test_alipay_notification_with_an_added_field_is_rejected(alipay_vector):
    params, client = alipay_vector
    assert not alipay_verify({**params, "refund_fee": "0.10"}, client=client)


def test_alipay_notification_without_signature_is_rejected(alipay_vector):
    params, client = alipay_vector
    assert not alipay_verify({k: v for k, v in params.items() if k != "sign"}, client=client)
    assert not alipay_verify({**params, "sign": ""}, client=client)
    assert not alipay_verify({**params, "sign": "not base64 !!"}, client=client)


def test_alipay_notification_checked_with_the_wrong_key_is_rejected(vectors, alipay_vector):
    params, _ = alipay_vector
    other = _alipay_client(vectors["alipay_gateway_message"]["alipay_public_key_pem"])
    assert not alipay_verify(params, client=other)


def test_alipay_gateway_message_verifies_only_with_sign_type_kept(vectors):
    vector = vectors["alipay_gateway_message"]
    params, client = vector["params"], _alipay_client(vector["alipay_public_key_pem"])
    kept = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
    assert client._verify(kept, params["sign"])
    # Not a trade notification: the notification rule (sign_type dropped) refuses it.
    assert not alipay_verify(dict(params), client=client)


@pytest.fixture
def wechat_vector(vectors):
    vector = vectors["wechatpay_notification"]
    cert = load_pem_x509_certificate(vector["platform_certificate_pem"].encode())
    # As published, without Wechatpay-Signature-Type: that header is not signed, and our verifier must not need it.
    headers = dict(vector["headers"])
    assert "Wechatpay-Signature-Type" not in headers
    keys = {headers["Wechatpay-Serial"]: cert.public_key()}
    return headers, vector["body"], keys, vector["aead_key"]


def test_genuine_wechatpay_notification_verifies_and_decrypts(wechat_vector):
    headers, body, keys, aead_key = wechat_vector
    now = int(headers["Wechatpay-Timestamp"]) + 10
    wechatpay_verify_signature(headers=headers, body=body, public_keys=keys, now=now)
    envelope, resource = wechatpay_decrypt_resource(body=body, apiv3_key=aead_key)
    assert envelope["id"] == "3119dfba-e649-5eec-ab1e-3412bc4d2e17"
    assert isinstance(resource, dict) and resource


def test_wechatpay_notification_in_django_meta_spelling_verifies(wechat_vector):
    headers, body, keys, _ = wechat_vector
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    wechatpay_verify_signature(headers=meta, body=body, public_keys=keys, now=int(headers["Wechatpay-Timestamp"]))


def test_wechatpay_notification_with_an_old_timestamp_is_rejected(wechat_vector):
    headers, body, keys, _ = wechat_vector
    with pytest.raises(VerificationError, match="300"):
        wechatpay_verify_signature(
            headers=headers, body=body, public_keys=keys, now=int(headers["Wechatpay-Timestamp"]) + 301
        )


@pytest.mark.parametrize("header", ["Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp",
                                    "Wechatpay-Nonce"])
def test_wechatpay_notification_missing_a_header_is_rejected(wechat_vector, header):
    headers, body, keys, _ = wechat_vector
    headers = {k: v for k, v in headers.items() if k != header}
    with pytest.raises(VerificationError):
        wechatpay_verify_signature(headers=headers, body=body, public_keys=keys, now=1624523846)


def test_wechatpay_notification_with_the_signature_type_header_verifies_only_with_the_one_scheme(wechat_vector):
    headers, body, keys, _ = wechat_vector
    now = int(headers["Wechatpay-Timestamp"])
    wechatpay_verify_signature(headers={**headers, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"},
                               body=body, public_keys=keys, now=now)
    with pytest.raises(VerificationError, match="Wechatpay-Signature-Type"):
        wechatpay_verify_signature(headers={**headers, "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"},
                                   body=body, public_keys=keys, now=now)


def _vector_gateway(vectors, platform_keys, sandbox_keys):
    vector = vectors["wechatpay_notification"]
    return WechatPayGateway(
        mchid="1900000000", appid="wx0000000000000000", private_key=sandbox_keys.wechatpay_merchant_private_key,
        cert_serial_no="0" * 40, apiv3_key=vector["aead_key"], platform_keys=platform_keys,
        base_url="https://invalid.example", clock=lambda: int(vector["headers"]["Wechatpay-Timestamp"]) + 5,
    )


def test_genuine_wechatpay_notification_verifies_by_the_gateway_with_its_certificate_among_several(vectors):
    # The certificate form: its serial is read from the certificate and matched to Wechatpay-Serial.
    vector = vectors["wechatpay_notification"]
    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    entries = (f"{keys.wechatpay_public_key_id}: {keys.wechatpay_platform_public_key}\n"
               + vector["platform_certificate_pem"])
    gateway = _vector_gateway(vectors, entries, keys)
    assert vector["headers"]["Wechatpay-Serial"] in gateway.public_keys
    verified = gateway.verify_notification(headers=dict(vector["headers"]), body=vector["body"].encode(), params={})
    assert verified.data["id"] == "3119dfba-e649-5eec-ab1e-3412bc4d2e17"


def test_genuine_wechatpay_notification_is_refused_when_its_certificate_is_not_configured(vectors):
    vector = vectors["wechatpay_notification"]
    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    gateway = _vector_gateway(vectors, f"{keys.wechatpay_public_key_id}: {keys.wechatpay_platform_public_key}", keys)
    with pytest.raises(VerificationError, match="序列号未知：D7CE59D1F522D701"):
        gateway.verify_notification(headers=dict(vector["headers"]), body=vector["body"].encode(), params={})


def test_wechatpay_notification_with_changed_body_or_nonce_is_rejected(wechat_vector):
    headers, body, keys, _ = wechat_vector
    now = int(headers["Wechatpay-Timestamp"])
    with pytest.raises(VerificationError, match="签名无效"):
        wechatpay_verify_signature(headers=headers, body=body.replace("签约成功", "签约失败"), public_keys=keys, now=now)
    with pytest.raises(VerificationError, match="签名无效"):
        wechatpay_verify_signature(headers={**headers, "Wechatpay-Nonce": "x" + headers["Wechatpay-Nonce"]},
                                   body=body, public_keys=keys, now=now)


def test_wechatpay_notification_with_unknown_serial_is_rejected(wechat_vector):
    headers, body, keys, _ = wechat_vector
    with pytest.raises(VerificationError, match="序列号"):
        wechatpay_verify_signature(headers={**headers, "Wechatpay-Serial": "FFFF"}, body=body, public_keys=keys,
                                   now=int(headers["Wechatpay-Timestamp"]))


def test_wechatpay_resource_with_wrong_gcm_tag_or_key_is_rejected(wechat_vector):
    import base64

    headers, body, keys, aead_key = wechat_vector
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[-1] ^= 0x01  # flip one bit of the GCM tag
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(VerificationError, match="校验失败"):
        wechatpay_decrypt_resource(body=json.dumps(envelope), apiv3_key=aead_key)
    with pytest.raises(VerificationError, match="校验失败"):
        wechatpay_decrypt_resource(body=body, apiv3_key="testMchAPIv3Key1")
