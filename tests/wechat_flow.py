"""Helpers shared by the WeChat tests: a donor's browser going through the sandbox's official-account OAuth."""

import re
from urllib.parse import parse_qs, quote, urlsplit

import requests

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN")


def sandbox_point(live_server, settings):
    """Our payment and official-account clients pointed at the sandbox on the live test server."""
    from wagtail.models import Page, Site

    from cms_pages.models import HomePage
    from tests.donations.conftest import restore_wagtail_base

    restore_wagtail_base()
    if not Site.objects.filter(is_default_site=True).exists():  # the pages our error pages extend need a site
        home = Page.get_first_root_node().add_child(instance=HomePage(title="志愿城市·太原", slug="home-wechat"))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
    base = live_server.url
    settings.SITE_BASE_URL = base
    settings.ALIPAY_GATEWAY_URL = base + "/sandbox/alipay/gateway.do"
    settings.WECHATPAY_BASE_URL = base + "/sandbox/wechatpay"
    settings.WECHAT_OPEN_BASE_URL = base + "/sandbox/wechat/open"
    settings.WECHAT_API_BASE_URL = base + "/sandbox/wechat"
    return live_server


def donor_browser(*, wechat=True):
    session = requests.Session()
    if wechat:
        session.headers["User-Agent"] = WECHAT_UA
    return session


def form_fields(html):
    """Hidden inputs and the CSRF token of the page's form."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {key: value.replace("&amp;", "&") for key, value in fields.items()}


def oauth_authorize(session, base, next_path="/"):
    """Start our OAuth and press 允许 on the sandbox's authorize page; returns the callback URL WeChat sends."""
    start = session.get(f"{base}/wechat/oauth/start/?next={quote(next_path)}", allow_redirects=False, timeout=30)
    assert start.status_code == 302, start.text[:300]
    authorize = start.headers["Location"]
    assert authorize.endswith("#wechat_redirect") and "scope=snsapi_base" in authorize
    page = session.get(authorize.split("#")[0], timeout=30)
    assert page.status_code == 200 and "允许" in page.text, page.text[:300]
    fields = form_fields(page.text)
    fields["action"] = "allow"
    answer = session.post(page.url, data=fields, headers={"Referer": page.url}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def callback_params(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def session_openid(session):
    """The openid our site holds in this browser's session (read server-side, never from a page)."""
    from django.contrib.sessions.backends.db import SessionStore

    key = session.cookies.get("sessionid")
    return SessionStore(session_key=key).get("wechat_openid", "") if key else ""


def session_data(session):
    from django.contrib.sessions.backends.db import SessionStore

    key = session.cookies.get("sessionid")
    return dict(SessionStore(session_key=key).load()) if key else {}
