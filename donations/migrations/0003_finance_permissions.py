"""Finance staff (the 财务 group) see donations, record offline transfers, refund, reconcile, mark receipts issued."""

from django.db import migrations

FINANCE_GROUP = "财务"
PERMISSIONS = {
    "donation": [("view", "view"), ("add", "add"), ("change", "change")],
    "refund": [("view", "view"), ("add", "add")],
    "reconciliationrun": [("view", "view"), ("add", "add")],
    "gatewaynotification": [("view", "view")],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    for model, actions in PERMISSIONS.items():
        content_type, _ = ContentType.objects.get_or_create(app_label="donations", model=model)
        for action, label in actions:
            permission, _ = Permission.objects.get_or_create(
                content_type=content_type, codename=f"{action}_{model}", defaults={"name": f"Can {label} {model}"}
            )
            group.permissions.add(permission)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    group = Group.objects.filter(name=FINANCE_GROUP).first()
    if group:
        group.permissions.remove(*group.permissions.filter(content_type__app_label="donations"))


class Migration(migrations.Migration):
    dependencies = [
        ("donations", "0002_reconciliation"),
        ("ledger", "0002_finance_group_and_chain_head"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
