"""Aliyun SMS (dysmsapi, API version 2017-05-25) SendSms over its RPC API with signature version 1.0.

The request is the documented one: common parameters (AccessKeyId, Action, Format, RegionId,
SignatureMethod=HMAC-SHA1, SignatureNonce, SignatureVersion=1.0, Timestamp in UTC, Version) plus
PhoneNumbers, SignName, TemplateCode and TemplateParam; signed by HMAC-SHA1 with the AccessKey
secret + "&" over ``POST&%2F&`` + the percent-encoded, sorted, percent-encoded query. Sent as a
form body (POST) so the code never sits in a URL that a proxy might log. Success is ``Code == "OK"``.
"""

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import requests
from django.conf import settings

logger = logging.getLogger(__name__)
API_VERSION = "2017-05-25"


class SmsError(Exception):
    """The provider refused the message or could not be reached; the text is safe to show (no code in it)."""


def percent_encode(value: str) -> str:
    """RFC 3986 as Aliyun specifies: only A-Z a-z 0-9 - _ . ~ stay; space is %20, * is %2A."""
    return quote(value, safe="~")


def string_to_sign(method: str, params: dict) -> str:
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def rpc_signature(method: str, params: dict, secret: str) -> str:
    """The Signature parameter of an Aliyun RPC request (signature version 1.0, HMAC-SHA1)."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def send_sms_params(*, phone: str, code: str, now: datetime | None = None, nonce: str | None = None) -> dict:
    """Every parameter of one signed SendSms request, read from the settings at call time."""
    params = {
        "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": API_VERSION,
        "PhoneNumbers": phone,
        "SignName": settings.ALIYUN_SMS_SIGN_NAME,
        "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
        "TemplateParam": json.dumps({"code": code}, separators=(",", ":")),
    }
    params["Signature"] = rpc_signature("POST", params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
    return params


def aliyun_send_code(*, phone: str, code: str) -> str:
    """Send the code; returns Aliyun's BizId. Logs the request id and a masked number, never the code."""
    masked = phone[:3] + "****" + phone[-4:]
    try:
        response = requests.post(settings.ALIYUN_SMS_ENDPOINT, data=send_sms_params(phone=phone, code=code), timeout=10)
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Aliyun SMS to %s failed: %s", masked, type(exc).__name__)
        raise SmsError("短信服务暂时无法连接，请稍后再试。") from exc
    if not isinstance(answer, dict) or answer.get("Code") != "OK":
        fault = answer.get("Code", "?") if isinstance(answer, dict) else "?"
        request_id = answer.get("RequestId", "") if isinstance(answer, dict) else ""
        logger.warning("Aliyun SMS to %s refused: %s (HTTP %s, RequestId %s)", masked, fault, response.status_code,
                       request_id)
        raise SmsError("短信发送失败，请稍后再试或改用电子邮箱。")
    logger.info("Aliyun SMS to %s sent, BizId %s", masked, answer.get("BizId", ""))
    return answer.get("BizId", "")
