"""The donations API, and a scan proving donors' phone, e-mail and taxpayer numbers never go public."""

import json

import pytest
from django.urls import reverse

from donations.models import Donation
from tests.donations.conftest import make_donation, post_alipay

API = "/api/donations"
PHONE, EMAIL, TAXPAYER = "13912345678", "private.donor@example.com", "91140100MA0PRIVATE"


def test_api_creates_a_donation_and_returns_what_the_client_needs_to_pay(client, campaign, settings):
    response = client.post(f"{API}/donations", json.dumps({
        "campaign_id": campaign.pk, "amount": "88.80", "gateway": "alipay", "channel": "page", "donor_name": "周八",
        "phone": PHONE, "email": EMAIL,
    }), content_type="application/json")
    assert response.status_code == 201
    data = response.json()
    assert data["redirect_url"].startswith(settings.ALIPAY_GATEWAY_URL)
    assert data["status"] == "pending" and data["amount"] == "88.80"
    assert PHONE not in response.content.decode() and EMAIL not in response.content.decode()
    status = client.get(f"{API}/donations/{data['token']}").json()
    assert status == {"out_trade_no": data["out_trade_no"], "status": "pending", "paid": False, "amount": "88.80",
                      "receipt_number": ""}


@pytest.mark.parametrize("amount,fragment", [("0.5", "之间"), ("abc", "数字"), ("10.123", "两位小数"),
                                             ("50000.01", "之间")])
def test_api_refuses_bad_amounts_and_creates_nothing(client, campaign, amount, fragment):
    response = client.post(f"{API}/donations", json.dumps({"campaign_id": campaign.pk, "amount": amount,
                                                           "donor_name": "周八"}), content_type="application/json")
    assert response.status_code == 400 and fragment in str(response.json()["detail"])
    assert not Donation.objects.exists()


def test_api_refuses_an_unknown_campaign(client, db):
    response = client.post(f"{API}/donations", json.dumps({"campaign_id": 999999, "amount": "10"}),
                           content_type="application/json")
    assert response.status_code == 404 and not Donation.objects.exists()


def test_api_reports_campaign_totals(client, campaign, alipay_notification):
    post_alipay(client, alipay_notification(make_donation(campaign, amount="250.00")))
    data = client.get(f"{API}/campaigns/{campaign.pk}/totals").json()
    assert data["raised"] == "250.00" and data["donors"] == 1 and data["goal"] == "10000.00"
    assert data["progress_percent"] == 2


def test_api_has_its_own_openapi_document(client, db):
    doc = client.get(f"{API}/openapi.json").json()
    assert doc["info"]["title"] == "捐赠 API"
    assert {"/api/donations/donations", "/api/donations/donations/{token}",
            "/api/donations/campaigns/{campaign_id}/totals"} <= set(doc["paths"])


def test_no_public_page_or_api_shows_a_donors_contact_details(client, campaign, alipay_notification):
    paid = make_donation(campaign, donor_name="钱七", phone=PHONE, email=EMAIL, wants_official_receipt=True,
                         official_receipt_title="钱七", taxpayer_number=TAXPAYER, message="加油")
    post_alipay(client, alipay_notification(paid))
    pending = make_donation(campaign, donor_name="孙九", phone=PHONE, email=EMAIL)
    paid.refresh_from_db()
    receipt = paid.receipt
    urls = [
        campaign.url, campaign.get_parent().url, reverse("donations:donors"),
        reverse("donations:receipt_verify", args=[receipt.number]),
        reverse("donations:return", args=[paid.resume_token]),
        reverse("donations:status", args=[paid.resume_token]),
        f"{API}/donations/{paid.resume_token}", f"{API}/donations/{pending.resume_token}",
        f"{API}/campaigns/{campaign.pk}/totals", f"{API}/openapi.json",
        f"/api/v3/pages/{campaign.pk}/", "/api/v3/pages/?type=donations.CampaignPage&fields=*",
    ]
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen += 1
        body = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            body = json.dumps(response.json(), ensure_ascii=False)
        for secret in (PHONE, PHONE[-8:], EMAIL, TAXPAYER):
            assert secret not in body, f"{secret} leaked on {url}"
    assert seen >= 9
    # The donor lookup shows the gift to whoever knows the order number and phone digits, but not the phone.
    lookup = client.post(reverse("donations:lookup"), {"out_trade_no": paid.out_trade_no, "phone_last4": PHONE[-4:]})
    assert lookup.status_code == 200 and paid.out_trade_no in lookup.content.decode()
    for secret in (PHONE, EMAIL, TAXPAYER):
        assert secret not in lookup.content.decode()


def test_donor_lookup_needs_the_right_phone_digits(client, campaign):
    donation = make_donation(campaign, phone=PHONE)
    wrong = client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": "0000"})
    assert wrong.status_code == 404 and "未找到" in wrong.content.decode()
    malformed = client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": "12"})
    assert malformed.status_code == 404


def test_donor_lookup_is_rate_limited(client, campaign, settings):
    settings.DONATION_LOOKUP_RATE = "3/h"
    donation = make_donation(campaign, phone=PHONE)
    for _ in range(3):
        client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": "0000"})
    right = client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": PHONE[-4:]})
    assert right.status_code == 429 and "频繁" in right.content.decode()


def test_donate_button_links_a_project_to_its_campaign(campaign, project, rf):
    from django.template import Context, Template

    html = Template("{% load donation_tags %}{% donate_button page %}").render(Context({"page": project}))
    assert "为此项目捐款" in html and campaign.url in html
    other = project.get_parent().add_child(instance=type(project)(title="另一个项目", slug="other", summary="x"))
    assert "为此项目捐款" not in Template("{% load donation_tags %}{% donate_button page %}").render(
        Context({"page": other}))


@pytest.mark.django_db(transaction=True)
def test_the_payers_openid_never_reaches_a_public_page_api_answer_or_log_line(sandbox, campaign, settings, caplog):
    """A gift made inside WeChat (OAuth, JSAPI, paid): its openid is scanned for everywhere the public looks."""
    import logging

    from tests.donations.test_jsapi import bridge, give_in_wechat, pay_params
    from tests.wechat_flow import donor_browser

    settings.WECHAT_OPEN_BASE_URL = sandbox.url + "/sandbox/wechat/open"
    settings.WECHAT_API_BASE_URL = sandbox.url + "/sandbox/wechat"
    caplog.set_level(logging.DEBUG)
    browser = donor_browser()
    donation, page = give_in_wechat(browser, sandbox.url, campaign)
    openid = donation.payer_openid
    assert openid and openid not in page.text
    assert bridge(browser, sandbox.url, pay_params(page.text)) == {"ok": True}
    donation.refresh_from_db()
    assert donation.is_paid
    urls = [
        campaign.url, campaign.get_parent().url, reverse("donations:donors"),
        reverse("donations:receipt_verify", args=[donation.receipt.number]),
        reverse("donations:return", args=[donation.resume_token]),
        reverse("donations:status", args=[donation.resume_token]),
        reverse("donations:pay", args=[donation.resume_token]),
        f"{API}/donations/{donation.resume_token}", f"{API}/campaigns/{campaign.pk}/totals",
        f"/api/v3/pages/{campaign.pk}/", "/api/v3/pages/?type=donations.CampaignPage&fields=*",
    ]
    seen = 0
    for url in urls:
        response = browser.get(sandbox.url + url, timeout=30)
        seen += response.status_code == 200
        assert openid not in response.text and openid[1:17] not in response.text, f"openid leaked on {url}"
    assert seen >= 9
    assert openid not in caplog.text and openid[1:17] not in caplog.text
    # The sandbox's cookie names the pretend WeChat user, never our openid; our session cookie is opaque.
    assert all(openid not in value for value in browser.cookies.values())


def test_no_page_api_or_log_line_shows_a_sign_in_code_or_an_openid(client, campaign, alipay_notification, caplog):
    """我的捐赠: the one-time code goes only into the message (here the e-mail), the openid only into the session."""
    import logging
    import re

    from django.core import mail

    from donations.models import DonorCode

    caplog.set_level(logging.DEBUG)
    openid = "oPrivacyScanOpenid000000001"
    gift = make_donation(campaign, donor_name="钱七", email=EMAIL, phone=PHONE)
    Donation.objects.filter(pk=gift.pk).update(payer_openid=openid)
    post_alipay(client, alipay_notification(gift))
    gift.refresh_from_db()
    seen = [client.post(reverse("donations:donor_sign_in"), {"target": EMAIL}, follow=True)]
    code = re.search(r"验证码是 ([0-9]{6})", mail.outbox[-1].body).group(1)
    seen.append(client.post(reverse("donations:donor_verify"), {"code": code}, follow=True))
    session = client.session
    session["wechat_openid"] = openid
    session.save()
    seen.append(client.get(reverse("donations:donor_wechat"), follow=True))
    urls = [reverse("donations:mine"), reverse("donations:donor_sign_in"), campaign.url, reverse("donations:donors"),
            reverse("donations:receipt_verify", args=[gift.receipt.number]),
            reverse("donations:return", args=[gift.resume_token]), reverse("donations:status", args=[gift.resume_token]),
            f"{API}/donations/{gift.resume_token}", f"/api/v3/pages/{campaign.pk}/"]
    seen += [client.get(url) for url in urls]
    assert sum(r.status_code == 200 for r in seen) >= 10
    for response in seen:
        body = response.content.decode()
        for secret in (code, openid, PHONE, EMAIL):
            assert secret not in body, f"{secret} leaked on {response.request['PATH_INFO']}"
    assert gift.out_trade_no in seen[-len(urls)].content.decode()  # 我的捐赠 did list the gift
    assert code not in caplog.text and openid not in caplog.text
    assert code not in repr(list(DonorCode.objects.values())) and EMAIL not in repr(list(DonorCode.objects.values()))
