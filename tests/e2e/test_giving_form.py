"""The giving form on a phone, in Chromium: the pay button in reach, a mistake kept and fixed, axe without serious
findings, no sideways scrolling and tap targets of at least 44 px, at 390×844 and 360×740, with and without JS.

Screenshots: var/e2e/giving-form-*.png.
"""

from decimal import Decimal

import pytest

from donations.models import CampaignPage, Donation

from .a11y import axe_violations, serious
from .conftest import PHONE, SHOTS, save_screenshot

pytestmark = pytest.mark.e2e
SMALL_PHONE = {**PHONE, "viewport": {"width": 360, "height": 740}}
# Everything a donor taps in the form and the pay bar; a radio or tick box is tapped through its label.
TAP_TARGETS = """() => [...document.querySelectorAll(
    '.give-form input, .give-form textarea, .give-form summary, .pay-bar button')].map(el => {
      const box = (el.type === 'radio' || el.type === 'checkbox') ? el.closest('label') : el;
      const r = box.getBoundingClientRect();
      return {name: el.name || el.textContent.trim(), type: el.type || el.tagName, width: r.width, height: r.height};
    }).filter(t => t.width > 0 && t.height > 0)"""


@pytest.fixture
def campaign(live_site):
    """The demo's fund-wide campaign (under the home page), as the header's 我要捐款 opens it."""
    return CampaignPage.objects.live().filter(slug="donate").order_by("depth").first()


def viewport_shot(page, name):
    """What the donor sees on the screen, not the whole page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def in_viewport(page, selector):
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def layout_problems(page):
    """Sideways scrolling and tap targets under 44×44 px."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        problems.append(f"page is {width}px wide in a {page.viewport_size['width']}px viewport")
    for target in page.evaluate(TAP_TARGETS):
        if target["width"] < 44 or target["height"] < 44:
            problems.append(f"{target['type']} {target['name']!r} is {target['width']:.0f}×{target['height']:.0f}")
    return problems


def submit(page):
    """Press the pay bar's button and return the status of the giving form's answer."""
    with page.expect_response(lambda r: "/donate/" in r.url and r.request.method == "POST") as answer:
        page.locator(".pay-bar").get_by_role("button", name="确认捐款").click()
    page.wait_for_load_state()
    return answer.value.status


@pytest.mark.parametrize("device", [PHONE, SMALL_PHONE], ids=["390x844", "360x740"])
def test_pay_button_is_on_screen_without_scrolling_and_the_form_fits_the_phone(browser, live_site, campaign, device):
    context = browser.new_context(**device)
    page = context.new_page()
    try:
        page.goto(live_site + campaign.url)
        size = f"{device['viewport']['width']}x{device['viewport']['height']}"
        viewport_shot(page, f"giving-form-first-load-{size}")
        assert page.evaluate("window.scrollY") == 0
        assert in_viewport(page, ".pay-bar__button"), page.locator(".pay-bar__button").bounding_box()
        assert page.locator(".pay-bar__amount").inner_text().replace("\n", " ").split() == ["捐赠", "¥10"]
        # Open the receipt part too, so its fields are measured.
        page.locator("summary", has_text="申请公益事业捐赠票据").click()
        assert layout_problems(page) == []
        # At the end of the form the bar rests after it, covering none of its fields.
        last = page.locator("#id_taxpayer_number")
        last.scroll_into_view_if_needed()
        field, bar = last.bounding_box(), page.locator(".pay-bar").bounding_box()
        assert field["y"] + field["height"] <= bar["y"], (field, bar)
        page.evaluate("document.getElementById('pay-bar').scrollIntoView({block: 'end'})")
        form = page.locator("#give-form").bounding_box()
        bar = page.locator(".pay-bar").bounding_box()
        assert bar["y"] >= form["y"] + form["height"], (form, bar)
        viewport_shot(page, f"giving-form-end-{size}")
    finally:
        context.close()


def test_a_bad_amount_is_shown_beside_the_amount_with_everything_kept_then_fixed(live_site, campaign, phone):
    page = phone
    page.goto(live_site + campaign.url)
    name, mark = page.locator("#id_donor_name"), page.locator("#id_donor_name_field .required-mark")
    assert name.evaluate("el => el.required") and mark.is_visible()
    page.get_by_label("匿名捐赠").check()  # an anonymous gift needs no name
    assert not name.evaluate("el => el.required") and not mark.is_visible()
    page.get_by_label("匿名捐赠").uncheck()
    assert name.evaluate("el => el.required") and mark.is_visible()
    page.get_by_label("其他金额").fill("1,000")
    assert page.locator(".pay-bar__amount").inner_text().split()[-1] == "金额有误"
    page.locator("#id_donor_name").fill("李四")
    page.get_by_label("留言（选填，将公开显示）").fill("为志愿者加油")
    page.get_by_label("手机号（选填）").fill("13800001234")
    page.get_by_label("电子邮箱（选填）").fill("lisi@example.com")
    page.get_by_label("微信支付").check()

    assert submit(page) == 400
    amount = page.get_by_label("其他金额")
    assert amount.get_attribute("aria-invalid") == "true"
    error = page.locator("#id_amount_error")
    assert "不含逗号" in error.inner_text()
    assert "id_amount_error" in amount.get_attribute("aria-describedby").split()
    # The error sits right under the amount's input, and the summary at the top links to it and has the focus.
    assert 0 <= error.bounding_box()["y"] - (amount.bounding_box()["y"] + amount.bounding_box()["height"]) < 20
    assert page.evaluate("document.activeElement.id") == "give-errors"
    assert page.locator("#give-errors a[href='#id_amount']").count() == 1
    assert amount.input_value() == "1,000"
    assert page.locator("#id_donor_name").input_value() == "李四"
    assert page.get_by_label("留言（选填，将公开显示）").input_value() == "为志愿者加油"
    assert page.get_by_label("手机号（选填）").input_value() == "13800001234"
    assert page.get_by_label("电子邮箱（选填）").input_value() == "lisi@example.com"
    assert page.get_by_label("微信支付").is_checked()
    assert in_viewport(page, ".pay-bar__button")
    assert not Donation.objects.exists()
    viewport_shot(page, "giving-form-error-phone-viewport")
    save_screenshot(page, "giving-form-error-phone")
    assert serious(axe_violations(page)) == []

    page.locator("#give-errors a[href='#id_amount']").click()
    assert page.evaluate("document.activeElement.id") == "id_amount"
    amount.fill("66.60")
    page.get_by_label("支付宝", exact=True).check()  # the sandbox's cashier plays Alipay's phone page
    assert page.locator(".pay-bar__amount").inner_text().split()[-1] == "¥66.60"
    assert submit(page) == 302
    page.get_by_role("button", name="确认支付").wait_for()
    assert "/sandbox/pay/" in page.url and "66.60" in page.text_content("[data-testid=amount]")
    save_screenshot(page, "giving-form-fixed-sandbox-pay")
    donation = Donation.objects.get()
    assert (donation.amount, donation.donor_name, donation.phone, donation.email, donation.message) == (
        Decimal("66.60"), "李四", "13800001234", "lisi@example.com", "为志愿者加油")


def test_campaign_page_has_no_serious_accessibility_violations(live_site, campaign, phone):
    page = phone
    page.goto(live_site + campaign.url)
    found = axe_violations(page)
    assert serious(found) == [], serious(found)


def test_without_javascript_the_bar_shows_the_chosen_preset_and_the_gift_goes_through(browser, live_site, campaign):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_site + campaign.url)
        assert page.locator(".pay-bar__amount").inner_text().split() == ["捐赠", "¥10"]
        page.get_by_label("¥50", exact=True).check()
        assert page.locator(".pay-bar__amount").inner_text().split() == ["捐赠", "¥50"]
        page.get_by_label("其他金额").fill("88")
        assert page.locator(".pay-bar__amount").inner_text().split() == ["捐赠", "其他金额"]
        page.locator("#id_donor_name").fill("王五")
        assert in_viewport(page, ".pay-bar__button")
        assert submit(page) == 302
        page.get_by_role("button", name="确认支付").wait_for()
        assert Donation.objects.get().amount == Decimal("88.00")  # the typed amount wins over the preset
        save_screenshot(page, "giving-form-no-js-sandbox-pay")
    finally:
        context.close()
