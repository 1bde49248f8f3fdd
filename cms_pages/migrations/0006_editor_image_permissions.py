"""Editors and moderators upload, choose and edit images: stories with photos are their work.

Wagtail checks image permissions per collection (GroupCollectionPermission) against its own
``wagtailimages.Image`` permissions, also for a custom image model. Granted on the root
collection, so on every collection below it. Deleting images stays with administrators, since a
published story may use one. Documents: both groups already add, choose and change them.
"""

from django.db import migrations

GROUPS = ("编辑", "审核员")
IMAGE_PERMISSIONS = [
    ("add_image", "Can add image"), ("change_image", "Can change image"), ("choose_image", "Can choose image"),
]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    image_ct, _ = ContentType.objects.get_or_create(app_label="wagtailimages", model="image")
    permissions = [
        Permission.objects.get_or_create(content_type=image_ct, codename=codename, defaults={"name": name})[0]
        for codename, name in IMAGE_PERMISSIONS
    ]
    for group in Group.objects.filter(name__in=GROUPS):
        for permission in permissions:
            GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)


def revoke(apps, schema_editor):
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    GroupCollectionPermission.objects.filter(
        group__name__in=GROUPS, permission__content_type__app_label="wagtailimages",
        permission__codename__in=["add_image", "change_image"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0005_figure_records_append_only"),
        ("wagtailimages", "0027_image_description"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
