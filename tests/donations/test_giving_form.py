"""A refused gift shows the campaign page again: everything typed kept, each error beside its field, nothing stored.

Each bad input below states what it gets: status 400 (429 for the rate limit), the campaign page (not a bare error
page), the donor's other values in their inputs, the error in the element the field's aria-describedby names, a
summary linking to the field, and no Donation.
"""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from donations.models import Donation, DonationEvent

# A donor who filled in everything; each test spoils one field.
FILLED = {
    "amount": "66.60", "method": "wechatpay", "donor_name": "李四", "anonymous": "", "message": "加油，谢谢志愿者",
    "phone": "13800001234", "email": "lisi@example.com", "wants_official_receipt": "on",
    "official_receipt_title": "李四", "taxpayer_number": "",
}
KEPT_TEXT = ["amount", "donor_name", "phone", "email", "official_receipt_title"]


def post(client, campaign, **changes):
    data = {**FILLED, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("donations:give", args=[campaign.pk]), data)


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def field_error(page, name):
    """The error text the input `name` points to by aria-describedby, after checking it is marked invalid."""
    field = page.find(attrs={"name": name, "id": f"id_{name}"})
    assert field is not None, name
    assert field.get("aria-invalid") == "true", name
    described = field["aria-describedby"].split()
    assert f"id_{name}_error" in described
    return page.find(id=f"id_{name}_error").get_text(" ", strip=True)


def summary_links(page):
    summary = page.find(id="give-errors")
    assert summary is not None and summary.get("role") == "alert"
    return {a["href"]: a.get_text(strip=True) for a in summary.find_all("a")}


def assert_kept(page, data, *, except_for=()):
    """Every value the donor typed is back in its input, the chosen method and ticked boxes too."""
    for name in KEPT_TEXT:
        if name in except_for:
            continue
        assert page.find("input", attrs={"name": name}).get("value", "") == data[name], name
    if "message" not in except_for:
        assert page.find("textarea", attrs={"name": "message"}).get_text() .strip() == data["message"]
    checked = {i["value"] for i in page.find_all("input", attrs={"name": "method"}) if i.has_attr("checked")}
    assert checked == {data["method"]}
    receipt = page.find("input", attrs={"name": "wants_official_receipt"})
    assert receipt.has_attr("checked") == bool(data["wants_official_receipt"])
    assert page.find("details", class_="receipt").has_attr("open") == bool(data["wants_official_receipt"])


def assert_nothing_stored():
    assert not Donation.objects.exists() and not DonationEvent.objects.exists()


def test_empty_name_gets_the_page_again_with_the_error_beside_the_name(client, campaign):
    response = post(client, campaign, donor_name="")
    assert response.status_code == 400
    page = soup(response)
    assert page.find("h1").get_text(strip=True) == campaign.title  # the campaign page itself, not an error page
    assert "请填写姓名，或选择匿名捐赠。" in field_error(page, "donor_name")
    assert summary_links(page) == {"#id_donor_name": "姓名：请填写姓名，或选择匿名捐赠。"}
    assert_kept(page, {**FILLED, "donor_name": ""})
    assert_nothing_stored()


@pytest.mark.parametrize("amount,message", [
    ("1,000", "只能由半角数字和一个小数点组成，不含逗号"),
    ("0.001", "最多两位小数"),
    ("-5", "只能由半角数字和一个小数点组成，不含逗号、空格或正负号"),
    ("１００", "只能由半角数字"),  # full-width digits
    ("٥٠", "只能由半角数字"),  # Arabic-Indic digits
    ("50000.01", "单笔捐赠金额须在 1.00 元至 50000.00 元之间"),  # over the maximum
    ("0", "单笔捐赠金额须在 1.00 元至 50000.00 元之间"),
    ("1e3", "只能由半角数字"),
    ("9" * 21, "最多 20 个字（现在 21 个）"),  # longer than the input allows
])
def test_bad_amount_gets_the_page_again_with_the_error_beside_the_amount(client, campaign, amount, message):
    response = post(client, campaign, amount=amount)
    assert response.status_code == 400
    page = soup(response)
    assert message in field_error(page, "amount")
    assert list(summary_links(page)) == ["#id_amount"]
    assert_kept(page, {**FILLED, "amount": amount})
    assert_nothing_stored()


def test_preset_with_an_empty_custom_amount_is_kept_checked(client, campaign):
    response = post(client, campaign, amount="", preset="50.00", donor_name="")
    assert response.status_code == 400
    page = soup(response)
    checked = [i["value"] for i in page.find_all("input", attrs={"name": "preset"}) if i.has_attr("checked")]
    assert checked == ["50.00"]
    assert page.find("input", attrs={"name": "amount"}).get("value", "") == ""
    assert_nothing_stored()


def test_no_amount_at_all_says_so_beside_the_amount(client, campaign):
    response = post(client, campaign, amount="")
    assert response.status_code == 400
    assert "请填写捐赠金额。" in field_error(soup(response), "amount")
    assert_nothing_stored()


@pytest.mark.parametrize("name,value", [
    ("amount", "66\x00.60"), ("donor_name", "李\x00四"), ("message", "加油\x01\x1b"), ("email", "a\x7f@example.com"),
])
def test_control_characters_get_the_page_again_and_are_never_echoed(client, campaign, name, value):
    """Control characters are refused beside their field; the page shows the text without them, never a NUL."""
    response = post(client, campaign, **{name: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert not any(c in html for c in "\x00\x01\x1b\x7f")
    page = soup(response)
    assert "控制字符" in field_error(page, name)
    stripped = value.translate({0: None, 1: None, 0x1B: None, 0x7F: None})
    assert_kept(page, {**FILLED, name: stripped})
    assert_nothing_stored()


@pytest.mark.parametrize("name,value,message", [
    ("phone", "12345", "请输入 11 位中国大陆手机号。"),
    ("phone", "１３８００００１２３４", "请输入 11 位中国大陆手机号。"),
    ("email", "lisi@", "电子邮箱格式不正确。"),
    ("email", "li si@example.com", "电子邮箱格式不正确。"),
    ("official_receipt_title", "", "申请捐赠票据时请填写票据抬头"),
    ("taxpayer_number", "abc", "纳税人识别号应为 15 至 20 位数字或大写字母。"),
])
def test_bad_contact_or_receipt_details_get_the_error_beside_the_field(client, campaign, name, value, message):
    response = post(client, campaign, **{name: value})
    assert response.status_code == 400
    page = soup(response)
    assert message in field_error(page, name)
    assert f"#id_{name}" in summary_links(page)
    assert_kept(page, {**FILLED, name: value}, except_for={"taxpayer_number"})
    if name == "taxpayer_number":
        assert page.find("input", attrs={"name": name})["value"] == value
    assert_nothing_stored()


def test_all_errors_come_at_once_each_beside_its_field(client, campaign):
    response = post(client, campaign, amount="1,000", donor_name="", phone="12345", email="lisi@")
    assert response.status_code == 400
    page = soup(response)
    assert set(summary_links(page)) == {"#id_amount", "#id_donor_name", "#id_phone", "#id_email"}
    assert "还有 4 处需要修改" in page.find(id="give-errors-title").get_text()
    for name in ("amount", "donor_name", "phone", "email"):
        assert field_error(page, name)
    assert_nothing_stored()


def test_an_unknown_payment_method_is_refused_beside_the_methods(client, campaign):
    response = post(client, campaign, method="bitcoin")
    assert response.status_code == 400
    page = soup(response)
    fieldset = page.find(id="give-method")
    assert fieldset["aria-describedby"] == "id_method_error"
    assert page.find(id="id_method_error").get_text(strip=True) == "请选择页面上列出的一种支付方式。"
    assert summary_links(page) and "#give-method" in summary_links(page)
    assert_kept(page, {**FILLED, "method": "alipay"})  # nothing valid was chosen: the first method is offered
    assert_nothing_stored()


def test_rate_limited_donor_keeps_the_form_and_is_told_why(client, campaign, settings):
    settings.DONATION_CREATE_RATE = "1/h"
    assert post(client, campaign).status_code == 302
    response = post(client, campaign, message="第二次")
    assert response.status_code == 429
    page = soup(response)
    summary = page.find(id="give-errors").get_text(" ", strip=True)
    assert "未能提交，您填写的内容都已保留" in summary and "提交过于频繁，请稍后再试。" in summary
    assert_kept(page, {**FILLED, "message": "第二次"})
    assert Donation.objects.count() == 1


def test_typed_text_is_escaped_when_shown_again(client, campaign):
    response = post(client, campaign, donor_name="", message='"><script>alert(1)</script>')
    html = response.content.decode()
    assert response.status_code == 400 and "<script>alert(1)" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_refused_gift_page_is_never_cached(client, campaign):
    response = post(client, campaign, donor_name="")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_fresh_form_marks_the_name_required_and_explains_the_contact(client, campaign):
    page = soup(client.get(campaign.url))
    name = page.find("input", attrs={"name": "donor_name"})
    assert name.has_attr("required")
    label = page.find("label", attrs={"for": "id_donor_name"})
    assert label.get_text(strip=True) == "姓名"  # the field's name stays its label; the mark stands beside it
    assert page.find(id="id_donor_name_field").find(class_="required-mark").get_text() == "必填"
    help_ids = name["aria-describedby"].split()
    assert "匿名" in page.find(id=help_ids[0]).get_text()
    phone = page.find("input", attrs={"name": "phone"})
    explanation = page.find(id=phone["aria-describedby"]).get_text()
    assert "找回这笔捐赠和捐赠证书" in explanation and "查询我的捐赠" in explanation and "不公开" in explanation
    assert not page.find(id="give-errors")
    assert page.find("button", attrs={"form": "give-form", "type": "submit"}).get_text(strip=True) == "确认捐款"


def test_the_campaign_page_names_the_charity_the_fund_and_how_to_check_the_filing(client, campaign):
    from cms_pages.models import FundSettings

    settings = FundSettings.for_site(campaign.get_site())
    settings.fund_full_name = "中国志愿服务基金会“志愿城市·太原”专项基金"
    settings.office = "专项基金办公室"
    settings.contact = "0351-0000000"
    settings.save()
    page = soup(client.get(campaign.url))
    facts = page.find("section", attrs={"aria-labelledby": "fundraiser-heading"}).get_text(" ", strip=True)
    for text in ("中国志愿服务基金会", "测试资格", "TEST-FILING-1", "合作方", "“志愿城市·太原”专项基金",
                 "专项基金办公室；0351-0000000", "慈善中国", "cszg.mca.gov.cn"):
        assert text in facts, text
    assert "TEST-FILING-1" in page.find(class_="give-by").get_text()
