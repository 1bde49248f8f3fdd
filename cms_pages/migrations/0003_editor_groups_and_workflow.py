"""Editors draft and submit; moderators publish; every page goes through moderation.

Wagtail's own migrations create "Editors" and "Moderators" with page permissions on the
root and a "Moderators approval" workflow; we name them in Chinese, take publishing away
from editors, and make sure the workflow is active and covers the whole tree.
"""

from django.db import migrations

EDITORS, MODERATORS, WORKFLOW = "编辑", "审核员", "审核发布"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    Task = apps.get_model("wagtailcore", "Task")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    ContentType = apps.get_model("contenttypes", "ContentType")

    editors = Group.objects.filter(name="Editors").first() or Group.objects.get_or_create(name=EDITORS)[0]
    editors.name = EDITORS
    editors.save()
    moderators = Group.objects.filter(name="Moderators").first() or Group.objects.get_or_create(name=MODERATORS)[0]
    moderators.name = MODERATORS
    moderators.save()

    admin_access = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin").first()
    for group in (editors, moderators):
        if admin_access:
            group.permissions.add(admin_access)

    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    page_ct = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")[0]

    def page_perm(codename):
        return Permission.objects.get_or_create(content_type=page_ct, codename=codename, defaults={"name": codename})[0]

    for codename in ("add_page", "change_page"):
        GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=page_perm(codename))
    for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
        GroupPagePermission.objects.get_or_create(group=moderators, page=root, permission=page_perm(codename))
    GroupPagePermission.objects.filter(group=editors, permission__codename__in=["publish_page", "bulk_delete_page"]).delete()

    workflow = Workflow.objects.filter(name="Moderators approval").first() or Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=WORKFLOW, active=True)
    workflow.name, workflow.active = WORKFLOW, True
    workflow.save()
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        task_ct = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")[0]
        task = GroupApprovalTask.objects.create(name="审核员审批", content_type=task_ct, active=True)
        task.groups.add(moderators)
        WorkflowTask.objects.create(workflow=workflow, task=Task.objects.get(pk=task.pk), sort_order=0)
    Task.objects.filter(name="Moderators approval").update(name="审核员审批")
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})


class Migration(migrations.Migration):
    dependencies = [
        ("cms_pages", "0002_annualreportpage_correction_reason_figurerecord"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
