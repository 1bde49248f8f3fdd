"""The Aliyun SMS adapter: Aliyun's documented signature, and SendSms against the sandbox over real HTTP.

The sandbox checks what Aliyun checks (signature, AccessKeyId, timestamp, nonce, sign name, template,
number), so each refusal below is one our production adapter must handle without sending anything else.
"""

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from donations.sms import SmsError, sms_send_code
from donations.sms.aliyun import rpc_signature, send_sms_params
from gateway_sandbox.models import SandboxSms

PHONE = "13912345678"


def test_signature_matches_aliyuns_documented_example():
    """Aliyun's RPC signature guide: AccessKeyId testid, secret testsecret, DescribeRegions → OLeaidS1JvxuMvnyHOwuJ+uX5qY=."""
    params = {
        "AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
    }
    assert rpc_signature("GET", params, "testsecret") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    assert rpc_signature("GET", {**params, "Format": "JSON"}, "testsecret") != "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


@pytest.fixture
def aliyun_sandbox(transactional_base, live_server, settings):
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ENDPOINT = live_server.url + "/sandbox/aliyun-sms/"
    return live_server


def inbox(server, phone=PHONE):
    return requests.get(f"{server.url}/sandbox/aliyun-sms/inbox/", params={"phone": phone}, timeout=30).json()["messages"]


def test_send_code_reaches_the_sandbox_phone_and_logs_no_code(aliyun_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    sms_send_code(phone=PHONE, code="246810")
    logged = caplog.text  # before the test itself asks the sandbox's inbox
    [message] = inbox(aliyun_sandbox)
    assert message["template_param"] == {"code": "246810"} and message["sign_name"] == "志愿城市太原"
    assert "246810" not in logged and "139****5678" in logged and PHONE not in logged


def _post(server, params):
    return requests.post(server.url + "/sandbox/aliyun-sms/", data=params, timeout=30)


@pytest.mark.parametrize("change,code", [
    (lambda p: {**p, "TemplateParam": '{"code":"000000"}'}, "SignatureDoesNotMatch"),
    (lambda p: {**p, "Signature": p["Signature"][:-2] + "A="}, "SignatureDoesNotMatch"),
    (lambda p: {k: v for k, v in p.items() if k != "Signature"}, "MissingParameter"),
    (lambda p: {**p, "AccessKeyId": "LTAI5tSomeoneElse"}, "InvalidAccessKeyId.NotFound"),
])
def test_sandbox_refuses_a_tampered_or_unsigned_request_and_delivers_nothing(aliyun_sandbox, change, code):
    response = _post(aliyun_sandbox, change(send_sms_params(phone=PHONE, code="135790")))
    assert response.status_code in (400, 404) and response.json()["Code"] == code
    assert not SandboxSms.objects.exists()


def test_sandbox_refuses_a_stale_timestamp_and_a_replayed_nonce(aliyun_sandbox):
    stale = send_sms_params(phone=PHONE, code="135790", now=datetime.now(UTC) - timedelta(minutes=16))
    assert _post(aliyun_sandbox, stale).json()["Code"] == "InvalidTimeStamp.Expired"
    fresh = send_sms_params(phone=PHONE, code="135790")
    assert _post(aliyun_sandbox, fresh).json()["Code"] == "OK"
    replay = _post(aliyun_sandbox, fresh)
    assert replay.status_code == 400 and replay.json()["Code"] == "SignatureNonceUsed"
    assert SandboxSms.objects.count() == 1


@pytest.mark.parametrize("setting,value,code", [
    ("ALIYUN_SMS_SIGN_NAME", "别的签名", "isv.SMS_SIGNATURE_ILLEGAL"),
    ("ALIYUN_SMS_TEMPLATE_CODE", "SMS_999", "isv.SMS_TEMPLATE_ILLEGAL"),
    ("ALIYUN_SMS_ACCESS_KEY_SECRET", "wrong-secret", "SignatureDoesNotMatch"),
])
def test_adapter_turns_aliyun_refusals_into_an_sms_error(aliyun_sandbox, settings, caplog, setting, value, code):
    caplog.set_level(logging.INFO)
    setattr(settings, setting, value)
    with pytest.raises(SmsError) as refused:
        sms_send_code(phone=PHONE, code="864200")
    assert "864200" not in str(refused.value) and "864200" not in caplog.text and code in caplog.text
    assert not SandboxSms.objects.exists()


def test_adapter_reports_an_unreachable_provider(aliyun_sandbox, settings):
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsError, match="无法连接"):
        sms_send_code(phone=PHONE, code="864200")


def test_sign_in_by_sms_through_the_sandbox(aliyun_sandbox, client, campaign):
    """The whole code path with the production adapter: the code arrives only at the (sandbox) phone."""
    response = client.post("/donations/mine/sign-in/", {"target": PHONE})
    assert response.status_code == 302
    code = inbox(aliyun_sandbox)[0]["template_param"]["code"]
    assert re.fullmatch(r"[0-9]{6}", code)
    assert client.post("/donations/mine/verify/", {"code": code}).status_code == 302
    assert client.get("/donations/mine/").status_code == 200


def test_a_refused_message_voids_its_code(aliyun_sandbox, client, settings, campaign):
    from donations.models import DonorCode

    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_999"
    response = client.post("/donations/mine/sign-in/", {"target": PHONE})
    assert response.status_code == 400 and "短信发送失败" in response.content.decode()
    assert DonorCode.objects.get().voided_at is not None
