"""Gateway plumbing: configuration checks, statement parsing, amounts."""

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from donations.checks import payment_gateway_settings_check
from donations.gateways import gateway_get
from donations.gateways.alipay import alipay_statement_parse
from donations.gateways.base import VerificationError, fen_to_yuan, yuan
from donations.gateways.wechatpay import wechatpay_statement_parse


def test_enabled_gateway_with_a_missing_key_fails_the_system_check(settings):
    settings.PAYMENT_GATEWAYS = ["alipay"]
    settings.ALIPAY_PUBLIC_KEY = ""
    errors = payment_gateway_settings_check(None)
    assert [e.id for e in errors] == ["donations.E002"] and "ALIPAY_PUBLIC_KEY" in errors[0].msg


def test_unknown_gateway_fails_the_system_check(settings):
    settings.PAYMENT_GATEWAYS = ["paypal"]
    assert [e.id for e in payment_gateway_settings_check(None)] == ["donations.E001"]


def test_complete_configuration_passes_the_system_check(settings):
    settings.PAYMENT_GATEWAYS = ["alipay", "wechatpay", "offline"]
    assert payment_gateway_settings_check(None) == []


def test_a_gateway_not_enabled_cannot_be_used(settings):
    settings.PAYMENT_GATEWAYS = ["wechatpay"]
    with pytest.raises(ImproperlyConfigured):
        gateway_get("alipay")


def test_gateway_follows_settings_changed_at_run_time(settings):
    first = gateway_get("alipay")
    settings.ALIPAY_GATEWAY_URL = "https://example.invalid/gateway.do"
    assert gateway_get("alipay").client._gateway == "https://example.invalid/gateway.do"
    assert first.client._gateway != "https://example.invalid/gateway.do"


@pytest.mark.parametrize("raw", ["1.001", "abc", "NaN", "Infinity", ""])
def test_gateway_amounts_must_be_plain_yuan(raw):
    with pytest.raises(VerificationError):
        yuan(raw)


def test_fen_must_be_an_integer():
    assert fen_to_yuan(6660) == Decimal("66.60")
    for bad in ("6660", 66.6, True):
        with pytest.raises(VerificationError):
            fen_to_yuan(bad)


def _alipay_zip(rows):
    header = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
              "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
              "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")
    text = "#支付宝业务明细查询\r\n#账号：[20880000]\r\n" + header + "\r\n" + "".join(r + "\r\n" for r in rows) + \
        "#-----业务明细列表结束-----\r\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("20880000_20261122_业务明细.csv", text.encode("gbk"))
        archive.writestr("20880000_20261122_业务明细(汇总).csv", "#汇总\r\n门店编号,门店名称\r\n合计,\r\n".encode("gbk"))
    return buffer.getvalue()


def test_alipay_statement_is_read_from_the_zipped_gbk_csv():
    empty = ",".join([""] * 8)
    archive = _alipay_zip([
        "2026112222001\t,20261122AAA\t,交易,捐赠,2026-11-22 10:00:00,2026-11-22 10:00:05,,,,,b***@x.com,100.00,100.00,"
        + empty + ",,0.00,0.00,",
        "2026112222001\t,20261122AAA\t,退款,捐赠,2026-11-22 10:00:00,2026-11-22 12:00:00,,,,,b***@x.com,100.00,-30.00,"
        + empty + ",20261122AAAR1\t,0.00,0.00,",
    ])
    lines = alipay_statement_parse(archive)
    assert [(x.kind, x.out_trade_no, x.gateway_trade_no, x.amount, x.refund_request_no) for x in lines] == [
        ("payment", "20261122AAA", "2026112222001", Decimal("100.00"), ""),
        ("refund", "20261122AAA", "2026112222001", Decimal("30.00"), "20261122AAAR1"),
    ]


def test_wechatpay_trade_bill_is_read_with_its_backtick_values_and_summary():
    text = (
        "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
        "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
        "手续费,费率,订单金额,申请退款金额,费率备注\n"
        "`2026-11-22 10:00:00,`wx1,`1900,`0,`,`4200001,`20261122BBB,`o1,`NATIVE,`SUCCESS,`OTHERS,`CNY,`66.60,`0.00,"
        "`0,`0,`0.00,`0.00,`,`,`捐赠,`,`0.40,`0.60%,`66.60,`0.00,`\n"
        "`2026-11-22 11:00:00,`wx1,`1900,`0,`,`4200001,`20261122BBB,`o1,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,"
        "`503001,`20261122BBBR1,`10.00,`0.00,`ORIGINAL,`SUCCESS,`捐赠,`,`-0.06,`0.60%,`66.60,`10.00,`\n"
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n"
        "`2,`66.60,`10.00,`0.00,`0.34,`66.60,`10.00\n"
    )
    lines = wechatpay_statement_parse(text)
    assert [(x.kind, x.out_trade_no, x.amount, x.refund_request_no) for x in lines] == [
        ("payment", "20261122BBB", Decimal("66.60"), ""),
        ("refund", "20261122BBB", Decimal("10.00"), "20261122BBBR1"),
    ]


# --- WeChat Pay bodies that are signed but malformed: refused with a reason, never an exception --------------


def _signed_wechat(keys, envelope, *, resource_plain=None):
    import json
    import secrets
    import time

    from gateway_sandbox import signatures

    if resource_plain is not None:
        nonce = secrets.token_hex(6)
        envelope = {**envelope, "resource": {
            "algorithm": "AEAD_AES_256_GCM", "associated_data": "transaction", "nonce": nonce,
            "ciphertext": signatures.wechatpay_encrypt(resource_plain, key=keys.wechatpay_apiv3_key, nonce=nonce,
                                                       associated_data="transaction")}}
    body = json.dumps(envelope)
    headers = signatures.wechatpay_signature_headers(
        body, private_key_pem=keys.wechatpay_platform_private_key, serial=keys.wechatpay_public_key_id,
        timestamp=int(time.time()), nonce=secrets.token_hex(8))
    return headers, body.encode()


@pytest.mark.parametrize("envelope,plain,reason", [
    ({"event_type": "TRANSACTION.SUCCESS", "resource": "a string"}, None, "resource 应为对象"),
    ({"event_type": "TRANSACTION.SUCCESS", "resource": ["x"]}, None, "resource 应为对象"),
    ([1, 2], None, "resource 应为对象"),
    ({"event_type": "TRANSACTION.SUCCESS", "resource": {"algorithm": "AEAD_AES_256_GCM", "nonce": 1,
                                                        "ciphertext": [], "associated_data": ""}}, None, "应为字符串"),
    ({"event_type": "TRANSACTION.SUCCESS", "resource": {"algorithm": "AEAD_AES_256_GCM", "nonce": "abc",
                                                        "ciphertext": "!!", "associated_data": ""}}, None, "无法解密"),
    ({"event_type": "TRANSACTION.SUCCESS"}, '"just a string"', "应为对象"),
    ({"event_type": "TRANSACTION.SUCCESS"}, '{"trade_state": "SUCCESS", "amount": [100]}', "amount"),
    ({"event_type": "TRANSACTION.SUCCESS"}, '{"trade_state": "SUCCESS", "amount": {"total": 1e999999}}', "金额"),
    ({"event_type": "REFUND.SUCCESS"}, '{"amount": {"total": 100, "refund": ' + "9" * 40 + "}}", "金额"),
    ({"event_type": "TRANSACTION.SUCCESS"}, '{"trade_state": "SUCCESS", "out_trade_no": ["A"], '
                                            '"amount": {"total": 100}}', "out_trade_no"),
    ({"event_type": ["TRANSACTION.SUCCESS"]}, '{"amount": {"total": 100}}', "event_type"),
])
def test_a_signed_but_malformed_wechat_notification_is_refused_with_a_reason(keys, envelope, plain, reason):
    gateway = gateway_get("wechatpay")
    headers, body = _signed_wechat(keys, envelope, resource_plain=plain)
    with pytest.raises(VerificationError, match=reason):
        gateway.verify_notification(headers=headers, body=body, params={})


def test_a_wechat_notification_body_that_is_not_utf8_is_refused(keys):
    headers, _ = _signed_wechat(keys, {"resource": {}})
    with pytest.raises(VerificationError, match="UTF-8"):
        gateway_get("wechatpay").verify_notification(headers=headers, body=b"\xff\xfe{}", params={})


@pytest.mark.parametrize("timestamp", ["１６２４５２３８４６", "²", "9" * 30, "-5"])
def test_a_wechat_timestamp_that_is_not_ascii_digits_is_refused(keys, timestamp):
    headers, body = _signed_wechat(keys, {"resource": {}})
    with pytest.raises(VerificationError, match="时间戳"):
        gateway_get("wechatpay").verify_notification(headers={**headers, "Wechatpay-Timestamp": timestamp},
                                                     body=body, params={})
