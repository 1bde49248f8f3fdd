from django.db import migrations, models


def seed(apps, schema_editor):
    from search.synonyms import SEED

    SynonymSet = apps.get_model("search", "SynonymSet")
    if not SynonymSet.objects.exists():
        SynonymSet.objects.bulk_create([SynonymSet(words=words, note=note) for words, note in SEED])


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SynonymSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("words", models.CharField(
                    help_text="意思相同的词，用逗号、顿号或空格隔开，例如：自闭症、孤独症。修改后立即用于搜索，无需重建索引。",
                    max_length=500, verbose_name="同义词")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="备注")),
            ],
            options={"verbose_name": "搜索同义词", "verbose_name_plural": "搜索同义词", "ordering": ["pk"]},
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
