"""On PostgreSQL, the database itself refuses UPDATE and DELETE on published-figure records.

The application already refuses them (see FigureRecordQuerySet); this stops a stray script or
console session too, as ledger/migrations/0005 does for ledger entries.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cms_pages_figurerecord_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published-figure records are append-only: % refused on record %', TG_OP, OLD.id
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cms_pages_figurerecord_append_only BEFORE UPDATE OR DELETE ON cms_pages_figurerecord
    FOR EACH ROW EXECUTE FUNCTION cms_pages_figurerecord_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS cms_pages_figurerecord_append_only ON cms_pages_figurerecord;
DROP FUNCTION IF EXISTS cms_pages_figurerecord_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cms_pages", "0004_figure_trace")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
