"""SQLite FTS5 with Chinese analysis: tokens in, tokens out, the same score as PostgreSQL."""

import json

from django.db import connections
from django.db.models import BigIntegerField, IntegerField, Q, TextField
from django.db.models.functions import Cast
from modelsearch.backends.database.sqlite import sqlite as stock
from modelsearch.backends.database.sqlite.query import Lexeme, MatchExpression, SearchQueryExpression, normalize
from modelsearch.query import And, Or, PlainText
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


class ChineseObjectIndexer(AnalysedObjectIndexerMixin, stock.ObjectIndexer):
    """Extracts a page's text as analysed tokens for the FTS5 table."""

    @property
    def indexed_title(self):
        """The title's tokens and its pinyin."""
        return f"{self.title} {self.pinyin}" if self.pinyin else self.title


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
                title=indexer.indexed_title, autocomplete=indexer.autocomplete,
                body=document_text(indexer.indexed_title, indexer.body), title_norm=title_bonus(indexer.title),
            ))
        if rows:
            IndexEntry._default_manager.using(self.write_connection.alias).bulk_create(
                rows, update_conflicts=True, unique_fields=["content_type", "object_id"],
                update_fields=["title", "autocomplete", "body", "title_norm"],
            )

    def _refresh_title_norms(self, full=False):
        """Nothing to refresh: each entry's title_norm is its own tie-break, written with it (see title_bonus)."""


def _column_match(column, token):
    """Rows of the FTS table whose ``column`` holds ``token``: one index lookup, reused for every row."""
    match = MatchExpression([column], SearchQueryExpression(Lexeme(token)))
    return Q(pk__in=stock.SQLiteFTSIndexEntry.objects.filter(match).values("pk"))


def sqlite_score(query, body_known=None):
    return token_score(
        query, title_norm="index_entry__title_norm", body_known=body_known,
        in_title=lambda token: _column_match("title", token), in_body=lambda token: _column_match("body", token),
    )


class RankedSearchMixin(TokenRankingMixin):
    """Ranks inside one index query instead of one scoring subquery per result row.

    The stock compiler scores each result with a correlated subquery that runs the
    FTS match again; on thousands of matches that dominates. Here the match, the
    queryset's own filters (as a semi-join), the score and the order run once.
    """

    # The body column holds the whole document (see search.backends.common).
    FTS_TABLE_FIELDS = ["body"]

    def _build_rank_expression(self, vectors, config):
        return -sqlite_score(self.query, body_known=self._body_known())

    def can_rank_in_index(self):
        return self.order_by_relevance and isinstance(normalize(self.query), (PlainText, And, Or))

    def _index_matches(self, config):
        model = self.queryset.model
        match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(normalize(self.query), config=config))
        allowed = self.queryset.order_by().values("pk")
        if isinstance(model._meta.pk, IntegerField):
            # Matching as integers spares building a text copy of every allowed id.
            alias = {"_object_pk": Cast("index_entry__object_id", BigIntegerField())}
            in_queryset = {"_object_pk__in": allowed}
        else:
            alias = {}
            in_queryset = {"index_entry__object_id__in": allowed.annotate(_object_id=Cast("pk", TextField())).values("_object_id")}
        return stock.SQLiteFTSIndexEntry.objects.filter(match).alias(**alias).filter(
            index_entry__content_type__in=get_descendants_content_types_pks(model),
            **in_queryset,
        )

    def ranked(self, config, start, stop):
        """(object id, score) pairs, best first; ties: shorter title, then newest primary key."""
        pk_field = self.queryset.model._meta.pk
        pk_order = Cast("index_entry__object_id", BigIntegerField()) if isinstance(pk_field, IntegerField) else "index_entry__object_id"
        rows = (
            self._index_matches(config)
            .annotate(score=sqlite_score(self.query, body_known=self._body_known()), _pk_order=pk_order)
            .order_by("-score", "-_pk_order")
            .values_list("index_entry__object_id", "score")
        )
        return list(rows[start:stop])

    def count(self, config):
        return self._index_matches(config).count()


class ChineseSQLiteSearchQueryCompiler(RankedSearchMixin, stock.SQLiteSearchQueryCompiler):
    """Full search with the shared ranking."""


class ChineseSQLiteAutocompleteQueryCompiler(RankedSearchMixin, stock.SQLiteAutocompleteQueryCompiler):
    """Prefix search over analysed titles, ranked by the tokens found in the title."""

    FTS_TABLE_FIELDS = ["autocomplete"]


class ChineseSQLiteSearchResults(IndexRankedResultsMixin, stock.SQLiteSearchResults):
    """Fetches the ranked page of ids from the index, then only those objects."""


class ChineseSQLiteSearchBackend(AnalysedBackendMixin, stock.SQLiteSearchBackend):
    """modelsearch's SQLite FTS5 backend, speaking Chinese."""

    def match_counts(self, model, groups, cap):
        """For each group of tokens, how many of ``model``'s entries hold them all, counted up to ``cap``.

        One statement for every group. ``CROSS JOIN`` makes SQLite read the FTS match first and stop
        at ``cap``; joined the other way round it would test the match on every entry of the table.
        """
        if not groups:
            return []
        fts, entries = stock.SQLiteFTSIndexEntry._meta.db_table, IndexEntry._meta.db_table
        one = (
            f"(SELECT count(*) FROM (SELECT 1 FROM {fts} f CROSS JOIN {entries} e ON e.id = f.rowid "  # noqa: S608
            f"WHERE f.{fts} MATCH %s AND e.content_type_id IN (SELECT value FROM json_each(%s)) LIMIT %s))"
        )
        content_types = json.dumps(content_type_pks(model))
        params = []
        for tokens in groups:
            match = "{body} : (" + " AND ".join('"' + token.replace('"', '""') + '"' for token in tokens) + ")"
            params.extend([match, content_types, cap])
        with connections[IndexEntry._default_manager.db].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([one] * len(groups)), params)
            return list(cursor.fetchone())

    def page_total(self, model):
        return IndexEntry._default_manager.filter(content_type__in=content_type_pks(model)).count()

    query_compiler_class = ChineseSQLiteSearchQueryCompiler
    autocomplete_query_compiler_class = ChineseSQLiteAutocompleteQueryCompiler
    index_class = ChineseSQLiteIndex
    results_class = ChineseSQLiteSearchResults
