"""PostgreSQL tsvector (GIN) with Chinese analysis and the same score as SQLite."""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q, TextField, Value
from modelsearch.backends.database.postgres import postgres as stock
from modelsearch.utils import get_content_type_pk

from search.backends.common import (
    AnalysedBackendMixin,
    AnalysedObjectIndexerMixin,
    IndexEntry,
    token_score,
)

# Tokens are already analysed: the 'simple' configuration only lower-cases, never stems.
TS_CONFIG = "simple"


def _present(lookup):
    """Condition: the tsvector at ``lookup`` holds the token (answered by the GIN index's tsvector)."""
    return lambda token: Q(**{lookup: SearchQuery(token, search_type="plain", config=TS_CONFIG)})


def postgres_score(query):
    return token_score(
        query, title_length="index_entries__title_text",
        in_title=_present("index_entries__title"), in_body=_present("index_entries__body"),
    )


def _vector(text):
    return SearchVector(Value(text, output_field=TextField()), config=TS_CONFIG)


class ChineseObjectIndexer(AnalysedObjectIndexerMixin, stock.ObjectIndexer):
    """Extracts a page's text as analysed tokens for the tsvector columns."""


class ChinesePostgresIndex(stock.PostgresIndex):
    """Writes analysed entries in one upsert: tsvectors for matching, token text for ranking."""

    def add_items(self, model, objs):
        if not model.get_search_fields():
            return
        content_type_id = get_content_type_pk(model)
        rows = []
        for obj in objs:
            indexer = ChineseObjectIndexer(obj, self.backend)
            title, body = indexer.title_text, indexer.body_text
            rows.append(IndexEntry(
                content_type_id=content_type_id, object_id=indexer.id,
                title=_vector(title), body=_vector(body),
                autocomplete=_vector(self._autocomplete_text(indexer)),
                title_text=title, body_text=body,
            ))
        if rows:
            IndexEntry._default_manager.using(self.write_connection.alias).bulk_create(
                rows, update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["title", "autocomplete", "body", "title_text", "body_text"],
            )

    @staticmethod
    def _autocomplete_text(indexer):
        return " ".join(
            value for field in indexer.search_fields
            for current, _boost, value in indexer.prepare_field(indexer.obj, field)
            if isinstance(current, stock.AutocompleteField)
        )


class ChinesePostgresSearchQueryCompiler(stock.PostgresSearchQueryCompiler):
    """Matches on the GIN-indexed tsvectors; ranks by token presence like SQLite."""

    def get_search_vectors(self, search_query):
        return self.get_index_vectors(search_query)

    def _build_rank_expression(self, vectors, config):
        return postgres_score(self.query)


class ChinesePostgresAutocompleteQueryCompiler(stock.PostgresAutocompleteQueryCompiler):
    """Prefix search over analysed titles, ranked like full search."""

    def get_search_vectors(self, search_query):
        return self.get_index_vectors(search_query)

    def _build_rank_expression(self, vectors, config):
        return postgres_score(self.query)


class ChinesePostgresSearchBackend(AnalysedBackendMixin, stock.PostgresSearchBackend):
    """modelsearch's PostgreSQL backend, speaking Chinese."""

    query_compiler_class = ChinesePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = ChinesePostgresAutocompleteQueryCompiler
    index_class = ChinesePostgresIndex

    def __init__(self, params):
        super().__init__(params)
        self.config = TS_CONFIG
        self.autocomplete_config = TS_CONFIG
