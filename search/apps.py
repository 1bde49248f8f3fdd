from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Chinese-aware search over projects, stories and reports."""

    name = "search"
    verbose_name = "搜索"
