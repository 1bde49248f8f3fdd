"""Alipay's OpenAPI as the sandbox speaks it: request checks, method answers, notifications, statements.

Every message is built and signed the way PAYMENTS.md describes the real gateway, so our
Alipay client (python-alipay-sdk) runs its production code path against it.
"""

import csv
import io
import json
import re
import zipfile
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from . import signatures
from .config import current_keys
from .models import SandboxRefund, SandboxTrade
from .services import SandboxError, refund_create, trade_close, trade_open

BEIJING = ZoneInfo("Asia/Shanghai")
PAY_METHODS = {"alipay.trade.page.pay": "FAST_INSTANT_TRADE_PAY", "alipay.trade.wap.pay": "QUICK_WAP_WAY"}
AMOUNT_RE = re.compile(r"^\d{1,11}(\.\d{1,2})?$")
MAX_AMOUNT = Decimal("100000000.00")
BILL_SALT = "gateway_sandbox.alipay.bill"
BILL_URL_SECONDS = 30
SELLER_EMAIL = "seller@sandbox.alipay.invalid"


class AlipayError(Exception):
    """A refusal answered inside ``<method>_response`` with Alipay's code, msg, sub_code and sub_msg."""

    MESSAGES = {"40001": "Missing Required Arguments", "40002": "Invalid Arguments", "40004": "Business Failed"}

    def __init__(self, code, sub_code, sub_msg):
        super().__init__(sub_msg)
        self.payload = {"code": code, "msg": self.MESSAGES[code], "sub_code": sub_code, "sub_msg": sub_msg}


def beijing(moment):
    return timezone.localtime(moment, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def yuan(amount):
    return f"{amount:.2f}"


def parse_amount(text, *, field):
    if not isinstance(text, str) or not AMOUNT_RE.match(text):
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"{field} 金额格式错误")
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"{field} 金额格式错误") from exc
    if not Decimal("0.01") <= amount <= MAX_AMOUNT:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"{field} 金额超出范围")
    return amount


def _business(error):
    return AlipayError("40004", f"ACQ.{error.code}", error.message)


# --- request intake ---------------------------------------------------------------------


def verify_request(params):
    """Check the common parameters and our RSA2 signature; return the parsed biz_content."""
    keys = current_keys()
    for name in ("app_id", "method", "sign_type", "sign", "timestamp", "charset", "version"):
        if not params.get(name):
            raise AlipayError("40001", f"isv.missing-{name.replace('_', '-')}", f"缺少必选参数 {name}")
    if params["app_id"] != keys.alipay_app_id:
        raise AlipayError("40002", "isv.invalid-app-id", "无效的AppID参数")
    if params["sign_type"] != "RSA2":
        raise AlipayError("40002", "isv.invalid-signature-type", "无效的签名类型")
    if params["charset"].lower() != "utf-8":
        raise AlipayError("40002", "isv.invalid-charset", "字符集错误")
    if not signatures.alipay_verify_request(params, keys.alipay_app_public_key):
        raise AlipayError("40002", "isv.invalid-signature", "验签出错，请确认请求参数与签名")
    try:
        datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise AlipayError("40002", "isv.invalid-timestamp", "非法的时间戳参数") from exc
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError as exc:
        raise AlipayError("40002", "isv.invalid-parameter", "biz_content 不是合法的JSON") from exc
    if not isinstance(biz, dict):
        raise AlipayError("40002", "isv.invalid-parameter", "biz_content 不是JSON对象")
    return biz


def signed_response(method, payload):
    return signatures.alipay_response_body(method, payload, current_keys().alipay_private_key)


def open_trade(params, biz, *, product, seen):
    """page.pay, wap.pay and precreate all open a trade the same way."""
    out_trade_no = str(biz.get("out_trade_no") or "")
    subject = str(biz.get("subject") or "")
    if not out_trade_no or len(out_trade_no) > 64:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "out_trade_no 缺失或超过64位")
    if not subject:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "subject 不能为空")
    if product in PAY_METHODS and biz.get("product_code") != PAY_METHODS[product]:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", f"product_code 应为 {PAY_METHODS[product]}")
    amount = parse_amount(biz.get("total_amount"), field="total_amount")
    try:
        return trade_open(
            gateway=SandboxTrade.Gateway.ALIPAY, merchant_id=params["app_id"], appid=params["app_id"],
            product=product, out_trade_no=out_trade_no, subject=subject[:256], total_amount=amount,
            notify_url=params.get("notify_url", ""), return_url=params.get("return_url", ""),
            quit_url=str(biz.get("quit_url") or ""), passback_params=str(biz.get("passback_params") or ""), seen=seen,
        )
    except SandboxError as error:
        raise _business(error) from error


def find_trade(params, biz, *, must_exist=True):
    """The trade by out_trade_no or trade_no; one the buyer never opened does not exist yet."""
    out_trade_no, trade_no = biz.get("out_trade_no"), biz.get("trade_no")
    if not out_trade_no and not trade_no:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "out_trade_no 与 trade_no 不能同时为空")
    trades = SandboxTrade.objects.filter(gateway=SandboxTrade.Gateway.ALIPAY, merchant_id=params["app_id"])
    trade = trades.filter(trade_no=trade_no).first() if trade_no else trades.filter(out_trade_no=out_trade_no).first()
    if trade is None or trade.seen_at is None:
        raise AlipayError("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
    return trade


def trade_status(trade):
    if trade.status == SandboxTrade.Status.UNPAID:
        return "WAIT_BUYER_PAY"
    if trade.status == SandboxTrade.Status.CLOSED or trade.refunded_amount >= trade.total_amount:
        return "TRADE_CLOSED"
    return "TRADE_SUCCESS"


# --- methods answered with signed JSON ---------------------------------------------------


def precreate(params, biz, request):
    trade = open_trade(params, biz, product="alipay.trade.precreate", seen=False)
    from .views import pay_page_url

    return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no,
            "qr_code": pay_page_url(request, trade)}


def query(params, biz, request):
    trade = find_trade(params, biz)
    payload = {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
               "trade_status": trade_status(trade), "total_amount": yuan(trade.total_amount)}
    if trade.paid_at:
        paid = yuan(trade.total_amount)
        payload.update({
            "buyer_logon_id": trade.buyer_logon_id, "buyer_user_id": trade.buyer_id, "buyer_pay_amount": paid,
            "invoice_amount": paid, "receipt_amount": paid, "point_amount": "0.00",
            "send_pay_date": beijing(trade.paid_at),
            # In synchronous answers fund_bill_list is a JSON array with snake_case keys.
            "fund_bill_list": [{"fund_channel": "ALIPAYACCOUNT", "amount": paid}],
        })
    return payload


def close(params, biz, request):
    trade = find_trade(params, biz)
    build = build_notification if trade.product == "alipay.trade.wap.pay" else None
    try:
        notification = trade_close(trade=trade, build_notification=build)
    except SandboxError as error:
        raise _business(error) from error
    _send(notification)
    return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no}


def refund(params, biz, request):
    trade = find_trade(params, biz)
    amount = parse_amount(biz.get("refund_amount"), field="refund_amount")
    out_request_no = str(biz.get("out_request_no") or trade.out_trade_no)[:64]
    try:
        record, created, notification = refund_create(
            trade=trade, out_request_no=out_request_no, amount=amount, reason=str(biz.get("refund_reason") or "")[:256],
            notify_url=trade.notify_url, build_notification=build_notification,
        )
    except SandboxError as error:
        raise _business(error) from error
    _send(notification)
    return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": trade.buyer_logon_id, "buyer_user_id": trade.buyer_id,
            "fund_change": "Y" if created else "N", "refund_fee": yuan(trade.refunded_amount),
            "send_back_fee": yuan(record.amount), "gmt_refund_pay": beijing(record.created_at)}


def refund_query(params, biz, request):
    trade = find_trade(params, biz)
    out_request_no = str(biz.get("out_request_no") or "")
    if not out_request_no:
        raise AlipayError("40004", "ACQ.INVALID_PARAMETER", "out_request_no 不能为空")
    record = SandboxRefund.objects.filter(trade=trade, out_request_no=out_request_no).first()
    payload = {"code": "10000", "msg": "Success"}
    if record is not None:  # an unknown refund answers success with no refund fields, as Alipay does
        payload.update({"trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no,
                        "out_request_no": out_request_no, "total_amount": yuan(trade.total_amount),
                        "refund_amount": yuan(record.amount), "refund_status": "REFUND_SUCCESS",
                        "gmt_refund_pay": beijing(record.created_at)})
    return payload


def bill_url(params, biz, request):
    if biz.get("bill_type") != "trade":
        raise AlipayError("40004", "isv.invalid-bill-type", "账单类型错误，支持 trade")
    try:
        day = datetime.strptime(str(biz.get("bill_date") or ""), "%Y-%m-%d").date()
    except ValueError as exc:
        raise AlipayError("40004", "isv.invalid-bill-date", "账单时间格式不正确，应为 yyyy-MM-dd") from exc
    if day > timezone.localtime(timezone.now(), BEIJING).date():
        raise AlipayError("40004", "isp.bill_not_exist", "账单不存在")
    token = signing.dumps({"app_id": params["app_id"], "date": day.isoformat()}, salt=BILL_SALT)
    url = request.build_absolute_uri(reverse("gateway_sandbox:alipay_bill") + f"?token={token}")
    return {"code": "10000", "msg": "Success", "bill_download_url": url}


JSON_METHODS = {
    "alipay.trade.precreate": precreate,
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.refund": refund,
    "alipay.trade.fastpay.refund.query": refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
}


def _send(notification):
    from .tasks import notification_send

    notification_send(notification)


# --- asynchronous notification and return ------------------------------------------------


def build_notification(*, trade, refund, notify_id):
    """The form fields Alipay posts to notify_url, signed without sign and sign_type."""
    keys = current_keys()
    paid = yuan(trade.total_amount)
    params = {
        "notify_time": beijing(timezone.now()), "notify_type": "trade_status_sync", "notify_id": notify_id,
        "app_id": trade.merchant_id, "auth_app_id": trade.merchant_id, "charset": "utf-8", "version": "1.0",
        "trade_no": trade.trade_no, "out_trade_no": trade.out_trade_no, "seller_id": keys.alipay_seller_id,
        "seller_email": SELLER_EMAIL, "trade_status": trade_status(trade), "total_amount": paid,
        "subject": trade.subject, "gmt_create": beijing(trade.created_at),
        "passback_params": trade.passback_params,
    }
    if trade.paid_at:
        params.update({
            "buyer_id": trade.buyer_id, "buyer_logon_id": trade.buyer_logon_id, "receipt_amount": paid,
            "invoice_amount": paid, "buyer_pay_amount": paid, "point_amount": "0.00",
            "gmt_payment": beijing(trade.paid_at),
            # In notifications fund_bill_list is a JSON *string* with camelCase keys.
            "fund_bill_list": json.dumps([{"amount": paid, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
        })
    if refund is not None:
        params.update({"refund_fee": yuan(trade.refunded_amount), "gmt_refund": beijing(refund.created_at),
                       "out_biz_no": refund.out_request_no})
    if trade_status(trade) == "TRADE_CLOSED":
        params["gmt_close"] = beijing(trade.closed_at or timezone.now())
    signed = signatures.alipay_sign_notification(
        {k: v for k, v in params.items() if v not in ("", None)}, keys.alipay_private_key
    )
    return {"event": params["trade_status"], "url": trade.notify_url,
            "content_type": "application/x-www-form-urlencoded; charset=utf-8", "body": urlencode(signed)}


def notification_headers(notification):
    return {}


def return_params(trade):
    """The signed GET parameters of the redirect to return_url (no trade_status, as at Alipay)."""
    keys = current_keys()
    params = {
        "app_id": trade.merchant_id, "auth_app_id": trade.merchant_id, "charset": "utf-8",
        "method": f"{trade.product}.return", "out_trade_no": trade.out_trade_no, "seller_id": keys.alipay_seller_id,
        "timestamp": beijing(timezone.now()), "total_amount": yuan(trade.total_amount), "trade_no": trade.trade_no,
        "version": "1.0",
    }
    return signatures.alipay_sign_notification(params, keys.alipay_private_key)


# --- statement -----------------------------------------------------------------------------

DETAIL_COLUMNS = [
    "支付宝交易号", "商户订单号", "业务类型", "商品名称", "创建时间", "完成时间", "门店编号", "门店名称", "操作员",
    "终端号", "对方账户", "订单金额（元）", "商家实收（元）", "支付宝红包（元）", "集分宝（元）", "支付宝优惠（元）",
    "商家优惠（元）", "券核销金额（元）", "券名称", "商家红包消费金额（元）", "卡消费金额（元）", "退款批次号/请求号",
    "服务费（元）", "分润（元）", "备注",
]
SUMMARY_COLUMNS = ["门店编号", "门店名称", "交易订单总笔数", "退款订单总笔数", "订单金额（元）", "商家实收（元）",
                   "服务费（元）", "分润（元）", "实收净额（元）"]


def bill_rows(app_id, day):
    """(detail rows, trade count, refund count, total) for one Beijing day: payments then refunds."""
    start = datetime.combine(day, time.min, tzinfo=BEIJING)
    trades = SandboxTrade.objects.filter(gateway=SandboxTrade.Gateway.ALIPAY, merchant_id=app_id,
                                         paid_at__gte=start, paid_at__lt=start + timedelta(days=1)).order_by("paid_at")
    refunds = SandboxRefund.objects.filter(trade__gateway=SandboxTrade.Gateway.ALIPAY, trade__merchant_id=app_id,
                                           created_at__gte=start, created_at__lt=start + timedelta(days=1))
    rows, net = [], Decimal("0.00")
    for trade in trades:
        rows.append(_bill_row(trade, "交易", trade.paid_at, trade.total_amount, ""))
        net += trade.total_amount
    for record in refunds.select_related("trade").order_by("created_at"):
        rows.append(_bill_row(record.trade, "退款", record.created_at, -record.amount, record.out_request_no))
        net -= record.amount
    return rows, trades.count(), refunds.count(), net


def _bill_row(trade, kind, done_at, amount, request_no):
    # Alipay ends long numbers with a tab so spreadsheets keep every digit.
    return [f"{trade.trade_no}\t", f"{trade.out_trade_no}\t", kind, trade.subject, beijing(trade.created_at),
            beijing(done_at), "", "", "", "", trade.buyer_logon_id, yuan(amount), yuan(amount), "0.00", "0.00",
            "0.00", "0.00", "0.00", "", "0.00", "0.00", f"{request_no}\t" if request_no else "", "0.00", "0.00", ""]


def bill_archive(app_id, day):
    """The ``.csv.zip`` Alipay serves: a detail and a summary CSV, GBK, with ``#`` comment lines.

    ``GATEWAY_SANDBOX_ALIPAY_BILL_FAULT`` (``undecodable`` or ``not_zip``) serves a damaged file instead.
    """
    keys = current_keys()
    rows, trade_count, refund_count, net = bill_rows(app_id, day)
    stamp = day.strftime("%Y%m%d")
    period = f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{day + timedelta(days=1):%Y年%m月%d日} 00:00:00]"
    exported = f"#导出时间：[{timezone.localtime(timezone.now(), BEIJING):%Y年%m月%d日 %H:%M:%S}]"
    account = f"#账号：[{keys.alipay_seller_id}0156]"
    detail = _csv([["#支付宝业务明细查询"], [account], [period],
                   ["#-----------------------------------------业务明细列表----------------------------------------"],
                   DETAIL_COLUMNS, *rows,
                   ["#-----------------------------------------业务明细列表结束------------------------------------"],
                   [f"#交易合计：{trade_count}笔，退款合计：{refund_count}笔"], [exported]])
    summary = _csv([["#支付宝业务汇总查询"], [account], [period], SUMMARY_COLUMNS,
                    ["合计", "", str(trade_count), str(refund_count), yuan(net), yuan(net), "0.00", "0.00", yuan(net)],
                    [exported]])
    buffer = io.BytesIO()
    prefix = f"{keys.alipay_seller_id}0156_{stamp}"
    fault = getattr(settings, "GATEWAY_SANDBOX_ALIPAY_BILL_FAULT", "")
    if fault == "undecodable":
        detail += b"\x81\x30\xff\xfe\r\n"  # no GBK or GB18030 sequence: a damaged download
    if fault == "not_zip":
        return f"{prefix}.csv.zip", "<html>系统繁忙</html>".encode("gb18030")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{prefix}_业务明细.csv", detail)
        archive.writestr(f"{prefix}_业务明细(汇总).csv", summary)
    return f"{prefix}.csv.zip", buffer.getvalue()


def _csv(rows):
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in rows:
        if len(row) == 1 and row[0].startswith("#"):
            text.write(row[0] + "\r\n")  # comment lines are written bare, not quoted
        else:
            writer.writerow(row)
    # Labelled GBK; a character beyond GBK (e.g. 𠀀 in a subject) comes out in GB18030, GBK's superset.
    return text.getvalue().encode("gb18030")


def bill_token_date(token):
    """(app_id, date) from a download token, or None once its 30 seconds are over or it was forged."""
    try:
        data = signing.loads(token, salt=BILL_SALT, max_age=BILL_URL_SECONDS)
    except signing.BadSignature:
        return None
    return data["app_id"], datetime.strptime(data["date"], "%Y-%m-%d").date()
