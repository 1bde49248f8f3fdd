"""Receipt numbers from several counters per year (stripes), so concurrent gifts do not queue on one row.

Existing receipts keep their numbers and serials as stripe 0 (``YYYY-NNNNNN``); new ones are
``YYYY-S-NNNNNN`` with S from 1 to 8. On PostgreSQL the receipt's frozen columns now include the stripe.
"""

from django.db import migrations, models

FROZEN_OLD = "donation_id, year, serial, number, issued_at".split(", ")
FROZEN_NEW = "donation_id, year, stripe, serial, number, issued_at".split(", ")


def _frozen_trigger(columns):
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
    return (
        "DROP TRIGGER IF EXISTS donations_receipt_frozen ON donations_receipt;"
        "CREATE TRIGGER donations_receipt_frozen BEFORE UPDATE ON donations_receipt FOR EACH ROW "
        f"WHEN ({changed}) EXECUTE FUNCTION donations_refuse_change();"
    )


def freeze_stripe(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_frozen_trigger(FROZEN_NEW), params=None)


def unfreeze_stripe(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_frozen_trigger(FROZEN_OLD), params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0007_notification_raw_body'),
    ]

    operations = [
        migrations.CreateModel(
            name='ReceiptStripe',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('stripe', models.PositiveSmallIntegerField()),
                ('last_serial', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': '收据编号计数器',
                'default_permissions': (),
            },
        ),
        migrations.DeleteModel(
            name='ReceiptCounter',
        ),
        migrations.AlterModelOptions(
            name='receipt',
            options={'default_permissions': ('view',), 'ordering': ['-issued_at', '-id'], 'verbose_name': '捐赠证书', 'verbose_name_plural': '捐赠证书'},
        ),
        migrations.RemoveConstraint(
            model_name='receipt',
            name='receipt_serial_unique_per_year',
        ),
        migrations.AddField(
            model_name='receipt',
            name='stripe',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name='receipt',
            constraint=models.UniqueConstraint(fields=('year', 'stripe', 'serial'), name='receipt_serial_unique_per_stripe'),
        ),
        migrations.AddConstraint(
            model_name='receiptstripe',
            constraint=models.UniqueConstraint(fields=('year', 'stripe'), name='receipt_stripe_unique'),
        ),
        migrations.AddConstraint(
            model_name='receiptstripe',
            constraint=models.CheckConstraint(condition=models.Q(('stripe__gte', 1)), name='receipt_stripe_positive'),
        ),
        migrations.RunPython(freeze_stripe, unfreeze_stripe),
    ]
