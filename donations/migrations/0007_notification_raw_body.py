"""Notifications whose bytes PostgreSQL cannot keep as text are stored as base64, and say so."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('donations', '0006_ratelimit_counter'),
    ]

    operations = [
        migrations.AddField(
            model_name='gatewaynotification',
            name='body_encoding',
            field=models.CharField(choices=[('text', 'UTF-8 文本'), ('base64', 'Base64（原始字节）')], default='text', max_length=10, verbose_name='正文编码'),
        ),
    ]
