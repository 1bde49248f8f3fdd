from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Chinese-aware search over projects, stories and reports."""

    name = "search"
    verbose_name = "搜索"

    def ready(self):
        # One headless API: search sits beside pages in Wagtail's v3 OpenAPI document.
        from wagtail.api.v3.urls import api

        from search.api import router
        from search.signals import connect

        api.add_router("/search/", router)
        # Renaming a category, district or organisation reindexes the projects that show its name.
        connect()
