"""``wx.config`` for one page: WeChat checks the signature against its ticket and the page's own URL.

The URL signed must be the one the browser shows, query included, fragment dropped; the page's domain
must be registered in the official account as a JS接口安全域名.
"""

import hashlib
import secrets
import time

from django.conf import settings

from .tokens import WechatUnavailable, jsapi_ticket

# Only what a share card needs: a page asks for nothing more of the visitor's WeChat.
JS_API_LIST = ("updateAppMessageShareData", "updateTimelineShareData")


def signature(*, ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """SHA-1 hex of the four fields in WeChat's fixed order, raw values joined with ``&``."""
    url = url.split("#", 1)[0]
    string1 = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(string1.encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's algorithm, not ours to pick


def config_for(url: str) -> dict | None:
    """The ``wx.config`` parameters for ``url``, or None when WeChat cannot give a ticket now."""
    try:
        ticket = jsapi_ticket()
    except WechatUnavailable:
        return None
    noncestr = secrets.token_hex(8)
    timestamp = int(time.time())
    return {
        "appId": settings.WECHAT_MP_APPID,
        "timestamp": timestamp,
        "nonceStr": noncestr,
        "signature": signature(ticket=ticket, noncestr=noncestr, timestamp=timestamp, url=url),
        "jsApiList": list(JS_API_LIST),
    }
