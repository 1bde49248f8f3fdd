"""Donation orders, their event history and the raw gateway notifications about them."""

import base64

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from donations.models.guards import FrozenFieldsModel


class DonationStatus(models.TextChoices):
    """Where an order is in its life: created → pending → paid → (partially_)refunded, or pending → closed."""

    CREATED = "created", "已创建"
    PENDING = "pending", "待支付"
    PAID = "paid", "已支付"
    PARTIALLY_REFUNDED = "partially_refunded", "部分退款"
    REFUNDED = "refunded", "已退款"
    CLOSED = "closed", "已关闭"


# The only moves an order may make; anything else is refused, so a replay cannot re-fire side effects.
TRANSITIONS = {
    DonationStatus.CREATED: {DonationStatus.PENDING, DonationStatus.PAID, DonationStatus.CLOSED},
    DonationStatus.PENDING: {DonationStatus.PAID, DonationStatus.CLOSED},
    DonationStatus.PAID: {DonationStatus.PARTIALLY_REFUNDED, DonationStatus.REFUNDED},
    DonationStatus.PARTIALLY_REFUNDED: {DonationStatus.PARTIALLY_REFUNDED, DonationStatus.REFUNDED},
    DonationStatus.REFUNDED: set(),
    DonationStatus.CLOSED: set(),
}
PAID_STATUSES = (DonationStatus.PAID, DonationStatus.PARTIALLY_REFUNDED, DonationStatus.REFUNDED)


class Gateway(models.TextChoices):
    """How the money arrives."""

    ALIPAY = "alipay", "支付宝"
    WECHATPAY = "wechatpay", "微信支付"
    OFFLINE = "offline", "银行转账"


class Channel(models.TextChoices):
    """Which kind of payment page the donor was sent to."""

    PAGE = "page", "电脑网页支付"
    WAP = "wap", "手机网页支付"
    QR = "qr", "扫码支付"
    H5 = "h5", "微信 H5 支付"
    JSAPI = "jsapi", "微信内支付"
    OFFLINE = "offline", "线下转账"


class Donation(FrozenFieldsModel):
    """One gift as an order: amount, donor's wishes, and where it stands with the gateway."""

    # What the gift is, as the donor and the ledger know it; its state moves, these never do.
    frozen_fields = ("campaign", "out_trade_no", "gateway", "channel", "amount", "donor_name", "anonymous", "message",
                     "payer_openid", "show_name")

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    campaign = models.ForeignKey(
        "donations.CampaignPage", verbose_name="募捐活动", on_delete=models.PROTECT, related_name="donations"
    )
    out_trade_no = models.CharField("订单号", max_length=32, unique=True)
    gateway = models.CharField("支付方式", max_length=20, choices=Gateway.choices)
    channel = models.CharField("支付渠道", max_length=20, choices=Channel.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField("已退款（元）", max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        "状态", max_length=20, choices=DonationStatus.choices, default=DonationStatus.CREATED, db_index=True
    )
    gateway_trade_no = models.CharField("支付平台交易号", max_length=64, null=True, blank=True, unique=True)
    donor_name = models.CharField("捐赠人", max_length=50, blank=True)
    anonymous = models.BooleanField("匿名", default=False)
    # Charity Law Art 82: a donor's name is published only with consent; unticked, the public reads 爱心人士.
    show_name = models.BooleanField("同意公开姓名", default=False)
    message = models.CharField("留言", max_length=200, blank=True)
    # Private contact details: shown to staff only, never on public pages or APIs.
    phone = models.CharField("手机号", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    # The payer's openid under the official account (JSAPI pay, 我的捐赠); private like the phone.
    payer_openid = models.CharField("微信 openid", max_length=128, blank=True, db_index=True)
    wants_official_receipt = models.BooleanField("申请公益事业捐赠票据", default=False)
    official_receipt_title = models.CharField("票据抬头", max_length=100, blank=True)
    taxpayer_number = models.CharField("纳税人识别号", max_length=20, blank=True)
    official_receipt_issued_at = models.DateTimeField("票据开具时间", null=True, blank=True)
    official_receipt_issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="开票人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    # Offline transfers: the bank voucher and who entered it.
    voucher = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="转账凭证", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    resume_token = models.CharField(max_length=64, unique=True)
    is_demo = models.BooleanField("演示数据", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)

    class Meta:
        verbose_name = "捐赠订单"
        verbose_name_plural = "捐赠订单"
        ordering = ["-created_at"]
        # Orders change only through the services; no one may be granted change or delete.
        default_permissions = ("add", "view")
        permissions = [("issue_official_receipt", "可登记公益事业捐赠票据已开具")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="donation_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in PAID_STATUSES]) | Q(paid_at__isnull=False),
                name="donation_paid_has_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status", "paid_at"])]

    def __str__(self):
        return f"{self.out_trade_no} ¥{self.amount}"

    @property
    def is_paid(self):
        return self.status in PAID_STATUSES

    @property
    def net_amount(self):
        return self.amount - self.refunded_amount


class StatusEvent(models.Model):
    """What every audit-trail row of a state change holds: cause, raw payload, the notification and who acted."""

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    cause = models.CharField("原因", max_length=200)
    payload = models.JSONField("原始数据", default=dict, blank=True)
    notification = models.ForeignKey(
        "donations.GatewayNotification", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        default_permissions = ("view",)
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}: {self.cause}"


class DonationEvent(StatusEvent):
    """One transition of an order, with what caused it and the raw gateway payload: the audit trail."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=DonationStatus.choices)
    to_status = models.CharField(max_length=20, choices=DonationStatus.choices)

    class Meta(StatusEvent.Meta):
        verbose_name = "订单事件"
        verbose_name_plural = "订单事件"


class NotificationOutcome(models.TextChoices):
    """What became of a stored notification."""

    RECEIVED = "received", "已接收"
    PROCESSED = "processed", "已处理"
    DUPLICATE = "duplicate", "重复（已处理过）"
    IGNORED = "ignored", "无需处理"
    REJECTED = "rejected", "已拒绝"
    FAILED = "failed", "处理失败"


class GatewayNotification(FrozenFieldsModel):
    """A notification exactly as received, stored before anything else and untrusted until verified."""

    # The message as it arrived is the evidence; only what became of it is written later.
    frozen_fields = ("gateway", "received_at", "headers", "body", "remote_addr")

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    gateway = models.CharField(max_length=20, choices=Gateway.choices)
    received_at = models.DateTimeField(auto_now_add=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    # "text": body is the received bytes as UTF-8; "base64": the bytes could not be kept as text (a NUL, invalid
    # UTF-8), so body holds their base64 and nothing is lost. Header values are kept the same way.
    body_encoding = models.CharField(
        "正文编码", max_length=10, choices=[("text", "UTF-8 文本"), ("base64", "Base64（原始字节）")], default="text"
    )
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    outcome = models.CharField(
        max_length=20, choices=NotificationOutcome.choices, default=NotificationOutcome.RECEIVED
    )
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "支付通知"
        verbose_name_plural = "支付通知"
        # Stored as received by the notify view; staff only read them.
        default_permissions = ("view",)
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_gateway_display()} {self.out_trade_no} {self.get_outcome_display()}"

    def body_bytes(self) -> bytes:
        """The body exactly as received."""
        if self.body_encoding == "base64":
            return base64.b64decode(self.body)
        return self.body.encode("utf-8")

    def headers_received(self) -> dict:
        """The headers as received: values kept as {"base64": ...} are decoded back to text."""
        return {
            name: base64.b64decode(value["base64"]).decode("utf-8", "surrogatepass")
            if isinstance(value, dict) else value
            for name, value in self.headers.items()
        }
