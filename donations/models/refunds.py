"""Refunds: part or all of a paid gift returned to the donor."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from donations.models.guards import FrozenFieldsModel
from donations.models.orders import StatusEvent


class RefundStatus(models.TextChoices):
    """A refund is requested (in flight) at the gateway, then succeeds or fails; only an open one blocks the next."""

    REQUESTED = "requested", "处理中"
    SUCCEEDED = "succeeded", "已退款"
    FAILED = "failed", "失败"


class Refund(FrozenFieldsModel):
    """A refund with the idempotency number the gateway uses to refund once however often it is retried."""

    # The request the gateway knows; only its status and the gateway's answer move.
    frozen_fields = ("donation", "out_request_no", "amount")

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    donation = models.ForeignKey("donations.Donation", on_delete=models.PROTECT, related_name="refunds")
    out_request_no = models.CharField("退款请求号", max_length=64, unique=True)
    amount = models.DecimalField("退款金额（元）", max_digits=14, decimal_places=2)
    reason = models.CharField("退款原因", max_length=200)
    status = models.CharField(max_length=20, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    gateway_response = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The gateway's own refund id and time (Alipay gmt_refund / gmt_refund_pay, WeChat success_time).
    gateway_refund_no = models.CharField("支付平台退款单号", max_length=64, blank=True)
    refunded_at = models.DateTimeField("支付平台退款时间", null=True, blank=True)
    # Follow-up of a refund still in flight: how often it was asked about, and when to ask next.
    check_count = models.PositiveIntegerField("查询次数", default=0)
    next_check_at = models.DateTimeField("下次查询时间", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "退款"
        verbose_name_plural = "退款"
        # Requested and settled through the services only.
        default_permissions = ("add", "view")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            # One refund in flight per donation, so two clerks cannot over-refund at once.
            models.UniqueConstraint(
                fields=["donation"], condition=Q(status="requested"), name="refund_one_open_per_donation"
            ),
        ]

    def __str__(self):
        return f"{self.out_request_no} ¥{self.amount}"


class RefundEvent(StatusEvent):
    """One step of a refund (submitted, queried, resubmitted, settled, failed) with its cause and raw payload."""

    refund = models.ForeignKey(Refund, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=20, choices=RefundStatus.choices)
    to_status = models.CharField(max_length=20, choices=RefundStatus.choices)

    class Meta(StatusEvent.Meta):
        # The audit trail of a refund: written by the services, never changed (PostgreSQL refuses it too).
        verbose_name = "退款事件"
        verbose_name_plural = "退款事件"
