"""Figure records say what changed (correction, rename, addition, withdrawal), the old name and who.

Existing corrections are marked as such; the records become append-only (no change or delete
permission, a guarded queryset) and protect their report from deletion.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_existing_corrections(apps, schema_editor):
    FigureRecord = apps.get_model("cms_pages", "FigureRecord")
    FigureRecord.objects.filter(is_correction=True).update(action="corrected")


class Migration(migrations.Migration):

    dependencies = [
        ('cms_pages', '0003_editor_groups_and_workflow'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='figurerecord',
            options={'base_manager_name': 'objects', 'default_permissions': ('add', 'view'), 'ordering': ['recorded_at', 'pk'], 'verbose_name': '公布数字记录', 'verbose_name_plural': '公布数字记录'},
        ),
        migrations.AddField(
            model_name='annualreportpage',
            name='correction_basis',
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True, verbose_name='更正原因依据的记录'),
        ),
        migrations.AddField(
            model_name='figurerecord',
            name='action',
            field=models.CharField(choices=[('published', '首次公布'), ('added', '补充公布'), ('corrected', '更正'), ('renamed', '更名'), ('deleted', '撤回')], default='published', max_length=20, verbose_name='变动'),
        ),
        migrations.AddField(
            model_name='figurerecord',
            name='old_label',
            field=models.CharField(blank=True, max_length=100, verbose_name='原名称'),
        ),
        migrations.AddField(
            model_name='figurerecord',
            name='recorded_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人'),
        ),
        migrations.AlterField(
            model_name='annualreportpage',
            name='correction_reason',
            field=models.CharField(blank=True, help_text='修改、更名、新增或删除已公布的数字时必填；发布后记入公开的更正记录，每次更正都要重新填写。', max_length=255, verbose_name='更正原因'),
        ),
        migrations.AlterField(
            model_name='figurerecord',
            name='page',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='figure_records', to='cms_pages.annualreportpage'),
        ),
        migrations.RunPython(mark_existing_corrections, migrations.RunPython.noop),
    ]
