"""Ledger records queued by busy paths (paid notifications) and appended to the chain by the sequencer."""

from django.conf import settings
from django.db import models

from ledger.models.entries import EntryKind, EntrySource
from ledger.models.guards import AppendOnlyModel


class PendingEntry(AppendOnlyModel):
    """A ledger record accepted but not yet in the chain; the sequencer appends it and links the entry.

    A paid notification commits its gift with one of these instead of waiting for the chain lock.
    The row is kept after sequencing as the trace of when it was queued; ``queued_at`` becomes the
    entry's ``recorded_at``, so sequencing never re-dates a record.
    """

    # Money records, not content: keep them out of Wagtail's reference index (a query and a task per save).
    wagtail_reference_index_ignore = True

    kind = models.CharField("类型", max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    occurred_on = models.DateField("发生日期")
    project = models.ForeignKey(
        "wagtailcore.Page", verbose_name="项目", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    category_label = models.CharField("类别（汇总记录）", max_length=50, blank=True)
    memo = models.TextField("摘要")
    source = models.CharField("来源", max_length=30, blank=True, choices=EntrySource.choices)
    source_ref = models.CharField("来源编号", max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    queued_at = models.DateTimeField("排队时间", editable=False)
    entry = models.OneToOneField(
        "ledger.LedgerEntry", verbose_name="入账记录", null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="pending",
    )

    immutable_message = "待入账记录不可修改或删除；只有记账程序能把它链接到入账后的记录，入账后也保留作为追溯。"

    class Meta:
        verbose_name = "待入账记录"
        verbose_name_plural = "待入账记录"
        ordering = ["id"]
        base_manager_name = "objects"
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="ledger_pending_amount_positive",
                violation_error_message="金额必须大于零；方向由记录类型决定。",
            ),
            # A replayed notification queues once; the empty ref never reaches the queue.
            models.UniqueConstraint(
                fields=["kind", "source", "source_ref"], name="ledger_pending_unique_source_ref",
                violation_error_message="这个来源编号已经排队或登记过。",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_ref=""), name="ledger_pending_has_source_ref",
                violation_error_message="待入账记录必须有来源编号，才能保证只入账一次。",
            ),
        ]
        indexes = [
            # The sequencer's queue and the totals' "not yet in the chain" rows.
            models.Index(fields=["id"], condition=models.Q(entry__isnull=True), name="ledger_pending_queue"),
        ]

    def __str__(self):
        state = f"→ #{self.entry_id}" if self.entry_id else "待入账"
        return f"{self.kind} {self.amount} 元 {self.source}/{self.source_ref} {state}"


class FlowRow(models.Model):
    """Read-only view: every entry, plus every pending record not yet sequenced, for totals.

    One SQL statement over this view sees entries and the queue in one snapshot, so a record is
    counted exactly once whether or not the sequencer has just moved it.
    Pending rows have a negative id (minus the pending record's id) and no reversal.
    """

    wagtail_reference_index_ignore = True

    id = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    occurred_on = models.DateField()
    project = models.ForeignKey("wagtailcore.Page", null=True, on_delete=models.DO_NOTHING, related_name="+",
                                db_constraint=False)
    category_label = models.CharField(max_length=50)
    source = models.CharField(max_length=30)
    source_ref = models.CharField(max_length=64)
    reverses = models.ForeignKey("ledger.LedgerEntry", null=True, on_delete=models.DO_NOTHING, related_name="+",
                                 db_constraint=False)

    class Meta:
        managed = False
        db_table = "ledger_flowrow"
        default_permissions = ()

    def __str__(self):
        return f"{self.kind} {self.amount} ({'待入账' if self.id < 0 else f'#{self.id}'})"
