"""The campaign page and giving form: amounts, donor wishes, desktop vs phone, CSRF, escaping, rate limits."""

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from donations.models import Donation, DonationStatus
from donations.services import donation_sync
from tests.donations.conftest import make_donation, post_alipay

PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"


def give(client, campaign, ua=DESKTOP_UA, **fields):
    data = {"amount": "100", "method": "alipay", "donor_name": "李四"}
    data.update(fields)
    meta = {k: data.pop(k) for k in list(data) if k.startswith("HTTP_")}
    return client.post(reverse("donations:give", args=[campaign.pk]), data, HTTP_USER_AGENT=ua, **meta)


def test_campaign_page_shows_progress_fundraiser_and_form(client, campaign):
    response = client.get(campaign.url)
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("中国志愿服务基金会", "TESTUSCC000000000X", "测试资格", "TEST-FILING-1", "¥10,000.00",
                 "剩余 <strong>20</strong> 天", "csrfmiddlewaretoken", "为救护车募捐"):
        assert text in html


def test_campaign_page_tree_rules(campaign, project, home):
    from cms_pages.models import ProjectPage
    from donations.models import CampaignPage

    assert CampaignPage.can_create_at(project) and CampaignPage.can_create_at(home)
    assert "donations.CampaignPage" in ProjectPage.subpage_types
    assert CampaignPage.subpage_types == []


def test_desktop_donor_goes_to_alipay_page_pay(client, campaign, settings):
    response = give(client, campaign)
    donation = Donation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("donations:pay",
                                                                           args=[donation.resume_token])
    assert donation.amount == Decimal("100.00") and donation.channel == "page"
    pay = client.get(response["Location"], HTTP_USER_AGENT=DESKTOP_UA)
    url = urlsplit(pay["Location"])
    assert pay["Location"].startswith(settings.ALIPAY_GATEWAY_URL)
    query = parse_qs(url.query)
    assert query["method"] == ["alipay.trade.page.pay"]
    assert '"product_code":"FAST_INSTANT_TRADE_PAY"' in query["biz_content"][0]
    assert query["notify_url"][0].endswith("/donations/notify/alipay/")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_phone_donor_goes_to_alipay_wap_pay_with_quick_wap_way(client, campaign):
    response = give(client, campaign, ua=PHONE_UA)
    pay = client.get(response["Location"], HTTP_USER_AGENT=PHONE_UA)
    query = parse_qs(urlsplit(pay["Location"]).query)
    assert query["method"] == ["alipay.trade.wap.pay"]
    biz = query["biz_content"][0]
    assert '"product_code":"QUICK_WAP_WAY"' in biz and '"quit_url"' in biz
    assert Donation.objects.get().channel == "wap"


def test_a_pending_order_can_be_resumed(client, campaign):
    response = give(client, campaign)
    first = client.get(response["Location"])
    again = client.get(response["Location"])
    assert again.status_code == 302
    assert parse_qs(urlsplit(again["Location"]).query)["biz_content"] == \
        parse_qs(urlsplit(first["Location"]).query)["biz_content"]
    assert Donation.objects.count() == 1


def test_preset_amount_is_used_when_no_custom_amount(client, campaign):
    give(client, campaign, amount="", preset="50.00")
    assert Donation.objects.get().amount == Decimal("50.00")


@pytest.mark.parametrize("amount,message", [
    ("0.99", "之间"), ("50000.01", "之间"), ("0", "之间"), ("-5", "数字"), ("abc", "数字"), ("1e3", "数字"),
    ("NaN", "数字"), ("10.001", "两位小数"), ("", "捐赠金额"),
])
def test_bad_amount_is_refused_with_a_clear_message_and_creates_nothing(client, campaign, amount, message):
    response = give(client, campaign, amount=amount)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Donation.objects.exists()


def test_bounds_are_inclusive(client, campaign):
    give(client, campaign, amount="1.00")
    give(client, campaign, amount="50000.00")
    assert sorted(Donation.objects.values_list("amount", flat=True)) == [Decimal("1.00"), Decimal("50000.00")]


def test_bounds_come_from_settings(client, campaign, settings):
    settings.DONATION_MAX_AMOUNT = "200.00"
    assert give(client, campaign, amount="200.01").status_code == 400
    assert not Donation.objects.exists()


@pytest.mark.parametrize("fields,error", [
    ({"donor_name": ""}, "请填写姓名"),
    ({"phone": "12345"}, "手机号"),
    ({"email": "not-an-email"}, "电子邮箱"),
    ({"wants_official_receipt": "on", "phone": "13800001234"}, "票据抬头"),
    ({"wants_official_receipt": "on", "official_receipt_title": "某公司", "taxpayer_number": "abc",
      "phone": "13800001234"}, "纳税人识别号"),
    ({"method": "bitcoin"}, "支付方式"),
])
def test_bad_donor_details_are_refused_and_create_nothing(client, campaign, fields, error):
    response = give(client, campaign, **fields)
    assert response.status_code == 400 and error in response.content.decode()
    assert not Donation.objects.exists()


def test_anonymous_gift_needs_no_name(client, campaign):
    give(client, campaign, donor_name="", anonymous="on")
    assert Donation.objects.get().anonymous


def test_form_without_csrf_token_is_refused(campaign):
    client = Client(enforce_csrf_checks=True)
    response = give(client, campaign)
    assert response.status_code == 403
    assert not Donation.objects.exists()


def test_form_with_csrf_token_is_accepted(campaign):
    client = Client(enforce_csrf_checks=True)
    page = client.get(campaign.url)
    token = page.cookies["csrftoken"].value
    response = give(client, campaign, csrfmiddlewaretoken=token)
    assert response.status_code == 302 and Donation.objects.count() == 1


def test_creation_is_rate_limited_per_client(client, campaign, settings):
    settings.DONATION_CREATE_RATE = "2/h"
    assert give(client, campaign).status_code == 302
    assert give(client, campaign).status_code == 302
    response = give(client, campaign)
    assert response.status_code == 429 and "频繁" in response.content.decode()
    assert Donation.objects.count() == 2


def test_closed_campaign_refuses_gifts(client, campaign):
    from datetime import timedelta

    from django.utils import timezone

    campaign.ends_on = timezone.localdate() - timedelta(days=1)
    campaign.save_revision().publish()
    response = give(client, campaign)
    assert response.status_code == 400 and "本次募捐已于" in response.content.decode()
    assert not Donation.objects.exists()


def _pay(donation, alipay_notification, client):
    return post_alipay(client, alipay_notification(donation))


def test_script_in_name_and_message_is_shown_escaped(client, campaign, alipay_notification):
    donation = make_donation(campaign, donor_name="<script>alert(1)</script>", show_name=True,
                             message='<img src=x onerror="alert(2)">谢谢')
    _pay(donation, alipay_notification, client)
    for url in (campaign.url, reverse("donations:donors")):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;谢谢" in html
        assert "&lt;*" in html  # the masked name keeps its first character, escaped


def test_donor_list_masks_names_and_honours_anonymity(client, campaign, alipay_notification):
    _pay(make_donation(campaign, donor_name="王小明", show_name=True), alipay_notification, client)
    _pay(make_donation(campaign, donor_name="赵六", anonymous=True), alipay_notification, client)
    html = client.get(campaign.url).content.decode()
    assert "王**" in html and "王小明" not in html
    assert "匿名爱心人士" in html and "赵六" not in html and "赵*" not in html


def test_raised_comes_from_the_ledger_less_refunds(client, campaign, alipay_notification):
    from donations.selectors import campaign_totals

    donation = make_donation(campaign, amount="300.00")
    _pay(donation, alipay_notification, client)
    post_alipay(client, alipay_notification(donation, refund_fee="100.00", out_biz_no="R1"))
    totals = campaign_totals(campaign=campaign)
    assert totals["raised"] == Decimal("200.00") and totals["donors"] == 1 and totals["progress_percent"] == 2


def test_return_page_never_settles_on_the_redirect_alone(transactional_base, client, campaign, alipay_notification,
                                                         live_server, settings):
    """A correctly signed return URL leaves the order pending while the gateway says it is not paid."""
    settings.ALIPAY_GATEWAY_URL = live_server.url + "/sandbox/alipay/gateway.do"
    donation = make_donation(campaign)
    params = alipay_notification(donation, method="alipay.trade.page.pay.return")
    response = client.get(reverse("donations:return", args=[donation.resume_token]), params)
    assert response.status_code == 200 and "正在确认支付结果" in response.content.decode()
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert donation_sync(donation=donation).status == DonationStatus.PENDING


def test_rate_limit_cannot_be_dodged_by_a_forged_forwarded_for_header(client, campaign, settings):
    settings.DONATION_CREATE_RATE = "1/h"
    assert give(client, campaign, HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.9").status_code == 302
    assert give(client, campaign, HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.9").status_code == 429
    assert Donation.objects.count() == 1
