"""The official account's server credentials: the ``access_token`` and the JS-SDK's ``jsapi_ticket``.

WeChat rate-limits both (2,000 tokens a day per account) and a new token retires the old one within
minutes, so every worker shares one cached copy: it is refreshed at 80 % of its life by one worker at a
time (``cache.add`` is the lock), while the others keep using the still-valid copy. An ``errcode`` of
40001/42001 (token invalid or expired, e.g. fetched elsewhere with the same secret) drops it and fetches
once more. Failures raise ``WechatUnavailable``; callers leave the share card out. Neither the secret nor
a token or ticket is ever logged: a ``requests`` error's text carries the URL (with the secret), so only
its class name is.
"""

import logging
import time

import requests
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

REFRESH_AT = 0.8  # of expires_in
LOCK_SECONDS = 10  # longer than a fetch can take (TIMEOUT), so a crashed holder frees it soon
TIMEOUT = 3  # seconds: the page waits for this
WAIT_STEPS = 20  # a worker with no copy at all waits up to WAIT_STEPS × WAIT_STEP for the refresher
WAIT_STEP = 0.05
TOKEN_GONE = {40001, 42001}  # invalid credential / access_token expired
# After a failed fetch, pages go without the card for this long instead of each waiting on WeChat again.
FAILURE_BACKOFF = 60


class WechatUnavailable(Exception):
    """WeChat could not be asked or said no; the message carries no credential."""


def access_token() -> str:
    """The server access_token, from the shared cache or fetched by one worker."""
    return _cached(_key("access_token"), _fetch_access_token)


def jsapi_ticket() -> str:
    """The JS-SDK ticket; a token WeChat no longer accepts is dropped and fetched again, once."""
    return _cached(_key("jsapi_ticket"), _fetch_jsapi_ticket)


def _key(kind):
    return f"wechat:{kind}:{settings.WECHAT_MP_APPID}"


def _cached(key, fetch):
    entry = cache.get(key)
    if entry and time.time() < entry["refresh_at"]:
        return entry["value"]
    held = entry if entry and time.time() < entry["expires_at"] else None  # due for refresh, still valid
    if cache.get(key + ":failed"):
        if held:
            return held["value"]
        raise WechatUnavailable(f"{key}: the last fetch failed less than {FAILURE_BACKOFF} s ago")
    lock = key + ":lock"
    if cache.add(lock, 1, timeout=LOCK_SECONDS):
        try:
            entry = cache.get(key)  # another worker may have refreshed it just before we took the lock
            if entry and time.time() < entry["refresh_at"]:
                return entry["value"]
            try:
                return _store(key, *fetch())
            except WechatUnavailable:
                cache.set(key + ":failed", 1, timeout=FAILURE_BACKOFF)
                if held:  # WeChat is down but the copy we hold has not expired: keep signing with it
                    return held["value"]
                raise
        finally:
            cache.delete(lock)
    # Someone else is refreshing: a copy that has not yet expired still works meanwhile.
    for _ in range(WAIT_STEPS):
        if entry and time.time() < entry["expires_at"]:
            return entry["value"]
        time.sleep(WAIT_STEP)
        entry = cache.get(key)
    raise WechatUnavailable(f"{key}: another worker's refresh did not finish")


def _store(key, value, expires_in):
    now = time.time()
    entry = {"value": value, "refresh_at": now + expires_in * REFRESH_AT, "expires_at": now + expires_in}
    cache.set(key, entry, timeout=max(int(expires_in), 1))
    return value


def _drop_token(token):
    """Forget the cached token if it is still the one WeChat refused (a newer one stays)."""
    key = _key("access_token")
    entry = cache.get(key)
    if entry and entry["value"] == token:
        cache.delete(key)


def _get(path, params, what):
    url = settings.WECHAT_API_BASE_URL.rstrip("/") + path
    try:
        response = requests.get(url, params=params, timeout=TIMEOUT)
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("WeChat %s unreachable: %s", what, type(error).__name__)
        raise WechatUnavailable(f"{what}: {type(error).__name__}") from None
    if not isinstance(answer, dict):
        log.warning("WeChat %s answered something other than an object", what)
        raise WechatUnavailable(f"{what}: not an object")
    return answer


def _refused(answer, what):
    errcode, errmsg = answer.get("errcode"), str(answer.get("errmsg", ""))[:200]
    log.warning("WeChat %s refused: errcode=%s errmsg=%s", what, errcode, errmsg)
    return WechatUnavailable(f"{what}: errcode {errcode}")


def _expires_in(answer):
    try:
        expires_in = int(answer.get("expires_in", 0))
    except (TypeError, ValueError):
        expires_in = 0
    return expires_in if expires_in > 0 else 7200


def _fetch_access_token():
    if not settings.WECHAT_MP_APPID or not settings.WECHAT_MP_SECRET:
        raise WechatUnavailable("WECHAT_MP_APPID or WECHAT_MP_SECRET is not set")
    params = {"grant_type": "client_credential", "appid": settings.WECHAT_MP_APPID,
              "secret": settings.WECHAT_MP_SECRET}
    answer = _get("/cgi-bin/token", params, "cgi-bin/token")
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise _refused(answer, "cgi-bin/token")
    return token, _expires_in(answer)


def _fetch_jsapi_ticket():
    for attempt in range(2):
        token = access_token()
        answer = _get("/cgi-bin/ticket/getticket", {"type": "jsapi", "access_token": token},
                      "cgi-bin/ticket/getticket")
        ticket = answer.get("ticket")
        if answer.get("errcode", 0) == 0 and isinstance(ticket, str) and ticket:
            return ticket, _expires_in(answer)
        if answer.get("errcode") in TOKEN_GONE and attempt == 0:
            log.info("WeChat refused the cached access_token (errcode=%s); fetching a new one",
                     answer.get("errcode"))
            _drop_token(token)
            continue
        raise _refused(answer, "cgi-bin/ticket/getticket")
    raise WechatUnavailable("cgi-bin/ticket/getticket: token refused twice")  # pragma: no cover
