"""WeChat's official-account web authorisation as the sandbox plays it: the authorize page and the code exchange.

Each pretend WeChat user is a random id in a sandbox cookie; their openid is stable per appid and carries a
MAC, so the sandbox's WeChat Pay can tell an openid of its appid from any other without a table of users.
"""

import hmac
import re
import secrets
from datetime import timedelta

from django.utils import timezone
from django.utils.crypto import salted_hmac

from .config import current_keys
from .keys import wechat_mp_secret
from .models import SandboxOAuthCode

USER_COOKIE = "sandbox_wechat_user"
USER_RE = re.compile(r"[A-Za-z0-9]{16}\Z")
CODE_LIFETIME = timedelta(minutes=5)
SCOPES = ("snsapi_base", "snsapi_userinfo")
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class OAuthRefusal(Exception):
    """WeChat's ``{errcode, errmsg}`` answer (or its error page on the authorize step)."""

    def __init__(self, errcode, errmsg):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg

    def payload(self):
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg}, rid: {secrets.token_hex(4)}-{secrets.token_hex(4)}"}


def new_user_id():
    return "".join(secrets.choice(ALPHABET) for _ in range(16))


def _mac(appid, user_id):
    return salted_hmac("gateway_sandbox.wechat.openid", f"{appid}:{user_id}", algorithm="sha256").hexdigest()[:11]


def openid_for(appid, user_id):
    """28 characters starting with "o", like WeChat's: the user's id and a MAC binding it to the appid."""
    return "o" + user_id + _mac(appid, user_id)


def openid_belongs(appid, openid):
    """True when ``openid`` was issued by the sandbox for ``appid``."""
    if not isinstance(openid, str) or len(openid) != 28 or not openid.startswith("o"):
        return False
    return hmac.compare_digest(openid[17:], _mac(appid, openid[1:17]))


def authorize_check(params):
    """Validate an authorize request as WeChat does before showing anything; returns the cleaned fields."""
    if params.get("appid") != current_keys().wechatpay_appid:
        raise OAuthRefusal(10002, "appid 参数错误（该公众号不存在）")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri.startswith(("http://", "https://")) or len(redirect_uri) > 1000:
        raise OAuthRefusal(10003, "redirect_uri 参数错误")
    if params.get("response_type") != "code":
        raise OAuthRefusal(10004, "response_type 参数错误")
    if params.get("scope") not in SCOPES:
        raise OAuthRefusal(10005, "scope 参数错误")
    state = params.get("state", "")
    if len(state) > 128 or not re.fullmatch(r"[A-Za-z0-9]*", state):
        raise OAuthRefusal(10006, "state 参数错误（最多 128 字节，只含字母和数字）")
    return {"appid": params["appid"], "redirect_uri": redirect_uri, "scope": params["scope"], "state": state}


def code_issue(*, appid, user_id, scope):
    """The code the donor's browser carries back to the merchant."""
    record = SandboxOAuthCode.objects.create(
        code="0" + "".join(secrets.choice(ALPHABET) for _ in range(31)), appid=appid,
        openid=openid_for(appid, user_id), scope=scope, created_at=timezone.now(),
    )
    return record.code


def code_exchange(params):
    """``sns/oauth2/access_token``: the openid for a code, once, within five minutes."""
    keys = current_keys()
    if params.get("appid") != keys.wechatpay_appid:
        raise OAuthRefusal(40013, "invalid appid")
    if not hmac.compare_digest(str(params.get("secret", "")).encode(), wechat_mp_secret(keys).encode()):
        raise OAuthRefusal(40125, "invalid appsecret")
    if params.get("grant_type") != "authorization_code":
        raise OAuthRefusal(40002, "invalid grant_type")
    code = params.get("code", "")
    if not code:
        raise OAuthRefusal(41008, "missing code")
    record = SandboxOAuthCode.objects.filter(code=code, appid=params["appid"]).first()
    if record is None or record.created_at + CODE_LIFETIME < timezone.now():
        raise OAuthRefusal(40029, "invalid code")
    # A conditional update: two exchanges of one code at once, and only one gets the openid.
    if not SandboxOAuthCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise OAuthRefusal(40163, "code been used")
    return {
        "access_token": secrets.token_urlsafe(60), "expires_in": 7200, "refresh_token": secrets.token_urlsafe(60),
        "openid": record.openid, "scope": record.scope, "is_snapshotuser": 0,
    }
