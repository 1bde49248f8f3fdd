"""The 财务 (finance) group with ledger permissions only, and the chain head row."""

from django.db import migrations

FINANCE_GROUP = "财务"
LEDGER_PERMISSIONS = [("add_ledgerentry", "Can add 账本记录"), ("view_ledgerentry", "Can view 账本记录")]
# Finance staff attach vouchers, so they may upload and choose documents; nothing else.
DOCUMENT_PERMISSIONS = [("add_document", "Can add document"), ("choose_document", "Can choose document")]


def _permission(apps, app_label, model, codename, name):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def create_finance_group(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    ChainHead = apps.get_model("ledger.ChainHead")

    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    group.permissions.add(_permission(apps, "wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"))
    for codename, name in LEDGER_PERMISSIONS:
        group.permissions.add(_permission(apps, "ledger", "ledgerentry", codename, name))
    root = Collection.objects.filter(depth=1).first()
    if root is not None:
        for codename, name in DOCUMENT_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root,
                permission=_permission(apps, "wagtaildocs", "document", codename, name),
            )
    ChainHead.objects.get_or_create(pk=1)


def remove_finance_group(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name=FINANCE_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailcore", "0066_collection_management_permissions"),
        # After Wagtail's own migrations that hand choose permissions to every admin group.
        ("wagtailimages", "0023_add_choose_permissions"),
    ]

    operations = [migrations.RunPython(create_finance_group, remove_finance_group)]
