"""Alipay OpenAPI (RSA2, public-key mode) through python-alipay-sdk."""

import binascii
import csv
import io
import json
import logging
import zipfile
from base64 import decodebytes
from datetime import datetime
from decimal import Decimal
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from alipay import BaseAliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from Cryptodome.PublicKey import RSA
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from donations.gateways.base import (
    Acknowledgement,
    CloseOutcome,
    GatewayError,
    NotificationEvent,
    PaymentGateway,
    PaymentStart,
    RefundOutcome,
    RefundState,
    StatementLine,
    TradeQuery,
    TradeState,
    VerificationError,
    VerifiedNotification,
    yuan,
)
from donations.gateways.keys import private_key_load, public_key_load

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}
TIMEOUT = 10
# Alipay's answers that mean "system busy, call again with the same parameters".
RETRY_SUB_CODES = {"ACQ.SYSTEM_ERROR", "ACQ.REFUND_PROCESSING", "aop.ACQ.SYSTEM_ERROR"}


class AlipayClient(BaseAliPay):
    """The SDK client, pointed at a configurable gateway, timestamped in Beijing time, calling by POST."""

    def __init__(self, *, app_id, app_private_key, alipay_public_key, gateway_url):
        self._gateway_url = gateway_url
        super().__init__(
            appid=app_id, app_private_key_string=app_private_key, alipay_public_key_string=alipay_public_key,
            sign_type="RSA2",
        )
        self._gateway = gateway_url

    def _load_key(self):
        # A verifier needs only Alipay's public key; our private key is loaded when there is one. Each is
        # parsed by `cryptography` first (as the system check does), so a bad key names its setting.
        if self._app_private_key_string:
            private_key_load(self._app_private_key_string, setting="ALIPAY_APP_PRIVATE_KEY")
            self._app_private_key = RSA.importKey(self._app_private_key_string)
        else:
            self._app_private_key = None
        self._alipay_public_key_openssl = public_key_load(self._alipay_public_key_string, setting="ALIPAY_PUBLIC_KEY")
        self._alipay_public_key = RSA.importKey(self._alipay_public_key_string)

    def _verify(self, raw_content, signature):
        # The SDK's check (RSA2: SHA256withRSA, PKCS#1 v1.5, over the same content and base64 decoding), done by
        # OpenSSL: 0.02 ms a notification instead of pycryptodome's 0.33 ms, on the busiest path there is.
        try:
            self._alipay_public_key_openssl.verify(
                decodebytes(signature.encode()), raw_content.encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        return data

    def verified_sync_response(self, data, response_type):
        body = self.sign_data(data).encode()
        request = Request(  # noqa: S310 - the gateway URL comes from settings, https in production
            self._gateway, data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
        )
        try:
            with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                raw = response.read().decode()
        except OSError as exc:
            raise GatewayError(f"支付宝网关不可达：{exc}") from exc
        return self._verify_and_return_sync_response(raw, response_type)


def alipay_signed_content(params: dict) -> str:
    """The string Alipay signs in a notification: without sign and sign_type, without empty values, sorted."""
    items = sorted((k, v) for k, v in params.items() if k not in ("sign", "sign_type") and v not in ("", None))
    return "&".join(f"{k}={v}" for k, v in items)


def alipay_verify(params: dict, *, client: BaseAliPay) -> bool:
    """True only when the notification's signature verifies with Alipay's public key."""
    signature = params.get("sign") or ""
    if not signature or params.get("sign_type", "RSA2") != "RSA2":
        return False
    # The SDK's verify() mutates its argument and keeps empty values: give it a filtered copy.
    filtered = {k: v for k, v in params.items() if k not in ("sign", "sign_type") and v not in ("", None)}
    try:
        return client.verify(dict(filtered), signature)
    except (ValueError, TypeError, binascii.Error, AliPayException):
        return False


def _beijing(value: str):
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None


class AlipayGateway(PaymentGateway):
    """Alipay: page pay on desktops, wap pay on phones, precreate for a QR code."""

    name = "alipay"
    channels = ("page", "wap", "qr")

    def __init__(self, *, app_id, seller_id, app_private_key, alipay_public_key, gateway_url):
        self.app_id = app_id
        self.seller_id = seller_id
        self.client = AlipayClient(
            app_id=app_id, app_private_key=app_private_key, alipay_public_key=alipay_public_key,
            gateway_url=gateway_url,
        )

    def start_payment(self, request):
        biz = {
            "subject": request.subject,
            "out_trade_no": request.out_trade_no,
            "total_amount": f"{request.amount:.2f}",
        }
        if request.expires_at:
            biz["time_expire"] = request.expires_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        urls = {"notify_url": request.notify_url, "return_url": request.return_url}
        if request.channel == "page":
            biz["product_code"] = "FAST_INSTANT_TRADE_PAY"
            query = self.client.client_api("alipay.trade.page.pay", biz, **urls)
            return PaymentStart(redirect_url=f"{self.client._gateway}?{query}")
        if request.channel == "wap":
            biz.update(product_code="QUICK_WAP_WAY", quit_url=request.quit_url or request.return_url)
            query = self.client.client_api("alipay.trade.wap.pay", biz, **urls)
            return PaymentStart(redirect_url=f"{self.client._gateway}?{query}")
        if request.channel == "qr":
            result = self._call("alipay.trade.precreate", biz, notify_url=request.notify_url)
            if result.get("code") != "10000" or not result.get("qr_code"):
                raise GatewayError(f"支付宝预下单失败：{result.get('sub_msg') or result.get('msg')}")
            return PaymentStart(qr_code=result["qr_code"])
        raise GatewayError(f"支付宝不支持的渠道：{request.channel}")

    def _call(self, method, biz, **kwargs):
        try:
            return self.client.server_api(method, biz, **kwargs)
        except AliPayValidationError as exc:
            raise GatewayError("支付宝应答签名无效") from exc
        except (AliPayException, ValueError, KeyError) as exc:
            raise GatewayError(f"支付宝调用失败：{exc}") from exc

    def verify_notification(self, *, headers, body, params):
        if not alipay_verify(params, client=self.client):
            raise VerificationError("支付宝通知签名无效")
        status = params.get("trade_status", "")
        refund_fee = params.get("refund_fee") or ""
        if status in PAID_STATUSES and refund_fee:
            event = NotificationEvent.REFUNDED
        elif status in PAID_STATUSES:
            event = NotificationEvent.PAID
        elif status == "TRADE_CLOSED":
            event = NotificationEvent.REFUNDED if refund_fee else NotificationEvent.CLOSED
        elif status == "WAIT_BUYER_PAY":
            event = NotificationEvent.WAITING
        else:
            event = NotificationEvent.OTHER
        return VerifiedNotification(
            gateway=self.name,
            event=event,
            out_trade_no=params.get("out_trade_no", ""),
            gateway_trade_no=params.get("trade_no", ""),
            amount=yuan(params.get("total_amount", "")),
            app_id=params.get("app_id", ""),
            merchant_id=params.get("seller_id", ""),
            refund_amount=yuan(refund_fee) if refund_fee else None,
            refund_request_no=params.get("out_biz_no", ""),
            occurred_at=_beijing(params.get("gmt_refund") or params.get("gmt_payment") or params.get("gmt_close", "")),
            data=dict(params),
        )

    def verify_return(self, params: dict) -> bool:
        """The return URL is signed like a notification; it proves nothing about payment."""
        return alipay_verify(params, client=self.client)

    def expected_merchant(self):
        return self.app_id, self.seller_id

    def acknowledge(self):
        return Acknowledgement(200, "success")

    def refuse(self, reason):
        return Acknowledgement(400, "failure")

    def query(self, out_trade_no):
        result = self._call("alipay.trade.query", {"out_trade_no": out_trade_no})
        if result.get("code") != "10000":
            if result.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return TradeQuery(state=TradeState.NOT_EXIST, out_trade_no=out_trade_no, data=result)
            raise GatewayError(f"支付宝查询失败：{result.get('sub_msg') or result.get('msg')}")
        status = result.get("trade_status", "")
        state = {
            "TRADE_SUCCESS": TradeState.PAID, "TRADE_FINISHED": TradeState.PAID,
            "WAIT_BUYER_PAY": TradeState.WAITING, "TRADE_CLOSED": TradeState.CLOSED,
        }.get(status, TradeState.WAITING)
        return TradeQuery(
            state=state, out_trade_no=out_trade_no, gateway_trade_no=result.get("trade_no", ""),
            amount=yuan(result["total_amount"]) if result.get("total_amount") else None,
            paid_at=_beijing(result.get("send_pay_date", "")), data=result,
        )

    def close(self, out_trade_no):
        result = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        if result.get("code") == "10000" or result.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return CloseOutcome.CLOSED
        if result.get("sub_code") == "ACQ.TRADE_HAS_SUCCESS":
            return CloseOutcome.PAID
        return CloseOutcome.FAILED

    def refund(self, *, out_trade_no, out_request_no, amount, total, reason, notify_url=""):
        # Alipay sends refund events to the payment's notify_url; the refund call takes none.
        biz = {
            "out_trade_no": out_trade_no, "refund_amount": f"{amount:.2f}",
            "out_request_no": out_request_no, "refund_reason": reason,
        }
        result = self._call("alipay.trade.refund", biz)
        if result.get("code") != "10000":
            message = result.get("sub_msg") or result.get("msg", "")
            if result.get("code") == "20000" or result.get("sub_code") in RETRY_SUB_CODES:
                # A system fault at Alipay: whether it refunded is unknown until we ask.
                return RefundOutcome(state=RefundState.UNKNOWN, message=message, data=result)
            return RefundOutcome(state=RefundState.FAILED, message=message, data=result)
        if result.get("fund_change") == "Y":
            return RefundOutcome(state=RefundState.SUCCEEDED, refunded_at=_beijing(result.get("gmt_refund_pay", "")),
                                 data=result)
        # fund_change=N: a retry of a refund already made, or still in progress; ask which.
        check = self.query_refund(out_trade_no=out_trade_no, out_request_no=out_request_no)
        state = RefundState.PROCESSING if check.state == RefundState.NOT_EXIST else check.state
        return RefundOutcome(state=state, message=check.message, refunded_at=check.refunded_at,
                             data={**result, "query": check.data})

    def query_refund(self, *, out_trade_no, out_request_no):
        result = self._call(
            "alipay.trade.fastpay.refund.query", {"out_trade_no": out_trade_no, "out_request_no": out_request_no}
        )
        if result.get("code") != "10000":
            if result.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return RefundOutcome(state=RefundState.NOT_EXIST, message="交易不存在", data=result)
            raise GatewayError(f"支付宝退款查询失败：{result.get('sub_msg') or result.get('msg')}")
        status = result.get("refund_status", "")
        if status == "REFUND_SUCCESS":
            return RefundOutcome(state=RefundState.SUCCEEDED, refunded_at=_beijing(result.get("gmt_refund_pay", "")),
                                 data=result)
        if not status and not result.get("refund_amount"):
            # Alipay answers a refund it never received (or that failed) with no refund fields:
            # resubmitting under the same out_request_no refunds at most once.
            return RefundOutcome(state=RefundState.NOT_EXIST, message="支付宝无此退款", data=result)
        return RefundOutcome(state=RefundState.PROCESSING, message=status or "处理中", data=result)

    def statement(self, day):
        result = self._call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.strftime("%Y-%m-%d")},
        )
        url = result.get("bill_download_url")
        if result.get("code") != "10000" or not url:
            raise GatewayError(f"支付宝对账单获取失败：{result.get('sub_msg') or result.get('msg')}")
        try:
            with urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
                archive = response.read()
        except OSError as exc:
            raise GatewayError(f"支付宝对账单下载失败：{exc}") from exc
        return alipay_statement_parse(archive)


def _clean(value):
    return (value or "").strip().strip("\t").strip()


STATEMENT_ENCODING = "gb18030"  # Alipay says GBK; GB18030 is its superset and decodes every GBK file the same


def alipay_statement_parse(archive: bytes) -> list[StatementLine]:
    """Lines of Alipay's zipped GBK CSV statement; the detail file is the one whose header names 支付宝交易号.

    A statement that cannot be read raises GatewayError saying why, so reconciliation records it.
    """
    try:
        return _statement_lines(archive)
    except zipfile.BadZipFile as exc:
        raise GatewayError(f"支付宝对账单不是有效的 zip 文件：{exc}") from exc
    except UnicodeDecodeError as exc:
        raise GatewayError(f"支付宝对账单无法按 GB18030 解码：第 {exc.start} 字节起 {exc.object[exc.start:exc.start + 8]!r}") from exc
    except KeyError as exc:
        raise GatewayError(f"支付宝对账单缺少列：{exc}") from exc
    except (ArithmeticError, ValueError, IndexError, csv.Error) as exc:
        raise GatewayError(f"支付宝对账单格式错误：{type(exc).__name__}: {str(exc)[:200]}") from exc


def _statement_lines(archive):
    lines = []
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        for name in zipped.namelist():
            text = zipped.read(name).decode(STATEMENT_ENCODING)
            rows = [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("#")]
            if not rows or _clean(rows[0][0]) != "支付宝交易号":
                continue
            header = [_clean(cell) for cell in rows[0]]
            col = {title: index for index, title in enumerate(header)}
            for row in rows[1:]:
                cells = [_clean(cell) for cell in row]
                if len(cells) < len(header) or not cells[0]:
                    continue
                is_refund = cells[col["业务类型"]] == "退款"
                # A refund line's money is what left the merchant (商家实收, negative); a payment's is the order.
                amount = Decimal(cells[col["商家实收（元）" if is_refund else "订单金额（元）"]]).copy_abs()
                lines.append(StatementLine(
                    kind="refund" if is_refund else "payment",
                    out_trade_no=cells[col["商户订单号"]],
                    gateway_trade_no=cells[0],
                    amount=amount.quantize(Decimal("0.01")),
                    refund_request_no=cells[col["退款批次号/请求号"]] if "退款批次号/请求号" in col else "",
                ))
    return lines


def alipay_raw_json(params: dict) -> str:
    return json.dumps(params, ensure_ascii=False, sort_keys=True)
