"""The official account's server API and JS-SDK check as the sandbox plays them, on WeChat's wire format.

``cgi-bin/token`` answers ``{access_token, expires_in}`` or ``{errcode, errmsg}`` (40002 bad grant_type,
40013 bad appid, 40125 bad secret, 45009 daily quota); a new token leaves the previous one valid for five
more minutes, as WeChat does. ``cgi-bin/ticket/getticket`` wants a live token (40001 unknown, 42001
expired). The ``wx`` stand-in posts its ``wx.config`` here and is told ``config:ok`` only when the
signature matches a ticket this sandbox issued and the page's own URL.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .config import current_keys
from .keys import wechat_mp_secret
from .models import SandboxWechatCredential

Kind = SandboxWechatCredential.Kind
LIFETIME = timedelta(seconds=7200)
OLD_TOKEN_GRACE = timedelta(minutes=5)
DAILY_LIMIT = 2000  # WeChat's quota of cgi-bin/token calls per account per day

ERRORS = {
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40125: "invalid appsecret",
    42001: "access_token expired",
    45009: "reach max api daily quota limit",
    40097: "invalid args",
}


def _error(code):
    # WeChat appends a request id to every errmsg; never anything the caller sent.
    return {"errcode": code, "errmsg": f"{ERRORS[code]} rid: {secrets.token_hex(12)}"}


def _daily_limit():
    return getattr(settings, "GATEWAY_SANDBOX_WECHAT_DAILY_LIMIT", DAILY_LIMIT)


def _issued_today(kind, appid):
    since = timezone.now() - timedelta(days=1)
    return SandboxWechatCredential.objects.filter(kind=kind, appid=appid, issued_at__gte=since).count()


def _issue(kind, appid):
    now = timezone.now()
    value = secrets.token_urlsafe(96)
    return SandboxWechatCredential.objects.create(
        kind=kind, appid=appid, value=value, issued_at=now, expires_at=now + LIFETIME
    )


def access_token_issue(params):
    """``GET cgi-bin/token?grant_type=client_credential&appid=…&secret=…``."""
    keys = current_keys()
    appid = params.get("appid", "")
    if params.get("grant_type") != "client_credential":
        return _error(40002)
    if not hmac.compare_digest(appid.encode(), keys.wechatpay_appid.encode()):
        return _error(40013)
    if not hmac.compare_digest(params.get("secret", "").encode(), wechat_mp_secret(keys).encode()):
        return _error(40125)
    with transaction.atomic():
        if _issued_today(Kind.ACCESS_TOKEN, appid) >= _daily_limit():
            return _error(45009)
        grace_end = timezone.now() + OLD_TOKEN_GRACE
        SandboxWechatCredential.objects.filter(
            kind=Kind.ACCESS_TOKEN, appid=appid, expires_at__gt=grace_end
        ).update(expires_at=grace_end)
        token = _issue(Kind.ACCESS_TOKEN, appid)
    return {"access_token": token.value, "expires_in": int(LIFETIME.total_seconds())}


def jsapi_ticket_issue(params):
    """``GET cgi-bin/ticket/getticket?type=jsapi&access_token=…``."""
    token = SandboxWechatCredential.objects.filter(
        kind=Kind.ACCESS_TOKEN, value=params.get("access_token", "")
    ).first()
    if token is None:
        return _error(40001)
    if token.expires_at <= timezone.now():
        return _error(42001)
    if params.get("type") != "jsapi":
        return _error(40097)
    if _issued_today(Kind.JSAPI_TICKET, token.appid) >= _daily_limit():
        return _error(45009)
    ticket = _issue(Kind.JSAPI_TICKET, token.appid)
    return {"errcode": 0, "errmsg": "ok", "ticket": ticket.value, "expires_in": int(LIFETIME.total_seconds())}


def jssdk_signature(*, ticket, noncestr, timestamp, url):
    """WeChat's own check, written here apart from ours so that the two are compared, not shared."""
    plain = "&".join(f"{k}={v}" for k, v in (
        ("jsapi_ticket", ticket), ("noncestr", noncestr), ("timestamp", timestamp), ("url", url)))
    return hashlib.sha1(plain.encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's algorithm


def config_check(config, *, page_url, host):
    """What ``wx.config`` would conclude: ``config:ok`` or the errMsg WeChat's client reports."""
    keys = current_keys()
    fields = ("appId", "timestamp", "nonceStr", "signature")
    if not isinstance(config, dict) or not all(isinstance(config.get(f), str | int) for f in fields):
        return "config:fail, missing appId, timestamp, nonceStr or signature"
    if str(config["appId"]) != keys.wechatpay_appid:
        return "config:invalid appid"
    page = urlsplit(page_url)
    if page.netloc != host:  # the sandbox registers the site that serves it as the JS接口安全域名
        return "config:invalid url domain"
    url = page_url.split("#", 1)[0]
    tickets = SandboxWechatCredential.objects.filter(
        kind=Kind.JSAPI_TICKET, appid=keys.wechatpay_appid, expires_at__gt=timezone.now()
    ).values_list("value", flat=True)
    for ticket in tickets:
        expected = jssdk_signature(ticket=ticket, noncestr=config["nonceStr"], timestamp=config["timestamp"],
                                   url=url)
        if hmac.compare_digest(expected, str(config["signature"])):
            return "config:ok"
    return "config:invalid signature"
