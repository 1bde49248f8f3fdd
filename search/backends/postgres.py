"""PostgreSQL tsvector (GIN) with Chinese analysis and the same score as SQLite."""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import BigIntegerField, F, IntegerField, Q, TextField, Value
from django.db.models.functions import Cast
from modelsearch.backends.database.postgres import postgres as stock
from modelsearch.query import And, Or, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks

from search.backends.common import (
    AnalysedBackendMixin,
    AnalysedObjectIndexerMixin,
    IndexEntry,
    IndexRankedResultsMixin,
    token_score,
)

# Tokens are already analysed: the 'simple' configuration only lower-cases, never stems.
TS_CONFIG = "simple"


def _present(lookup):
    """Condition: the tsvector at ``lookup`` holds the token (answered by the GIN index's tsvector)."""
    return lambda token: Q(**{lookup: SearchQuery(token, search_type="plain", config=TS_CONFIG)})


def postgres_score(query, prefix="index_entries__"):
    return token_score(
        query, title_length=f"{prefix}title_text",
        in_title=_present(f"{prefix}title"), in_body=_present(f"{prefix}body"),
    )


class RankedSearchMixin:
    """Ranks inside one query on the index table: match, queryset filters (semi-join), score, order.

    Scoring through the page queryset would join the index once per condition;
    on the index table itself every condition reads the row's own tsvectors.
    """

    def _build_rank_expression(self, vectors, config):
        return postgres_score(self.query)

    def get_search_vectors(self, search_query):
        return self.get_index_vectors(search_query)

    def can_rank_in_index(self):
        return self.order_by_relevance and isinstance(self.query, (PlainText, And, Or))

    def _token_match(self, token, prefix=False):
        if self.LAST_TERM_IS_PREFIX:
            # Autocomplete: the autocomplete vector only; the last token of a word may be a prefix.
            text = f"'{token}':*" if prefix else f"'{token}'"
            return Q(autocomplete=SearchQuery(text, search_type="raw", config=TS_CONFIG))
        # A token may sit in the title or the body; each side has its own GIN index.
        return _present("title")(token) | _present("body")(token)

    def _match(self, query):
        """The query as conditions on the index row, so PostgreSQL can combine the GIN indexes."""
        if isinstance(query, PlainText):
            tokens = query.query_string.split()
            parts = [self._token_match(token, prefix=i == len(tokens) - 1) for i, token in enumerate(tokens)]
            combined = parts[0]
            for part in parts[1:]:
                combined = (combined & part) if query.operator == "and" else (combined | part)
            return combined
        parts = [self._match(part) for part in query.subqueries]
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined & part) if isinstance(query, And) else (combined | part)
        return combined

    def _index_matches(self, config):
        allowed = self.queryset.order_by().annotate(_object_id=Cast("pk", TextField())).values("_object_id")
        return IndexEntry._default_manager.filter(
            self._match(self.query),
            content_type__in=get_descendants_content_types_pks(self.queryset.model),
            object_id__in=allowed,
        )

    def ranked(self, config, start, stop):
        """(object id, score) pairs, best first; ties: shorter title, then newest primary key."""
        pk_field = self.queryset.model._meta.pk
        pk_order = Cast("object_id", BigIntegerField()) if isinstance(pk_field, IntegerField) else F("object_id")
        rows = (
            self._index_matches(config)
            .annotate(score=postgres_score(self.query, prefix=""), _pk_order=pk_order)
            .order_by("-score", "-_pk_order")
            .values_list("object_id", "score")
        )
        return list(rows[start:stop])

    def count(self, config):
        return self._index_matches(config).count()


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


class ChinesePostgresSearchQueryCompiler(RankedSearchMixin, stock.PostgresSearchQueryCompiler):
    """Matches on the GIN-indexed tsvectors; ranks by token presence like SQLite."""


class ChinesePostgresAutocompleteQueryCompiler(RankedSearchMixin, stock.PostgresAutocompleteQueryCompiler):
    """Prefix search over analysed titles, ranked like full search."""


class ChinesePostgresSearchResults(IndexRankedResultsMixin, stock.PostgresSearchResults):
    """Fetches the ranked page of ids from the index, then only those objects."""


class ChinesePostgresSearchBackend(AnalysedBackendMixin, stock.PostgresSearchBackend):
    """modelsearch's PostgreSQL backend, speaking Chinese."""

    query_compiler_class = ChinesePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = ChinesePostgresAutocompleteQueryCompiler
    index_class = ChinesePostgresIndex
    results_class = ChinesePostgresSearchResults

    def __init__(self, params):
        super().__init__(params)
        self.config = TS_CONFIG
        self.autocomplete_config = TS_CONFIG
