"""The giving flow: form → order → gateway → back to the result page."""

import io
import logging

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from donations import selectors, services
from donations.forms import GiveForm
from donations.gateways import GatewayError, gateway_get
from donations.models import CampaignPage, Channel, Gateway
from donations.ratelimit import rate_limit_hit
from donations.views import wechat_giving
from fundsite.client_ip import client_ip
from fundsite.inputs import ID_MAX
from wechat.browser import in_wechat
from wechat.session import openid_of

logger = logging.getLogger(__name__)
DONOR_FIELDS = ("donor_name", "anonymous", "show_name", "message", "phone", "email", "wants_official_receipt",
                "official_receipt_title", "taxpayer_number")
MOBILE_MARKERS = ("Mobile", "Android", "iPhone", "iPad", "MicroMessenger")


def is_phone(request) -> bool:
    agent = request.META.get("HTTP_USER_AGENT", "")
    return any(marker in agent for marker in MOBILE_MARKERS)


def _channel(method, phone, wechat=False):
    if method == "wechatpay" and wechat:
        return Gateway.WECHATPAY, Channel.JSAPI
    if method == "alipay":
        return Gateway.ALIPAY, "wap" if phone else "page"
    if method == "alipay_qr":
        return Gateway.ALIPAY, "qr"
    return Gateway.WECHATPAY, "h5" if phone else "qr"


@require_POST
def give(request, campaign_id):
    """Create an order from the giving form and send the donor to pay it.

    Whatever goes wrong, the donor sees the campaign page again with everything typed kept and each error
    beside its field (400), or with the rate limit's message above the form (429).
    """
    if campaign_id > ID_MAX:  # the path converter takes any run of digits; no such id can exist
        raise Http404("募捐活动不存在")
    campaign = get_object_or_404(CampaignPage.objects.live().public(), pk=campaign_id).specific
    form = GiveForm(request.POST.copy())
    if not campaign.is_open():  # past its end date (or not yet begun): the page says so, nothing is placed
        form.is_valid()
        form.add_error(None, services.campaign_closed_message(campaign))
        return campaign.serve_give_form(request, form, status=400)
    if rate_limit_hit(scope="give", key=client_ip(request), rate=settings.DONATION_CREATE_RATE):
        form.is_valid()
        form.add_error(None, "提交过于频繁，请稍后再试。")
        return campaign.serve_give_form(request, form, status=429)
    if not form.is_valid():
        return campaign.serve_give_form(request, form, status=400)
    data = form.cleaned_data
    if in_wechat(request) and data["method"] != "wechatpay":
        form.add_error("method", wechat_giving.ALIPAY_IN_WECHAT)
        return campaign.serve_give_form(request, form, status=400)
    gift = {"method": data["method"], "amount": form.chosen_amount(), **{name: data[name] for name in DONOR_FIELDS}}
    if in_wechat(request) and not openid_of(request):
        return wechat_giving.gift_hold(request, campaign=campaign, data=gift)
    return _order_place(request, campaign, gift, form=form)


def _order_place(request, campaign, gift, *, form=None):
    gift = dict(gift)
    gateway, channel = _channel(gift.pop("method"), is_phone(request), in_wechat(request))
    payer_openid = openid_of(request) if channel == Channel.JSAPI else ""
    try:
        donation = services.donation_create(campaign=campaign, gateway=gateway, channel=channel,
                                            payer_openid=payer_openid, **gift)
    except ValidationError as exc:
        if form is None:  # back from WeChat's OAuth, the form is gone: the messages are listed
            return render(request, "donations/give_error.html",
                          {"campaign": campaign, "errors": exc.messages}, status=400)
        form.add_service_errors(exc)
        return campaign.serve_give_form(request, form, status=400)
    return redirect("donations:pay", token=donation.resume_token)


@require_GET
def give_continue(request, campaign_id):
    """Back from WeChat's OAuth with the openid: place the order the donor typed before it."""
    if campaign_id > ID_MAX:
        raise Http404("募捐活动不存在")
    campaign = get_object_or_404(CampaignPage.objects.live().public(), pk=campaign_id).specific
    if not openid_of(request):
        return render(request, "donations/give_error.html",
                      {"campaign": campaign, "errors": ["微信授权未完成，请返回活动页重新提交。"]}, status=400)
    data = wechat_giving.gift_take(request, campaign_id=campaign.pk)
    if data is None:
        return render(request, "donations/give_error.html",
                      {"campaign": campaign, "errors": ["没有待继续的捐赠（可能已经提交过），请返回活动页重新填写。"]},
                      status=400)
    return _order_place(request, campaign, data)


def _qr_svg(payload: str) -> str:
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


@require_GET
def pay(request, token):
    """Send the donor to the gateway, or show the QR code; works again for a pending order (resume)."""
    donation = selectors.donation_by_resume_token(token=token)
    if donation is None:
        raise Http404("订单不存在")
    if donation.is_paid or donation.status == "closed":
        return redirect("donations:return", token=token)
    if donation.channel == Channel.JSAPI and (refusal := wechat_giving.payer_refusal(request, donation)):
        return refusal
    try:
        start = services.donation_start_payment(donation=donation, client_ip=client_ip(request))
    except ValidationError as exc:
        return render(request, "donations/give_error.html",
                      {"campaign": donation.campaign, "errors": exc.messages}, status=400)
    except GatewayError as exc:
        logger.warning("Payment start failed for %s: %s", donation.out_trade_no, exc)
        return render(request, "donations/give_error.html",
                      {"campaign": donation.campaign, "errors": ["支付平台暂时无法下单，请稍后再试。"]}, status=502)
    if start.jsapi_params:
        return wechat_giving.jsapi_pay_page(request, donation=donation, start=start)
    if start.redirect_url:
        return redirect(start.redirect_url)
    return render(request, "donations/pay_qr.html", {
        "donation": donation, "qr_svg": mark_safe(_qr_svg(start.qr_code)),  # noqa: S308 - our own SVG
        "gateway_label": donation.get_gateway_display(),
    })


@require_GET
def payment_return(request, token):
    """Where the gateway sends the donor back: verify what it says, show the state, query if late."""
    donation = selectors.donation_by_resume_token(token=token)
    if donation is None:
        raise Http404("订单不存在")
    signed_ok = None
    if donation.gateway == Gateway.ALIPAY and request.GET.get("sign"):
        signed_ok = gateway_get(Gateway.ALIPAY).verify_return(request.GET.dict())
        if signed_ok and request.GET.get("out_trade_no") != donation.out_trade_no:
            signed_ok = False
    if not donation.is_paid and donation.status != "closed" and donation.gateway != Gateway.OFFLINE:
        try:
            # Never settle on the redirect itself: ask the gateway.
            donation = services.donation_sync(donation=donation, cause="捐赠人返回页面，查询支付平台")
        except GatewayError as exc:
            logger.warning("Query on return failed for %s: %s", donation.out_trade_no, exc)
    receipt = getattr(donation, "receipt", None) if donation.is_paid else None
    return render(request, "donations/return.html", {
        "donation": donation, "signed_ok": signed_ok, "receipt": receipt,
        "display_name": selectors.certificate_name(donation), "gift_proof": selectors.gift_proof(donation=donation),
    })


@require_GET
def donation_status(request, token):
    """A small JSON for the QR page to poll; shows no personal data."""
    donation = selectors.donation_by_resume_token(token=token)
    if donation is None:
        raise Http404("订单不存在")
    return JsonResponse({"status": donation.status, "paid": donation.is_paid})
