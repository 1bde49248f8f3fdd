"""Disclosures: the annual reports the fund office publishes."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms_pages.blocks import BodyBlock


class DisclosureIndexPage(Page):
    """Lists the annual reports and other disclosures, newest first."""

    intro = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.AnnualReportPage", "cms_pages.StandardPage"]
    max_count = 1
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = "信息公开"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = AnnualReportPage.objects.child_of(self).live().public().order_by("-year")
        context["other_pages"] = Page.objects.child_of(self).live().public().not_type(AnnualReportPage)
        return context


class AnnualReportPageForm(WagtailAdminPageForm):
    """Refuses to change an already-published figure without saying why."""

    def is_valid(self):
        # The figure formset is only cleaned inside is_valid(), so the check runs after it.
        valid = super().is_valid()
        if valid and self.instance.pk and not self.cleaned_data.get("correction_reason", "").strip():
            changed = list(self._changed_published_figures())
            if changed:
                self.add_error("correction_reason", f"更正已公布的数字（{'、'.join(changed)}）时，必须填写更正原因。")
                return False
        return valid

    def _changed_published_figures(self):
        from cms_pages.selectors import figure_latest_values

        latest = figure_latest_values(self.instance)
        for form in self.formsets["published_figures"].forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE") or data.get("key") not in latest:
                continue
            if latest[data["key"]] != (data.get("amount"), data.get("count")):
                yield data.get("label") or data["key"]


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
        help_text="修改已公布的数字时必填；发布后记入公开的更正记录。",
    )

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
    ]

    class Meta:
        verbose_name = "年度报告"
        verbose_name_plural = "年度报告"

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


class FigureRecord(models.Model):
    """Each value a published figure has had, appended on publish: the public correction log."""

    page = models.ForeignKey(AnnualReportPage, on_delete=models.CASCADE, related_name="figure_records")
    key = models.SlugField("标识", max_length=60)
    label = models.CharField("名称", max_length=100)
    amount = models.DecimalField("金额（元）", max_digits=14, decimal_places=2, null=True)
    count = models.PositiveIntegerField("数量", null=True)
    is_correction = models.BooleanField("是否更正", default=False)
    old_amount = models.DecimalField("原金额", max_digits=14, decimal_places=2, null=True)
    old_count = models.PositiveIntegerField("原数量", null=True)
    reason = models.CharField("更正原因", max_length=255, blank=True)
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "公布数字记录"
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.label}：{self.new_value}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("公布数字的记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("公布数字的记录只能追加，不能删除。")

    @property
    def corrected_on(self):
        return self.recorded_at

    @property
    def old_value(self):
        return self.old_amount if self.old_amount is not None else self.old_count

    @property
    def new_value(self):
        return self.amount if self.amount is not None else self.count
