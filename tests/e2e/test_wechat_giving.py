"""Inside WeChat (its user agent): project → campaign → OAuth → JSAPI pay through the sandbox's WeixinJSBridge →
result page → certificate. Outside WeChat: WeChat H5 pay comes back to the result page by redirect_url."""

import io
from decimal import Decimal

import pypdf
import pytest

from donations.models import Donation
from tests.wechat_flow import WECHAT_UA

from .conftest import PHONE, save_screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def project_with_campaign(live_site):
    """A demo project and a live campaign raising for it (test data, not one of the fund's facts)."""
    from cms_pages.models import ProjectPage
    from donations.models import CampaignPage

    project = ProjectPage.objects.live().order_by("path").first()
    campaign = project.add_child(instance=CampaignPage(
        title="微信内测试募捐", slug="e2e-wechat-campaign", intro="用于微信内浏览器测试的募捐活动。",
        goal=Decimal("10000.00"), preset_amounts="10,50,100",
    ))
    return project, campaign


@pytest.fixture
def wechat_site(live_site, settings):
    settings.WECHAT_OPEN_BASE_URL = f"{live_site}/sandbox/wechat/open"
    settings.WECHAT_API_BASE_URL = f"{live_site}/sandbox/wechat"
    return live_site


@pytest.fixture
def wechat_phone(browser, request):
    context = browser.new_context(**{**PHONE, "user_agent": WECHAT_UA})
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.csp_errors = errors
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def test_donor_gives_inside_wechat_with_jsapi_and_gets_the_certificate(project_with_campaign, wechat_site,
                                                                        wechat_phone):
    project, campaign = project_with_campaign
    page = wechat_phone
    page.goto(wechat_site + project.url)
    page.get_by_role("link", name="为此项目捐款").click()
    page.wait_for_url(f"**{campaign.url}**")
    assert page.get_by_label("微信支付").is_checked()
    assert page.locator("input[name=method][value=alipay]").count() == 0
    assert "右上角 ··· → 在浏览器打开" in page.text_content("[data-testid=alipay-in-wechat]")
    save_screenshot(page, "wechat-campaign-page")

    page.get_by_label("其他金额").fill("52.00")
    page.get_by_label("姓名", exact=True).fill("赵六")
    page.get_by_role("button", name="确认捐款").click()

    page.get_by_role("button", name="允许").wait_for()  # the sandbox's authorize page (silent in real WeChat)
    assert "/sandbox/wechat/open/connect/oauth2/authorize" in page.url and "snsapi_base" in page.url
    save_screenshot(page, "wechat-oauth-authorize")
    page.get_by_role("button", name="允许").click()

    sheet = page.get_by_role("dialog", name="微信支付")  # WeixinJSBridge's pay sheet, opened by our static JS
    sheet.wait_for()
    assert "¥52.00" in sheet.text_content()
    assert "/donations/pay/" in page.url
    save_screenshot(page, "wechat-jsapi-pay-sheet")
    donation = Donation.objects.get()
    assert donation.channel == "jsapi" and donation.payer_openid and donation.donor_name == "赵六"
    sheet.get_by_role("button", name="确认支付").click()

    page.get_by_role("heading", name="感谢您的捐赠！").wait_for()
    assert "¥52.00" in page.text_content("main")
    assert donation.payer_openid not in page.content()
    save_screenshot(page, "wechat-return-page")
    donation.refresh_from_db()
    assert donation.is_paid and donation.amount == Decimal("52.00")
    assert not [e for e in page.csp_errors if "Content Security Policy" in e]

    link = page.get_by_role("link", name="下载捐赠证书（PDF）")
    response = page.request.get(wechat_site + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.body())).pages[0].extract_text().replace("\n", "")
    assert "伍拾贰元" in text


def test_wechat_h5_outside_wechat_comes_back_to_the_result_page(project_with_campaign, wechat_site, phone):
    _project, campaign = project_with_campaign
    page = phone
    page.goto(wechat_site + campaign.url)
    page.get_by_label("微信支付").check()
    page.get_by_label("其他金额").fill("12.30")
    page.get_by_label("姓名", exact=True).fill("钱八")
    page.get_by_role("button", name="确认捐款").click()

    page.get_by_role("button", name="确认支付").wait_for()
    assert "/sandbox/pay/" in page.url and "redirect_url=" in page.url
    save_screenshot(page, "wechat-h5-cashier")
    page.get_by_role("button", name="确认支付").click()

    page.get_by_role("heading", name="感谢您的捐赠！").wait_for()
    assert "/donations/return/" in page.url
    donation = Donation.objects.get()
    assert donation.channel == "h5" and donation.is_paid
    save_screenshot(page, "wechat-h5-return-page")
