"""我的捐赠 on a phone: sign in by an SMS code that the sandbox's Aliyun SMS delivered, see the gifts, get the statement."""

import io
from decimal import Decimal

import pypdf
import pytest
from django.utils import timezone

from .conftest import PHONE as PHONE_CONTEXT
from .conftest import save_screenshot

pytestmark = pytest.mark.e2e
PHONE = "13966668888"


@pytest.fixture
def phone_gifts(live_site, settings, django_user_model):
    """Two gifts made with one phone number before its donor ever opened 我的捐赠, one partly refunded."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents.models import Document

    from donations.models import CampaignPage
    from donations.services import offline_donation_record, refund_request

    settings.SMS_BACKEND = "aliyun"  # the production adapter, speaking to the sandbox's Aliyun SMS
    settings.ALIYUN_SMS_ENDPOINT = f"{live_site}/sandbox/aliyun-sms/"
    campaign = CampaignPage.objects.live().order_by("path").first()
    staff = django_user_model.objects.create_user("e2e-finance", password="x")
    gifts = []
    for amount in ("120.00", "35.50"):
        voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
        gifts.append(offline_donation_record(campaign=campaign, amount=amount, donor_name="赵六", phone=PHONE,
                                             bank_reference=f"E2E-{amount}", voucher=voucher, recorded_by=staff))
    refund_request(donation=gifts[0], amount=Decimal("20.00"), reason="捐赠人申请", requested_by=staff)
    return campaign, gifts


def test_donor_signs_in_by_sms_code_sees_gifts_and_downloads_the_statement(phone_gifts, live_site, phone):
    campaign, gifts = phone_gifts
    page = phone
    problems = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and problems.append(f"{page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"{page.url}: {exc}"))
    page.goto(live_site + "/")
    page.get_by_role("link", name="我的捐赠").first.click()
    page.get_by_role("heading", level=1, name="我的捐赠").wait_for()
    assert "/donations/mine/sign-in/" in page.url
    page.get_by_label("手机号或电子邮箱").fill(PHONE)
    save_screenshot(page, "donor-sign-in-phone")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_role("heading", name="输入验证码").wait_for()

    inbox = page.request.get(f"{live_site}/sandbox/aliyun-sms/inbox/?phone={PHONE}").json()["messages"]
    code = inbox[0]["template_param"]["code"]
    assert code not in page.content()
    page.get_by_label("验证码").fill(code)
    save_screenshot(page, "donor-verify-phone")
    page.get_by_role("button", name="登录").click()

    page.locator("[data-testid=gift]").first.wait_for()
    assert page.locator("[data-testid=gift]").count() == 2
    text = page.text_content("main")
    assert "¥120.00" in text and "¥35.50" in text and "已退款 ¥20.00" in text and campaign.title in text
    assert PHONE not in page.content() and code not in page.content()
    # Phone first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "donor-page-phone")

    year = timezone.localdate().year
    href = page.get_by_role("link", name=f"{year} 年度汇总（PDF）").get_attribute("href")
    response = page.request.get(live_site + href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.body())).pages).replace("\n", "")
    assert f"{year} 年度捐赠汇总" in pdf and "壹佰叁拾伍元伍角" in pdf  # 100.00 + 35.50
    for gift in gifts:
        gift.refresh_from_db()
        assert gift.receipt.number in pdf

    assert not problems, problems  # no CSP refusal, no script error on any of the donor's pages
    page.get_by_role("button", name="退出").click()
    page.get_by_role("button", name="获取验证码").wait_for()
    assert page.request.get(live_site + href).status == 403  # signed out: the statement is gone too


WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")


def _official_account_oauth_installed():
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("wechat:oauth_start")
    except NoReverseMatch:
        return False
    return True


def test_inside_wechat_a_gift_paid_by_jsapi_shows_in_my_donations(live_site, browser, settings):
    """The issue's whole path: campaign → OAuth → JSAPI pay in the sandbox → result → 我的捐赠 by WeChat identity."""
    if not _official_account_oauth_installed():
        pytest.skip("the official account's OAuth (wechat:oauth_start) is not installed")
    from donations.models import CampaignPage, Donation

    settings.WECHAT_OPEN_BASE_URL = f"{live_site}/sandbox/wechat/open"
    settings.WECHAT_API_BASE_URL = f"{live_site}/sandbox/wechat"
    campaign = CampaignPage.objects.live().order_by("path").first()
    context = browser.new_context(**{**PHONE_CONTEXT, "user_agent": WECHAT_UA})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(live_site + campaign.url)
        page.get_by_label("其他金额").fill("43.00")
        page.get_by_label("姓名", exact=True).fill("孙七")
        page.get_by_role("button", name="确认捐款").click()
        page.get_by_role("button", name="允许").click()  # the sandbox's authorize page (silent in real WeChat)
        sheet = page.get_by_role("dialog", name="微信支付")
        sheet.get_by_role("button", name="确认支付").click()
        page.get_by_role("heading", name="感谢您的捐赠！").wait_for()
        donation = Donation.objects.get(amount="43.00")
        assert donation.is_paid and donation.payer_openid

        page.get_by_role("link", name="我的捐赠").first.click()
        page.get_by_role("link", name="用微信身份查看").click()  # the openid is already in this session
        page.locator("[data-testid=gift]").first.wait_for()
        text = page.text_content("main")
        assert "¥43.00" in text and donation.out_trade_no in text and campaign.title in text
        assert donation.payer_openid not in page.content()
        save_screenshot(page, "donor-page-inside-wechat")
    finally:
        context.close()
