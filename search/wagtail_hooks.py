"""The synonyms snippet in the admin, under its own menu item."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from search.models import SynonymSet


class SynonymSetViewSet(SnippetViewSet):
    """Sets of words that mean the same; a change is used by the next search."""

    model = SynonymSet
    icon = "search"
    menu_label = "搜索同义词"
    menu_name = "search-synonyms"
    add_to_admin_menu = True
    list_display = ["__str__", "note"]
    search_fields = ["words"]


register_snippet(SynonymSetViewSet)
