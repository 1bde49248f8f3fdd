"""The one contract between donations and any payment gateway: plain dataclasses and a small interface."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from fundsite.inputs import amount_parse


class GatewayError(Exception):
    """The gateway could not be reached or refused the request; nothing was settled."""


class VerificationError(Exception):
    """A message claiming to come from the gateway failed verification and must not be trusted."""


@dataclass(frozen=True)
class PaymentRequest:
    """What we ask a gateway to collect."""

    out_trade_no: str
    amount: Decimal
    subject: str
    channel: str
    notify_url: str
    return_url: str = ""
    quit_url: str = ""
    client_ip: str = ""
    expires_at: datetime | None = None
    payer_openid: str = ""  # JSAPI: the payer under the official account's appid


@dataclass(frozen=True)
class PaymentStart:
    """What the donor's browser needs next: a page to go to, or a code to scan."""

    redirect_url: str = ""
    qr_code: str = ""
    # JSAPI: the signed getBrandWCPayRequest parameters the page hands to WeixinJSBridge.
    jsapi_params: dict = field(default_factory=dict)


class NotificationEvent:
    """What a verified notification says happened."""

    PAID = "paid"
    REFUNDED = "refunded"
    CLOSED = "closed"
    WAITING = "waiting"
    # A refund the gateway gave up on (WeChat REFUND.ABNORMAL / REFUND.CLOSED): no money moved.
    REFUND_FAILED = "refund_failed"
    OTHER = "other"


@dataclass(frozen=True)
class VerifiedNotification:
    """A notification whose signature checked out; its business fields are still to be matched to our order."""

    gateway: str
    event: str
    out_trade_no: str
    gateway_trade_no: str
    amount: Decimal | None
    app_id: str
    merchant_id: str
    refund_amount: Decimal | None = None
    refund_request_no: str = ""
    occurred_at: datetime | None = None
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Acknowledgement:
    """The exact HTTP answer a gateway expects."""

    status: int
    body: str
    content_type: str = "text/plain"


class TradeState:
    """A trade's state as the gateway reports it on query."""

    PAID = "paid"
    WAITING = "waiting"
    CLOSED = "closed"
    NOT_EXIST = "not_exist"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class TradeQuery:
    """The answer to a query for one trade."""

    state: str
    out_trade_no: str
    gateway_trade_no: str = ""
    amount: Decimal | None = None
    paid_at: datetime | None = None
    data: dict = field(default_factory=dict)


class CloseOutcome:
    """The answer to a close: closed (or never existed), already paid, or failed."""

    CLOSED = "closed"
    PAID = "paid"
    FAILED = "failed"


class RefundState:
    """Where a refund stands at the gateway, from a refund request's answer or a refund query."""

    SUCCEEDED = "succeeded"
    PROCESSING = "processing"  # accepted, money not yet moved: ask again later
    FAILED = "failed"  # refused or abandoned by the gateway: no money moved, ever
    NOT_EXIST = "not_exist"  # the gateway has no such refund: safe to resubmit under the same number
    UNKNOWN = "unknown"  # the answer was lost or was a system error: ask before doing anything else


@dataclass(frozen=True)
class RefundOutcome:
    """The answer to a refund request or a refund query, with the gateway's own refund time when done."""

    state: str
    message: str = ""
    refunded_at: datetime | None = None
    gateway_refund_no: str = ""
    data: dict = field(default_factory=dict)

    @property
    def succeeded(self):
        return self.state == RefundState.SUCCEEDED

    @property
    def processing(self):
        return self.state in (RefundState.PROCESSING, RefundState.UNKNOWN)


@dataclass(frozen=True)
class StatementLine:
    """One line of a gateway's daily statement, as money in (payment) or money out (refund)."""

    kind: str  # "payment" or "refund"
    out_trade_no: str
    gateway_trade_no: str
    amount: Decimal
    refund_request_no: str = ""


class PaymentGateway:
    """The interface every gateway implements; donations code talks to nothing else."""

    name = ""
    channels: tuple[str, ...] = ()

    def start_payment(self, request: PaymentRequest) -> PaymentStart:
        raise NotImplementedError

    def verify_notification(self, *, headers: dict, body: bytes, params: dict) -> VerifiedNotification:
        """Verify a notification exactly as the gateway defines it; raise VerificationError otherwise."""
        raise NotImplementedError

    def expected_merchant(self) -> tuple[str, str]:
        """Our (app id, merchant id) that a genuine notification must carry."""
        raise NotImplementedError

    def acknowledge(self) -> Acknowledgement:
        raise NotImplementedError

    def refuse(self, reason: str) -> Acknowledgement:
        raise NotImplementedError

    def query(self, out_trade_no: str) -> TradeQuery:
        raise NotImplementedError

    def close(self, out_trade_no: str) -> str:
        raise NotImplementedError

    def refund(self, *, out_trade_no: str, out_request_no: str, amount: Decimal, total: Decimal,
               reason: str, notify_url: str = "") -> RefundOutcome:
        """Ask for a refund; the gateway refunds once per ``out_request_no`` however often it is sent."""
        raise NotImplementedError

    def query_refund(self, *, out_trade_no: str, out_request_no: str) -> RefundOutcome:
        """Where the refund with this request number stands; NOT_EXIST when the gateway never took it."""
        raise NotImplementedError

    def statement(self, day: date) -> list[StatementLine]:
        raise NotImplementedError


def yuan(value) -> Decimal:
    """A gateway's yuan string as an exact Decimal; rejects anything that is not a plain amount.

    Strict like the donor's form (ASCII digits, two decimals at most): ``1e999999`` or a list is refused as
    unverifiable instead of raising deep inside Decimal arithmetic.
    """
    try:
        return amount_parse(value, label="金额")
    except ValidationError as exc:
        raise VerificationError(f"金额格式错误：{str(value)[:40]!r}") from exc


def fen_to_yuan(value) -> Decimal:
    """WeChat's integer fen as yuan."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**14:
        raise VerificationError(f"金额格式错误：{str(value)[:40]!r}")
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def yuan_to_fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())
