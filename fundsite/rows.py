"""Rows written on the payment path as one plain statement each, built once per model.

A paid notification writes four rows and changes two; Django's ORM spent more CPU compiling those
statements than PostgreSQL spent running them (benchmarks/notify_http.py). These helpers send the
statement Model.save would send, with every value prepared by its own field exactly as save prepares
it, but compose the SQL once per model. They send no model signals: use them only for money records
that nothing listens to (tests/donations/test_rows.py holds both paths to the same rows).
"""

from functools import cache

from django.db import connection


@cache
def _insert_sql(model, vendor, suffix):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    returning = f" RETURNING {quote(model._meta.pk.column)}"
    placeholders = ", ".join(["%s"] * len(fields))
    values = f"SELECT {placeholders}{suffix}" if suffix else f"VALUES ({placeholders})"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {values}{returning}"  # noqa: S608 (model's names)
    return fields, sql


def row_insert(instance, *, from_clause=""):
    """INSERT ``instance`` as Model.save(force_insert=True) would, in one statement; sets its pk.

    ``from_clause`` (e.g. ``" FROM (SELECT set_config(…)) AS s"``) lets a caller attach a setting to the
    same statement. Frozen-field models remember their stored values, as after a save.
    """
    fields, sql = _insert_sql(type(instance), connection.vendor, from_clause)
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, connection.alias
    if hasattr(instance, "_remember_frozen"):
        instance._remember_frozen()
    return instance


@cache
def _update_sql(model, vendor, names):
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    return fields, (f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608 (names from the model)
                    f"WHERE {quote(model._meta.pk.column)} = %s")


def row_update(model, pk, **values):
    """UPDATE one row's named columns as ``Model.objects.filter(pk=pk).update(**values)`` would; rows changed."""
    fields, sql = _update_sql(model, connection.vendor, tuple(values))
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, model._meta.pk.get_db_prep_value(pk, connection)])
        return cursor.rowcount
