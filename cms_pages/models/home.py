"""The home page and the fund-wide settings every page can show."""

from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page


class HomePage(Page):
    """The fund's front door: purpose, headline counts, featured projects, latest news."""

    tagline = models.CharField("标语", max_length=200, blank=True)
    purpose = RichTextField("基金宗旨", blank=True, features=["bold", "ul", "link"])

    content_panels = Page.content_panels + [
        FieldPanel("tagline"),
        FieldPanel("purpose"),
        InlinePanel("featured_projects", label="推荐项目", max_num=6),
    ]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1
    api_fields = [APIField("tagline"), APIField("purpose"), APIField("featured_projects")]

    class Meta:
        verbose_name = "首页"

    def get_context(self, request, *args, **kwargs):
        from cms_pages.selectors import home_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_context(self))
        return context


class HomeFeaturedProject(Orderable):
    """A project chosen for the home page."""

    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_projects")
    project = models.ForeignKey("cms_pages.ProjectPage", verbose_name="项目", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("project")]
    # The project as {id, meta.type}: its attname ("project_id") would be typed as the relation and fail.
    api_fields = [APIField("project")]


@register_setting(icon="site")
class FundSettings(BaseSiteSetting):
    """Who the fund is: shown in the footer, on campaigns and on receipts."""

    fund_name = models.CharField("基金简称", max_length=100, default="志愿城市·太原")
    fund_full_name = models.CharField("基金全称", max_length=200, blank=True)
    office = models.CharField("基金办公室", max_length=200, blank=True)
    executing_unit = models.CharField("执行单位", max_length=200, blank=True)
    guided_by = models.CharField("指导单位", max_length=200, blank=True)
    foundation_name = models.CharField("公募慈善组织", max_length=200, blank=True)
    foundation_uscc = models.CharField("慈善组织统一社会信用代码", max_length=18, blank=True)
    contact = models.CharField("联系方式", max_length=200, blank=True)
    first_year = models.PositiveSmallIntegerField("设立年份", null=True, blank=True)

    panels = [
        MultiFieldPanel([
            FieldPanel("fund_name"), FieldPanel("fund_full_name"), FieldPanel("first_year"),
            FieldPanel("office"), FieldPanel("executing_unit"), FieldPanel("guided_by"),
        ], heading="基金"),
        MultiFieldPanel([FieldPanel("foundation_name"), FieldPanel("foundation_uscc")], heading="募捐主体"),
        FieldPanel("contact"),
    ]

    class Meta:
        verbose_name = "基金信息"
