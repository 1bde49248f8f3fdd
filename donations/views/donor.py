"""我的捐赠: a donor signs in by a one-time code (or their WeChat identity) and sees their own gifts."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from donations import donor_selectors
from donations.donor_session import (
    donor_of,
    donor_pending_of,
    donor_pending_set,
    donor_session_end,
    donor_session_start,
)
from donations.forms import DonorCodeForm, DonorSignInForm, OfficialReceiptRequestForm
from donations.models import DonorIdentityKind
from donations.services.donors import (
    DonorCodeError,
    DonorIdentity,
    donor_code_send,
    donor_code_verify,
    donor_target_parse,
)
from donations.sms import sms_enabled
from fundsite.client_ip import client_ip
from wechat.browser import in_wechat
from wechat.session import openid_of


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _wechat_start_url():
    """jsapi's OAuth start, coming back to our WeChat sign-in; None until that route exists."""
    try:
        start = reverse("wechat:oauth_start")
    except NoReverseMatch:
        return None
    return f"{start}?next={reverse('donations:donor_wechat')}"


def _sign_in_page(request, form, *, error="", status=200):
    return _private(render(request, "donations/donor/sign_in.html", {
        "form": form, "error": error, "sms_enabled": sms_enabled(), "has_openid": bool(openid_of(request)),
        "signed_in": donor_of(request) is not None,
        # WeChat's OAuth works only inside WeChat's browser: elsewhere the link would be a dead end.
        "wechat_start_url": _wechat_start_url() if in_wechat(request) else None,
    }, status=status))


@require_http_methods(["GET", "POST"])
def donor_sign_in(request):
    """Step one: the donor gives a phone or e-mail address and a code is sent to it."""
    form = DonorSignInForm(request.POST or None)
    if request.method == "GET":
        return _sign_in_page(request, DonorSignInForm())
    if not form.is_valid():
        return _sign_in_page(request, form, error="请输入 11 位中国大陆手机号或电子邮箱。", status=400)
    try:
        identity = donor_target_parse(form.cleaned_data["target"])
        donor_code_send(identity=identity, client_ip=client_ip(request))
    except ValidationError as exc:
        return _sign_in_page(request, form, error=exc.messages[0], status=400)
    except DonorCodeError as exc:
        return _sign_in_page(request, form, error=exc.message, status=exc.status)
    donor_pending_set(request, identity)
    return redirect("donations:donor_verify")


def _verify_page(request, pending, *, error="", status=200):
    return _private(render(request, "donations/donor/verify.html", {
        "error": error, "sent_to": donor_selectors.identity_masked(pending),
        "by_sms": pending.kind == DonorIdentityKind.PHONE,
    }, status=status))


@require_http_methods(["GET", "POST"])
def donor_verify(request):
    """Step two: the code from the message; accepted once, and the donor is signed in."""
    pending = donor_pending_of(request)
    if pending is None:
        return redirect("donations:donor_sign_in")
    if request.method == "GET":
        return _verify_page(request, pending)
    form = DonorCodeForm(request.POST)
    code = form.cleaned_data["code"] if form.is_valid() else ""
    try:
        identity = donor_code_verify(identity=pending, code=code)
    except DonorCodeError as exc:
        return _verify_page(request, pending, error=exc.message, status=400)
    donor_session_start(request, identity)
    return redirect("donations:mine")


@require_GET
def donor_wechat(request):
    """Inside WeChat: the openid from the official account's OAuth is the donor's identity."""
    openid = openid_of(request)
    if openid:
        donor_session_start(request, DonorIdentity(DonorIdentityKind.OPENID, openid))
        return redirect("donations:mine")
    start = _wechat_start_url()
    return redirect(start) if start else redirect("donations:donor_sign_in")


@require_POST
def donor_sign_out(request):
    donor_session_end(request)
    return redirect("donations:donor_sign_in")


@require_GET
def mine(request):
    """我的捐赠: every gift made with the signed-in contact."""
    identity = donor_of(request)
    if identity is None:
        return redirect("donations:donor_sign_in")
    context = donor_selectors.donor_page(identity=identity)
    context["identity"] = donor_selectors.identity_masked(identity)
    return _private(render(request, "donations/donor/mine.html", context))


@require_POST
def official_receipt_request(request):
    """我的捐赠: the signed-in donor asks for the official receipt of one of their own paid gifts."""
    from donations import services

    identity = donor_of(request)
    if identity is None:
        return _private(HttpResponse("请先登录我的捐赠。", status=403, content_type="text/plain; charset=utf-8"))
    form = OfficialReceiptRequestForm(request.POST)
    donation = None
    if form.is_valid():
        donation = donor_selectors.donor_gifts(identity=identity).filter(
            out_trade_no=form.cleaned_data["out_trade_no"]).first()
        if donation is None:
            form.add_error(None, "没有找到您的这笔捐赠。")
    if donation is not None:
        try:
            services.official_receipt_request(donation=donation, title=form.cleaned_data["official_receipt_title"],
                                              taxpayer_number=form.cleaned_data["taxpayer_number"])
            return redirect(reverse("donations:mine") + f"#gift-{donation.out_trade_no}")
        except ValidationError as exc:
            form.add_error(None, exc.messages)
    form.is_valid()  # errors exist even when the hidden order number itself was malformed
    context = donor_selectors.donor_page(identity=identity)
    context.update(identity=donor_selectors.identity_masked(identity), receipt_form=form,
                   receipt_form_for=form.data.get("out_trade_no", ""))
    return _private(render(request, "donations/donor/mine.html", context, status=400))


@require_GET
def donor_statement(request, year):
    """The signed-in donor's 年度捐赠汇总 PDF; a year without their gifts is not found."""
    identity = donor_of(request)
    if identity is None:
        return _private(HttpResponse("请先登录我的捐赠。", status=403, content_type="text/plain; charset=utf-8"))
    pdf = donor_selectors.donor_year_statement_pdf(identity=identity, year=year)
    if pdf is None:
        raise Http404("该年度没有您的捐赠")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="donations-{year}.pdf"'
    return _private(response)
