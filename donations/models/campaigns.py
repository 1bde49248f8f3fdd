"""Fundraising campaigns: for one project or for the fund as a whole."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class CampaignPage(Page):
    """A public fundraising campaign, with the legally required fundraiser disclosure."""

    intro = models.TextField("募捐说明", help_text="一两句话说明为什么募捐、善款用于何处。")
    body = RichTextField("详细说明", blank=True, features=["bold", "ul", "ol", "link"])
    goal = models.DecimalField(
        "目标金额（元）", max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    starts_on = models.DateField("开始日期", default=timezone.localdate)
    ends_on = models.DateField("截止日期", null=True, blank=True, help_text="留空表示长期募捐。")
    preset_amounts = models.CharField(
        "预设金额", max_length=100, default="10,50,100,500", help_text="以英文逗号分隔的金额（元）。"
    )
    # Charity law: the page names the charity holding public-fundraising qualification and the filed plan.
    fundraiser_name = models.CharField(
        "募捐主体", max_length=200, blank=True, help_text="具有公开募捐资格的慈善组织全称；留空时使用基金信息中的设置。"
    )
    fundraiser_uscc = models.CharField(
        "统一社会信用代码", max_length=18, blank=True, help_text="留空时使用基金信息中的设置。"
    )
    qualification = models.CharField("公开募捐资格", max_length=300, blank=True, help_text="资格证书名称与编号。")
    filing_number = models.CharField("募捐方案备案编号", max_length=100, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldRowPanel([FieldPanel("goal"), FieldPanel("starts_on"), FieldPanel("ends_on")], heading="目标与日期"),
        FieldPanel("preset_amounts"),
        MultiFieldPanel(
            [FieldPanel("fundraiser_name"), FieldPanel("fundraiser_uscc"), FieldPanel("qualification"),
             FieldPanel("filing_number")],
            heading="募捐主体信息（慈善法要求公示）",
        ),
    ]
    parent_page_types = ["cms_pages.HomePage", "cms_pages.ProjectPage"]
    subpage_types = []
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    api_fields = [
        APIField("intro"), APIField("goal"), APIField("starts_on"), APIField("ends_on"),
        APIField("fundraiser_name"), APIField("fundraiser_uscc"), APIField("qualification"),
        APIField("filing_number"),
    ]

    class Meta:
        verbose_name = "募捐活动"
        verbose_name_plural = "募捐活动"

    @property
    def project(self):
        """The project this campaign raises for, or None for a fund-wide campaign."""
        from cms_pages.models import ProjectPage

        parent = self.get_parent().specific
        return parent if isinstance(parent, ProjectPage) else None

    @cached_property
    def project_id(self):
        """The project's page id in one query (the parent's tree path), for posting to the ledger."""
        from cms_pages.models import ProjectPage

        return ProjectPage.objects.filter(path=self.path[: -self.steplen]).values_list("pk", flat=True).first()

    def preset_amount_list(self):
        amounts = []
        for part in self.preset_amounts.split(","):
            try:
                amounts.append(Decimal(part.strip()).quantize(Decimal("0.01")))
            except ArithmeticError:
                continue
        return [a for a in amounts if a > 0]

    def is_open(self, today=None):
        today = today or timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    def get_context(self, request, *args, give_form=None, **kwargs):
        from donations.forms import give_form_context
        from donations.selectors import campaign_context

        context = super().get_context(request, *args, **kwargs)
        context.update(campaign_context(campaign=self, request=request))
        context.update(give_form_context(form=give_form, preset_amounts=context["preset_amounts"],
                                         gateways=context["gateways"]))
        return context

    def serve_give_form(self, request, form, *, status: int):
        """This page again with the donor's filled-in giving form and its errors: the same template, one path."""
        response = self.serve(request, give_form=form.display_data())
        response.status_code = status
        return response
