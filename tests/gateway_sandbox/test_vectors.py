"""Genuine gateway-signed messages verify with the very functions the sandbox's own messages pass."""

import copy

import pytest
from alipay import AliPay
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay, WeChatPayType

from gateway_sandbox import signatures


def alipay_verifier(public_key_pem, keys):
    return AliPay(appid="0", app_notify_url=None, app_private_key_string=keys.alipay_app_private_key,
                  alipay_public_key_string=public_key_pem, sign_type="RSA2")


def sdk_verify(sdk, params):
    data = dict(params)
    sign = data.pop("sign")
    data.pop("sign_type", None)
    return sdk.verify(data, sign)


def test_genuine_alipay_notification_verifies_without_sign_type(vectors, keys):
    vector = vectors["alipay_trade_notification"]
    params, pem = vector["params"], vector["alipay_public_key_pem"]
    assert sdk_verify(alipay_verifier(pem, keys), params)
    assert signatures.alipay_verify_notification(params, pem)
    assert not signatures.alipay_verify_request(params, pem)  # sign_type kept: fails, as the rule says


def test_genuine_alipay_notification_with_any_field_changed_fails(vectors, keys):
    vector = vectors["alipay_trade_notification"]
    sdk = alipay_verifier(vector["alipay_public_key_pem"], keys)
    for field in sorted(set(vector["params"]) - {"sign", "sign_type"}):
        tampered = copy.deepcopy(vector["params"])
        tampered[field] += "0"
        assert not sdk_verify(sdk, tampered), field
        assert not signatures.alipay_verify_notification(tampered, vector["alipay_public_key_pem"]), field


def test_genuine_alipay_notification_fails_with_another_key(vectors, keys):
    params = vectors["alipay_trade_notification"]["params"]
    assert not signatures.alipay_verify_notification(params, keys.alipay_public_key)


def test_genuine_alipay_notification_with_an_extra_empty_value_still_verifies_when_empties_are_dropped(vectors):
    vector = vectors["alipay_trade_notification"]
    assert signatures.alipay_verify_notification({**vector["params"], "body": ""}, vector["alipay_public_key_pem"])


def test_genuine_alipay_gateway_message_verifies_with_sign_type_kept(vectors):
    vector = vectors["alipay_gateway_message"]
    params, pem = vector["params"], vector["alipay_public_key_pem"]
    assert signatures.alipay_verify_request(params, pem)
    assert not signatures.alipay_verify_notification(params, pem)
    assert not signatures.alipay_verify_request({**params, "total_price": "1.00"}, pem)


def platform_public_key(certificate_pem):
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    return certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def wechat_verifier(vector, keys):
    serial = vector["headers"]["Wechatpay-Serial"]
    return WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid="1", private_key=keys.wechatpay_merchant_private_key,
                     cert_serial_no="1", appid="wx", apiv3_key=vector["aead_key"],
                     public_key=platform_public_key(vector["platform_certificate_pem"]), public_key_id=serial)


def test_genuine_wechatpay_notification_verifies_and_decrypts(vectors, keys):
    vector = vectors["wechatpay_notification"]
    # The source omits Wechatpay-Signature-Type, which wechatpayv3 requires; the real gateway sends it.
    headers = {**vector["headers"], "Wechatpay-Signature-Type": signatures.WECHATPAY_SCHEME}
    data = wechat_verifier(vector, keys).callback(headers, vector["body"])
    assert data is not None and isinstance(data["resource"], dict)
    h = vector["headers"]
    message = signatures.wechatpay_response_message(h["Wechatpay-Timestamp"], h["Wechatpay-Nonce"], vector["body"])
    assert signatures.rsa2_verify(message, h["Wechatpay-Signature"], vector["platform_certificate_pem"])


@pytest.mark.parametrize("change", ["body", "Wechatpay-Timestamp", "Wechatpay-Nonce"])
def test_genuine_wechatpay_notification_with_anything_changed_fails(vectors, keys, change):
    vector = vectors["wechatpay_notification"]
    headers = {**vector["headers"], "Wechatpay-Signature-Type": signatures.WECHATPAY_SCHEME}
    body = vector["body"]
    if change == "body":
        body = body.replace("签约成功", "签约失败")
    else:
        headers[change] = headers[change][:-1] + ("0" if headers[change][-1] != "0" else "1")
    assert wechat_verifier(vector, keys).callback(headers, body) is None
    message = signatures.wechatpay_response_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body)
    assert not signatures.rsa2_verify(message, headers["Wechatpay-Signature"], vector["platform_certificate_pem"])
