"""WeChat Pay API v3 as the sandbox speaks it: signed requests in, signed answers and encrypted notifications out.

Public-key mode: the platform signs with its key and names it by ``PUB_KEY_ID_…`` in
``Wechatpay-Serial``, as our client (wechatpayv3, public-key mode) expects.
"""

import json
import secrets
import time
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from . import signatures
from .config import current_keys, wechatpay_platform_serials, wechatpay_signer
from .models import SandboxRefund, SandboxTrade
from .services import SandboxError, amount_from_fen, refund_create, refund_finish, trade_close, trade_open
from .wechat_oauth import openid_belongs

BEIJING = ZoneInfo("Asia/Shanghai")
MAX_CLOCK_SKEW_SECONDS = 300
TRADE_TYPES = {"native": "NATIVE", "h5": "MWEB", "jsapi": "JSAPI"}
STATE_DESCRIPTIONS = {"NOTPAY": "未支付", "SUCCESS": "支付成功", "REFUND": "转入退款", "CLOSED": "已关闭"}


class WechatpayError(Exception):
    """A refusal answered as ``{"code": …, "message": …}`` with an HTTP status."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def rfc3339(moment):
    return timezone.localtime(moment, BEIJING).isoformat(timespec="seconds")


def nonce_str(length=32):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def signed_response(status, payload=None):
    """An answer carrying the platform's five ``Wechatpay-*`` headers over its exact body."""
    private_key, serial = wechatpay_signer()
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    headers = signatures.wechatpay_signature_headers(
        body, private_key_pem=private_key, serial=serial, timestamp=int(time.time()), nonce=nonce_str(),
    )
    for name, value in headers.items():
        response[name] = value
    response["Request-ID"] = uuid.uuid4().hex
    return response


def verify_request(*, method, signed_path, authorization, body, wechatpay_serial=None):
    """Check ``Authorization: WECHATPAY2-SHA256-RSA2048 …`` against the merchant's public key.

    In public-key mode every request names a platform key the merchant holds in ``Wechatpay-Serial``.
    """
    keys = current_keys()
    fields = signatures.wechatpay_parse_authorization(authorization)
    if fields is None:
        raise WechatpayError(401, "SIGN_ERROR", "Authorization 缺失或格式错误")
    if wechatpay_serial is not None and wechatpay_serial not in wechatpay_platform_serials():
        raise WechatpayError(400, "PARAM_ERROR", "请求头 Wechatpay-Serial 缺失或不是有效的微信支付公钥ID")
    if fields["mchid"] != keys.wechatpay_mchid:
        raise WechatpayError(401, "SIGN_ERROR", "商户号与签名不符")
    if fields["serial_no"] != keys.wechatpay_merchant_serial_no:
        raise WechatpayError(401, "SIGN_ERROR", "商户证书序列号有误")
    if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) > MAX_CLOCK_SKEW_SECONDS:
        raise WechatpayError(401, "SIGN_ERROR", "请求时间戳与当前时间相差过大")
    message = signatures.wechatpay_request_message(method, signed_path, fields["timestamp"], fields["nonce_str"], body)
    if not signatures.rsa2_verify(message, fields["signature"], keys.wechatpay_merchant_public_key):
        raise WechatpayError(401, "SIGN_ERROR", "签名错误")
    return fields["mchid"]


def parse_body(body):
    try:
        data = json.loads(body or "{}")
    except ValueError as exc:
        raise WechatpayError(400, "PARAM_ERROR", "请求体不是合法的JSON") from exc
    if not isinstance(data, dict):
        raise WechatpayError(400, "PARAM_ERROR", "请求体应为JSON对象")
    return data


def _business(error, status=400):
    codes = {"TRADE_HAS_SUCCESS": "ORDERPAID", "TRADE_HAS_CLOSE": "ORDER_CLOSED",
             "REFUND_AMT_NOT_EQUAL_TOTAL": "INVALID_REQUEST", "TRADE_STATUS_ERROR": "INVALID_REQUEST"}
    return WechatpayError(status, codes.get(error.code, "INVALID_REQUEST"), error.message)


def _fen(value, field):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise WechatpayError(400, "PARAM_ERROR", f"{field} 应为正整数（分）")
    return value


# --- orders --------------------------------------------------------------------------------


def create_order(kind, mchid, data, request):
    keys = current_keys()
    if kind not in TRADE_TYPES:
        raise WechatpayError(404, "NOT_FOUND", "不支持的交易类型")
    for field in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount"):
        if not data.get(field):
            raise WechatpayError(400, "PARAM_ERROR", f"缺少参数 {field}")
    if data["mchid"] != mchid:
        raise WechatpayError(400, "PARAM_ERROR", "mchid 与请求签名的商户号不一致")
    if data["appid"] != keys.wechatpay_appid:
        raise WechatpayError(400, "APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
    if not isinstance(data["amount"], dict) or data["amount"].get("currency", "CNY") != "CNY":
        raise WechatpayError(400, "PARAM_ERROR", "amount 无效，币种只支持 CNY")
    total = _fen(data["amount"].get("total"), "amount.total")
    if kind == "h5" and not (data.get("scene_info") or {}).get("payer_client_ip"):
        raise WechatpayError(400, "PARAM_ERROR", "H5 支付需要 scene_info.payer_client_ip")
    openid = ""
    if kind == "jsapi":
        payer = data.get("payer") if isinstance(data.get("payer"), dict) else {}
        openid = payer.get("openid")
        if not openid or not isinstance(openid, str):
            raise WechatpayError(400, "PARAM_ERROR", "JSAPI 支付需要 payer.openid")
        if not openid_belongs(data["appid"], openid):
            raise WechatpayError(400, "PARAM_ERROR", "用户 openid 与 appid 不匹配")
    if len(str(data["out_trade_no"])) > 32:
        raise WechatpayError(400, "PARAM_ERROR", "out_trade_no 长度不能超过32")
    try:
        trade = trade_open(
            gateway=SandboxTrade.Gateway.WECHATPAY, merchant_id=mchid, appid=data["appid"], product=kind,
            out_trade_no=str(data["out_trade_no"]), subject=str(data["description"])[:256],
            total_amount=amount_from_fen(total), notify_url=str(data["notify_url"]), seen=True,
            passback_params=str(data.get("attach") or ""),
        )
    except SandboxError as error:
        raise _business(error, status=403 if error.code == "TRADE_HAS_SUCCESS" else 400) from error
    from .views import pay_page_url

    if kind == "jsapi":
        return 200, {"prepay_id": _jsapi_prepare(trade, openid)}
    if kind == "native":
        return 200, {"code_url": pay_page_url(request, trade)}
    if kind == "h5":
        # Like the real h5_url it carries a query, so merchants append "&redirect_url=…".
        return 200, {"h5_url": f"{pay_page_url(request, trade)}?package={trade.trade_no}"}
    raise WechatpayError(404, "NOT_FOUND", "不支持的交易类型")


def _jsapi_prepare(trade, openid):
    """The trade's prepay_id (the same one when the merchant asks again), bound to the payer it names."""
    if trade.payer_openid and trade.payer_openid != openid:
        raise WechatpayError(400, "INVALID_REQUEST", "同一订单号的 payer.openid 与原订单不一致")
    if not trade.prepay_id:
        trade.prepay_id = f"wx{timezone.localtime(trade.created_at, BEIJING):%d%H%M%S}{trade.trade_no[-20:]}"
        trade.payer_openid = openid
        trade.save(update_fields=["prepay_id", "payer_openid"])
    return trade.prepay_id


def _find_trade(mchid, out_trade_no):
    trade = SandboxTrade.objects.filter(
        gateway=SandboxTrade.Gateway.WECHATPAY, merchant_id=mchid, out_trade_no=out_trade_no
    ).first()
    if trade is None:
        raise WechatpayError(404, "ORDER_NOT_EXIST", "订单不存在")
    return trade


def trade_state(trade):
    if trade.status == SandboxTrade.Status.UNPAID:
        return "NOTPAY"
    if trade.status == SandboxTrade.Status.CLOSED:
        return "CLOSED"
    return "REFUND" if trade.refunded_amount > 0 else "SUCCESS"


def transaction(trade):
    """The transaction object of queries and TRANSACTION.SUCCESS notifications."""
    state = trade_state(trade)
    payload = {
        "appid": trade.appid, "mchid": trade.merchant_id, "out_trade_no": trade.out_trade_no,
        "trade_type": TRADE_TYPES.get(trade.product, "NATIVE"), "trade_state": state,
        "trade_state_desc": STATE_DESCRIPTIONS[state], "attach": trade.passback_params,
        "amount": {"total": trade.total_fen, "currency": "CNY"},
    }
    if trade.paid_at:
        payload.update({"transaction_id": trade.trade_no, "bank_type": "OTHERS", "success_time": rfc3339(trade.paid_at),
                        "payer": {"openid": trade.payer_openid or "o" + trade.buyer_id}})
        payload["amount"].update({"payer_total": trade.total_fen, "payer_currency": "CNY"})
    return payload


def query_order(mchid, out_trade_no, query_mchid):
    if query_mchid != mchid:
        raise WechatpayError(400, "PARAM_ERROR", "查询参数 mchid 与签名商户号不一致")
    return 200, transaction(_find_trade(mchid, out_trade_no))


def close_order(mchid, out_trade_no, data):
    if data.get("mchid") != mchid:
        raise WechatpayError(400, "PARAM_ERROR", "mchid 与请求签名的商户号不一致")
    trade = _find_trade(mchid, out_trade_no)
    try:
        trade_close(trade=trade)
    except SandboxError as error:
        raise _business(error) from error
    return 204, None


# --- refunds -------------------------------------------------------------------------------


def refund_payload(record):
    trade = record.trade
    refund_fen = int(record.amount * 100)
    payload = {
        "refund_id": record.refund_no, "out_refund_no": record.out_request_no, "transaction_id": trade.trade_no,
        "out_trade_no": trade.out_trade_no, "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
        "create_time": rfc3339(record.created_at), "status": record.status, "funds_account": "AVAILABLE",
        "amount": {"total": trade.total_fen, "refund": refund_fen, "payer_total": trade.total_fen,
                   "payer_refund": refund_fen, "settlement_total": trade.total_fen, "settlement_refund": refund_fen,
                   "discount_refund": 0, "currency": "CNY", "refund_fee": 0},
    }
    if record.status == SandboxRefund.Status.SUCCESS:
        payload["success_time"] = rfc3339(record.settled_at or record.created_at)
    return payload


def refund_settle_after():
    """Seconds a WeChat refund stays PROCESSING (it is answered PROCESSING first whatever the value)."""
    return float(getattr(settings, "GATEWAY_SANDBOX_WECHAT_REFUND_SECONDS", 0))


def refund_outcome():
    """How a PROCESSING refund ends: SUCCESS, or ABNORMAL / CLOSED to rehearse a failed refund."""
    return getattr(settings, "GATEWAY_SANDBOX_WECHAT_REFUND_OUTCOME", SandboxRefund.Status.SUCCESS)


def refund_settle(record):
    """End a due PROCESSING refund and send its REFUND.* notification to the refund's notify_url."""
    from .tasks import notification_send

    notification = refund_finish(refund=record, status=refund_outcome(), build_notification=build_notification)
    notification_send(notification)
    return record


def create_refund(mchid, data):
    out_refund_no = str(data.get("out_refund_no") or "")
    amount = data.get("amount")
    if not out_refund_no or not isinstance(amount, dict):
        raise WechatpayError(400, "PARAM_ERROR", "缺少参数 out_refund_no 或 amount")
    if not data.get("out_trade_no"):
        raise WechatpayError(400, "PARAM_ERROR", "缺少参数 out_trade_no")
    notify_url = str(data.get("notify_url") or "")
    if notify_url and not notify_url.startswith(("http://", "https://")):
        raise WechatpayError(400, "PARAM_ERROR", "notify_url 必须是 http(s) 网址")
    trade = _find_trade(mchid, str(data["out_trade_no"]))
    refund_fen, total_fen = _fen(amount.get("refund"), "amount.refund"), _fen(amount.get("total"), "amount.total")
    if total_fen != trade.total_fen:
        raise WechatpayError(400, "PARAM_ERROR", "amount.total 与订单金额不一致")
    try:
        # Refund events go only to the refund's own notify_url (the sandbox has no merchant-platform setting).
        record, created, _ = refund_create(
            trade=trade, out_request_no=out_refund_no, amount=amount_from_fen(refund_fen),
            reason=str(data.get("reason") or "")[:256], notify_url=notify_url,
            build_notification=build_notification, settle_after=refund_settle_after(),
        )
    except SandboxError as error:
        raise _business(error) from error
    if created:
        from .tasks import refund_settle_schedule

        refund_settle_schedule(record)
    return 200, refund_payload(record)


def query_refund(mchid, out_refund_no):
    record = (
        SandboxRefund.objects.select_related("trade")
        .filter(trade__gateway=SandboxTrade.Gateway.WECHATPAY, trade__merchant_id=mchid, out_request_no=out_refund_no)
        .first()
    )
    if record is None:
        raise WechatpayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    if record.status == SandboxRefund.Status.PROCESSING and record.settles_at <= timezone.now():
        refund_settle(record)
    return 200, refund_payload(record)


# --- notifications -------------------------------------------------------------------------


def build_notification(*, trade, refund, notify_id):
    """TRANSACTION.SUCCESS or REFUND.SUCCESS/ABNORMAL/CLOSED with the resource sealed by AEAD_AES_256_GCM."""
    if refund is None:
        if trade.status != SandboxTrade.Status.PAID:
            return None  # WeChat Pay does not notify closed orders
        event, summary, kind, plain, url = "TRANSACTION.SUCCESS", "支付成功", "transaction", transaction(trade), trade.notify_url
    else:
        payload = refund_payload(refund)
        plain = {key: payload[key] for key in ("out_trade_no", "transaction_id", "out_refund_no", "refund_id",
                                               "user_received_account") if key in payload}
        plain.update({"mchid": trade.merchant_id, "refund_status": refund.status,
                      "amount": {key: payload["amount"][key] for key in ("total", "refund", "payer_total", "payer_refund")}})
        if "success_time" in payload:
            plain["success_time"] = payload["success_time"]
        event, kind, url = f"REFUND.{refund.status}", "refund", refund.notify_url
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}.get(refund.status, "退款")
    nonce = nonce_str(12)
    ciphertext = signatures.wechatpay_encrypt(
        json.dumps(plain, ensure_ascii=False, separators=(",", ":")), key=current_keys().wechatpay_apiv3_key,
        nonce=nonce, associated_data=kind,
    )
    body = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_OID, notify_id)), "create_time": rfc3339(timezone.now()),
        "resource_type": "encrypt-resource", "event_type": event, "summary": summary,
        "resource": {"original_type": kind, "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                     "associated_data": kind, "nonce": nonce},
    }
    return {"event": event, "url": url, "content_type": "application/json",
            "body": json.dumps(body, ensure_ascii=False, separators=(",", ":"))}


def notification_headers(notification):
    """Each attempt is signed afresh, so a late retry still carries a current timestamp."""
    private_key, serial = wechatpay_signer()
    return signatures.wechatpay_signature_headers(
        notification.body, private_key_pem=private_key, serial=serial, timestamp=int(time.time()), nonce=nonce_str(),
    )
