"""A donor on a phone: project page → campaign → give with the sandbox Alipay → paid → certificate PDF."""

import io
from decimal import Decimal

import pypdf
import pytest

from donations.models import CampaignPage, Donation

from .conftest import save_screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def project_with_campaign(live_site):
    """A demo project and a live campaign raising for it (test data, not one of the fund's facts)."""
    from cms_pages.models import ProjectPage

    project = ProjectPage.objects.live().order_by("path").first()
    campaign = project.add_child(instance=CampaignPage(
        title="端到端测试募捐", slug="e2e-campaign", intro="用于浏览器测试的募捐活动。", goal=Decimal("10000.00"),
        preset_amounts="10,50,100",
    ))
    return project, campaign


def test_donor_gives_on_a_phone_and_downloads_the_certificate(project_with_campaign, live_site, phone):
    project, campaign = project_with_campaign
    page = phone

    page.goto(live_site + project.url)
    page.get_by_role("heading", level=1, name=project.title).wait_for()
    page.get_by_role("link", name="为此项目捐款").click()
    page.wait_for_url(f"**{campaign.url}**")
    save_screenshot(page, "campaign-page-phone")

    page.get_by_label("其他金额").fill("66.60")
    page.get_by_label("姓名", exact=True).fill("李四")
    page.get_by_role("button", name="确认捐款").click()

    page.get_by_role("button", name="确认支付").wait_for()
    assert "/sandbox/pay/" in page.url
    assert "66.60" in page.text_content("[data-testid=amount]")
    save_screenshot(page, "sandbox-pay-page-phone")
    page.get_by_role("button", name="确认支付").click()

    page.get_by_role("heading", name="感谢您的捐赠！").wait_for()
    assert "¥66.60" in page.text_content("main")
    save_screenshot(page, "return-page-phone")
    donation = Donation.objects.get()
    assert donation.is_paid and donation.amount == Decimal("66.60")

    link = page.get_by_role("link", name="下载捐赠证书（PDF）")
    response = page.request.get(live_site + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(response.body())).pages[0].extract_text().replace("\n", "")
    assert "陆拾陆元陆角" in text and "端到端测试募捐" in text
