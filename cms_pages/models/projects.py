"""Funded projects and the index that lists and filters them."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms_pages.blocks import BodyBlock, FigureBlock
from fundsite.inputs import int_parse


class ProjectStatus(models.TextChoices):
    """Lifecycle of a funded project, in the fund's own words."""

    APPLYING = "applying", "申报中"
    APPROVED = "approved", "已立项"
    RUNNING = "running", "执行中"
    CLOSED = "closed", "已结项"
    EVALUATED = "evaluated", "结项评估"


class ProjectOrigin(models.TextChoices):
    """Who proposed the project."""

    FUND = "fund", "基金自主发起"
    SOCIAL_ORG = "social_org", "社会组织申报"


class ProjectIndexPage(Page):
    """Lists every project, filterable by year, category, district and status."""

    intro = models.TextField("导语", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["cms_pages.HomePage"]
    subpage_types = ["cms_pages.ProjectPage"]
    max_count = 1
    search_fields = Page.search_fields + [index.SearchField("intro")]
    api_fields = [APIField("intro")]

    PAGE_SIZE = 12

    class Meta:
        verbose_name = "项目列表页"

    def get_context(self, request, *args, **kwargs):
        from cms_pages.selectors import project_filter_options, project_list

        context = super().get_context(request, *args, **kwargs)
        filters, errors = project_filter_options(request.GET)
        projects = project_list(index_page=self, filters=filters)
        paginator = Paginator(projects, self.PAGE_SIZE)
        number, page_error = _page_number(request.GET.get("page", "1"), paginator.num_pages)
        if page_error:
            errors.append(page_error)
        page_obj = paginator.page(number)
        context.update(filters=filters, filter_errors=errors, page_obj=page_obj, paginator=paginator)
        return context


def _page_number(raw, num_pages):
    """A usable page number and, when the asked-for one was not, a message saying what was shown."""
    try:
        number = int_parse(raw, low=1, high=10**6, label="页码")
    except ValidationError:
        return 1, "页码应为正整数，已显示第 1 页。"
    if number > num_pages:
        return num_pages, f"共 {num_pages} 页，已显示最后一页。"
    return number, None


class ProjectPage(Page):
    """One funded project: what it does, who runs it, where, its status and its stories."""

    summary = models.TextField("项目简介", help_text="一两句话，用于列表、分享卡片和搜索结果。")
    body = StreamField(BodyBlock(), verbose_name="详细介绍", blank=True)
    hero_image = models.ForeignKey(
        "cms_pages.FundImage", verbose_name="封面图", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    category = models.ForeignKey(
        "cms_pages.Category", verbose_name="类别", null=True, blank=True,
        on_delete=models.PROTECT, related_name="projects",
    )
    district = models.ForeignKey(
        "cms_pages.District", verbose_name="区县", null=True, blank=True,
        on_delete=models.PROTECT, related_name="projects",
        help_text="留空表示全市范围或报告未载明。",
    )
    organisation = models.ForeignKey(
        "cms_pages.Organisation", verbose_name="执行机构", null=True, blank=True,
        on_delete=models.PROTECT, related_name="projects",
    )
    organisation_inferred = models.BooleanField(
        "执行机构为推断", default=False, help_text="报告未明言，依据报告内容推断。"
    )
    cohort_year = models.PositiveSmallIntegerField("立项年度", null=True, blank=True, db_index=True)
    cohort_year_inferred = models.BooleanField("立项年度为推断", default=False)
    status = models.CharField(
        "项目状态", max_length=20, choices=ProjectStatus.choices,
        default=ProjectStatus.APPROVED, db_index=True,
    )
    origin = models.CharField(
        "项目来源", max_length=20, choices=ProjectOrigin.choices, blank=True
    )
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    beneficiaries = models.PositiveIntegerField("受益人数", null=True, blank=True)
    volunteers = models.PositiveIntegerField("志愿者人数", null=True, blank=True)
    service_count = models.PositiveIntegerField("服务人次", null=True, blank=True)
    key_figures = StreamField(
        [("figure", FigureBlock())], verbose_name="其他数字", blank=True,
        help_text="报告载明的其他数字，如路口数、驿站数。",
    )
    source_note = models.CharField(
        "信息来源", max_length=200, blank=True,
        help_text="本页事实出自哪份公开材料，例如《2021 年度工作报告》。",
    )
    evaluation_document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="评估报告", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    audit_document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name="审计报告", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    # settings.LEDGER_PROJECT_MODEL names this model; the ledger groups money by category through
    # these lookups (see ledger/projects.py), so it never imports this app.
    ledger_category_paths = {"name": "category__name", "slug": "category__slug"}

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("category"), FieldPanel("district")]),
            FieldRowPanel([FieldPanel("organisation"), FieldPanel("organisation_inferred")]),
            FieldRowPanel([FieldPanel("cohort_year"), FieldPanel("cohort_year_inferred")]),
            FieldRowPanel([FieldPanel("status"), FieldPanel("origin")]),
            FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        ], heading="基本信息"),
        MultiFieldPanel([
            FieldRowPanel([FieldPanel("beneficiaries"), FieldPanel("volunteers"), FieldPanel("service_count")]),
            FieldPanel("key_figures"),
        ], heading="成效数字"),
        FieldPanel("body"),
        InlinePanel("gallery_images", label="项目相册"),
        MultiFieldPanel([
            FieldPanel("evaluation_document"), FieldPanel("audit_document"), FieldPanel("source_note"),
        ], heading="文件与来源"),
    ]
    parent_page_types = ["cms_pages.ProjectIndexPage"]
    subpage_types = ["cms_pages.ProjectStoryPage", "donations.CampaignPage"]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("status"),
        index.FilterField("cohort_year"),
        index.FilterField("category"),
        index.FilterField("district"),
        index.RelatedFields("organisation", [index.SearchField("name")]),
        index.RelatedFields("category", [index.SearchField("name")]),
        index.RelatedFields("district", [index.SearchField("name")]),
    ]
    api_fields = [
        APIField("summary"),
        APIField("body"),
        APIField("hero_image"),
        APIField("hero_image_rendition", serializer=ImageRenditionField("fill-1200x800|format-webp", source="hero_image")),
        APIField("category_name"),
        APIField("district_name"),
        APIField("organisation_info"),
        APIField("cohort_year"),
        APIField("cohort_year_inferred"),
        APIField("status"),
        APIField("status_label"),
        APIField("origin"),
        APIField("start_date"),
        APIField("end_date"),
        APIField("beneficiaries"),
        APIField("volunteers"),
        APIField("service_count"),
        APIField("key_figures"),
        APIField("source_note"),
        APIField("gallery"),
        APIField("evaluation_document"),
        APIField("audit_document"),
    ]

    class Meta:
        verbose_name = "项目"
        verbose_name_plural = "项目"

    # Plain values for the API; the page template uses the relations directly.
    @property
    def category_name(self):
        return self.category.name if self.category_id else None

    @property
    def district_name(self):
        return self.district.name if self.district_id else None

    @property
    def status_label(self):
        return self.get_status_display()

    @property
    def organisation_info(self):
        if not self.organisation_id:
            return None
        org = self.organisation
        return {
            "name": org.name,
            "unified_social_credit_code": org.unified_social_credit_code or None,
            "inferred": self.organisation_inferred,
        }

    @property
    def gallery(self):
        items = self.gallery_images.select_related("image").prefetch_related("image__renditions")
        result = []
        for item in items:
            rendition = item.image.get_rendition("max-1200x1200|format-webp")
            result.append({
                "image_id": item.image_id, "caption": item.caption, "url": rendition.url,
                "width": rendition.width, "height": rendition.height,
                "is_illustration": item.image.is_illustration,
            })
        return result

    def get_context(self, request, *args, **kwargs):
        from cms_pages.selectors import project_detail_context

        context = super().get_context(request, *args, **kwargs)
        context.update(project_detail_context(self))
        return context


class ProjectGalleryImage(Orderable):
    """A photo in a project's album."""

    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey("cms_pages.FundImage", verbose_name="图片", on_delete=models.CASCADE, related_name="+")
    caption = models.CharField("说明", max_length=200, blank=True)

    panels = [FieldPanel("image"), FieldPanel("caption")]
