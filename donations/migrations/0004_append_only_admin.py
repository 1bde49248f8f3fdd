"""Money records change only through the services: no change or delete permission, and PostgreSQL refuses it.

- Django's change_/delete_ permissions of these models are removed (and so taken from every group and
  user); marking an official receipt issued gets its own permission, granted to the 财务 group, which
  also may now read issued receipts.
- On PostgreSQL a trigger refuses an UPDATE that changes what a gift, refund or receipt *is* (amount,
  order or request number, receipt number …), a raw notification as received, or an order event, and
  any DELETE of them, so a console session or raw SQL cannot do what the admin no longer offers. The
  models refuse the same in ``save()`` on every database.
"""

from django.db import migrations

FINANCE_GROUP = "财务"
MODELS = ["donation", "donationevent", "gatewaynotification", "receipt", "receiptcounter", "reconciliationrun",
          "refund"]
# What remains (add/view where a service creates through the admin, view elsewhere) is declared in Meta.
KEPT = {"add_donation", "view_donation", "issue_official_receipt", "view_donationevent", "view_gatewaynotification",
        "view_receipt", "add_reconciliationrun", "view_reconciliationrun", "add_refund", "view_refund"}
GRANTED = [("donation", "issue_official_receipt", "可登记公益事业捐赠票据已开具"), ("receipt", "view_receipt", "Can view 捐赠证书")]

# Each table: the columns fixed once a row is stored.
FROZEN = {
    "donations_donation": ["campaign_id", "out_trade_no", "gateway", "channel", "amount", "donor_name", "anonymous",
                           "message"],
    "donations_refund": ["donation_id", "out_request_no", "amount"],
    "donations_receipt": ["donation_id", "year", "serial", "number", "issued_at"],
    "donations_gatewaynotification": ["gateway", "received_at", "headers", "body", "remote_addr"],
    # The audit trail of an order: nothing in an event ever changes.
    # (actor_id is left out: deleting a staff account sets it to NULL.)
    "donations_donationevent": ["donation_id", "from_status", "to_status", "cause", "payload", "notification_id",
                                "created_at"],
}
FUNCTION = """
CREATE OR REPLACE FUNCTION donations_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'money records change only through the services: % refused on %.%', TG_OP, TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
"""


def _trigger_sql(table, columns):
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    return (
        f"CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION donations_refuse_change();"
        f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} FOR EACH ROW "
        f"EXECUTE FUNCTION donations_refuse_change();"
    )


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table, columns in FROZEN.items():
        schema_editor.execute(_trigger_sql(table, columns), params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FROZEN:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};"
                              f"DROP TRIGGER IF EXISTS {table}_kept ON {table};", params=None)
    schema_editor.execute("DROP FUNCTION IF EXISTS donations_refuse_change();", params=None)


def narrow_permissions(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    Permission.objects.filter(content_type__app_label="donations", content_type__model__in=MODELS).exclude(
        codename__in=KEPT).delete()
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    for model, codename, name in GRANTED:
        content_type, _ = ContentType.objects.get_or_create(app_label="donations", model=model)
        permission, _ = Permission.objects.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": name})
        group.permissions.add(permission)


def restore_change_permission(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    Group = apps.get_model("auth.Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="donations", model="donation")
    permission, _ = Permission.objects.get_or_create(content_type=content_type, codename="change_donation",
                                                     defaults={"name": "Can change donation"})
    group = Group.objects.filter(name=FINANCE_GROUP).first()
    if group:
        group.permissions.add(permission)


class Migration(migrations.Migration):

    dependencies = [
        ("donations", "0003_finance_permissions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="donation",
            options={"default_permissions": ("add", "view"), "ordering": ["-created_at"], "permissions": [("issue_official_receipt", "可登记公益事业捐赠票据已开具")], "verbose_name": "捐赠订单", "verbose_name_plural": "捐赠订单"},
        ),
        migrations.AlterModelOptions(
            name="donationevent",
            options={"default_permissions": ("view",), "ordering": ["created_at", "id"], "verbose_name": "订单事件", "verbose_name_plural": "订单事件"},
        ),
        migrations.AlterModelOptions(
            name="gatewaynotification",
            options={"default_permissions": ("view",), "ordering": ["-received_at"], "verbose_name": "支付通知", "verbose_name_plural": "支付通知"},
        ),
        migrations.AlterModelOptions(
            name="receipt",
            options={"default_permissions": ("view",), "ordering": ["-year", "-serial"], "verbose_name": "捐赠证书", "verbose_name_plural": "捐赠证书"},
        ),
        migrations.AlterModelOptions(
            name="receiptcounter",
            options={"default_permissions": (), "verbose_name": "收据编号计数器"},
        ),
        migrations.AlterModelOptions(
            name="reconciliationrun",
            options={"default_permissions": ("add", "view"), "ordering": ["-day", "-ran_at"], "verbose_name": "对账记录", "verbose_name_plural": "对账记录"},
        ),
        migrations.AlterModelOptions(
            name="refund",
            options={"default_permissions": ("add", "view"), "ordering": ["-created_at"], "verbose_name": "退款", "verbose_name_plural": "退款"},
        ),
        migrations.RunPython(narrow_permissions, restore_change_permission),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
