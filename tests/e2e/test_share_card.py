"""A project page opened in WeChat's browser sets its share card: real Chromium with WeChat's user agent.

The sandbox's wx stand-in takes the place of WeChat's JS-SDK: wx.config is checked against the ticket the
sandbox issued and the page's own URL before wx.ready fires, and the card the page sets is read back.
Bad conditions: a page opened under a URL other than the signed one gets config:invalid signature and
no card; outside WeChat there is no wx at all. No Content-Security-Policy violation on the way.
"""

import json

import pytest

from .conftest import PHONE, save_screenshot
from .test_csp import REPORT_VIOLATIONS

pytestmark = pytest.mark.e2e

WECHAT_PHONE = {**PHONE, "user_agent": (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)}


@pytest.fixture
def wechat_site(live_site, settings):
    settings.WECHAT_API_BASE_URL = f"{live_site}/sandbox/wechat"
    return live_site


def _context(browser, problems, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    context.expose_function("__cspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    return context


def test_project_page_in_wechat_sets_its_share_card(wechat_site, browser):
    from cms_pages.models import ProjectPage
    from gateway_sandbox.models import SandboxWechatCredential

    project = ProjectPage.objects.live().exclude(hero_image=None).order_by("path").first()
    problems = []
    context = _context(browser, problems, **WECHAT_PHONE)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    try:
        page.goto(wechat_site + project.url)
        # wx.config is answered asynchronously; a locator waits for it (the page's CSP refuses the eval
        # behind Playwright's wait_for_function).
        page.locator("html[data-wechat-share-timeline]").wait_for(state="attached")
        assert page.evaluate("document.documentElement.dataset.wechatConfig") == "config:ok"
        card = page.evaluate("window.__wechatShare.appMessage")
        timeline = json.loads(page.evaluate("document.documentElement.dataset.wechatShareTimeline"))
        assert card["title"] == project.seo_title or card["title"] == project.title
        assert card["desc"].startswith(project.summary[:20])
        assert card["link"] == wechat_site + project.url
        assert card["imgUrl"].startswith(wechat_site + "/media/") and card["imgUrl"].endswith(".jpg")
        assert timeline == {"title": card["title"], "link": card["link"], "imgUrl": card["imgUrl"]}
        save_screenshot(page, "share-card-project-wechat")

        # A second page view signs with the same cached ticket: nothing more asked of WeChat.
        page.goto(wechat_site + project.url + "?from=timeline")
        page.locator("html[data-wechat-config]").wait_for(state="attached")
        assert page.evaluate("document.documentElement.dataset.wechatConfig") == "config:ok"
        assert SandboxWechatCredential.objects.filter(kind="access_token").count() == 1
        assert SandboxWechatCredential.objects.filter(kind="jsapi_ticket").count() == 1
    finally:
        context.close()
    assert problems == []


def test_a_signature_for_another_url_is_refused_and_no_card_is_set(wechat_site, browser, settings):
    from cms_pages.models import ProjectPage

    project = ProjectPage.objects.live().order_by("path").first()
    # The server signs the address it believes it serves; the browser is on another (a misconfigured
    # SITE_BASE_URL, or a domain not registered): WeChat's client refuses the config.
    settings.SITE_BASE_URL = wechat_site.replace("localhost", "127.0.0.1") + "/elsewhere"
    problems = []
    context = _context(browser, problems, **WECHAT_PHONE)
    page = context.new_page()
    try:
        page.goto(wechat_site + project.url)
        page.locator("html[data-wechat-config]").wait_for(state="attached")
        assert page.evaluate("document.documentElement.dataset.wechatConfig") == "config:invalid signature"
        assert page.evaluate("window.__wechatShare.appMessage") is None
    finally:
        context.close()
    assert problems == []


def test_outside_wechat_the_page_has_no_wx(wechat_site, browser):
    from cms_pages.models import ProjectPage

    project = ProjectPage.objects.live().order_by("path").first()
    problems = []
    context = _context(browser, problems, **PHONE)
    page = context.new_page()
    try:
        page.goto(wechat_site + project.url)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.wx") == "undefined"
        assert page.locator("#wechat-share").count() == 0
    finally:
        context.close()
    assert problems == []
