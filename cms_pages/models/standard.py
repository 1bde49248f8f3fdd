"""Plain content pages: about the fund, how to apply, privacy."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cms_pages.blocks import BodyBlock


class StandardPage(Page):
    """A page of text and images with no special behaviour."""

    intro = models.TextField("导语", blank=True)
    body = StreamField(BodyBlock(), verbose_name="正文", blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["cms_pages.HomePage", "cms_pages.StandardPage", "cms_pages.DisclosureIndexPage"]
    subpage_types = ["cms_pages.StandardPage"]
    search_fields = Page.search_fields + [index.SearchField("intro"), index.SearchField("body")]
    api_fields = [APIField("intro"), APIField("body")]

    class Meta:
        verbose_name = "普通页面"
