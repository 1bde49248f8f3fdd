"""WeChat Pay API v3 through wechatpayv3, in platform public-key mode."""

import csv
import gzip
import io
import json
import secrets
import time
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt, rsa_verify

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
    fen_to_yuan,
    yuan_to_fen,
)
from donations.gateways.keys import (
    platform_key_find,
    private_key_load,
    wechatpay_current_key,
    wechatpay_platform_keys_load,
)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
REQUIRED_HEADERS = ("Wechatpay-Serial", "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce")
MAX_CLOCK_SKEW = 300
TIMEOUT = (5, 10)


def h5_url_with_return(h5_url: str, return_url: str) -> str:
    """WeChat brings an H5 payer back to ``redirect_url``, appended URL-encoded to the h5_url it answered."""
    if not return_url:
        return h5_url
    joiner = "&" if "?" in h5_url else "?"
    return f"{h5_url}{joiner}redirect_url={quote(return_url, safe='')}"


def _header(headers: dict, name: str) -> str:
    """A header by its wire name, whether given as sent or in Django's META spelling."""
    meta = "HTTP_" + name.upper().replace("-", "_")
    for key in (name, name.lower(), meta):
        if key in headers:
            return str(headers[key])
    return ""


def _signed_by_platform(values: dict, body: str, public_keys: dict) -> None:
    serial = values["Wechatpay-Serial"]
    key = platform_key_find(public_keys, serial)
    if key is None:
        # Named in the record so staff can see a rotated key arrive before it is configured.
        known = "、".join(sorted(public_keys)) or "无"
        raise VerificationError(f"微信支付平台公钥序列号未知：{serial[:64]}（已配置：{known}）；"
                                f"请在 WECHATPAY_PLATFORM_KEYS 中加入该平台证书或公钥")
    if not rsa_verify(values["Wechatpay-Timestamp"], values["Wechatpay-Nonce"], body,
                      values["Wechatpay-Signature"], key):
        raise VerificationError("微信支付通知签名无效")


def wechatpay_verify_signature(*, headers: dict, body: str, public_keys: dict, now: float) -> None:
    """Check the Wechatpay-* headers, the timestamp's age and the RSA signature under the key the serial names.

    ``Wechatpay-Signature-Type`` is not signed and genuine notifications may omit it; when present it must
    name the one scheme there is.
    """
    values = {name: _header(headers, name) for name in REQUIRED_HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise VerificationError(f"微信支付通知缺少头部：{', '.join(missing)}")
    signature_type = _header(headers, "Wechatpay-Signature-Type")
    if signature_type and signature_type != SIGNATURE_TYPE:
        raise VerificationError("微信支付通知签名类型不受支持：Wechatpay-Signature-Type 应为 " + SIGNATURE_TYPE)
    timestamp = values["Wechatpay-Timestamp"]
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise VerificationError("微信支付通知时间戳格式错误")
    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        raise VerificationError("微信支付通知时间戳超出 300 秒")
    _signed_by_platform(values, body, public_keys)


def wechatpay_response_verified(*, headers, body: str, public_keys: dict) -> bool:
    """A synchronous answer's signature, under whichever configured platform key its serial names."""
    values = {name: str(headers.get(name, "")) for name in REQUIRED_HEADERS}
    signature_type = str(headers.get("Wechatpay-Signature-Type", ""))
    if not all(values.values()) or (signature_type and signature_type != SIGNATURE_TYPE):
        return False
    try:
        _signed_by_platform(values, body, public_keys)
    except VerificationError:
        return False
    return True


def wechatpay_decrypt_resource(*, body: str, apiv3_key: str) -> tuple[dict, dict]:
    """The notification envelope and its decrypted resource; raise if the GCM tag or format is wrong."""
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise VerificationError("微信支付通知格式错误") from exc
    resource = envelope.get("resource") if isinstance(envelope, dict) else None
    if not isinstance(resource, dict):
        raise VerificationError("微信支付通知格式错误：resource 应为对象")
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise VerificationError("微信支付通知加密算法不受支持")
    fields = (resource.get("nonce"), resource.get("ciphertext"), resource.get("associated_data") or "")
    if not all(isinstance(value, str) for value in fields):
        raise VerificationError("微信支付通知格式错误：nonce、ciphertext、associated_data 应为字符串")
    nonce, ciphertext, associated_data = fields
    try:
        plain = aes_decrypt(nonce=nonce, ciphertext=ciphertext, associated_data=associated_data, apiv3_key=apiv3_key)
    except (ValueError, TypeError) as exc:  # binascii.Error is a ValueError; a bad nonce length too
        raise VerificationError("微信支付通知密文无法解密") from exc
    if plain is None:
        raise VerificationError("微信支付通知密文校验失败")
    try:
        decrypted = json.loads(plain)
    except ValueError as exc:
        raise VerificationError("微信支付通知明文格式错误") from exc
    if not isinstance(decrypted, dict):
        raise VerificationError("微信支付通知明文格式错误：应为对象")
    return envelope, decrypted


def _text(data: dict, key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise VerificationError(f"微信支付通知字段 {key} 应为字符串")
    return value


def _fen(value):
    try:
        return fen_to_yuan(value)
    except ArithmeticError as exc:  # an integer too large for two-place yuan
        raise VerificationError(f"金额格式错误：{str(value)[:40]}") from exc


# WeChat's refund answers that mean "busy, ask again with the same out_refund_no".
RETRY_CODES = {"SYSTEM_ERROR", "FREQUENCY_LIMITED"}
REFUND_STATES = {"SUCCESS": RefundState.SUCCEEDED, "PROCESSING": RefundState.PROCESSING,
                 "ABNORMAL": RefundState.FAILED, "CLOSED": RefundState.FAILED}
REFUND_FAILURES = {"ABNORMAL": "退款异常（如收款账户已注销），微信支付未退出资金", "CLOSED": "退款已关闭"}


def _refund_outcome(data, status):
    state = REFUND_STATES.get(status, RefundState.UNKNOWN)
    message = REFUND_FAILURES.get(status, status)
    return RefundOutcome(
        state=state, message=message, refunded_at=_rfc3339(data.get("success_time")) if status == "SUCCESS" else None,
        gateway_refund_no=str(data.get("refund_id") or ""), data=data,
    )


def _rfc3339(value):
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


class WechatPayGateway(PaymentGateway):
    """WeChat Pay: Native (QR code) on desktops, H5 in phone browsers, JSAPI inside WeChat."""

    name = "wechatpay"
    channels = ("qr", "h5", "jsapi")

    def __init__(self, *, mchid, appid, private_key, cert_serial_no, apiv3_key, public_key="", public_key_id="",
                 platform_keys="", base_url, clock=time.time):
        self.mchid = mchid
        self.appid = appid
        self.apiv3_key = apiv3_key
        private_key_load(private_key, setting="WECHATPAY_PRIVATE_KEY", bare_base64_ok=True)  # KeyConfigError if bad
        keys = wechatpay_platform_keys_load(entries=platform_keys, public_key=public_key, public_key_id=public_key_id)
        current = wechatpay_current_key(keys, public_key_id=public_key_id)
        if current is None:
            raise ImproperlyConfigured("微信支付未配置平台公钥或平台证书（WECHATPAY_PLATFORM_KEYS）")
        self.public_keys = {key.serial: key.public_key for key in keys}
        self.current_serial = current.serial
        self.clock = clock
        # Public-key mode in the SDK: it sends Wechatpay-Serial (our current key id) and never downloads
        # certificates; answers are checked against every configured key, as notifications are.
        self.client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE, mchid=mchid, private_key=private_key,
            cert_serial_no=cert_serial_no, appid=appid, apiv3_key=apiv3_key, public_key=current.public_pem(),
            public_key_id=current.serial, timeout=TIMEOUT,
        )
        self.client._core._verify_signature = lambda headers, body: wechatpay_response_verified(
            headers=headers, body=body, public_keys=self.public_keys)
        # The SDK fixes the production address; the same client speaks to any base URL we configure.
        self.client._core._gate_way = base_url.rstrip("/")

    def _request(self, call, **kwargs):
        try:
            code, text = call(**kwargs)
        except GatewayError:
            raise
        except Exception as exc:  # noqa: BLE001 - the SDK raises bare Exception for transport and signature faults
            raise GatewayError(f"微信支付调用失败：{exc}") from exc
        try:
            data = json.loads(text) if isinstance(text, str) and text else {}
        except ValueError:
            data = {}
        return code, data, text

    def start_payment(self, request):
        kwargs = dict(
            description=request.subject[:127], out_trade_no=request.out_trade_no,
            amount={"total": yuan_to_fen(request.amount), "currency": "CNY"}, notify_url=request.notify_url,
        )
        if request.expires_at:
            kwargs["time_expire"] = request.expires_at.isoformat(timespec="seconds")
        if request.channel == "qr":
            code, data, _ = self._request(self.client.pay, pay_type=WeChatPayType.NATIVE, **kwargs)
            if code == 200 and data.get("code_url"):
                return PaymentStart(qr_code=data["code_url"])
        elif request.channel == "h5":
            scene = {"payer_client_ip": request.client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
            code, data, _ = self._request(self.client.pay, pay_type=WeChatPayType.H5, scene_info=scene, **kwargs)
            if code == 200 and data.get("h5_url"):
                return PaymentStart(redirect_url=h5_url_with_return(data["h5_url"], request.return_url))
        elif request.channel == "jsapi":
            if not request.payer_openid:
                raise GatewayError("微信内支付缺少付款人 openid")
            code, data, _ = self._request(self.client.pay, pay_type=WeChatPayType.JSAPI,
                                          payer={"openid": request.payer_openid}, **kwargs)
            if code == 200 and data.get("prepay_id"):
                return PaymentStart(jsapi_params=self.pay_request_params(data["prepay_id"]))
        else:
            raise GatewayError(f"微信支付不支持的渠道：{request.channel}")
        raise GatewayError(f"微信支付下单失败：{data.get('message', code)}")

    def pay_request_params(self, prepay_id: str) -> dict:
        """getBrandWCPayRequest's parameters, paySign by the SDK: RSA over appId, timeStamp, nonceStr, package."""
        params = {"appId": self.appid, "timeStamp": str(int(self.clock())), "nonceStr": secrets.token_hex(16),
                  "package": f"prepay_id={prepay_id}", "signType": "RSA"}
        params["paySign"] = self.client.sign([params["appId"], params["timeStamp"], params["nonceStr"],
                                              params["package"]])
        return params

    def verify_notification(self, *, headers, body, params):
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
        except UnicodeDecodeError as exc:
            raise VerificationError("微信支付通知正文不是 UTF-8") from exc
        wechatpay_verify_signature(headers=headers, body=text, public_keys=self.public_keys, now=self.clock())
        envelope, resource = wechatpay_decrypt_resource(body=text, apiv3_key=self.apiv3_key)
        event_type = _text(envelope, "event_type")
        amount = resource.get("amount") or {}
        if not isinstance(amount, dict):
            raise VerificationError("微信支付通知字段 amount 应为对象")
        if event_type == "TRANSACTION.SUCCESS":
            event = NotificationEvent.PAID if resource.get("trade_state") == "SUCCESS" else NotificationEvent.OTHER
            refund_amount = None
        elif event_type == "REFUND.SUCCESS":
            event = NotificationEvent.REFUNDED
            refund_amount = _fen(amount.get("refund"))
        elif event_type in ("REFUND.ABNORMAL", "REFUND.CLOSED"):
            event = NotificationEvent.REFUND_FAILED
            refund_amount = _fen(amount.get("refund")) if amount.get("refund") is not None else None
        else:
            event, refund_amount = NotificationEvent.OTHER, None
        total = amount.get("total")
        return VerifiedNotification(
            gateway=self.name,
            event=event,
            out_trade_no=_text(resource, "out_trade_no"),
            gateway_trade_no=_text(resource, "transaction_id"),
            amount=_fen(total) if total is not None else None,
            # Refund events carry no appid (only mchid): the merchant check skips it for them.
            app_id=_text(resource, "appid"),
            merchant_id=_text(resource, "mchid"),
            refund_amount=refund_amount,
            refund_request_no=_text(resource, "out_refund_no"),
            occurred_at=_rfc3339(_text(resource, "success_time")),
            data={"event_type": event_type, "id": str(envelope.get("id", ""))[:64], "resource": resource},
        )

    def expected_merchant(self):
        return self.appid, self.mchid

    def acknowledge(self):
        return Acknowledgement(204, "")

    def refuse(self, reason):
        return Acknowledgement(400, json.dumps({"code": "FAIL", "message": reason}, ensure_ascii=False),
                               "application/json")

    def query(self, out_trade_no):
        code, data, _ = self._request(self.client.query, out_trade_no=out_trade_no)
        if code == 404 or data.get("code") == "ORDER_NOT_EXIST":
            return TradeQuery(state=TradeState.NOT_EXIST, out_trade_no=out_trade_no, data=data)
        if code != 200:
            raise GatewayError(f"微信支付查询失败：{data.get('message', code)}")
        state = {
            "SUCCESS": TradeState.PAID, "REFUND": TradeState.REFUNDED, "NOTPAY": TradeState.WAITING,
            "USERPAYING": TradeState.WAITING, "CLOSED": TradeState.CLOSED, "PAYERROR": TradeState.WAITING,
        }.get(data.get("trade_state", ""), TradeState.WAITING)
        total = (data.get("amount") or {}).get("total")
        return TradeQuery(
            state=state, out_trade_no=out_trade_no, gateway_trade_no=data.get("transaction_id", ""),
            amount=fen_to_yuan(total) if total is not None else None,
            paid_at=_rfc3339(data.get("success_time")), data=data,
        )

    def close(self, out_trade_no):
        code, data, _ = self._request(self.client.close, out_trade_no=out_trade_no)
        if code in (200, 204):
            return CloseOutcome.CLOSED
        if data.get("code") == "ORDERPAID":
            return CloseOutcome.PAID
        return CloseOutcome.FAILED

    def refund(self, *, out_trade_no, out_request_no, amount, total, reason, notify_url=""):
        # Without notify_url WeChat sends refund events only to an address set in its merchant platform.
        code, data, _ = self._request(
            self.client.refund, out_refund_no=out_request_no, out_trade_no=out_trade_no, reason=reason,
            amount={"refund": yuan_to_fen(amount), "total": yuan_to_fen(total), "currency": "CNY"},
            notify_url=notify_url or None,
        )
        if code != 200:
            message = data.get("message", str(code))
            if code >= 500 or code == 429 or data.get("code") in RETRY_CODES:
                return RefundOutcome(state=RefundState.UNKNOWN, message=message, data=data)
            return RefundOutcome(state=RefundState.FAILED, message=message, data=data)
        return _refund_outcome(data, data.get("status", ""))

    def query_refund(self, *, out_trade_no, out_request_no):
        code, data, _ = self._request(self.client.query_refund, out_refund_no=out_request_no)
        if code == 404 or data.get("code") == "RESOURCE_NOT_EXISTS":
            return RefundOutcome(state=RefundState.NOT_EXIST, message=data.get("message", "退款单不存在"), data=data)
        if code != 200:
            raise GatewayError(f"微信支付退款查询失败：{data.get('message', code)}")
        if data.get("out_trade_no") and data["out_trade_no"] != out_trade_no:
            raise GatewayError("微信支付退款查询返回了另一笔订单")
        return _refund_outcome(data, data.get("status", ""))

    def statement(self, day):
        code, data, _ = self._request(self.client.trade_bill, bill_date=day.strftime("%Y-%m-%d"))
        if code != 200 or not data.get("download_url"):
            raise GatewayError(f"微信支付对账单获取失败：{data.get('message', code)}")
        code, _, content = self._request(self.client.download_bill, url=data["download_url"])
        if code != 200:
            raise GatewayError("微信支付对账单下载失败")
        raw = content if isinstance(content, bytes) else content.encode()
        try:
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            return wechatpay_statement_parse(raw.decode("utf-8-sig"))
        except (OSError, EOFError, UnicodeDecodeError) as exc:
            raise GatewayError(f"微信支付对账单无法解压或解码：{type(exc).__name__}: {str(exc)[:200]}") from exc


def wechatpay_statement_parse(text: str) -> list[StatementLine]:
    """Lines of WeChat's trade bill: a CSV whose values start with a backtick, ending in a summary block.

    A bill that cannot be read raises GatewayError saying why, so reconciliation records it.
    """
    try:
        return _bill_lines(text)
    except KeyError as exc:
        raise GatewayError(f"微信支付对账单缺少列：{exc}") from exc
    except (ArithmeticError, ValueError, IndexError, csv.Error) as exc:
        raise GatewayError(f"微信支付对账单格式错误：{type(exc).__name__}: {str(exc)[:200]}") from exc


def _bill_lines(text):
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return []
    header = [cell.strip() for cell in rows[0]]
    col = {title: index for index, title in enumerate(header)}
    lines = []
    for row in rows[1:]:
        cells = [cell.strip().lstrip("`") for cell in row]
        if len(cells) < len(header) or "商户订单号" not in col:
            break  # the summary block follows the detail lines
        refund_no = cells[col["商户退款单号"]] if "商户退款单号" in col else ""
        is_refund = bool(refund_no and refund_no != "0")
        amount_col = "退款金额" if is_refund else "应结订单金额"
        lines.append(StatementLine(
            kind="refund" if is_refund else "payment",
            out_trade_no=cells[col["商户订单号"]],
            gateway_trade_no=cells[col["微信订单号"]],
            amount=Decimal(cells[col[amount_col]]).copy_abs().quantize(Decimal("0.01")),
            refund_request_no=refund_no if is_refund else "",
        ))
    return lines

