"""What the pretend gateway remembers: trades, refunds and every notification it sent."""

from decimal import Decimal

from django.db import models
from django.db.models import Q


class SandboxTrade(models.Model):
    """One merchant order as Alipay or WeChat Pay would hold it, from creation to refund."""

    class Gateway(models.TextChoices):
        ALIPAY = "alipay", "支付宝"
        WECHATPAY = "wechatpay", "微信支付"

    class Status(models.TextChoices):
        UNPAID = "unpaid", "待支付"
        PAID = "paid", "已支付"
        CLOSED = "closed", "已关闭"

    gateway = models.CharField(max_length=16, choices=Gateway.choices)
    # Alipay app_id or WeChat mchid: out_trade_no is unique per merchant.
    merchant_id = models.CharField(max_length=32)
    appid = models.CharField(max_length=32, blank=True)
    product = models.CharField(max_length=64, help_text="Alipay method or WeChat trade type")
    out_trade_no = models.CharField(max_length=64)
    trade_no = models.CharField(max_length=64, unique=True)
    subject = models.CharField(max_length=256)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)
    notify_url = models.URLField(max_length=512, blank=True)
    return_url = models.URLField(max_length=512, blank=True)
    quit_url = models.URLField(max_length=512, blank=True)
    passback_params = models.CharField(max_length=512, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNPAID)
    refunded_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # When the buyer first opened the pay page: Alipay knows a precreated trade only from then.
    seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    buyer_id = models.CharField(max_length=64, blank=True)
    buyer_logon_id = models.CharField(max_length=100, blank=True)
    # JSAPI: the payer the merchant named (payer.openid) and the prepay_id WeChat answered with.
    payer_openid = models.CharField(max_length=128, blank=True)
    prepay_id = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "merchant_id", "out_trade_no"], name="sandbox_trade_unique_order"),
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="sandbox_trade_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("total_amount")),
                name="sandbox_trade_refund_bounded",
            ),
        ]

    def __str__(self):
        return f"{self.get_gateway_display()} {self.out_trade_no}"

    @property
    def total_fen(self):
        return int(self.total_amount * 100)


class SandboxRefund(models.Model):
    """One refund of a trade, keyed by the merchant's request number so a retry refunds once."""

    class Status(models.TextChoices):
        PROCESSING = "PROCESSING", "退款处理中"
        SUCCESS = "SUCCESS", "退款成功"
        ABNORMAL = "ABNORMAL", "退款异常"
        CLOSED = "CLOSED", "退款关闭"

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    refund_no = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=256, blank=True)
    notify_url = models.URLField(max_length=512, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Alipay refunds at once; WeChat answers PROCESSING and settles at settles_at (on a query or the task).
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUCCESS)
    settles_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trade", "out_request_no"], name="sandbox_refund_unique_request"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="sandbox_refund_amount_positive"),
        ]

    def __str__(self):
        return f"{self.trade.out_trade_no} / {self.out_request_no}"


class SandboxNotification(models.Model):
    """An asynchronous notification to the merchant, retried until acknowledged or given up."""

    trade = models.ForeignKey(SandboxTrade, on_delete=models.CASCADE, related_name="notifications")
    refund = models.ForeignKey(SandboxRefund, null=True, blank=True, on_delete=models.CASCADE)
    notify_id = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=32)
    url = models.URLField(max_length=512)
    content_type = models.CharField(max_length=64)
    # The exact body sent on every attempt (Alipay's is signed once; WeChat's headers are re-signed).
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.event} {self.notify_id}"


class SandboxNotificationAttempt(models.Model):
    """One delivery attempt and what the merchant answered, for debugging the merchant side."""

    notification = models.ForeignKey(SandboxNotification, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=256, blank=True)
    acknowledged = models.BooleanField(default=False)

    def __str__(self):
        return f"{self.notification.notify_id} #{self.pk}"


class SandboxWechatCredential(models.Model):
    """An access_token or jsapi_ticket the pretend official-account API issued, so it can check them later."""

    class Kind(models.TextChoices):
        ACCESS_TOKEN = "access_token", "access_token"
        JSAPI_TICKET = "jsapi_ticket", "jsapi_ticket"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    appid = models.CharField(max_length=32)
    value = models.CharField(max_length=512, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "appid", "issued_at"], name="sandbox_wx_cred_issued")]

    def __str__(self):
        return f"{self.kind} {self.appid}"


class SandboxOAuthCode(models.Model):
    """A web-authorisation code as WeChat issues it: one openid, one use, five minutes."""

    code = models.CharField(max_length=64, unique=True)
    appid = models.CharField(max_length=32)
    openid = models.CharField(max_length=128)
    scope = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.appid} {self.code[:6]}…"


class SandboxSms(models.Model):
    """A text message Aliyun SMS accepted: what a phone would receive, for developers and tests to read.

    The unique nonce makes a replayed request fail as Aliyun's SignatureNonceUsed does.
    """

    phone = models.CharField(max_length=20, db_index=True)
    sign_name = models.CharField(max_length=64)
    template_code = models.CharField(max_length=64)
    template_param = models.TextField()
    biz_id = models.CharField(max_length=64, unique=True)
    signature_nonce = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.phone} {self.template_code}"
