"""Permission names in Chinese, for the admin's group and user editing pages.

Django stores each permission's name once, in English ("Can add …", built from the model's name when the table was
made), and Wagtail's group editor shows those names; Wagtail's own extra permissions are English too. After every
migrate (post_migrate), names still in English are rewritten: the standard four from the model's Chinese name, the
others from the table below. Codenames, which code checks, never change.
"""

from django.utils import translation

ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}
NAMES = {
    "Can access Wagtail admin": "可以进入管理后台",
    "Delete pages with children": "删除含子页面的页面",
    "Bulk delete pages with children": "批量删除含子页面的页面",
    "Lock/unlock pages you've locked": "锁定/解锁自己锁定的页面",
    "Publish any page": "发布任何页面",
    "Unlock any page": "解锁任何页面",
    "Can submit translations": "可以提交翻译",
    "Can choose document": "可以选择文档",
    "Can choose image": "可以选择图片",
    "Can choose snippet": "可以选择片段",
    "Can publish a redacted copy of 封存凭证": "可以公开封存凭证的脱敏副本",
}


def chinese_name(permission) -> str | None:
    """The permission's Chinese name, or None when it has no English one to replace."""
    if not permission.name.isascii() and not permission.name.startswith("Can "):
        return None
    if permission.name in NAMES:
        return NAMES[permission.name]
    model = permission.content_type.model_class()
    action, _, model_name = permission.codename.partition("_")
    if model is not None and action in ACTIONS and model_name == model._meta.model_name:
        # A model without a verbose name (Wagtail's Locale) has its English one, which our catalogue translates.
        return f"可以{ACTIONS[action]}{translation.gettext(str(model._meta.verbose_name))}"
    return None


def permission_names_chinese(sender=None, using="default", **kwargs) -> int:
    """Rewrite the English permission names; returns how many changed. Safe to run any number of times."""
    from django.conf import settings
    from django.contrib.auth.models import Permission

    changed = 0
    with translation.override(settings.LANGUAGE_CODE):
        for permission in Permission.objects.using(using).select_related("content_type"):
            name = chinese_name(permission)
            if name and name != permission.name:
                permission.name = name[:255]
                permission.save(using=using, update_fields=["name"])
                changed += 1
    return changed
