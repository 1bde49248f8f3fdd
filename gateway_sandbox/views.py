"""Thin HTTP entry points of the sandbox gateway; the protocols live in alipay.py, wechatpay.py and wechat_mp.py."""

import json
from functools import wraps
from urllib.parse import urlencode

from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import alipay, sms, wechat_mp, wechatpay
from .models import SandboxTrade
from .services import SandboxError, trade_pay, trade_see
from .tasks import notification_send

PAY_SALT = "gateway_sandbox.pay"
BUILDERS = {"alipay": alipay.build_notification, "wechatpay": wechatpay.build_notification}


def pay_page_url(request, trade):
    """The signed address of a trade's pay page (Alipay's qr_code, WeChat Pay's code_url and h5_url)."""
    token = signing.dumps(trade.pk, salt=PAY_SALT)
    return request.build_absolute_uri(reverse("gateway_sandbox:pay", args=[token]))


def _message(request, title, text, *, status=200, link=None):
    return render(request, "gateway_sandbox/message.html", {"title": title, "text": text, "link": link}, status=status)


# --- Alipay ---------------------------------------------------------------------------------


@csrf_exempt  # a gateway: requests are authenticated by the merchant's RSA2 signature instead
@require_http_methods(["GET", "POST"])
def alipay_gateway(request):
    params = {**request.GET.dict(), **request.POST.dict()}
    method = params.get("method", "")
    if method in alipay.PAY_METHODS:
        return _alipay_pay(request, params, method)
    handler = alipay.JSON_METHODS.get(method)
    if handler is None:
        body = '{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method",' \
               '"sub_msg":"不存在的方法名"}}'
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    try:
        payload = handler(params, alipay.verify_request(params), request)
    except alipay.AlipayError as error:
        payload = error.payload
    return HttpResponse(alipay.signed_response(method, payload), content_type="application/json; charset=utf-8")


def _alipay_pay(request, params, method):
    """page.pay and wap.pay arrive in the donor's browser: open the trade and show the cashier."""
    try:
        trade = alipay.open_trade(params, alipay.verify_request(params), product=method, seen=True)
    except alipay.AlipayError as error:
        text = f"{error.payload['sub_code']}：{error.payload['sub_msg']}"
        return _message(request, "支付请求无效", text, status=400)
    return HttpResponseRedirect(pay_page_url(request, trade))


@require_GET
def alipay_bill(request):
    found = alipay.bill_token_date(request.GET.get("token", ""))
    if found is None:
        return HttpResponse("账单下载链接无效或已过期（有效期30秒）", status=403, content_type="text/plain; charset=utf-8")
    name, content = alipay.bill_archive(*found)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the cashier shared by both gateways ---------------------------------------------------


def _trade_from_token(token):
    try:
        pk = signing.loads(token, salt=PAY_SALT)
    except signing.BadSignature as exc:
        raise Http404("无效的支付链接") from exc
    trade = SandboxTrade.objects.filter(pk=pk).first()
    if trade is None:
        raise Http404("交易不存在")
    return trade


@require_http_methods(["GET", "POST"])
def pay(request, token):
    trade = _trade_from_token(token)
    redirect_url = request.POST.get("redirect_url") or request.GET.get("redirect_url", "")
    if request.method == "POST" and request.POST.get("action") == "pay":
        return _confirm(request, trade, redirect_url)
    if request.method == "POST":
        return _cancel(request, trade, redirect_url)
    trade_see(trade=trade)
    return render(request, "gateway_sandbox/pay.html", {"trade": trade, "redirect_url": redirect_url})


def _confirm(request, trade, redirect_url):
    try:
        notification = trade_pay(trade=trade, build_notification=BUILDERS[trade.gateway])
    except SandboxError as error:
        return _message(request, "无法支付", error.message, status=409)
    notification_send(notification)  # first attempt now; retries go to the task queue
    if trade.gateway == SandboxTrade.Gateway.ALIPAY and trade.return_url:
        joiner = "&" if "?" in trade.return_url else "?"
        return HttpResponseRedirect(trade.return_url + joiner + urlencode(alipay.return_params(trade)))
    if redirect_url.startswith(("http://", "https://")):
        return HttpResponseRedirect(redirect_url)
    return _message(request, "支付成功", f"已向 {trade.subject} 支付 ¥{trade.total_amount}。")


def _cancel(request, trade, redirect_url):
    back = trade.quit_url or (redirect_url if redirect_url.startswith(("http://", "https://")) else "")
    if back:
        return HttpResponseRedirect(back)
    return _message(request, "已取消支付", "订单仍可在有效期内重新支付。", link=trade.return_url or None)


# --- WeChat Pay API v3 -----------------------------------------------------------------------


def _wechatpay_api(handler):
    """Authenticate the merchant's signature, then answer with the platform's signature."""

    @csrf_exempt  # authenticated by the WECHATPAY2-SHA256-RSA2048 request signature
    @wraps(handler)
    def view(request, **kwargs):
        prefix = reverse("gateway_sandbox:wechatpay_root").rstrip("/")
        try:
            body = request.body.decode("utf-8")
            mchid = wechatpay.verify_request(
                method=request.method, signed_path=request.get_full_path()[len(prefix):],
                authorization=request.headers.get("Authorization", ""), body=body,
                wechatpay_serial=request.headers.get("Wechatpay-Serial", ""),
            )
            status, payload = handler(request, mchid, body, **kwargs)
        except UnicodeDecodeError:
            status, payload = 400, {"code": "PARAM_ERROR", "message": "请求体必须是 UTF-8"}
        except wechatpay.WechatpayError as error:
            status, payload = error.status, {"code": error.code, "message": error.message}
        return wechatpay.signed_response(status, payload)

    return view


@require_GET
def wechatpay_root(request):
    raise Http404


@require_POST
@_wechatpay_api
def wechatpay_create(request, mchid, body, kind):
    return wechatpay.create_order(kind, mchid, wechatpay.parse_body(body), request)


@require_GET
@_wechatpay_api
def wechatpay_query(request, mchid, body, out_trade_no):
    return wechatpay.query_order(mchid, out_trade_no, request.GET.get("mchid", ""))


@require_POST
@_wechatpay_api
def wechatpay_close(request, mchid, body, out_trade_no):
    return wechatpay.close_order(mchid, out_trade_no, wechatpay.parse_body(body))


@require_POST
@_wechatpay_api
def wechatpay_refund(request, mchid, body):
    return wechatpay.create_refund(mchid, wechatpay.parse_body(body))


@require_GET
@_wechatpay_api
def wechatpay_refund_query(request, mchid, body, out_refund_no):
    return wechatpay.query_refund(mchid, out_refund_no)


# --- The official account (公众号): server API and the JS-SDK stand-in's check -----------------------


def _wechat_json(payload, status=200):
    return HttpResponse(json.dumps(payload, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")


@require_GET
def wechat_token(request):
    return _wechat_json(wechat_mp.access_token_issue(request.GET))


@require_GET
def wechat_ticket(request):
    return _wechat_json(wechat_mp.jsapi_ticket_issue(request.GET))


@csrf_exempt  # WeChat's client checks wx.config by signature, not by a cookie of ours
@require_POST
def wechat_jssdk_config(request):
    try:
        sent = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _wechat_json({"errMsg": "config:fail, 请求体必须是 UTF-8 JSON"}, status=400)
    if not isinstance(sent, dict) or not isinstance(sent.get("url"), str):
        return _wechat_json({"errMsg": "config:fail, 缺少 config 或 url"}, status=400)
    verdict = wechat_mp.config_check(sent.get("config"), page_url=sent["url"], host=request.get_host())
    return _wechat_json({"errMsg": verdict})


# --- Aliyun SMS -----------------------------------------------------------------------------


@csrf_exempt  # a provider API: requests are authenticated by the AccessKey's HMAC-SHA1 signature instead
@require_http_methods(["GET", "POST"])
def aliyun_sms(request):
    params = {**request.GET.dict(), **request.POST.dict()}
    status, answer = sms.send_sms(request.method, params)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def sms_inbox(request):
    """The messages a phone number received, newest first (the sandbox's stand-in for the phone)."""
    return JsonResponse({"messages": sms.messages_for(request.GET.get("phone", "")[:20])},
                        json_dumps_params={"ensure_ascii": False})
