"""Append-only, hash-chained money entries and the single row that serialises appends."""

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class LedgerImmutableError(Exception):
    """Raised when anything tries to change or remove a recorded entry."""


class EntryKind(models.TextChoices):
    """What an entry records; the kind, never the sign of the amount, gives the direction."""

    GRANT_APPROVAL = "grant_approval", "资助批准"
    DISBURSEMENT = "disbursement", "拨付"
    DONATION = "donation", "捐赠收入"
    REFUND = "refund", "捐赠退款"
    FEE = "fee", "支付手续费"
    CORRECTION = "correction", "更正冲销"


class EntrySource(models.TextChoices):
    """Who posted an entry; with ``source_ref`` it names the record the entry stands for.

    Every value already stored is one of these (existing hashes cover them, so none is renamed).
    An offline bank transfer is a donation order like an online gift and posts as ``donation``.
    """

    STAFF = "", "财务录入"
    DONATION = "donation", "捐赠订单"
    REFUND = "refund", "捐赠退款"
    ANNUAL_REPORT = "annual_report", "年度报告汇总"


class LedgerEntryQuerySet(models.QuerySet):
    """Entries can be read and appended, never changed or removed in bulk."""

    def update(self, **kwargs):
        raise LedgerImmutableError("账本记录不可修改；请登记一条更正记录冲销原记录。")

    def delete(self):
        raise LedgerImmutableError("账本记录不可删除；请登记一条更正记录冲销原记录。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerImmutableError("账本记录不可修改。")

    def bulk_create(self, objs, *args, **kwargs):
        raise LedgerImmutableError("账本记录只能逐条经 ledger.services.entry_record 登记。")

    def update_or_create(self, *args, **kwargs):
        raise LedgerImmutableError("账本记录不可修改。")


class LedgerEntry(models.Model):
    """One recorded movement of money; its hash covers itself and the entry before it."""

    # The id is the entry's position in the chain (1, 2, 3 …), assigned under the chain lock,
    # so a missing or inserted row shows as a gap or a broken link.
    id = models.BigIntegerField("序号", primary_key=True, editable=False)
    kind = models.CharField("类型", max_length=20, choices=EntryKind.choices, db_index=True)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2)
    occurred_on = models.DateField("发生日期", db_index=True)
    recorded_at = models.DateTimeField("登记时间", editable=False)
    project = models.ForeignKey(
        "wagtailcore.Page", verbose_name="项目", null=True, blank=True,
        on_delete=models.PROTECT, related_name="ledger_entries",
    )
    category_label = models.CharField(
        "类别（汇总记录）", max_length=50, blank=True,
        help_text="仅用于不属于单个项目的汇总记录，如报告只公布了某类别合计。",
    )
    memo = models.TextField("摘要")
    source = models.CharField("来源", max_length=30, blank=True, choices=EntrySource.choices)
    source_ref = models.CharField("来源编号", max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", verbose_name="冲销的记录", null=True, blank=True,
        on_delete=models.PROTECT, related_name="reversed_by",
    )
    voucher = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="凭证", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # The voucher file's SHA-256 when it was attached: hashed, so swapping the file shows.
    # Empty on entries recorded before vouchers were sealed (left out of their hash).
    voucher_sha256 = models.CharField("凭证 SHA-256", max_length=64, blank=True, default="", db_default="", editable=False)
    # Who recorded it is kept for internal audit; it is not published, so it is not hashed.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )
    prev_hash = models.CharField("上一条哈希", max_length=64, editable=False)
    entry_hash = models.CharField("本条哈希", max_length=64, unique=True, editable=False)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "账本记录"
        verbose_name_plural = "账本记录"
        ordering = ["id"]
        # Related-object access goes through the guarded queryset too.
        base_manager_name = "objects"
        # No change or delete permission exists: nobody may be granted them.
        default_permissions = ("add", "view")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="ledger_amount_positive",
                violation_error_message="金额必须大于零；方向由记录类型决定。",
            ),
            models.UniqueConstraint(
                fields=["kind", "source", "source_ref"], condition=~models.Q(source_ref=""),
                name="ledger_unique_source_ref", violation_error_message="这个来源编号已经登记过。",
            ),
            models.UniqueConstraint(
                fields=["prev_hash"], name="ledger_linear_chain",
                violation_error_message="两条记录不能接在同一条记录之后。",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="correction", reverses__isnull=False)
                | (~models.Q(kind="correction") & models.Q(reverses__isnull=True)),
                name="ledger_correction_names_entry",
                violation_error_message="更正记录必须指明冲销哪一条记录；其他类型的记录不能填写冲销对象。",
            ),
        ]
        indexes = [models.Index(fields=["project", "kind"], name="ledger_project_kind")]

    def __str__(self):
        return f"#{self.id} {self.get_kind_display()} {self.amount} 元 {self.occurred_on}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutableError("账本记录不可修改；请登记一条更正记录冲销原记录。")
        if not self.entry_hash:
            raise LedgerImmutableError("账本记录只能经 ledger.services.entry_record 登记。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutableError("账本记录不可删除；请登记一条更正记录冲销原记录。")


class ChainHead(models.Model):
    """The single row locked while appending, so entries join the chain one at a time."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Leaves in the Merkle log: equal to last_id once each append's transaction commits.
    log_size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "账本链头"
        default_permissions = ()

    def __str__(self):
        return f"#{self.last_id} {self.last_hash[:12]}"
