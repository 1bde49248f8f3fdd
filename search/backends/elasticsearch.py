"""The scale-out backend: Elasticsearch through elasticsearch-dsl documents.

Text is analysed in Python by ``search.analysis`` exactly as for the database
backend and stored as space-separated tokens under the ``whitespace`` analyser,
so Elasticsearch never re-analyses it: both backends see the same tokens. The
score is the same too: each query token adds a constant 3 when in the title and
1 when in the body, which holds the title too (``constant_score``); ties go to the shorter title, then
by the newest primary key.

Each root model (pages, images, …) has an alias; a rebuild fills a fresh index
with bulk requests and then moves the alias in one atomic call, so searches are
answered from the old index until the new one is complete.
"""

import time
from collections import OrderedDict

from django.core.exceptions import ImproperlyConfigured
from django.utils.encoding import force_str
from django.utils.html import strip_tags
from elasticsearch import Elasticsearch, NotFoundError, helpers
from elasticsearch.dsl import Document, Index, Keyword, Long, MetaField, Q, Search, Text
from modelsearch.backends.base import (
    BaseIndex,
    BaseSearchBackend,
    BaseSearchQueryCompiler,
    BaseSearchResults,
    FilterFieldError,
    get_model_root,
)
from modelsearch.index import AutocompleteField, RelatedFields, SearchField
from modelsearch.query import And, MatchAll, Not, Or, PlainText

from search.analysis import index_text, pinyin_text
from search.backends.common import (
    BODY_WEIGHT,
    TITLE_WEIGHT,
    AnalysedBackendMixin,
    as_models,
    document_text,
    positive_tokens,
    term_bonuses,
)

FILTER_PREFIX = "filter__"


class SearchDocument(Document):
    """One indexed object: analysed text, the models it belongs to, and its filter values."""

    content_types = Keyword()
    object_id = Keyword()
    pk_order = Long()
    title_length = Long()  # shorter titles first among equal scores, as on the database
    title = Text(analyzer="whitespace", norms=False)
    body = Text(analyzer="whitespace", norms=False)
    autocomplete = Text(analyzer="whitespace", norms=False, index_prefixes={"min_chars": 1, "max_chars": 10})

    class Meta:
        # Filter values (live, path, content_type, year …) are exact values, never text.
        dynamic_templates = MetaField([
            {"filters_as_keywords": {
                "match": f"{FILTER_PREFIX}*", "match_mapping_type": "string", "mapping": {"type": "keyword"},
            }},
        ])


def content_type_labels(model):
    """Every concrete model an object of ``model`` is also an instance of, as ``app.model`` labels."""
    labels = [model._meta.label_lower]
    for parent in model._meta.get_parent_list():
        labels.append(parent._meta.label_lower)
    return labels


def _filter_value(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return force_str(value)


def _text_values(obj, field):
    """Raw text of a SearchField/AutocompleteField, following RelatedFields."""
    if isinstance(field, (SearchField, AutocompleteField)):
        value = field.get_value(obj)
        if isinstance(value, (list, tuple)):
            value = " ".join(force_str(item) for item in value)
        elif isinstance(value, dict):
            value = " ".join(force_str(item) for item in value.values())
        text = force_str(value or "")
        yield field, strip_tags(text) if "<" in text else text
    elif isinstance(field, RelatedFields):
        related = field.get_value(obj)
        if related is None:
            return
        related_objs = related.all() if hasattr(related, "all") else [related() if callable(related) else related]
        for related_obj in related_objs:
            for sub_field in field.fields:
                yield from _text_values(related_obj, sub_field)


def build_document(obj):
    """The SearchDocument for an object: analysed title, body and autocomplete, and filter values."""
    title, body, autocomplete, raw_title = [], [], [], []
    for field in obj.get_search_fields():
        for current, text in _text_values(obj, field):
            if isinstance(current, AutocompleteField):
                autocomplete.append(index_text(text))
            elif current.field_name == "title" and not isinstance(field, RelatedFields):
                title.append(index_text(text))
                raw_title.append(text)
            else:
                body.append(index_text(text))
    pk = force_str(obj.pk)
    title_text = " ".join(title)
    # The title's pinyin is matched and ranked as title, but is no part of its length (the tie-break).
    indexed_title = " ".join(part for part in (title_text, pinyin_text(" ".join(raw_title))) if part)
    doc = SearchDocument(
        meta={"id": pk},
        content_types=content_type_labels(type(obj)),
        object_id=pk,
        pk_order=obj.pk if isinstance(obj.pk, int) else None,
        title=indexed_title, title_length=len(title_text.strip()),
        body=document_text(indexed_title, " ".join(body)), autocomplete=" ".join(autocomplete),
    )
    for field in type(obj).get_filterable_search_fields():
        setattr(doc, FILTER_PREFIX + field.field_name, _filter_value(field.get_value(obj)))
    return doc


class ElasticsearchIndex(BaseIndex):
    """An alias (``<prefix>__<app>_<model>``) and the concrete index behind it."""

    def __init__(self, backend, alias, name=None):
        super().__init__(backend)
        self.alias = alias
        self.name = name or alias  # writes go to the alias unless a rebuild targets a new index

    def get_key(self):
        return self.alias

    @property
    def client(self):
        return self.backend.client

    def new_index_name(self):
        return f"{self.alias}_{time.time_ns()}"

    def create(self, name):
        index = Index(name, using=self.client)
        index.document(SearchDocument)
        index.settings(number_of_shards=1, number_of_replicas=self.backend.replicas)
        index.create()

    def exists(self):
        return bool(self.client.indices.exists_alias(name=self.alias))

    def add_model(self, model):
        if self.name == self.alias and not self.exists():
            name = self.new_index_name()
            self.create(name)
            self.client.indices.put_alias(index=name, name=self.alias)

    def add_items(self, model, items):
        # Signals write without calling add_model first; never let Elasticsearch
        # auto-create the index with guessed mappings.
        self.add_model(model)
        actions = []
        for obj in items:
            doc = build_document(obj)
            action = doc.to_dict(include_meta=True)
            action["_index"] = self.name
            actions.append(action)
        if actions:
            helpers.bulk(self.client, actions, refresh=self.backend.refresh_on_write)

    def delete_item(self, item):
        try:
            self.client.delete(index=self.name, id=force_str(item.pk), refresh=self.backend.refresh_on_write)
        except NotFoundError:
            pass  # never indexed, or already gone

    def refresh(self):
        self.client.indices.refresh(index=self.name)

    def reset(self):
        if self.exists():
            old = list(self.client.indices.get_alias(name=self.alias).keys())
            self.client.indices.delete(index=",".join(old))
        self.add_model(None)


class ElasticsearchAliasRebuilder:
    """Fills a fresh index, then swaps the alias to it atomically and drops the old one."""

    def __init__(self, index):
        self.index = index
        self.target = None

    def start(self):
        name = self.index.new_index_name()
        self.index.create(name)
        self.target = ElasticsearchIndex(self.index.backend, self.index.alias, name=name)
        return self.target

    def finish(self):
        client = self.index.client
        client.indices.refresh(index=self.target.name)
        old = list(client.indices.get_alias(name=self.index.alias).keys()) if self.index.exists() else []
        actions = [{"remove": {"index": name, "alias": self.index.alias}} for name in old]
        actions.append({"add": {"index": self.target.name, "alias": self.index.alias}})
        client.indices.update_aliases(actions=actions)
        if old:
            client.indices.delete(index=",".join(old))


def token_query(token, *, prefix=False):
    """A token counts TITLE_WEIGHT in the title plus BODY_WEIGHT in the body, whatever its frequency."""
    if prefix:
        return Q("constant_score", filter=Q("prefix", autocomplete=token), boost=TITLE_WEIGHT)
    return Q("bool", should=[
        Q("constant_score", filter=Q("term", title=token), boost=TITLE_WEIGHT),
        Q("constant_score", filter=Q("term", body=token), boost=BODY_WEIGHT),
    ], minimum_should_match=1)


class ElasticsearchQueryCompiler(BaseSearchQueryCompiler):
    """Turns an analysed modelsearch query and a queryset's filters into an elasticsearch-dsl Search."""

    DEFAULT_OPERATOR = "and"
    PREFIX_LAST_TOKEN = False

    def scored_query(self, query):
        """A planned query: its match as a filter, and the score the database gives, clause for clause.

        Each token: TITLE_WEIGHT in the title plus BODY_WEIGHT in the body; each word of the
        query found in the page: its TERM_WEIGHT (a constant when every match holds it).
        """
        should = [token_query(token) for token in positive_tokens(query)]
        for weight, alternatives in term_bonuses(query):
            if alternatives is None:
                should.append(Q("constant_score", filter=Q("match_all"), boost=weight))
                continue
            found = Q("bool", should=[Q("bool", filter=[Q("term", body=token) for token in alternative])
                                      for alternative in alternatives], minimum_should_match=1)
            should.append(Q("constant_score", filter=found, boost=weight))
        return Q("bool", filter=[self.text_query(query, planned=False)], should=should)

    def text_query(self, query, planned=True):
        if planned and getattr(query, "plan", None) is not None:
            return self.scored_query(query)
        if isinstance(query, MatchAll):
            return Q("match_all")
        if isinstance(query, PlainText):
            tokens = query.query_string.split()
            parts = [
                token_query(token, prefix=self.PREFIX_LAST_TOKEN and i == len(tokens) - 1)
                for i, token in enumerate(tokens)
            ]
            if query.operator == "or":
                return Q("bool", should=parts, minimum_should_match=1)
            return Q("bool", must=parts)
        if isinstance(query, And):
            return Q("bool", must=[self.text_query(part) for part in query.subqueries])
        if isinstance(query, Or):
            return Q("bool", should=[self.text_query(part) for part in query.subqueries], minimum_should_match=1)
        if isinstance(query, Not):
            return Q("bool", must_not=[self.text_query(query.subquery)])
        raise NotImplementedError(f"{type(query).__name__} is not supported by the Elasticsearch backend.")

    def _process_lookup(self, field_path, lookup, value):
        # Dict form throughout: DSL keyword arguments would turn "filter__x" into "filter.x".
        name = FILTER_PREFIX + "__".join(field.field_name for field in field_path)
        exists = Q({"exists": {"field": name}})
        if lookup == "exact":
            return Q("bool", must_not=[exists]) if value is None else Q({"term": {name: _filter_value(value)}})
        if lookup == "in":
            return Q({"terms": {name: [_filter_value(v) for v in value]}})
        if lookup == "startswith":
            return Q({"prefix": {name: _filter_value(value)}})
        if lookup in ("gt", "gte", "lt", "lte"):
            return Q({"range": {name: {lookup: _filter_value(value)}}})
        if lookup == "isnull":
            return Q("bool", must_not=[exists]) if value else exists
        return None

    def _process_match_none(self):
        return Q("match_none")

    def _connect_filters(self, filters, connector, negated):
        if not filters:
            combined = Q("match_all")
        elif connector == "AND":
            combined = Q("bool", filter=filters)
        else:
            combined = Q("bool", should=filters, minimum_should_match=1)
        return Q("bool", must_not=[combined]) if negated else combined

    def search_request(self, client, alias):
        """The DSL Search for this query: text, model and queryset filters, and the order."""
        model_filter = Q("term", content_types=self.queryset.model._meta.label_lower)
        queryset_filter = self._get_filters_from_queryset()
        filters = [model_filter] + ([queryset_filter] if queryset_filter is not None else [])
        search = Search(using=client, index=alias).query(
            Q("bool", must=[self.text_query(self.query)], filter=filters)
        ).source(False).extra(track_total_hits=True)
        if self.order_by_relevance:
            return search.sort("_score", {"title_length": {"order": "asc", "missing": "_last"}},
                               {"pk_order": {"order": "desc", "missing": "_last"}})
        order = [
            {FILTER_PREFIX + field.field_name: {"order": "desc" if reverse else "asc"}}
            for reverse, field in self._get_order_by()
        ]
        return search.sort(*order, {"pk_order": {"order": "desc", "missing": "_last"}})


class ElasticsearchAutocompleteQueryCompiler(ElasticsearchQueryCompiler):
    """The last token of each typed word matches as a prefix of an indexed token."""

    PREFIX_LAST_TOKEN = True


class ElasticsearchSearchResults(BaseSearchResults):
    """Runs the DSL search and returns the matching objects in Elasticsearch's order."""

    supports_facet = True

    def _search(self):
        index = self.backend.get_index_for_model(self.query_compiler.queryset.model)
        return self.query_compiler.search_request(self.backend.client, index.alias)

    def _response(self):
        start = self.start or 0
        stop = self.stop if self.stop is not None else start + self.backend.max_results
        return self._search()[start:stop].execute()

    def object_ids(self):
        """Primary keys of the matches, best first, without loading the objects (for facets over every match)."""
        pk_field = self.query_compiler.queryset.model._meta.pk
        return [pk_field.to_python(hit.meta.id) for hit in self._response()]

    def _do_search(self):
        response = self._response()
        ids = [hit.meta.id for hit in response]
        scores = {hit.meta.id: hit.meta.score for hit in response}
        objects = {force_str(obj.pk): obj for obj in self.query_compiler.queryset.filter(pk__in=ids)}
        results = []
        for object_id in ids:
            obj = objects.get(object_id)
            if obj is None:
                continue  # deleted since it was indexed
            if self._score_field:
                setattr(obj, self._score_field, scores[object_id])
            results.append(obj)
        return results

    def _do_count(self):
        search = self._search()
        count = search.extra(size=0).execute().hits.total.value
        count -= self.start
        if self.stop is not None:
            count = min(count, self.stop - self.start)
        return max(count, 0)

    def facet(self, field_name):
        field = self.query_compiler._get_filterable_field(field_name)
        if field is None:
            raise FilterFieldError(
                f'Cannot facet search results with field "{field_name}". '
                f"Add index.FilterField('{field_name}') to the model's search_fields.",
                field_name=field_name,
            )
        search = self._search().extra(size=0)
        search.aggs.bucket("facet", "terms", field=FILTER_PREFIX + field.field_name, size=100)
        response = search.execute()
        return OrderedDict((bucket.key, bucket.doc_count) for bucket in response.aggregations.facet.buckets)


class ElasticsearchSearchBackend(AnalysedBackendMixin, BaseSearchBackend):
    """A modelsearch backend on elasticsearch-dsl, so Wagtail's admin and signals use it too."""

    query_compiler_class = ElasticsearchQueryCompiler
    autocomplete_query_compiler_class = ElasticsearchAutocompleteQueryCompiler
    results_class = ElasticsearchSearchResults
    rebuilder_class = ElasticsearchAliasRebuilder

    def __init__(self, params):
        super().__init__(params)
        urls = [url for url in params.get("URLS", []) if url]
        if not urls:
            raise ImproperlyConfigured("SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL.")
        self.prefix = params.get("INDEX_PREFIX", "fundsite")
        self.replicas = params.get("REPLICAS", 0)
        self.max_results = params.get("MAX_RESULTS", 10_000)
        # Refresh after each write so an edit is searchable at once; off for bulk loads.
        self.refresh_on_write = params.get("REFRESH_ON_WRITE", True)
        self.client = Elasticsearch(urls, **params.get("OPTIONS", {}))

    def match_counts(self, model, groups, cap):
        """For each group of tokens, how many of ``model``'s documents hold them all: one request, a
        ``filters`` aggregation with a bucket per group (counts are exact; ``cap`` only bounds the answer)."""
        if not groups:
            return []
        models = as_models(model)
        alias = self.get_index_for_model(models[0]).alias
        labels = [{"terms": {"content_types": [m._meta.label_lower for m in models]}}]
        filters = {str(i): {"bool": {"filter": labels
                                     + [{"term": {"body": token}} for token in tokens]}}
                   for i, tokens in enumerate(groups)}
        try:
            response = self.client.search(index=alias, size=0, aggs={"groups": {"filters": {"filters": filters}}})
        except NotFoundError:
            return [0] * len(groups)
        buckets = response["aggregations"]["groups"]["buckets"]
        return [min(buckets[str(i)]["doc_count"], cap) for i in range(len(groups))]

    def page_total(self, model):
        models = as_models(model)
        alias = self.get_index_for_model(models[0]).alias
        labels = [m._meta.label_lower for m in models]
        try:
            return self.client.count(index=alias, query={"terms": {"content_types": labels}})["count"]
        except NotFoundError:
            return 0

    def get_index_for_model(self, model):
        root = get_model_root(model)
        return ElasticsearchIndex(self, f"{self.prefix}__{root._meta.app_label}_{root._meta.model_name}".lower())


SearchBackend = ElasticsearchSearchBackend
