"""PostgreSQL tsvector (GIN) with Chinese analysis and the same score as SQLite."""

from contextlib import contextmanager

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections, transaction
from django.db.models import IntegerField, Q, TextField, Value
from django.db.models.functions import Cast
from modelsearch.backends.database.postgres import postgres as stock
from modelsearch.query import And, Not, Or, PlainText
from modelsearch.utils import get_content_type_pk, get_descendants_content_types_pks

from search.backends.common import (
    AnalysedBackendMixin,
    AnalysedObjectIndexerMixin,
    IndexEntry,
    IndexRankedResultsMixin,
    TokenRankingMixin,
    content_type_pks,
    document_text,
    title_bonus,
    token_score,
)

# Tokens are already analysed: the 'simple' configuration only lower-cases, never stems.
TS_CONFIG = "simple"


def _present(lookup):
    """Condition: the tsvector at ``lookup`` holds the token."""
    return lambda token: Q(**{lookup: SearchQuery(token, search_type="plain", config=TS_CONFIG)})


def postgres_score(query, prefix="index_entries__", body_known=None):
    return token_score(
        query, title_norm=f"{prefix}title_norm", body_known=body_known,
        in_title=_present(f"{prefix}title"), in_body=_present(f"{prefix}body"),
    )


def _lexeme(token, prefix=False):
    quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


# Planner settings for the ranked query, local to its transaction (see _bitmap_scans).
BITMAP_SCAN_SETTINGS = {"enable_seqscan": "off", "jit": "off"}


@contextmanager
def _bitmap_scans(using):
    """Run the enclosed reads with the index table read through its GIN index, never scanned whole.

    PostgreSQL's planner does not cost decompressing a large tsvector, so for a
    common token it prefers a sequential scan that decompresses every body:
    about five times slower than the GIN index's bitmap scan, measured on 10,000
    documents (benchmarks/bench_search.py). JIT is off for the same queries: a
    disabled plan's nominal cost would otherwise trigger compilation that costs
    more than the query. The settings are local to a transaction (or savepoint)
    of our own that is always rolled back: only reads run in it, and the
    rollback puts the settings back as they were, whoever opened the outer one.
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(BITMAP_SCAN_SETTINGS)),
            [part for item in BITMAP_SCAN_SETTINGS.items() for part in item],
        )
        yield cursor
        transaction.set_rollback(True, using=using)


class RankedSearchMixin(TokenRankingMixin):
    """Ranks in one statement: the GIN match and scores first, on their own, then the queryset's filters and order.

    The whole query becomes one tsquery against one tsvector column, so the GIN
    index answers it in a single bitmap scan, and the score reads only the small
    title vector (see ``token_score``). The matches are materialised before the
    queryset's filters join them: planned together, the planner's choices for
    the page table and for the index table pulled each other into slow plans.
    A page of results joins only the best few dozen matches (see ``ranked``).
    """

    VECTOR = "body"

    def _build_rank_expression(self, vectors, config):
        return postgres_score(self.query, body_known=self._body_known())

    def get_search_vectors(self, search_query):
        return self.get_index_vectors(search_query)

    def can_rank_in_index(self):
        return self.order_by_relevance and isinstance(self.query, (PlainText, And, Or))

    def _tsquery(self, query):
        """The analysed query as tsquery text: & for AND, | for OR, ! for NOT."""
        if isinstance(query, PlainText):
            tokens = query.query_string.split()
            lexemes = [_lexeme(token, prefix=self.LAST_TERM_IS_PREFIX and i == len(tokens) - 1)
                       for i, token in enumerate(tokens)]
            return "(" + (" & " if query.operator == "and" else " | ").join(lexemes) + ")"
        if isinstance(query, Not):
            return "!" + self._tsquery(query.subquery)
        operator = " & " if isinstance(query, And) else " | "
        return "(" + operator.join(self._tsquery(part) for part in query.subqueries) + ")"

    def _compiled(self):
        """The index entries matching (with scores) and the queryset's allowed ids, as SQL, compiled once."""
        if not hasattr(self, "_compiled_parts"):
            model = self.queryset.model
            match = SearchQuery(self._tsquery(self.query), search_type="raw", config=TS_CONFIG)
            entries = (
                IndexEntry._default_manager.filter(Q(**{self.VECTOR: match}))
                .annotate(score=postgres_score(self.query, prefix="", body_known=self._body_known()))
                .values("object_id", "content_type_id", "score")
            )
            if isinstance(model._meta.pk, IntegerField):
                key, allowed = "{alias}.object_id::bigint", self.queryset.order_by().values("pk")
            else:
                key = "{alias}.object_id"
                allowed = self.queryset.order_by().annotate(_object_id=Cast("pk", TextField())).values("_object_id")
            self._compiled_parts = (
                entries.db, key, *entries.query.sql_with_params(), *allowed.query.sql_with_params(),
                list(get_descendants_content_types_pks(model)),
            )
        return self._compiled_parts

    def _matches(self, select, tail="", tail_params=(), window=None):
        """Run ``SELECT <select> FROM m …`` over the queryset's matches ``m`` (object_id, score).

        With ``window``, ``m`` is only the best ``window`` entries of the index
        before the queryset's filters: enough for a first page, without joining
        thousands of matches to the page table.
        """
        using, key, entries_sql, entries_params, allowed_sql, allowed_params, content_types = self._compiled()
        best = f"ORDER BY found.score DESC, {key.format(alias='found')} DESC LIMIT %s" if window else ""
        key = key.format(alias="m")
        sql = (
            f"WITH found AS MATERIALIZED ({entries_sql}), "  # noqa: S608
            f"m AS (SELECT * FROM found WHERE found.content_type_id = ANY(%s) {best}) "
            f"SELECT {select.format(key=key)} FROM m WHERE {key} IN ({allowed_sql}) {tail.format(key=key)}"
        )
        params = [*entries_params, content_types, *([window] if window else []), *allowed_params, *tail_params]
        with _bitmap_scans(using) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def ranked(self, config, start, stop):
        """(object id, score) pairs, best first; ties: shorter title, then newest primary key."""
        tail, params = "ORDER BY m.score DESC, {key} DESC", []
        if stop is not None:
            tail, params = tail + " LIMIT %s", [stop - start]
        if start:
            tail, params = tail + " OFFSET %s", [*params, start]
        if stop is not None:
            # A page of results is almost always among the best few dozen entries the queryset allows.
            window = stop + max(stop, 20)
            rows = self._matches("m.object_id, m.score, (SELECT count(*) FROM m)", tail, params, window=window)
            if len(rows) == stop - start or (rows and rows[0][2] < window):
                return [(object_id, score) for object_id, score, _candidates in rows]
            # The filters turned most of the window away (or nothing matched): rank every match.
        return self._matches("m.object_id, m.score", tail, params)

    def count(self, config):
        return self._matches("count(*)")[0][0]


def _vector(text):
    return SearchVector(Value(text, output_field=TextField()), config=TS_CONFIG)


class ChineseObjectIndexer(AnalysedObjectIndexerMixin, stock.ObjectIndexer):
    """Extracts a page's text as analysed tokens for the tsvector columns."""

    @property
    def indexed_title(self):
        """The title's tokens and its pinyin."""
        return f"{self.title_text} {self.pinyin}" if self.pinyin else self.title_text


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
                title=_vector(indexer.indexed_title), body=_vector(document_text(indexer.indexed_title, body)),
                autocomplete=_vector(self._autocomplete_text(indexer)),
                # Ranking reads the title vector and title_norm; a copy of the body's
                # text would go unread and make every row of the table five times wider.
                title_text=title, body_text="", title_norm=title_bonus(title),
            ))
        if rows:
            IndexEntry._default_manager.using(self.write_connection.alias).bulk_create(
                rows, update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["title", "autocomplete", "body", "title_text", "body_text", "title_norm"],
            )

    def _refresh_title_norms(self, full=False):
        """Nothing to refresh: each entry's title_norm is its own tie-break, written with it (see title_bonus)."""

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
    """Prefix search over analysed titles, ranked by the tokens found in the title."""

    VECTOR = "autocomplete"


class ChinesePostgresSearchResults(IndexRankedResultsMixin, stock.PostgresSearchResults):
    """Fetches the ranked page of ids from the index, then only those objects."""


class ChinesePostgresSearchBackend(AnalysedBackendMixin, stock.PostgresSearchBackend):
    """modelsearch's PostgreSQL backend, speaking Chinese."""

    query_compiler_class = ChinesePostgresSearchQueryCompiler
    autocomplete_query_compiler_class = ChinesePostgresAutocompleteQueryCompiler
    index_class = ChinesePostgresIndex
    results_class = ChinesePostgresSearchResults

    def match_counts(self, model, groups, cap):
        """For each group of tokens, how many of ``model``'s entries hold them all, counted up to ``cap``.

        One statement for every group; each count stops at ``cap`` rows of the GIN index's bitmap scan.
        """
        if not groups:
            return []
        content_types = content_type_pks(model)
        table = IndexEntry._meta.db_table
        one = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {table} WHERE body @@ to_tsquery(%s, %s) "  # noqa: S608
            f"AND content_type_id = ANY(%s) LIMIT %s) c)"
        )
        params = []
        for tokens in groups:
            params.extend([TS_CONFIG, " & ".join(_lexeme(token) for token in tokens), content_types, cap])
        using = IndexEntry._default_manager.db
        with _bitmap_scans(using) as cursor:
            cursor.execute("SELECT " + ", ".join([one] * len(groups)), params)
            return list(cursor.fetchone())

    def page_total(self, model):
        return IndexEntry._default_manager.filter(content_type__in=content_type_pks(model)).count()

    def __init__(self, params):
        super().__init__(params)
        self.config = TS_CONFIG
        self.autocomplete_config = TS_CONFIG
