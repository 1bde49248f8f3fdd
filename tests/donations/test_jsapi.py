"""Giving inside WeChat over real HTTP: form → OAuth (gift kept) → JSAPI order with payer.openid → signed
getBrandWCPayRequest → the sandbox's WeixinJSBridge endpoint pays → notification → paid. Each bad input
says what it gets and that nothing changed."""

import base64
import re
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.urls import reverse

from donations import services
from donations.gateways import GatewayError
from donations.models import Donation, DonationEvent, DonationStatus
from gateway_sandbox.models import SandboxNotification, SandboxTrade
from tests.wechat_flow import donor_browser, form_fields, oauth_authorize, session_openid

pytestmark = pytest.mark.django_db(transaction=True)

PARAMS = ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")


@pytest.fixture
def jsapi_sandbox(sandbox, settings):
    settings.WECHAT_OPEN_BASE_URL = sandbox.url + "/sandbox/wechat/open"
    settings.WECHAT_API_BASE_URL = sandbox.url + "/sandbox/wechat"
    return sandbox


def give(browser, base, campaign, **fields):
    page = browser.get(base + campaign.url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    data = {"csrfmiddlewaretoken": token, "amount": "88.00", "method": "wechatpay", "donor_name": "王五",
            "phone": "13900001111", **fields}
    return browser.post(base + reverse("donations:give", args=[campaign.pk]), data=data,
                        headers={"Referer": base + campaign.url}, allow_redirects=False, timeout=30)


def pay_params(html):
    found = {name: value for name, value in re.findall(r'data-([a-z-]+)="([^"]*)"', html)}
    keys = {"app-id": "appId", "time-stamp": "timeStamp", "nonce-str": "nonceStr", "package": "package",
            "sign-type": "signType", "pay-sign": "paySign"}
    return {keys[k]: v.replace("&amp;", "&") for k, v in found.items() if k in keys}


def give_in_wechat(browser, base, campaign):
    """The whole flow up to the pay page; returns (donation, pay page)."""
    answer = give(browser, base, campaign)
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/wechat/oauth/start/")
    assert not Donation.objects.exists()  # the gift waits in the session for the openid
    callback = oauth_authorize(browser, base, f"/donate/{campaign.pk}/continue/")
    page = browser.get(callback, timeout=30)
    assert page.status_code == 200 and 'data-testid="pay-jsapi"' in page.text, page.text[:500]
    return Donation.objects.get(), page


def bridge(browser, base, params, action="pay"):
    return browser.post(base + reverse("gateway_sandbox:wechat_jsbridge_pay"), json={"action": action, "params": params},
                        timeout=30).json()


def test_campaign_page_in_wechat_offers_wechat_pay_only_and_says_how_to_use_alipay(jsapi_sandbox, campaign):
    inside = donor_browser().get(jsapi_sandbox.url + campaign.url, timeout=30).text
    assert 'value="wechatpay" checked' in inside and 'value="alipay"' not in inside
    assert "右上角 ··· → 在浏览器打开" in inside
    assert "gateway_sandbox/weixin_bridge.js" in inside  # the stand-in, as WeChat injects its own
    outside = donor_browser(wechat=False).get(jsapi_sandbox.url + campaign.url, timeout=30).text
    assert 'value="alipay"' in outside and "weixin_bridge.js" not in outside


def test_donor_gives_inside_wechat_and_the_notification_settles_it(jsapi_sandbox, campaign, keys):
    browser = donor_browser()
    donation, page = give_in_wechat(browser, jsapi_sandbox.url, campaign)
    assert donation.channel == "jsapi" and donation.gateway == "wechatpay" and donation.amount == Decimal("88.00")
    assert donation.donor_name == "王五" and donation.phone == "13900001111"  # what was typed survived OAuth
    assert donation.payer_openid == session_openid(browser) and donation.status == DonationStatus.PENDING
    trade = SandboxTrade.objects.get(out_trade_no=donation.out_trade_no)
    assert trade.product == "jsapi" and trade.payer_openid == donation.payer_openid
    params = pay_params(page.text)
    assert set(params) == set(PARAMS) and params["package"] == f"prepay_id={trade.prepay_id}"
    assert params["signType"] == "RSA" and params["appId"] == keys.wechatpay_appid
    # paySign is SHA256withRSA by the merchant key over appId\ntimeStamp\nnonceStr\npackage\n.
    message = "".join(params[k] + "\n" for k in ("appId", "timeStamp", "nonceStr", "package")).encode()
    public = serialization.load_pem_public_key(keys.wechatpay_merchant_public_key.encode())
    public.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    assert donation.payer_openid not in page.text
    assert bridge(browser, jsapi_sandbox.url, params, "check")["amount"] == "88.00"
    assert bridge(browser, jsapi_sandbox.url, params) == {"ok": True}
    donation.refresh_from_db()
    assert donation.is_paid
    result = browser.get(jsapi_sandbox.url + reverse("donations:return", args=[donation.resume_token]), timeout=30)
    assert "感谢您的捐赠" in result.text and donation.payer_openid not in result.text


def test_tampered_pay_sign_fails_and_nothing_is_paid(jsapi_sandbox, campaign):
    browser = donor_browser()
    donation, page = give_in_wechat(browser, jsapi_sandbox.url, campaign)
    params = pay_params(page.text)
    for field, value in (("paySign", params["paySign"][:-4] + ("AAAA" if params["paySign"][-4:] != "AAAA" else "BBBB")),
                         ("nonceStr", params["nonceStr"] + "x"), ("timeStamp", str(int(params["timeStamp"]) + 1))):
        answer = bridge(browser, jsapi_sandbox.url, {**params, field: value})
        assert answer == {"ok": False, "err_desc": "支付验证签名失败"}, field
    assert SandboxTrade.objects.get(out_trade_no=donation.out_trade_no).status == "unpaid"
    assert not SandboxNotification.objects.exists()
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING


def test_another_donors_order_is_refused_and_nothing_changes(jsapi_sandbox, campaign):
    owner, other = donor_browser(), donor_browser()
    donation, page = give_in_wechat(owner, jsapi_sandbox.url, campaign)
    other.get(oauth_authorize(other, jsapi_sandbox.url), timeout=30)
    assert session_openid(other) not in ("", donation.payer_openid)
    events = DonationEvent.objects.filter(donation=donation).count()
    pay_url = jsapi_sandbox.url + reverse("donations:pay", args=[donation.resume_token])
    refused = other.get(pay_url, timeout=30)
    assert refused.status_code == 403 and "只有发起人本人可以支付" in refused.text
    assert 'data-pay-sign' not in refused.text
    # Even with the owner's signed parameters, WeChat's client pays only for the payer the order names.
    assert bridge(other, jsapi_sandbox.url, pay_params(page.text)) == {"ok": False, "err_desc": "此订单不属于当前微信用户"}
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING
    assert DonationEvent.objects.filter(donation=donation).count() == events
    # Without any openid in the session the pay page first asks WeChat who this is.
    anonymous = donor_browser().get(pay_url, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/wechat/oauth/start/")


def test_jsapi_order_for_an_openid_not_of_our_appid_is_refused_by_wechat_pay(jsapi_sandbox, campaign):
    forged = "o" + "A" * 16 + "0" * 11
    donation = services.donation_create(campaign=campaign, amount="10.00", anonymous=True, gateway="wechatpay", channel="jsapi",
                                        payer_openid=forged)
    with pytest.raises(GatewayError, match="openid 与 appid 不匹配"):
        services.donation_start_payment(donation=donation)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.CREATED and not SandboxTrade.objects.exists()


def test_jsapi_order_without_an_openid_is_refused_and_saves_nothing(jsapi_sandbox, campaign):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="微信授权"):
        services.donation_create(campaign=campaign, amount="10.00", anonymous=True, gateway="wechatpay", channel="jsapi")
    with pytest.raises(ValidationError, match="openid"):
        services.donation_create(campaign=campaign, amount="10.00", anonymous=True, gateway="wechatpay", channel="h5",
                                 payer_openid="o" * 28)
    assert not Donation.objects.exists()


def test_alipay_posted_from_wechat_gets_the_way_out_and_no_order(jsapi_sandbox, campaign):
    answer = give(donor_browser(), jsapi_sandbox.url, campaign, method="alipay")
    assert answer.status_code == 400 and "在浏览器打开" in answer.text
    assert not Donation.objects.exists()


def test_continue_without_a_held_gift_is_refused_and_places_nothing(jsapi_sandbox, campaign):
    browser = donor_browser()
    continue_url = jsapi_sandbox.url + reverse("donations:give_continue", args=[campaign.pk])
    no_openid = browser.get(continue_url, timeout=30)
    assert no_openid.status_code == 400 and "微信授权未完成" in no_openid.text
    give_in_wechat(browser, jsapi_sandbox.url, campaign)
    again = browser.get(continue_url, timeout=30)  # a reload after the order was placed
    assert again.status_code == 400 and "没有待继续的捐赠" in again.text
    assert Donation.objects.count() == 1


def test_h5_outside_wechat_comes_back_to_the_result_page(jsapi_sandbox, campaign):
    browser = donor_browser(wechat=False)
    browser.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"
    answer = give(browser, jsapi_sandbox.url, campaign)
    pay = browser.get(jsapi_sandbox.url + answer.headers["Location"], allow_redirects=False, timeout=30)
    donation = Donation.objects.get()
    assert donation.channel == "h5" and donation.payer_openid == ""
    h5_url = pay.headers["Location"]
    from urllib.parse import quote

    back = jsapi_sandbox.url + reverse("donations:return", args=[donation.resume_token])
    assert h5_url.endswith("&redirect_url=" + quote(back, safe=""))
    cashier = browser.get(h5_url, timeout=30)
    fields = form_fields(cashier.text)
    fields.update(action="pay")
    result = browser.post(cashier.url.split("?")[0], data=fields, headers={"Referer": cashier.url}, timeout=30)
    assert result.url == back and "感谢您的捐赠" in result.text
