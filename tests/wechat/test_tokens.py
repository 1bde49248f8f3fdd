"""Server token and JS-SDK ticket: fetched over HTTP from the sandbox, cached, refreshed before expiry, once.

Each bad answer (bad appid 40013, bad secret 40125, daily quota 45009, a refused token 40001, an unreachable
host) gets WechatUnavailable, logged without the secret, the token or the ticket.
"""

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from gateway_sandbox.models import SandboxWechatCredential
from wechat import tokens
from wechat.tokens import WechatUnavailable, access_token, jsapi_ticket

from .conftest import issued

Kind = SandboxWechatCredential.Kind


def test_many_asks_fetch_one_token_and_one_ticket(wechat_api):
    tickets = {jsapi_ticket() for _ in range(25)}
    assert len(tickets) == 1
    assert issued(Kind.ACCESS_TOKEN) == 1
    assert issued(Kind.JSAPI_TICKET) == 1
    assert access_token() == SandboxWechatCredential.objects.get(kind=Kind.ACCESS_TOKEN).value


def test_token_and_ticket_are_refreshed_at_eighty_percent_of_their_life(wechat_api):
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        first = jsapi_ticket()
        traveller.shift(timedelta(seconds=7200 * 0.79))
        assert jsapi_ticket() == first
        assert issued(Kind.JSAPI_TICKET) == 1
        traveller.shift(timedelta(seconds=7200 * 0.02))  # past 80 %, still before WeChat's expiry
        second = jsapi_ticket()
    assert second != first
    assert issued(Kind.JSAPI_TICKET) == 2
    assert issued(Kind.ACCESS_TOKEN) == 2


def test_a_token_wechat_refuses_with_40001_is_dropped_and_fetched_again(wechat_api):
    stale = access_token()
    # Someone else fetched with the same secret and WeChat forgot ours: getticket answers 40001.
    SandboxWechatCredential.objects.filter(value=stale).delete()
    ticket = jsapi_ticket()
    assert ticket
    assert issued(Kind.ACCESS_TOKEN) == 1  # the surviving, new one
    assert access_token() != stale


def test_an_expired_token_42001_is_fetched_again(wechat_api):
    stale = access_token()
    SandboxWechatCredential.objects.filter(value=stale).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert jsapi_ticket()
    assert access_token() != stale


def test_a_worker_that_finds_the_lock_taken_uses_the_copy_still_valid(wechat_api):
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        first = access_token()
        traveller.shift(timedelta(seconds=7200 * 0.9))  # due for refresh, not yet expired
        cache.add(tokens._key("access_token") + ":lock", 1, timeout=30)  # another worker is refreshing
        assert access_token() == first
    assert issued(Kind.ACCESS_TOKEN) == 1


def test_concurrent_workers_with_no_copy_fetch_one_token(wechat_api):
    results, errors = [], []

    def ask():
        try:
            results.append(access_token())
        except WechatUnavailable as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    assert issued(Kind.ACCESS_TOKEN) == 1


@pytest.mark.parametrize(("setting", "value", "errcode"), [
    ("WECHAT_MP_APPID", "wx0000000000000000", "40013"),
    ("WECHAT_MP_SECRET", "0" * 32, "40125"),
])
def test_bad_credentials_are_refused_and_logged_without_the_secret(wechat_api, settings, caplog, setting, value,
                                                                   errcode):
    secret = settings.WECHAT_MP_SECRET
    setattr(settings, setting, value)
    with caplog.at_level(logging.WARNING, logger="wechat.tokens"), pytest.raises(WechatUnavailable):
        access_token()
    assert f"errcode={errcode}" in caplog.text
    assert secret not in caplog.text and settings.WECHAT_MP_SECRET not in caplog.text
    assert issued(Kind.ACCESS_TOKEN) == 0


def test_the_daily_quota_45009_is_refused(wechat_api, settings, caplog):
    settings.GATEWAY_SANDBOX_WECHAT_DAILY_LIMIT = 1
    access_token()
    cache.clear()  # a second worker pool with an empty cache would ask again
    with caplog.at_level(logging.WARNING, logger="wechat.tokens"), pytest.raises(WechatUnavailable):
        access_token()
    assert "errcode=45009" in caplog.text
    assert issued(Kind.ACCESS_TOKEN) == 1


def test_an_unreachable_api_is_logged_by_error_class_only(transactional_db, settings, caplog):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    with caplog.at_level(logging.WARNING, logger="wechat.tokens"), pytest.raises(WechatUnavailable):
        jsapi_ticket()
    assert "ConnectionError" in caplog.text
    # requests puts the whole URL, secret included, in its message: none of it is logged.
    assert settings.WECHAT_MP_SECRET not in caplog.text
    assert "secret=" not in caplog.text


def test_nothing_is_fetched_without_a_secret(settings):
    settings.WECHAT_MP_SECRET = ""
    with pytest.raises(WechatUnavailable):
        access_token()


def test_after_a_failure_pages_skip_wechat_for_a_minute_then_ask_again(wechat_api, settings):
    good = settings.WECHAT_API_BASE_URL
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"
        with pytest.raises(WechatUnavailable):
            jsapi_ticket()
        settings.WECHAT_API_BASE_URL = good
        with pytest.raises(WechatUnavailable, match="failed less than"):
            jsapi_ticket()  # not asked again at once: the page goes without its card
        assert issued(Kind.ACCESS_TOKEN) == 0
        traveller.shift(timedelta(seconds=tokens.FAILURE_BACKOFF + 1))
        assert jsapi_ticket()
    assert issued(Kind.JSAPI_TICKET) == 1


def test_a_copy_due_for_refresh_keeps_working_while_wechat_is_down(wechat_api, settings):
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        first = jsapi_ticket()
        traveller.shift(timedelta(seconds=7200 * 0.9))
        settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"
        assert jsapi_ticket() == first
        assert jsapi_ticket() == first  # and again, within the back-off, without asking
