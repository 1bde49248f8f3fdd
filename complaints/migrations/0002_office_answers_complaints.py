"""Moderators (审核员, the fund office's publishing staff) read and answer complaints in the admin."""

from django.db import migrations

GROUP = "审核员"
PERMISSIONS = [("view_complaint", "Can view 举报与意见"), ("change_complaint", "Can change 举报与意见")]


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="complaints", model="complaint")
    for codename, name in PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": name})
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="complaints"))


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        # The group is created there.
        ("cms_pages", "0003_editor_groups_and_workflow"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
