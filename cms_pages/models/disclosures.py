"""专项公示: a disclosure that meets one of the law's duties for one campaign or project.

Its figures are generated from the ledger by a service (``cms_pages.services.duty_disclosure_draft``
and the campaign services in donations) and stored as computed; staff type only the text (how
money left over was handled, the partner's evaluation). A draft goes live only through moderation.
"""

from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

# Subjects by model label: the page types duties are kept for (campaigns live in donations,
# which this app never imports).
DUTY_SUBJECT_MODELS = ("cms_pages.projectpage", "donations.campaignpage")


class DisclosureKind(models.TextChoices):
    """What a 专项公示 reports; the values are the duty kinds it meets (duties.rules.DutyKind)."""

    PROGRESS = "progress", "进展公开"
    FINAL_ACCOUNT = "final_account", "结束后收支明细"
    LEFTOVER = "leftover", "结余资金处理"
    EMERGENCY_RECEIPTS = "emergency_receipts", "应急募捐收入公开"
    PARTNER_EVALUATION = "partner_evaluation", "合作方评估"


class DutyDisclosurePage(Page):
    """One published disclosure for one campaign or project, over one period."""

    kind = models.CharField("公示类型", max_length=30, choices=DisclosureKind.choices)
    subject = models.ForeignKey(
        "wagtailcore.Page", verbose_name="公示对象", on_delete=models.PROTECT, related_name="duty_disclosures",
        help_text="所公示的项目或募捐活动。",
    )
    period_start = models.DateField("起始日期", null=True, blank=True)
    period_end = models.DateField("截止日期", null=True, blank=True)
    body = RichTextField("说明", blank=True, features=["bold", "ul", "ol", "link"])
    leftover_handling = models.TextField(
        "结余资金处理方式", blank=True, help_text="结余资金如何处理（如转入同类项目、退还捐赠人），由工作人员填写。",
    )
    # Generated from the ledger, never typed: [{"label": …, "amount": "0.00", "count": n|None, "group": …}].
    figures = models.JSONField("账本数字", default=list, blank=True, editable=False)
    ledger_log_size = models.PositiveBigIntegerField("计算时账本记录数", null=True, blank=True, editable=False)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("subject")], heading="公示类型与对象"),
        FieldRowPanel([FieldPanel("period_start"), FieldPanel("period_end")], heading="所涉期间"),
        FieldPanel("leftover_handling"),
        FieldPanel("body"),
    ]
    parent_page_types = ["cms_pages.DisclosureIndexPage"]
    subpage_types = []
    search_fields = Page.search_fields + [index.SearchField("body"), index.FilterField("kind")]
    api_fields = [
        APIField("kind"), APIField("subject_page_id"), APIField("period_start"), APIField("period_end"),
        APIField("body"), APIField("leftover_handling"), APIField("figures"), APIField("ledger_log_size"),
    ]

    class Meta:
        verbose_name = "专项公示"
        verbose_name_plural = "专项公示"

    def clean(self):
        super().clean()
        if self.subject_id:
            label = Page.objects.filter(pk=self.subject_id).values_list(
                "content_type__app_label", "content_type__model").first()
            if label is None or ".".join(label) not in DUTY_SUBJECT_MODELS:
                raise ValidationError({"subject": "公示对象须为项目或募捐活动。"})
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": "截止日期不能早于起始日期。"})

    @property
    def subject_page_id(self) -> int:
        """The subject's page id, as a plain number for the API (a relation would be serialised as a page)."""
        return self.subject_id

    @property
    def covers(self) -> frozenset:
        """The duty kinds this disclosure meets: a final account that says how money left over was handled meets both."""
        kinds = {self.kind}
        if self.kind == DisclosureKind.FINAL_ACCOUNT and self.leftover_handling.strip():
            kinds.add(DisclosureKind.LEFTOVER)
        return frozenset(kinds)
