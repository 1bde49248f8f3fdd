"""Giving inside WeChat: hold the typed gift across OAuth, check the payer, hand the signed params to the page.

Inside WeChat's browser only JSAPI pay works, and JSAPI needs the donor's openid, which the official
account's OAuth (wechat.oauth) puts in the session. The flow: form → (OAuth, gift kept in the session) →
order with payer_openid → pay page → WeixinJSBridge → result page (which trusts only a notification or query).
"""

import hmac
from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from wechat.session import openid_of

HELD_GIFT_KEY = "donations_held_gift"
ALIPAY_IN_WECHAT = ("微信内无法打开支付宝。请选择微信支付；或点右上角 ··· 选择“在浏览器打开”，"
                    "在浏览器中用支付宝捐款。")


def oauth_redirect(next_path: str):
    return HttpResponseRedirect(f"{reverse('wechat:oauth_start')}?{urlencode({'next': next_path})}")


def gift_hold(request, *, campaign, data: dict):
    """Keep what the donor typed in their own session, then get their openid and come back to continue."""
    request.session[HELD_GIFT_KEY] = {"campaign": campaign.pk, "data": dict(data)}
    return oauth_redirect(reverse("donations:give_continue", args=[campaign.pk]))


def gift_take(request, *, campaign_id: int) -> dict | None:
    """The held gift for this campaign, once (a reload cannot place the order twice); None if there is none."""
    held = request.session.get(HELD_GIFT_KEY)
    if not isinstance(held, dict) or held.get("campaign") != campaign_id or not isinstance(held.get("data"), dict):
        return None
    del request.session[HELD_GIFT_KEY]
    return held["data"]


def payer_refusal(request, donation):
    """None when this session's openid is the order's payer; otherwise the answer (OAuth first, or 403)."""
    openid = openid_of(request)
    if not openid:
        return oauth_redirect(request.path)
    if not hmac.compare_digest(openid.encode(), donation.payer_openid.encode()):
        return render(request, "donations/give_error.html", {
            "campaign": donation.campaign,
            "errors": ["这笔捐赠由另一位微信用户发起，只有发起人本人可以支付。您可以返回活动页自己捐赠。"],
        }, status=403)
    return None


def jsapi_pay_page(request, *, donation, start):
    """The page that calls WeixinJSBridge; the params ride in data attributes (no inline script under our CSP)."""
    return render(request, "donations/pay_jsapi.html", {
        "donation": donation, "params": start.jsapi_params,
        "return_url": reverse("donations:return", args=[donation.resume_token]),
    })
