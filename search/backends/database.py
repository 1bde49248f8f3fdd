"""The embedded backend, named in WAGTAILSEARCH_BACKENDS as ``search.backends.database``."""

from django.db import connection


def SearchBackend(params):  # noqa: N802 - the name modelsearch looks for
    """The Chinese-aware backend for the configured database (SQLite FTS5 or PostgreSQL)."""
    if connection.vendor == "postgresql":
        from search.backends.postgres import ChinesePostgresSearchBackend

        return ChinesePostgresSearchBackend(params)
    if connection.vendor == "sqlite":
        from search.backends.sqlite import ChineseSQLiteSearchBackend

        return ChineseSQLiteSearchBackend(params)
    raise NotImplementedError(f"Chinese search supports SQLite and PostgreSQL, not {connection.vendor}.")
