"""Keeping the index current where modelsearch's own signals do not reach.

A project's page indexes the names of its category, district and organisation; renaming one of
those snippets changes no page, so modelsearch would leave the old name in the index. Here a
saved snippet reindexes every project that points to it, in the same transaction.
"""

from django.db.models.signals import post_save
from modelsearch.index import insert_or_update_object

from cms_pages.models import Category, District, Organisation, ProjectPage

# Snippet model -> the ProjectPage field that points to it.
INDEXED_NAMES = {Category: "category", District: "district", Organisation: "organisation"}


def projects_using(instance):
    """The project pages whose index holds this snippet's name."""
    return ProjectPage.objects.filter(**{INDEXED_NAMES[type(instance)]: instance})


def _reindex_projects(sender, instance, created=False, raw=False, **kwargs):
    if created or raw:
        return  # nothing points to a new snippet yet; fixtures load pages themselves
    for page in projects_using(instance).iterator():
        insert_or_update_object(page)


def connect():
    for model in INDEXED_NAMES:
        post_save.connect(_reindex_projects, sender=model, dispatch_uid=f"search-reindex-{model._meta.label_lower}")
