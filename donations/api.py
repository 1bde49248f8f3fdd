"""The donations API: create a gift and get what the client needs to pay, poll it, read campaign totals."""

import functools
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from donations import selectors, services
from donations.gateways import GatewayError
from donations.models import CampaignPage
from donations.ratelimit import rate_limit_hit
from fundsite.client_ip import client_ip
from fundsite.inputs import ID_MAX, CleanStr, validation_errors_zh

api = NinjaAPI(
    title="捐赠 API", version="1.0.0", urls_namespace="donations_api",
    description="创建捐赠订单并获取支付所需信息、查询订单状态、读取募捐活动进展。不返回捐赠人的任何联系方式。",
)


CampaignId = Annotated[int, Field(ge=1, le=ID_MAX, description="募捐活动页面编号")]


@api.exception_handler(NinjaValidationError)
def _validation_error(request, exc):
    # Strangers read these: say in Chinese which field is wrong and why, never echo the input back.
    return api.create_response(request, {"detail": validation_errors_zh(exc.errors)}, status=422)


class DonationIn(Schema):
    """A gift as the client submits it; every string refuses control characters, lengths are bounded."""

    campaign_id: CampaignId
    amount: Annotated[CleanStr, Field(max_length=20, description="金额（元），半角数字，最多两位小数，例如 \"66.60\"")]
    gateway: Annotated[CleanStr, Field(max_length=20)] = "alipay"
    channel: Annotated[CleanStr, Field(max_length=20)] = "page"
    donor_name: Annotated[CleanStr, Field(max_length=50)] = ""
    anonymous: bool = False
    show_name: bool = Field(False, description="捐赠人同意公开姓名（爱心榜显示姓氏，如“张*”）；默认不公开，显示“爱心人士”")
    message: Annotated[CleanStr, Field(max_length=200)] = ""
    phone: Annotated[CleanStr, Field(max_length=20)] = ""
    email: Annotated[CleanStr, Field(max_length=254)] = ""
    wants_official_receipt: bool = False
    official_receipt_title: Annotated[CleanStr, Field(max_length=100)] = ""
    taxpayer_number: Annotated[CleanStr, Field(max_length=20)] = ""


class PaymentOut(Schema):
    """What the client needs to pay and to poll: never the donor's contact details."""

    out_trade_no: str
    token: str
    status: str
    amount: Decimal
    redirect_url: str = ""
    qr_code: str = ""


class StatusOut(Schema):
    """An order's state."""

    out_trade_no: str
    status: str
    paid: bool
    amount: Decimal
    receipt_number: str = ""


class TotalsOut(Schema):
    """A campaign's progress as the page shows it."""

    campaign_id: int
    title: str
    goal: Decimal
    raised: Decimal
    donors: int
    progress_percent: int
    days_left: int | None
    is_open: bool


class ErrorOut(Schema):
    """Why a request was refused."""

    detail: str | list | dict


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _own_origins(request) -> set[str]:
    own = {_origin(settings.SITE_BASE_URL), *(_origin(o) for o in settings.CSRF_TRUSTED_ORIGINS)}
    try:
        own.add(f"{request.scheme}://{request.get_host()}".lower())  # get_host checks ALLOWED_HOSTS
    except DisallowedHost:  # a Host we do not serve adds nothing
        pass
    return own - {""}


def same_site_json_only(run):
    """Refuse cross-site simple requests before the body is parsed: JSON only, and from our own origin.

    A page on another site can POST ``text/plain`` (or a form) without a CORS preflight; requiring
    ``application/json`` forces the preflight, which we never answer, and ``Origin``/``Sec-Fetch-Site``
    name the page that sent it. Non-browser clients send neither header and are let through.
    """

    @functools.wraps(run)
    def guarded(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                return JsonResponse({"detail": "请求须为 JSON（Content-Type: application/json）。"}, status=415)
            fetch_site = request.META.get("HTTP_SEC_FETCH_SITE", "").lower()
            origin = request.META.get("HTTP_ORIGIN")
            if fetch_site not in ("", "same-origin", "none") or (
                origin is not None and origin.strip().lower() not in _own_origins(request)
            ):
                return JsonResponse({"detail": "不接受来自其他网站的请求。"}, status=403)
        return run(request, *args, **kwargs)

    return guarded


@api.post("/donations", response={201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 415: ErrorOut, 429: ErrorOut,
                                  502: ErrorOut},
          summary="创建捐赠订单", auth=None)
@decorate_view(same_site_json_only)
def donation_create(request, payload: DonationIn):
    if rate_limit_hit(scope="give", key=client_ip(request), rate=settings.DONATION_CREATE_RATE):
        return Status(429, {"detail": "提交过于频繁，请稍后再试。"})
    campaign = get_object_or_404(CampaignPage.objects.live().public(), pk=payload.campaign_id)
    data = payload.dict()
    data.pop("campaign_id")
    try:
        donation = services.donation_create(campaign=campaign, **data)
        start = services.donation_start_payment(donation=donation, client_ip=client_ip(request))
    except ValidationError as exc:
        return Status(400, {"detail": exc.message_dict if hasattr(exc, "error_dict") else exc.messages})
    except GatewayError:
        return Status(502, {"detail": "支付平台暂时无法下单，请稍后再试。"})
    return Status(201, {
        "out_trade_no": donation.out_trade_no, "token": donation.resume_token, "status": donation.status,
        "amount": donation.amount, "redirect_url": start.redirect_url, "qr_code": start.qr_code,
    })


@api.get("/donations/{token}", response=StatusOut, summary="查询订单状态")
def donation_status(request, token: str):
    donation = selectors.donation_by_resume_token(token=token)
    if donation is None:
        raise HttpError(404, "订单不存在")
    receipt = getattr(donation, "receipt", None) if donation.is_paid else None
    return {
        "out_trade_no": donation.out_trade_no, "status": donation.status, "paid": donation.is_paid,
        "amount": donation.amount, "receipt_number": receipt.number if receipt else "",
    }


@api.get("/campaigns/{campaign_id}/totals", response=TotalsOut, summary="募捐活动进展")
def campaign_totals(request, campaign_id: CampaignId):
    campaign = get_object_or_404(CampaignPage.objects.live().public(), pk=campaign_id)
    totals = selectors.campaign_totals(campaign=campaign)
    return {"campaign_id": campaign.pk, "title": campaign.title, **totals}
