"""Pending ledger records, the view totals read, and on PostgreSQL the triggers that keep the queue append-only.

No existing entry, hash or head changes: the queue starts empty.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Entries plus the records still queued; a pending row's id is minus its queue id.
VIEW = """
CREATE VIEW ledger_flowrow AS
SELECT id, kind, amount, occurred_on, project_id, category_label, source, source_ref, reverses_id
FROM ledger_ledgerentry
UNION ALL
SELECT -id, kind, amount, occurred_on, project_id, category_label, source, source_ref, NULL
FROM ledger_pendingentry WHERE entry_id IS NULL
"""
DROP_VIEW = "DROP VIEW IF EXISTS ledger_flowrow"

# The one change allowed: linking a queued record to its entry, once, leaving every other column as it was.
TRIGGERS = """
CREATE OR REPLACE FUNCTION ledger_pending_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.entry_id IS NULL AND NEW.entry_id IS NOT NULL
       AND (to_jsonb(NEW) - 'entry_id') = (to_jsonb(OLD) - 'entry_id') THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' AND coalesce(current_setting('ledger.allow_truncate', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'pending ledger records are append-only: % refused on record %', TG_OP, OLD.id
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_pending_append_only BEFORE UPDATE OR DELETE ON ledger_pendingentry
    FOR EACH ROW EXECUTE FUNCTION ledger_pending_guard();
CREATE TRIGGER ledger_pending_no_truncate BEFORE TRUNCATE ON ledger_pendingentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
"""
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS ledger_pending_append_only ON ledger_pendingentry;
DROP TRIGGER IF EXISTS ledger_pending_no_truncate ON ledger_pendingentry;
DROP FUNCTION IF EXISTS ledger_pending_guard();
"""


def create_view_and_triggers(apps, schema_editor):
    schema_editor.execute(VIEW, params=None)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS, params=None)


def drop_view_and_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS, params=None)
    schema_editor.execute(DROP_VIEW, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0010_witnesses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.WAGTAIL_PAGE_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FlowRow',
            fields=[
                ('id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('kind', models.CharField(max_length=20)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14)),
                ('occurred_on', models.DateField()),
                ('category_label', models.CharField(max_length=50)),
                ('source', models.CharField(max_length=30)),
                ('source_ref', models.CharField(max_length=64)),
            ],
            options={
                'db_table': 'ledger_flowrow',
                'managed': False,
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='PendingEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('grant_approval', '资助批准'), ('disbursement', '拨付'), ('donation', '捐赠收入'), ('refund', '捐赠退款'), ('fee', '支付手续费'), ('correction', '更正冲销')], max_length=20, verbose_name='类型')),
                ('amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='金额（元）')),
                ('occurred_on', models.DateField(verbose_name='发生日期')),
                ('category_label', models.CharField(blank=True, max_length=50, verbose_name='类别（汇总记录）')),
                ('memo', models.TextField(verbose_name='摘要')),
                ('source', models.CharField(blank=True, max_length=30, verbose_name='来源')),
                ('source_ref', models.CharField(blank=True, max_length=64, verbose_name='来源编号')),
                ('queued_at', models.DateTimeField(editable=False, verbose_name='排队时间')),
                ('entry', models.OneToOneField(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='pending', to='ledger.ledgerentry', verbose_name='入账记录')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.WAGTAIL_PAGE_MODEL, verbose_name='项目')),
                ('recorded_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='登记人')),
            ],
            options={
                'verbose_name': '待入账记录',
                'verbose_name_plural': '待入账记录',
                'ordering': ['id'],
                'default_permissions': ('view',),
                'base_manager_name': 'objects',
                'indexes': [models.Index(condition=models.Q(('entry__isnull', True)), fields=['id'], name='ledger_pending_queue')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='ledger_pending_amount_positive', violation_error_message='金额必须大于零；方向由记录类型决定。'), models.UniqueConstraint(fields=('kind', 'source', 'source_ref'), name='ledger_pending_unique_source_ref', violation_error_message='这个来源编号已经排队或登记过。'), models.CheckConstraint(condition=models.Q(('source_ref', ''), _negated=True), name='ledger_pending_has_source_ref', violation_error_message='待入账记录必须有来源编号，才能保证只入账一次。')],
            },
        ),
        migrations.RunPython(create_view_and_triggers, drop_view_and_triggers),
    ]
