"""SQLite FTS5 with Chinese analysis: tokens in, tokens out, the same score as PostgreSQL."""

from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.utils import get_content_type_pk

from search.backends.common import (
    AnalysedBackendMixin,
    AnalysedObjectIndexerMixin,
    IndexEntry,
    token_score,
)


class ChineseObjectIndexer(AnalysedObjectIndexerMixin, stock.ObjectIndexer):
    """Extracts a page's text as analysed tokens for the FTS5 table."""


class ChineseSQLiteIndex(stock.SQLiteIndex):
    """Writes analysed entries in one upsert; FTS5 follows through modelsearch's triggers."""

    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        content_type_id = get_content_type_pk(model)
        rows = []
        for obj in objs:
            indexer = ChineseObjectIndexer(obj, self.backend)
            rows.append(IndexEntry(
                content_type_id=content_type_id, object_id=indexer.id,
                title=indexer.title, autocomplete=indexer.autocomplete, body=indexer.body,
            ))
        if rows:
            IndexEntry._default_manager.using(self.write_connection.alias).bulk_create(
                rows, update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["title", "autocomplete", "body"],
            )


class ChineseSQLiteSearchQueryCompiler(stock.SQLiteSearchQueryCompiler):
    """Ranks by token presence; negated because the stock compiler sorts ascending (as for bm25)."""

    def _build_rank_expression(self, vectors, config):
        return -token_score(self.query, "index_entry__title", "index_entry__body")


class ChineseSQLiteAutocompleteQueryCompiler(stock.SQLiteAutocompleteQueryCompiler):
    """Prefix search over analysed titles, ranked like full search."""

    def _build_rank_expression(self, vectors, config):
        return -token_score(self.query, "index_entry__title", "index_entry__body")


class ChineseSQLiteSearchBackend(AnalysedBackendMixin, stock.SQLiteSearchBackend):
    """modelsearch's SQLite FTS5 backend, speaking Chinese."""

    query_compiler_class = ChineseSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseSQLiteAutocompleteQueryCompiler
    index_class = ChineseSQLiteIndex
