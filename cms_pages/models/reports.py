"""Disclosures: the annual reports the fund office publishes."""

from django.conf import settings
from django.db import models, transaction
from django.dispatch import Signal
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms_pages.blocks import BodyBlock

# Sent inside the publishing transaction when a new revision of a report goes live. A signal,
# not a call, so the content models (which search reads) do not depend on the ledger.
report_published = Signal()


class DisclosureIndexPage(Page):
    """Lists the annual reports and other disclosures, newest first."""

    intro = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.AnnualReportPage", "cms_pages.StandardPage", "cms_pages.DutyDisclosurePage"]
    max_count = 1
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = "信息公开"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Each report with the size of the signed head it pinned, in the same query.
        pinned = ReportHeadPin.objects.filter(page=models.OuterRef("pk")).order_by("-pk").values("size")[:1]
        context["reports"] = (
            AnnualReportPage.objects.child_of(self).live().public()
            .annotate(pinned_size=models.Subquery(pinned)).order_by("-year")
        )
        context["other_pages"] = Page.objects.child_of(self).live().public().not_type(AnnualReportPage)
        return context


class AnnualReportPageForm(WagtailAdminPageForm):
    """Refuses to change, rename, add or withdraw a published figure without a reason typed for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cms_pages.selectors import figure_reason_is_pending

        # A reason already used by a recorded correction is never offered again.
        if self.instance.pk and not figure_reason_is_pending(report=self.instance):
            self.initial["correction_reason"] = ""

    def is_valid(self):
        # The figure formset is only cleaned inside is_valid(), so the check runs after it.
        valid = super().is_valid()
        if not valid or not self.instance.pk:
            return valid
        reason = self.cleaned_data.get("correction_reason", "")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
            self.add_error("correction_reason", "更正原因不能包含控制字符。")
            return False
        changed = [c for c in self._figure_changes() if c.needs_reason]
        if changed and not reason.strip():
            names = "、".join(f"{c.label or c.old_label}（{c.action_label}）" for c in changed)
            self.add_error("correction_reason", f"更正已公布的数字{names}时，必须填写更正原因。")
            return False
        return valid

    def _figure_changes(self):
        from cms_pages.selectors import figure_changes

        figures = []
        for form in self.formsets["published_figures"].forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or not data.get("key"):
                continue
            figures.append({
                "key": data["key"], "label": data.get("label", ""),
                "amount": data.get("amount"), "count": data.get("count"),
            })
        return figure_changes(report=self.instance, figures=figures)

    def save(self, commit=True):
        from cms_pages.selectors import figure_latest_record_id

        # The reason answers the record log as it stands now; once anything else is recorded it is spent.
        self.instance.correction_basis = figure_latest_record_id(report=self.instance)
        return super().save(commit=commit)


class AnnualReportPage(Page):
    """One year's work report: narrative, figures as published, and lessons."""

    base_form_class = AnnualReportPageForm

    year = models.PositiveSmallIntegerField("年度", unique=True)
    published_on = models.DateField("发布日期", null=True, blank=True, help_text="报告未载明时留空。")
    summary = models.TextField("摘要", blank=True)
    body = StreamField(BodyBlock(), verbose_name="报告正文", blank=True)
    review_process = models.CharField("评审流程", max_length=200, blank=True)
    work_mode = models.CharField("工作模式", max_length=200, blank=True)
    shortcomings = RichTextField("不足", blank=True, features=["ul", "ol", "bold"])
    improvements = RichTextField("改进措施", blank=True, features=["ul", "ol", "bold"])
    correction_reason = models.CharField(
        "更正原因", max_length=255, blank=True,
        help_text="修改、更名、新增或删除已公布的数字时必填；发布后记入公开的更正记录，每次更正都要重新填写。",
    )
    # Id of the newest figure record when the reason was written: a reason answers one state of the log.
    correction_basis = models.PositiveBigIntegerField("更正原因依据的记录", null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("year"), FieldPanel("published_on")], heading="年度"),
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("published_figures", label="报告公布的数字"),
        FieldPanel("correction_reason"),
        MultiFieldPanel([FieldPanel("review_process"), FieldPanel("work_mode")], heading="工作方式"),
        FieldPanel("shortcomings"),
        FieldPanel("improvements"),
    ]
    parent_page_types = ["cms_pages.DisclosureIndexPage"]
    subpage_types = []
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("shortcomings"),
        index.SearchField("improvements"),
        index.FilterField("year"),
    ]
    api_fields = [
        APIField("year"),
        APIField("published_on"),
        APIField("summary"),
        APIField("body"),
        APIField("review_process"),
        APIField("work_mode"),
        APIField("shortcomings"),
        APIField("improvements"),
        APIField("published_figures"),
        APIField("pinned_head"),
    ]

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"

    def save(self, *args, **kwargs):
        """Save; when this save makes a new revision live, record its figure changes in the same transaction.

        Every way of publishing (the page editor, workflow approval, scheduled publishing, the API,
        code) ends in this save, so the record log cannot be bypassed and a refused change leaves
        the live page as it was.
        """
        from cms_pages.services import report_figures_record

        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            previous_live = (
                AnnualReportPage.objects.filter(pk=self.pk).values_list("live_revision_id", flat=True).first()
                if self.pk else None
            )
            result = super().save(*args, **kwargs)
            publishing = update_fields is None or "live_revision" in update_fields
            if publishing and self.live and self.live_revision_id and self.live_revision_id != previous_live:
                report_figures_record(report=self, revision=self.live_revision)
                # The ledger figures are taken at publication: cms_pages.heads pins the signed head.
                report_published.send(sender=AnnualReportPage, report=self, revision=self.live_revision)
        return result

    @property
    def pinned_head(self):
        """The signed tree head this report's ledger figures are computed at (its newest pin), or None."""
        pin = ReportHeadPin.objects.filter(page_id=self.pk).order_by("-pk").first() if self.pk else None
        return pin.head if pin else None

    def get_context(self, request, *args, **kwargs):
        from cms_pages.selectors import annual_report_context

        context = super().get_context(request, *args, **kwargs)
        context.update(annual_report_context(self))
        return context


class PublishedFigure(Orderable):
    """A figure exactly as the fund published it, kept beside the computed one."""

    page = ParentalKey(AnnualReportPage, on_delete=models.CASCADE, related_name="published_figures")
    key = models.SlugField(
        "标识", max_length=60,
        help_text="机器可读名称，如 raised、approved_amount、disbursed、payable_unpaid。",
    )
    label = models.CharField("名称", max_length=100)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    count = models.PositiveIntegerField("数量", null=True, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)

    panels = [FieldPanel("key"), FieldPanel("label"), FieldPanel("amount"), FieldPanel("count"), FieldPanel("note")]
    api_fields = [APIField("key"), APIField("label"), APIField("amount"), APIField("count"), APIField("note")]

    class Meta(Orderable.Meta):
        constraints = [models.UniqueConstraint(fields=["page", "key"], name="unique_published_figure_key")]

    def __str__(self):
        return self.label


def staff_role(user):
    """The role a staff member acted in, published instead of their name."""
    if user is None:
        return "系统"
    names = {g.name for g in user.groups.all()}
    for role in ("审核员", "编辑", "财务"):
        if role in names:
            return role
    return "管理员" if user.is_superuser else "工作人员"


class FigureRecordImmutableError(ValueError):
    """Raised when anything tries to change or remove a figure record."""


class FigureAction(models.TextChoices):
    """What a publication did to one figure."""

    PUBLISHED = "published", "首次公布"
    ADDED = "added", "补充公布"
    CORRECTED = "corrected", "更正"
    RENAMED = "renamed", "更名"
    DELETED = "deleted", "撤回"


class FigureRecordQuerySet(models.QuerySet):
    """Records can be read and appended one at a time, never changed or removed."""

    def update(self, **kwargs):
        raise FigureRecordImmutableError("公布数字的记录只能追加，不能修改。")

    def delete(self):
        raise FigureRecordImmutableError("公布数字的记录只能追加，不能删除。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise FigureRecordImmutableError("公布数字的记录只能追加，不能修改。")

    def bulk_create(self, objs, *args, **kwargs):
        raise FigureRecordImmutableError("公布数字的记录只能经 cms_pages.services 逐条登记。")

    def update_or_create(self, *args, **kwargs):
        raise FigureRecordImmutableError("公布数字的记录只能追加，不能修改。")


class FigureRecord(models.Model):
    """Each value a published figure has had, appended on publish: the public correction log."""

    page = models.ForeignKey(AnnualReportPage, on_delete=models.PROTECT, related_name="figure_records")
    key = models.SlugField("标识", max_length=60)
    action = models.CharField("变动", max_length=20, choices=FigureAction.choices, default=FigureAction.PUBLISHED)
    label = models.CharField("名称", max_length=100)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True)
    count = models.PositiveIntegerField("数量", null=True)
    is_correction = models.BooleanField("是否更正", default=False)
    old_label = models.CharField("原名称", max_length=100, blank=True)
    old_amount = models.DecimalField("原金额", max_digits=14, decimal_places=2, null=True)
    old_count = models.PositiveIntegerField("原数量", null=True)
    reason = models.CharField("更正原因", max_length=255, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )

    objects = FigureRecordQuerySet.as_manager()

    class Meta:
        verbose_name = "公布数字记录"
        verbose_name_plural = "公布数字记录"
        ordering = ["recorded_at", "pk"]
        # Related-object access goes through the guarded queryset too.
        base_manager_name = "objects"
        # No change or delete permission exists: nobody may be granted them.
        default_permissions = ("add", "view")

    def __str__(self):
        return f"{self.label}：{self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise FigureRecordImmutableError("公布数字的记录只能追加，不能修改。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FigureRecordImmutableError("公布数字的记录只能追加，不能删除。")

    @property
    def corrected_on(self):
        return self.recorded_at

    @property
    def old_value(self):
        return self.old_amount if self.old_amount is not None else self.old_count

    @property
    def new_value(self):
        return self.amount if self.amount is not None else self.count

    @property
    def recorded_by_role(self):
        """Which role made the change, published instead of a staff member's name."""
        return staff_role(self.recorded_by)


class HeadPinImmutableError(ValueError):
    """Raised when anything tries to change or remove a report's pinned head."""


class ReportHeadPinQuerySet(models.QuerySet):
    """Pins can be read and appended one at a time, never changed or removed."""

    def update(self, **kwargs):
        raise HeadPinImmutableError("报告锁定的树头只能追加，不能修改。")

    def delete(self):
        raise HeadPinImmutableError("报告锁定的树头只能追加，不能删除。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise HeadPinImmutableError("报告锁定的树头只能追加，不能修改。")

    def bulk_create(self, objs, *args, **kwargs):
        raise HeadPinImmutableError("报告锁定的树头只能经 cms_pages.services 逐条登记。")

    def update_or_create(self, *args, **kwargs):
        raise HeadPinImmutableError("报告锁定的树头只能追加，不能修改。")


class ReportHeadPin(models.Model):
    """The signed tree head a report's ledger figures were computed at, one row each time it is pinned.

    The report's pin is its newest row; older rows stay as its public history. It is a row of its
    own rather than a page field because publishing a revision rewrites every page field from
    that revision's saved copy, which was made before the pin existed.
    """

    page = models.ForeignKey(AnnualReportPage, on_delete=models.PROTECT, related_name="head_pins")
    size = models.BigIntegerField("日志条目数")
    root_hash = models.CharField("根哈希", max_length=64)
    head_timestamp = models.CharField("树头签署时间（UTC）", max_length=20)
    origin = models.CharField("日志名称", max_length=100)
    key_id = models.CharField("公钥编号", max_length=16)
    signature = models.CharField("签名", max_length=100)
    # The page revision whose publication pinned it (a plain id: revisions may be purged, pins may not).
    revision_id = models.PositiveBigIntegerField("页面版本", null=True, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)
    pinned_at = models.DateTimeField("锁定时间", auto_now_add=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", editable=False,
    )

    objects = ReportHeadPinQuerySet.as_manager()

    class Meta:
        verbose_name = "报告锁定的树头"
        verbose_name_plural = "报告锁定的树头"
        ordering = ["pinned_at", "pk"]
        base_manager_name = "objects"
        # Nobody may be granted change or delete: the permissions do not exist.
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=models.Q(size__gte=1), name="cms_pages_headpin_size")]

    def __str__(self):
        return f"{self.page_id} @ {self.size}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HeadPinImmutableError("报告锁定的树头只能追加，不能修改。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HeadPinImmutableError("报告锁定的树头只能追加，不能删除。")

    @property
    def pinned_by_role(self):
        return staff_role(self.pinned_by)

    @property
    def head(self):
        """The pinned head in the log's own JSON shape, so the log's verifier checks it as it is."""
        return {
            "origin": self.origin, "size": self.size, "root_hash": self.root_hash,
            "timestamp": self.head_timestamp, "key_id": self.key_id, "signature": self.signature,
        }
