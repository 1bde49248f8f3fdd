from django.apps import AppConfig


class CmsPagesConfig(AppConfig):
    """Wagtail pages, snippets and images: what the public reads."""

    name = "cms_pages"
    verbose_name = "网站内容"
