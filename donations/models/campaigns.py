"""Fundraising campaigns: for one project or for the fund as a whole."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

FILING_REQUIRED = "募捐方案备案编号未填写：按《慈善法》，募捐活动须先在“慈善中国”备案，填写备案编号后才能发布（草稿可以保存）。"
# The admin buttons that ask for a campaign to go live: publish (now or scheduled), submit for moderation,
# restart moderation, and a moderator's approval.
GO_LIVE_ACTIONS = ("action-publish", "action-submit", "action-restart-workflow")


class FilingNumberMissing(ValidationError):
    """A campaign was asked to go live without the filing number of its 募捐方案."""


def filing_number_missing(value) -> bool:
    return not (value or "").strip()


class CampaignPageForm(WagtailAdminPageForm):
    """The admin form: drafts save without a filing number; publishing, scheduling, moderation do not."""

    def clean(self):
        cleaned_data = super().clean()
        data = self.data or {}
        going_live = any(data.get(name) for name in GO_LIVE_ACTIONS) or (
            data.get("action-workflow-action") and data.get("workflow-action-name") == "approve")
        # A draft saved while in moderation is what the moderator approves (also from the dashboard).
        in_moderation = self.instance.pk is not None and self.instance.workflow_in_progress
        going_live = going_live or in_moderation
        if going_live and filing_number_missing(cleaned_data.get("filing_number")):
            self.add_error("filing_number", FILING_REQUIRED)
        return cleaned_data


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
    filing_number = models.CharField(
        "募捐方案备案编号", max_length=100, blank=True,
        help_text="在“慈善中国”备案后取得；未填写时不能发布。")
    # The filed 募捐方案 (Charity Law Art 24; Order 74): what the plan states, shown on the campaign page.
    purpose = models.TextField("募捐目的", blank=True)
    area = models.CharField("募捐地域", max_length=200, blank=True, help_text="如：全国、山西省太原市。")
    person_in_charge = models.CharField("募捐活动负责人", max_length=100, blank=True,
                                        help_text="负责人姓名及职务，按备案的募捐方案填写。")
    receiving_method = models.TextField(
        "接受捐赠方式", blank=True, help_text="如：本站在线捐赠（支付宝、微信支付，款项直接进入慈善组织账户）、银行转账。")
    beneficiaries = models.TextField("受益人", blank=True, help_text="受益人范围或确定受益人的标准与程序。")
    use_plan = models.TextField("募得款物用途", blank=True)
    cost_budget = models.DecimalField(
        "募捐成本预算（元）", max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.00"))], help_text="募捐活动本身的成本；没有预算时留空。")
    leftover_plan = models.TextField("剩余财产处理", blank=True,
                                     help_text="募捐结束后剩余款物如何处理，按备案的募捐方案填写。")
    partner_name = models.CharField(
        "合作方", max_length=200, blank=True, help_text="与慈善组织合作开展募捐的一方；留空时为本专项基金（基金信息中的基金全称）。")
    is_emergency = models.BooleanField(
        "应急募捐", default=False, help_text="为应对重大突发事件开展的募捐：应急期间至少每 5 日公开一次接受捐赠情况。")

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("body"),
        FieldRowPanel([FieldPanel("goal"), FieldPanel("starts_on"), FieldPanel("ends_on")], heading="目标与日期"),
        FieldPanel("preset_amounts"),
        MultiFieldPanel(
            [FieldPanel("fundraiser_name"), FieldPanel("fundraiser_uscc"), FieldPanel("qualification"),
             FieldPanel("filing_number"), FieldPanel("partner_name")],
            heading="募捐主体信息（慈善法要求公示）",
        ),
    ]
    plan_panels = [
        MultiFieldPanel([
            FieldPanel("purpose"), FieldPanel("area"), FieldPanel("person_in_charge"), FieldPanel("receiving_method"),
            FieldPanel("beneficiaries"), FieldPanel("use_plan"), FieldPanel("cost_budget"), FieldPanel("leftover_plan"),
            FieldPanel("is_emergency"),
        ], heading="募捐方案（与备案内容一致）"),
    ]
    edit_handler = TabbedInterface([
        ObjectList(content_panels, heading="内容"),
        ObjectList(plan_panels, heading="募捐方案"),
        ObjectList(Page.promote_panels, heading="推广"),
        ObjectList(Page.settings_panels, heading="设置"),
    ])
    base_form_class = CampaignPageForm
    parent_page_types = ["cms_pages.HomePage", "cms_pages.ProjectPage"]
    subpage_types = []
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    api_fields = [
        APIField("intro"), APIField("goal"), APIField("starts_on"), APIField("ends_on"),
        APIField("fundraiser_name"), APIField("fundraiser_uscc"), APIField("qualification"),
        APIField("filing_number"), APIField("purpose"), APIField("area"), APIField("person_in_charge"),
        APIField("receiving_method"), APIField("beneficiaries"), APIField("use_plan"), APIField("cost_budget"),
        APIField("leftover_plan"), APIField("partner_name"), APIField("is_emergency"),
    ]

    class Meta:
        verbose_name = "募捐活动"
        verbose_name_plural = "募捐活动"

    def publish(self, revision, *args, **kwargs):
        """Every route to going live passes here (admin, moderation, scheduled publishing, code): no filing
        number in the revision, no publication. The admin form says so beside the field before it gets here."""
        if filing_number_missing(revision.content.get("filing_number")):
            raise FilingNumberMissing({"filing_number": FILING_REQUIRED})
        return super().publish(revision, *args, **kwargs)

    def has_ended(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.ends_on is not None and today > self.ends_on

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
