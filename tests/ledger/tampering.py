"""Raw SQL as someone with full database rights would run it, past the PostgreSQL trigger."""

from django.db import connection

from ledger.models import LedgerEntry

TABLE = LedgerEntry._meta.db_table


def raw_sql(statement, params=()):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A superuser's way round every trigger, the append-only one included.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
