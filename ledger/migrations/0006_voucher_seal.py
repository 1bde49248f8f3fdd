"""Entries carry their voucher file's SHA-256 (hashed when set); sealed vouchers and their public copies."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ledger', '0005_append_only_trigger'),
        ('wagtaildocs', '0014_alter_document_file_size'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ledgerentry',
            name='voucher_sha256',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=64, verbose_name='凭证 SHA-256'),
        ),
        migrations.CreateModel(
            name='VoucherSeal',
            fields=[
                ('document', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='ledger_seal', serialize=False, to='wagtaildocs.document', verbose_name='凭证')),
                ('sha256', models.CharField(max_length=64, verbose_name='文件 SHA-256')),
                ('sealed_at', models.DateTimeField(auto_now_add=True, verbose_name='封存时间')),
                ('public_copy', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='wagtaildocs.document', verbose_name='公开的脱敏副本')),
                ('public_copy_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='公开人')),
            ],
            options={
                'verbose_name': '封存凭证',
                'verbose_name_plural': '封存凭证',
                'default_permissions': ('view',),
                'permissions': [('publish_voucherseal', 'Can publish a redacted copy of 封存凭证')],
            },
        ),
    ]
