"""The sandbox's Aliyun SMS: dysmsapi SendSms (2017-05-25) checked as Aliyun checks it.

Signature version 1.0 (HMAC-SHA1 with the AccessKey secret + "&" over METHOD&%2F& + the
percent-encoded sorted query), a timestamp at most 15 minutes off, a nonce used once, a known
AccessKeyId, the account's sign name and template, a mainland mobile number. Answers are JSON
as Aliyun's: {"Code": "OK", "Message": "OK", "BizId", "RequestId"} or {"Code": <error>, ...}.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from django.db import IntegrityError, transaction

from .keys import (
    SANDBOX_SMS_ACCESS_KEY_ID,
    SANDBOX_SMS_ACCESS_KEY_SECRET,
    SANDBOX_SMS_SIGN_NAME,
    SANDBOX_SMS_TEMPLATE_CODE,
)
from .models import SandboxSms

REQUIRED = ("AccessKeyId", "Action", "Format", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp",
            "Version", "Signature", "PhoneNumbers", "SignName", "TemplateCode")
CLOCK_SKEW = timedelta(minutes=15)
PHONE_RE = re.compile(r"(\+?86)?1[3-9][0-9]{9}")


class SmsFault(Exception):
    """An Aliyun error answer: HTTP status, Code and Message."""

    def __init__(self, status, code, message):
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def _encode(value):
    return quote(value, safe="~")


def expected_signature(method, params, secret):
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    text = f"{method}&{_encode('/')}&{_encode(canonical)}"
    return base64.b64encode(hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()).decode()


def _check_request(method, params, now):
    missing = [name for name in REQUIRED if not params.get(name)]
    if missing:
        raise SmsFault(400, "MissingParameter", f"The input parameter {missing[0]} that is mandatory for processing "
                                                "this request is not supplied.")
    if params["AccessKeyId"] != SANDBOX_SMS_ACCESS_KEY_ID:
        raise SmsFault(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
    if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
        raise SmsFault(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
    expected = expected_signature(method, params, SANDBOX_SMS_ACCESS_KEY_SECRET)
    if not hmac.compare_digest(expected.encode(), params["Signature"].encode()):
        raise SmsFault(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
    try:
        stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SmsFault(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.") \
            from None
    if abs(now - stamp) > CLOCK_SKEW:
        raise SmsFault(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
    if params["Action"] != "SendSms" or params["Version"] != "2017-05-25":
        raise SmsFault(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")


def _check_message(params):
    if params["SignName"] != SANDBOX_SMS_SIGN_NAME:
        return "isv.SMS_SIGNATURE_ILLEGAL", "签名不合法(不存在或被拉黑)"
    if params["TemplateCode"] != SANDBOX_SMS_TEMPLATE_CODE:
        return "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法(不存在或被拉黑)"
    if not PHONE_RE.fullmatch(params["PhoneNumbers"]):
        return "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号"
    try:
        template = json.loads(params.get("TemplateParam") or "{}")
    except ValueError:
        template = None
    if not isinstance(template, dict) or not isinstance(template.get("code"), str):
        return "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值"
    return None


def send_sms(method, params, *, now=None):
    """(HTTP status, answer dict) for one SendSms request."""
    request_id = str(uuid.uuid4()).upper()
    try:
        _check_request(method, params, now or datetime.now(UTC))
    except SmsFault as fault:
        return fault.status, {"RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com", "Code": fault.code,
                              "Message": fault.message}
    refused = _check_message(params)
    if refused:
        return 200, {"RequestId": request_id, "Code": refused[0], "Message": refused[1]}
    biz_id = f"{secrets.randbelow(10**6):06d}^{secrets.randbelow(10**10):010d}"
    try:
        with transaction.atomic():
            SandboxSms.objects.create(phone=params["PhoneNumbers"], sign_name=params["SignName"],
                                      template_code=params["TemplateCode"], template_param=params["TemplateParam"],
                                      biz_id=biz_id, signature_nonce=params["SignatureNonce"])
    except IntegrityError:
        return 400, {"RequestId": request_id, "HostId": "dysmsapi.aliyuncs.com", "Code": "SignatureNonceUsed",
                     "Message": "Specified signature nonce was used already."}
    return 200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id}


def messages_for(phone, limit=10):
    """What the phone received, newest first: the sandbox's inbox, for developers and tests."""
    return [{"phone": m.phone, "sign_name": m.sign_name, "template_code": m.template_code,
             "template_param": json.loads(m.template_param), "biz_id": m.biz_id, "sent_at": m.created_at.isoformat()}
            for m in SandboxSms.objects.filter(phone=phone)[:limit]]
