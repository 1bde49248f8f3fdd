"""The Content-Security-Policy breaks nothing: public pages, giving and the admin run with no violation.

One browser session walks the public site (home, a project, a campaign's giving form through the
sandbox cashier, the fund page, search, both API documents' Swagger pages, a 404) and the admin
(login, dashboard, a project's page editor with its inline panel, date pickers and a chooser modal,
a snippet add form, the ledger's add form), collecting every ``securitypolicyviolation`` event,
console error and uncaught page error on the way.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from .conftest import save_screenshot

pytestmark = pytest.mark.e2e

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def campaign(live_site):
    """A live campaign under a demo project (test data, not one of the fund's facts)."""
    from cms_pages.models import ProjectPage
    from donations.models import CampaignPage

    project = ProjectPage.objects.live().order_by("path").first()
    return project, project.add_child(instance=CampaignPage(
        title="安全策略测试募捐", slug="csp-campaign", intro="用于浏览器测试的募捐活动。", goal=Decimal("1000.00"),
        preset_amounts="10,50",
    ))


def test_no_page_breaks_the_content_security_policy(live_site, browser, campaign):
    project, campaign_page = campaign
    get_user_model().objects.create_superuser("csp-admin", "csp@example.org", "csp-pass-1234")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    problems = []
    context.expose_function("__cspViolation", lambda text: problems.append(f"CSP: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    # A failed load is reported below with its address; the console's copy of it names none.
    page.on("console", lambda msg: msg.type == "error" and not msg.text.startswith("Failed to load resource")
            and problems.append(f"console @ {page.url}: {msg.text}"))
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and not r.url.endswith("/favicon.ico") and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("pageerror", lambda exc: problems.append(f"page error @ {page.url}: {exc}"))
    visited = []

    def visit(path, name):
        response = page.goto(live_site + path)
        page.wait_for_load_state("networkidle")
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert "unsafe-inline" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        visited.append(path)
        save_screenshot(page, f"csp-{name}")
        return response

    try:
        visit("/", "home")
        visit(project.url, "project")
        visit("/fund/", "fund")
        visit("/search/?q=%E5%84%BF%E7%AB%A5", "search")
        page.locator("#search-q, input[name=q]").first.fill("社区")
        page.wait_for_load_state("networkidle")
        visit("/api/v3/docs/", "api-docs")
        page.locator(".swagger-ui .info").wait_for()
        visit("/api/donations/docs", "donations-api-docs")
        page.locator(".swagger-ui .info").wait_for()
        assert visit("/no-such-page/", "404").status == 404
        assert page.get_by_role("heading", name="页面不存在（404）").is_visible()

        # The giving form posts, redirects to the (sandbox) cashier, which posts back and returns.
        visit(campaign_page.url, "giving-form")
        page.get_by_label("其他金额").fill("12.30")
        page.get_by_label("姓名", exact=True).fill("王五")
        page.get_by_role("button", name="确认捐款").click()
        page.get_by_role("button", name="确认支付").click()
        page.get_by_role("heading", name="感谢您的捐赠！").wait_for()
        page.wait_for_load_state("networkidle")
        visited.append(page.url)

        # The admin, as a superuser.
        visit(reverse("wagtailadmin_login"), "admin-login")
        page.fill("input[name=username]", "csp-admin")
        page.fill("input[name=password]", "csp-pass-1234")
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_site}/admin/")
        page.wait_for_load_state("networkidle")
        visited.append("/admin/ (dashboard)")

        visit(reverse("wagtailadmin_pages:edit", args=[project.pk]), "admin-page-editor")
        # The inline panel adds a form from its template; the date fields open their pickers.
        page.locator("#id_gallery_images-ADD").click()
        page.locator("input[name=start_date]").click()
        page.keyboard.press("Escape")
        for tab in page.get_by_role("tab").all():
            tab.click()
        page.wait_for_load_state("networkidle")
        # Choosers open a modal whose HTML comes from another request.
        page.get_by_role("tab").first.click()
        page.get_by_text("选择 区县").click()
        page.locator(".modal-content").wait_for()
        page.wait_for_load_state("networkidle")
        save_screenshot(page, "csp-admin-snippet-chooser")
        page.keyboard.press("Escape")

        visit(reverse("wagtailsnippets_cms_pages_organisation:add"), "admin-snippet-add")
        visit(reverse("ledger_entries:add"), "admin-ledger-add")
        page.locator("input[name=occurred_on]").click()
        page.wait_for_load_state("networkidle")
    except Exception:
        save_screenshot(page, "FAILED-csp")
        raise AssertionError(f"stopped at {page.url}; problems so far: {problems}")  # noqa: B904
    finally:
        context.close()

    assert len(visited) >= 14
    assert problems == [], "\n".join(problems)
