"""Official-account OAuth (snsapi_base) over real HTTP against the sandbox: every bad input gets a clear
Chinese page and leaves the session without an openid (and its pending state as it was)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gateway_sandbox.models import SandboxOAuthCode
from tests.wechat_flow import (
    callback_params,
    donor_browser,
    oauth_authorize,
    sandbox_point,
    session_data,
    session_openid,
)
from wechat.oauth import STATE_SESSION_KEY

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wechat_sandbox(transactional_db, live_server, settings):
    return sandbox_point(live_server, settings)


def test_oauth_remembers_the_openid_and_returns_to_next(wechat_sandbox):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url, "/donations/lookup/?x=1")
    back = browser.get(callback, allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"] == "/donations/lookup/?x=1"
    openid = session_openid(browser)
    assert openid.startswith("o") and len(openid) == 28
    assert STATE_SESSION_KEY not in session_data(browser)  # the state was used up
    # The same WeChat user (sandbox cookie) gets the same openid next time; another user another one.
    browser.get(oauth_authorize(browser, wechat_sandbox.url), timeout=30)
    assert session_openid(browser) == openid
    other = donor_browser()
    other.get(oauth_authorize(other, wechat_sandbox.url), timeout=30)
    assert session_openid(other) not in ("", openid)


def test_next_to_another_site_goes_home_instead(wechat_sandbox):
    browser = donor_browser()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        back = browser.get(oauth_authorize(browser, wechat_sandbox.url, target), allow_redirects=False, timeout=30)
        assert back.status_code == 302 and back.headers["Location"] == "/"


def test_callback_without_state_is_refused_and_changes_nothing(wechat_sandbox):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url, "/x/")
    before = session_data(browser)
    code = callback_params(callback)["code"]
    answer = browser.get(f"{wechat_sandbox.url}/wechat/oauth/callback/?code={code}", timeout=30)
    assert answer.status_code == 400 and "缺少 state" in answer.text
    assert session_openid(browser) == "" and session_data(browser) == before
    assert SandboxOAuthCode.objects.get(code=code).used_at is None  # the code was never sent to WeChat


def test_foreign_state_is_refused_and_leaves_the_pending_state(wechat_sandbox):
    victim, attacker = donor_browser(), donor_browser()
    oauth_authorize(victim, wechat_sandbox.url, "/mine/")
    before = session_data(victim)
    planted = oauth_authorize(attacker, wechat_sandbox.url, "/theirs/")  # the attacker's own code and state
    answer = victim.get(planted, allow_redirects=False, timeout=30)
    assert answer.status_code == 403 and "与本次会话不符" in answer.text
    assert session_openid(victim) == "" and session_data(victim) == before
    assert SandboxOAuthCode.objects.get(code=callback_params(planted)["code"]).used_at is None


def test_replayed_callback_is_refused_and_keeps_the_first_openid(wechat_sandbox):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url)
    browser.get(callback, timeout=30)
    openid = session_openid(browser)
    again = browser.get(callback, allow_redirects=False, timeout=30)
    assert again.status_code == 400 and "没有待完成的微信授权" in again.text
    assert session_openid(browser) == openid


def test_replayed_code_gets_40163_as_a_chinese_page(wechat_sandbox):
    first = donor_browser()
    used = callback_params(oauth_authorize(first, wechat_sandbox.url))
    first.get(f"{wechat_sandbox.url}/wechat/oauth/callback/?code={used['code']}&state={used['state']}", timeout=30)
    second = donor_browser()
    fresh = callback_params(oauth_authorize(second, wechat_sandbox.url))  # a valid state, the used code
    answer = second.get(f"{wechat_sandbox.url}/wechat/oauth/callback/?code={used['code']}&state={fresh['state']}",
                        timeout=30)
    assert answer.status_code == 400 and "授权码已被使用" in answer.text
    assert session_openid(second) == ""


def test_expired_code_gets_40029_as_a_chinese_page(wechat_sandbox):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url)
    code = callback_params(callback)["code"]
    SandboxOAuthCode.objects.filter(code=code).update(created_at=timezone.now() - timedelta(minutes=5, seconds=1))
    answer = browser.get(callback, timeout=30)
    assert answer.status_code == 400 and "授权码无效或已过期" in answer.text
    assert session_openid(browser) == ""
    assert SandboxOAuthCode.objects.get(code=code).used_at is None


def test_wrong_app_secret_is_a_502_and_no_openid(wechat_sandbox, settings):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url)
    settings.WECHAT_MP_SECRET = "0" * 32
    answer = browser.get(callback, timeout=30)
    assert answer.status_code == 502 and "AppSecret" in answer.text
    assert session_openid(browser) == ""


def test_wechat_unreachable_is_a_502_and_no_openid(wechat_sandbox, settings):
    browser = donor_browser()
    callback = oauth_authorize(browser, wechat_sandbox.url)
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"
    answer = browser.get(callback, timeout=30)
    assert answer.status_code == 502 and "暂时无法连接微信" in answer.text
    assert session_openid(browser) == ""


def test_sandbox_authorize_refuses_a_foreign_appid_and_a_bad_scope(wechat_sandbox):
    browser = donor_browser()
    base = f"{wechat_sandbox.url}/sandbox/wechat/open/connect/oauth2/authorize"
    for query, code in (("appid=wx0&redirect_uri=http://x/&response_type=code&scope=snsapi_base", "10002"),
                        ("appid={appid}&redirect_uri=http://x/&response_type=code&scope=snsapi_all", "10005")):
        from django.conf import settings

        page = browser.get(f"{base}?{query.format(appid=settings.WECHAT_MP_APPID)}", timeout=30)
        assert page.status_code == 400 and code in page.text
    assert not SandboxOAuthCode.objects.exists()
