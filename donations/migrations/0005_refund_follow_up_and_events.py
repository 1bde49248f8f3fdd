"""Refunds in flight are followed up (gateway refund id and time, check count, next check), and every step of
a refund is a RefundEvent; on PostgreSQL an event can be neither changed nor deleted, like an order event.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Nothing in a refund event ever changes (actor_id is left out: deleting a staff account sets it to NULL).
FROZEN = ["refund_id", "from_status", "to_status", "cause", "payload", "notification_id", "created_at"]
TABLE = "donations_refundevent"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # donations_refuse_change() comes from 0004_append_only_admin.
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in FROZEN)
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_frozen BEFORE UPDATE ON {TABLE} FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION donations_refuse_change();"
        f"CREATE TRIGGER {TABLE}_kept BEFORE DELETE ON {TABLE} FOR EACH ROW "
        f"EXECUTE FUNCTION donations_refuse_change();", params=None,
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_frozen ON {TABLE};"
                          f"DROP TRIGGER IF EXISTS {TABLE}_kept ON {TABLE};", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0004_append_only_admin'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='refund',
            name='check_count',
            field=models.PositiveIntegerField(default=0, verbose_name='查询次数'),
        ),
        migrations.AddField(
            model_name='refund',
            name='gateway_refund_no',
            field=models.CharField(blank=True, max_length=64, verbose_name='支付平台退款单号'),
        ),
        migrations.AddField(
            model_name='refund',
            name='next_check_at',
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='下次查询时间'),
        ),
        migrations.AddField(
            model_name='refund',
            name='refunded_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='支付平台退款时间'),
        ),
        migrations.CreateModel(
            name='RefundEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(choices=[('requested', '处理中'), ('succeeded', '已退款'), ('failed', '失败')], max_length=20)),
                ('to_status', models.CharField(choices=[('requested', '处理中'), ('succeeded', '已退款'), ('failed', '失败')], max_length=20)),
                ('cause', models.CharField(max_length=200, verbose_name='原因')),
                ('payload', models.JSONField(blank=True, default=dict, verbose_name='原始数据')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('notification', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='donations.gatewaynotification')),
                ('refund', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='donations.refund')),
            ],
            options={
                'verbose_name': '退款事件',
                'verbose_name_plural': '退款事件',
                'ordering': ['created_at', 'id'],
                'default_permissions': ('view',),
            },
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
