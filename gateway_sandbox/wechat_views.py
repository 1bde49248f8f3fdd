"""The sandbox's official account (authorize page, code exchange) and the WeixinJSBridge pay endpoint."""

import json

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import wechat_bridge, wechat_oauth, wechatpay
from .services import SandboxError, trade_pay
from .tasks import notification_send

COOKIE_MAX_AGE = 365 * 24 * 3600


def _user_id(request):
    value = request.COOKIES.get(wechat_oauth.USER_COOKIE, "")
    return value if wechat_oauth.USER_RE.match(value) else ""


def _with_user(response, user_id):
    response.set_cookie(wechat_oauth.USER_COOKIE, user_id, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax")
    return response


@require_http_methods(["GET", "POST"])
def oauth_authorize(request):
    """WeChat's authorize page: snsapi_base would redirect at once; the sandbox shows 允许 so a test sees it."""
    source = request.POST if request.method == "POST" else request.GET
    try:
        fields = wechat_oauth.authorize_check(source.dict())
    except wechat_oauth.OAuthRefusal as refusal:
        return render(request, "gateway_sandbox/message.html",
                      {"title": "微信授权请求无效", "text": f"{refusal.errcode}：{refusal.errmsg}"}, status=400)
    user_id = _user_id(request) or wechat_oauth.new_user_id()
    if request.method == "POST" and request.POST.get("action") == "allow":
        code = wechat_oauth.code_issue(appid=fields["appid"], user_id=user_id, scope=fields["scope"])
        joiner = "&" if "?" in fields["redirect_uri"] else "?"
        target = f"{fields['redirect_uri']}{joiner}code={code}&state={fields['state']}"
        return _with_user(HttpResponseRedirect(target), user_id)
    if request.method == "POST":  # the donor refused: WeChat comes back without a code
        joiner = "&" if "?" in fields["redirect_uri"] else "?"
        return _with_user(HttpResponseRedirect(f"{fields['redirect_uri']}{joiner}state={fields['state']}"), user_id)
    return _with_user(render(request, "gateway_sandbox/wechat_authorize.html", {"fields": fields}), user_id)


@require_GET
def oauth_access_token(request):
    """``sns/oauth2/access_token``: errors are ``{errcode, errmsg}`` with HTTP 200, as WeChat answers."""
    try:
        payload = wechat_oauth.code_exchange(request.GET.dict())
    except wechat_oauth.OAuthRefusal as refusal:
        payload = refusal.payload()
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


def _bridge_answer(ok, **extra):
    return JsonResponse({"ok": ok, **extra}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # WeChat's own client: authenticated by the merchant's paySign and the user's sandbox cookie
@require_POST
def jsbridge_pay(request):
    """What getBrandWCPayRequest does in WeChat: check the signed parameters, show the sheet, pay."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _bridge_answer(False, err_desc="请求不是合法的 JSON")
    if not isinstance(body, dict):
        return _bridge_answer(False, err_desc="请求应为 JSON 对象")
    try:
        trade = wechat_bridge.pay_request_check(body.get("params"), user_id=_user_id(request))
    except wechat_bridge.BridgeRefusal as refusal:
        return _bridge_answer(False, err_desc=str(refusal))
    if body.get("action") == "check":
        return _bridge_answer(True, amount=str(trade.total_amount), subject=trade.subject)
    if body.get("action") != "pay":
        return _bridge_answer(False, err_desc="未知操作")
    try:
        notification = trade_pay(trade=trade, build_notification=wechatpay.build_notification)
    except SandboxError as error:
        return _bridge_answer(False, err_desc=error.message)
    notification_send(notification)  # first attempt now, signed as the pay page's is; retries queued
    return _bridge_answer(True)
