"""SQL pieces the search selectors need beyond what the ORM spells well."""

import json

from django.db.models import BigIntegerField, Expression


class IdList(Expression):
    """A list of integer ids as one query parameter, for ``pk__in``: one array or JSON value, not thousands.

    A broad query matches thousands of pages; spelled out as ``IN (%s, %s, …)``
    they cost more to build and parse than to read, and SQLite caps the number
    of parameters.
    """

    def __init__(self, ids):
        super().__init__(output_field=BigIntegerField())
        self.ids = [int(pk) for pk in ids]

    def as_sql(self, compiler, connection):
        # Sent as text: the driver adapts a long Python list element by element, far slower.
        if connection.vendor == "postgresql":
            return "(SELECT unnest(%s::bigint[]))", ["{" + ",".join(map(str, self.ids)) + "}"]
        return "(SELECT value FROM json_each(%s))", [json.dumps(self.ids)]
