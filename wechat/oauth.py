"""Official-account web authorisation (网页授权, snsapi_base): the donor's openid without a consent screen.

authorize URL → WeChat comes back with ``code`` and our ``state`` → ``sns/oauth2/access_token`` answers the
openid. The state lives in the donor's session and works once; a code works once at WeChat, for 5 minutes.
"""

import logging
import secrets
from urllib.parse import quote, urlencode

import requests
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

logger = logging.getLogger(__name__)

STATE_SESSION_KEY = "wechat_oauth_state"
STATE_MAX_LENGTH = 128  # WeChat passes state through unchanged, up to 128 bytes of [a-zA-Z0-9]
TIMEOUT = (5, 10)
# WeChat's answers to a bad exchange, as the donor should read them (others get a generic line).
ERRCODE_MESSAGES = {
    40029: "授权码无效或已过期",
    40163: "授权码已被使用",
    40013: "公众号 AppID 无效",
    40125: "公众号 AppSecret 无效",
    41008: "缺少授权码",
    45011: "请求过于频繁",
}


class OAuthError(Exception):
    """The authorisation could not be completed; ``status`` is the HTTP answer the donor gets."""

    def __init__(self, message, *, status=400):
        super().__init__(message)
        self.message, self.status = message, status


def safe_next(value) -> str:
    """A same-site path to come back to; anything else (another host, a scheme, "//x") becomes "/"."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if len(value) > 1000 or not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return "/"
    return value


def state_issue(request, *, next_path: str) -> str:
    """A fresh random state bound to this session and where to go afterwards; replaces any earlier one."""
    state = secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
    request.session[STATE_SESSION_KEY] = {"state": state, "next": safe_next(next_path)}
    return state


def state_take(request, state) -> str:
    """The ``next`` path of this session's pending state, consumed; raise OAuthError and change nothing otherwise."""
    if not isinstance(state, str) or not state:
        raise OAuthError("授权返回缺少 state 参数，无法确认这次授权由您发起。")
    pending = request.session.get(STATE_SESSION_KEY)
    if not isinstance(pending, dict) or not pending.get("state"):
        raise OAuthError("没有待完成的微信授权（可能已完成或已过期），请返回重新操作。")
    if len(state) > STATE_MAX_LENGTH or not secrets.compare_digest(state.encode(), str(pending["state"]).encode()):
        # A foreign state (another session's, or forged) leaves this session's pending one untouched.
        raise OAuthError("授权 state 与本次会话不符，可能来自他人的链接，已拒绝。", status=403)
    del request.session[STATE_SESSION_KEY]
    return safe_next(pending.get("next"))


def authorize_url(*, redirect_uri: str, state: str) -> str:
    """Where to send the donor: WeChat's authorize page, snsapi_base (silent), coming back to redirect_uri."""
    query = urlencode({"appid": settings.WECHAT_MP_APPID, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state}, quote_via=quote)
    return f"{settings.WECHAT_OPEN_BASE_URL.rstrip('/')}/connect/oauth2/authorize?{query}#wechat_redirect"


def code_exchange(code) -> str:
    """The openid that ``code`` stands for, from ``sns/oauth2/access_token``; raise OAuthError on any failure."""
    if not isinstance(code, str) or not code or len(code) > 256 or not code.isascii():
        raise OAuthError("授权返回缺少有效的 code 参数。")
    url = f"{settings.WECHAT_API_BASE_URL.rstrip('/')}/sns/oauth2/access_token"
    params = {"appid": settings.WECHAT_MP_APPID, "secret": settings.WECHAT_MP_SECRET, "code": code,
              "grant_type": "authorization_code"}
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT)
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        # The code and secret ride in the query: log the failure's kind only.
        logger.warning("WeChat OAuth code exchange failed: %s", type(exc).__name__)
        raise OAuthError("暂时无法连接微信，请稍后再试。", status=502) from exc
    if not isinstance(data, dict):
        raise OAuthError("微信返回了无法识别的应答，请稍后再试。", status=502)
    errcode = data.get("errcode")
    if errcode:
        logger.info("WeChat OAuth code exchange refused: errcode %s", str(errcode)[:12])
        known = ERRCODE_MESSAGES.get(errcode) if isinstance(errcode, int) else None
        if known is None:
            raise OAuthError("微信授权未能完成，请稍后再试。", status=502)
        return_status = 502 if errcode in (40013, 40125, 45011) else 400
        raise OAuthError(f"微信授权未能完成：{known}，请返回重新操作。", status=return_status)
    openid = data.get("openid")
    if not isinstance(openid, str) or not openid or len(openid) > 128 or not openid.isascii():
        raise OAuthError("微信返回的应答缺少 openid，请稍后再试。", status=502)
    return openid
