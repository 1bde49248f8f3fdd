"""Progress stories published under a project."""

from django.db import models
from django.utils import timezone
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Page
from wagtail.search import index

from cms_pages.blocks import BodyBlock


class StoryKind(models.TextChoices):
    """What a story reports."""

    PROGRESS = "progress", "进展"
    CLOSING = "closing", "结项"
    MEDIA = "media", "媒体报道"


class ProjectStoryPage(Page):
    """A dated account of a project's progress, with photos."""

    date = models.DateField("日期", default=timezone.localdate, db_index=True)
    kind = models.CharField("类型", max_length=20, choices=StoryKind.choices, default=StoryKind.PROGRESS)
    summary = models.TextField("摘要", blank=True)
    cover_image = models.ForeignKey(
        "cms_pages.FundImage", verbose_name="封面图", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)
    source_note = models.CharField(
        "信息来源", max_length=200, blank=True,
        help_text="依据哪份材料写成，例如《2021 年度工作报告》。",
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("date"), FieldPanel("kind")]),
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("body"),
        FieldPanel("source_note"),
    ]
    parent_page_types = ["cms_pages.ProjectPage"]
    subpage_types = []
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("kind"),
        index.FilterField("date"),
    ]
    api_fields = [
        APIField("date"),
        APIField("kind"),
        APIField("kind_label"),
        APIField("summary"),
        APIField("cover_image"),
        APIField("cover_image_rendition", serializer=ImageRenditionField("fill-1200x800|format-webp", source="cover_image")),
        APIField("body"),
        APIField("source_note"),
        APIField("project_id"),
    ]

    class Meta:
        verbose_name = "项目进展"
        verbose_name_plural = "项目进展"

    def get_context(self, request, *args, **kwargs):
        from cms_pages.selectors import story_context

        context = super().get_context(request, *args, **kwargs)
        context.update(story_context(self))
        return context

    @property
    def kind_label(self):
        return self.get_kind_display()

    @property
    def project_id(self):
        parent = self.get_parent()
        return parent.id if parent else None
