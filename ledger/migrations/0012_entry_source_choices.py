"""Entry sources become a closed set (EntrySource); every stored value must already be one of them.

Entries cannot be changed, so an unknown stored source cannot be mapped: the migration stops and
names it, and the fix is to add that value to EntrySource.
"""

from django.db import migrations, models

SOURCES = ["", "donation", "refund", "annual_report"]


def check_stored_sources(apps, schema_editor):
    entry = apps.get_model("ledger", "LedgerEntry")
    unknown = sorted(set(entry.objects.exclude(source__in=SOURCES).values_list("source", flat=True).distinct()))
    if unknown:
        raise RuntimeError(f"账本中有未登记的来源 {unknown}；请先把它们加入 ledger.models.EntrySource。")


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0011_pending_entries"),
    ]

    operations = [
        migrations.RunPython(check_stored_sources, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ledgerentry",
            name="source",
            field=models.CharField(blank=True, choices=[("", "财务录入"), ("donation", "捐赠订单"), ("refund", "捐赠退款"), ("annual_report", "年度报告汇总")], max_length=30, verbose_name="来源"),
        ),
    ]
