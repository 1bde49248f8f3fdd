"""The ledger's one link to the content that names projects: the model in ``settings.LEDGER_PROJECT_MODEL``.

The ledger never imports the content app. An entry's project is a Wagtail page of the model named
by the setting (``"app_label.ModelName"``, a subclass of ``wagtailcore.Page``). That model says
how to reach a project's category with one class attribute, ``ledger_category_paths``: a dict
with the ORM lookup paths ``"name"`` and ``"slug"`` from the project, e.g.
``{"name": "category__name", "slug": "category__slug"}``. A model without it has no categories:
entries are then grouped by their own ``category_label`` only.
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["category_lookup", "category_path", "project_model", "project_model_label"]


def project_model_label() -> str:
    """``app_label.ModelName`` of the project page type, as configured."""
    label = getattr(settings, "LEDGER_PROJECT_MODEL", "")
    if not label or label.count(".") != 1:
        raise ImproperlyConfigured("LEDGER_PROJECT_MODEL 必须形如 'app_label.ModelName'，指明账本记录的项目页面类型。")
    return label


def project_model():
    try:
        return apps.get_model(project_model_label())
    except LookupError as error:
        raise ImproperlyConfigured(f"LEDGER_PROJECT_MODEL 指向的模型不存在：{error}") from error


def _category_paths() -> dict:
    return getattr(project_model(), "ledger_category_paths", None) or {}


def category_path(part: str) -> str | None:
    """The ORM path from a LedgerEntry to its project's category ``part`` ("name" or "slug"), or None.

    An entry's project is a Page; the project model is its multi-table child, reached by the
    child's lower-case model name.
    """
    path = _category_paths().get(part)
    if not path:
        return None
    return f"project__{project_model()._meta.model_name}__{path}"


def category_lookup():
    """(category model, name field, slug field) reached from the project model, or None without categories."""
    paths = _category_paths()
    if not paths.get("name") or not paths.get("slug"):
        return None
    *name_relations, name_field = paths["name"].split("__")
    *slug_relations, slug_field = paths["slug"].split("__")
    if name_relations != slug_relations or not name_relations:
        raise ImproperlyConfigured("ledger_category_paths 的 name 与 slug 必须经同一个关联到达类别。")
    model = project_model()
    for name in name_relations:
        model = model._meta.get_field(name).related_model
    return model, name_field, slug_field
