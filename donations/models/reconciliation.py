"""Daily reconciliation of a gateway's statement against our records."""

from django.db import models


class ReconciliationRun(models.Model):
    """One comparison of one gateway's statement for one day; every mismatch is listed for finance staff."""

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    gateway = models.CharField("支付方式", max_length=20)
    day = models.DateField("对账日期")
    ran_at = models.DateTimeField("对账时间", auto_now_add=True)
    statement_lines = models.PositiveIntegerField("对账单笔数", default=0)
    matched = models.PositiveIntegerField("一致笔数", default=0)
    mismatch_count = models.PositiveIntegerField("差异笔数", default=0)
    mismatches = models.JSONField("差异明细", default=list, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "对账记录"
        verbose_name_plural = "对账记录"
        # Written by the reconciliation service only.
        default_permissions = ("add", "view")
        ordering = ["-day", "-ran_at"]

    def __str__(self):
        return f"{self.gateway} {self.day}：差异 {self.mismatch_count} 笔"
