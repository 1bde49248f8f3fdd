"""On PostgreSQL, TRUNCATE of ledger entries, and DELETE or TRUNCATE of the chain-head row, are refused.

Row triggers (0005) do not fire on TRUNCATE. A deliberate maintenance job (the test suite's
flush between tests) may set `ledger.allow_truncate = 'on'` for its own transaction; as with
the other triggers, an owner can also drop them, which is why the chain is public.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('ledger.allow_truncate', true), '') = 'on' THEN
        RETURN OLD;  -- ignored for TRUNCATE; lets an allowed row DELETE go ahead
    END IF;
    RAISE EXCEPTION 'ledger is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'raise_exception';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_ledgerentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER ledger_head_no_truncate BEFORE TRUNCATE ON ledger_chainhead
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
CREATE TRIGGER ledger_head_no_delete BEFORE DELETE ON ledger_chainhead
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS ledger_no_truncate ON ledger_ledgerentry;
DROP TRIGGER IF EXISTS ledger_head_no_truncate ON ledger_chainhead;
DROP TRIGGER IF EXISTS ledger_head_no_delete ON ledger_chainhead;
DROP FUNCTION IF EXISTS ledger_refuse_truncate();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_private_voucher_collection")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
