"""On PostgreSQL, the database itself refuses UPDATE and DELETE on ledger entries.

The application already refuses them; this stops a stray script or console session too.
Someone with owner rights can still disable the trigger, which is why every entry is also
hash-chained and anyone can re-verify the chain.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: % refused on entry %', TG_OP, OLD.id
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS ledger_append_only ON ledger_ledgerentry;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_guarded_base_manager")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
