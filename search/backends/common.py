"""What every Chinese-aware database backend shares: query rewriting, indexing and ranking.

SQLite FTS5 and PostgreSQL tsvector both keep a run of Chinese characters as one
token, so stock search finds almost nothing in Chinese. Here every text is
analysed in Python (``search.analysis``) before it reaches the database: the
index stores space-separated tokens, and queries are rewritten into the same
tokens. Matching stays in the database (FTS5 ``MATCH``; tsvector ``@@`` with the
GIN index); ranking is a token-presence score, identical on SQLite and
PostgreSQL, so both give the same order.

The body column holds every token of the document, the title's included, so a
single full-text index answers the match. A token the query requires is then in
every matching body by construction: its body weight is a constant, and only the
small title column is read to rank, never a large body again.

Being a modelsearch backend, it serves Wagtail's own admin search too, and
modelsearch's signal handlers keep it current on publish, unpublish, move and delete.
"""

from functools import reduce
from operator import and_, or_

from django.db.models import Case, F, FloatField, Value, When
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from modelsearch.backends.base import EmptySearchResults
from modelsearch.conf import get_app_config
from modelsearch.index import SearchField
from modelsearch.query import And, MatchAll, Not, Or, Phrase, PlainText, SearchQuery

from search.analysis import index_text, pinyin_text, query_terms
from search.query import plan_query

IndexEntry = get_app_config().get_model("IndexEntry", require_ready=False)

# A query token found in the title counts this much more than one in the body.
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
# A word of the query found in the page counts this much: a page holding more of the words always ranks first.
TERM_WEIGHT = 1000.0


class Planned(SearchQuery):
    """A query already planned (``search.query.Plan``): its tokens go to the index as they are."""

    def __init__(self, plan):
        self.plan = plan

    def __repr__(self):
        return f"<Planned {self.plan!r}>"


def _alternative_query(tokens):
    return PlainText(" ".join(tokens), operator="and")


def _term_query(term):
    parts = [_alternative_query(alternative) for alternative in term.alternatives]
    return parts[0] if len(parts) == 1 else Or(parts)


def _all(parts):
    return parts[0] if len(parts) == 1 else And(parts)


def plan_to_query(plan):
    """The match a plan asks for, as a modelsearch query carrying the plan (for scoring); None if empty."""
    if not plan.terms:
        return None
    if plan.relaxed:
        groups = [_all([_term_query(term) for term in group]) for group in plan.relaxed_groups()]
        query = groups[0] if len(groups) == 1 else Or(groups)
    else:
        query = _all([_term_query(term) for term in plan.required])
    query.plan = plan
    return query


def analyse_query(query):
    """Rewrite a modelsearch query so that it speaks in our tokens; None when nothing is left."""
    if isinstance(query, str):
        query = PlainText(query)
    if isinstance(query, Planned):
        return plan_to_query(query.plan)
    if isinstance(query, (PlainText, Phrase)):
        # Each typed word must match as a whole (all its bigrams); words combine
        # with the query's operator. A phrase keeps every token required.
        operator = getattr(query, "operator", "and")
        parts = [PlainText(" ".join(term), operator="and") for term in query_terms(query.query_string)]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return And(parts) if operator == "and" else Or(parts)
    if isinstance(query, (And, Or)):
        parts = [part for part in (analyse_query(q) for q in query.subqueries) if part is not None]
        if not parts:
            return None
        return type(query)(parts) if len(parts) > 1 else parts[0]
    if isinstance(query, Not):
        inner = analyse_query(query.subquery)
        return Not(inner) if inner is not None else None
    if isinstance(query, MatchAll):
        return query
    # Fuzzy and Boost have no meaning over bigrams: search their text plainly.
    if hasattr(query, "query_string"):
        return analyse_query(PlainText(query.query_string))
    return analyse_query(query.subquery)


def positive_tokens(query):
    """The tokens that count towards a result's score (negated parts do not)."""
    plan = getattr(query, "plan", None)
    if plan is not None:
        return list(dict.fromkeys(token for term in plan.terms for token in term.tokens))
    if isinstance(query, PlainText):
        return query.query_string.split()
    if isinstance(query, (And, Or)):
        return [token for part in query.subqueries for token in positive_tokens(part)]
    return []


def required_tokens(query):
    """The tokens every match must hold: all of an AND, those shared by every branch of an OR."""
    if isinstance(query, PlainText):
        tokens = query.query_string.split()
        return set(tokens) if query.operator == "and" or len(tokens) == 1 else set()
    if isinstance(query, And):
        return set().union(*(required_tokens(part) for part in query.subqueries))
    if isinstance(query, Or):
        return set.intersection(*(required_tokens(part) for part in query.subqueries))
    return set()


def term_bonuses(query):
    """(TERM_WEIGHT, alternatives) per word of a planned query, alternatives None when every match holds it."""
    plan = getattr(query, "plan", None)
    if plan is None:
        return []
    return [(TERM_WEIGHT * term.weight, None if term.required else term.alternatives) for term in plan.terms]


def as_models(models):
    """One model or several, as a tuple."""
    return tuple(models) if isinstance(models, (list, tuple)) else (models,)


def content_type_pks(models):
    """Content types of the entries of ``models`` (one or several) and of their subclasses."""
    from modelsearch.utils import get_descendants_content_types_pks

    return sorted({pk for model in as_models(models) for pk in get_descendants_content_types_pks(model)})


def document_text(title, body):
    """What the body column stores: the whole document, title first, so one index answers a match."""
    return f"{title} {body}"


def title_bonus(title):
    """The tie-break every entry stores in ``title_norm``: below 1, larger for a shorter analysed title."""
    return 1.0 / (2.0 + len(title.strip()))


def token_score(query, *, title_norm, in_title, in_body, body_known=None):
    """Score = sum over query tokens of TITLE_WEIGHT if in the title plus BODY_WEIGHT if in the document.

    ``in_title(token)`` and ``in_body(token)`` give a condition answered by the
    database, so presence means the same on every backend. Tokens in
    ``body_known`` (by default those the query requires) are in every match, so
    they add their body weight without a test. The entry's ``title_norm``
    (``title_bonus``, computed when indexing) breaks ties the way a reader
    expects: the project before the story that repeats its name in a longer title.
    """
    known = required_tokens(query) if body_known is None else set(body_known)
    score = F(title_norm)
    for weight, alternatives in term_bonuses(query):
        if alternatives is None:
            score = score + Value(weight, output_field=FloatField())
            continue
        found = reduce(or_, [reduce(and_, [in_body(token) for token in alternative]) for alternative in alternatives])
        score = score + Case(When(found, then=Value(weight)), default=Value(0.0), output_field=FloatField())
    for token in dict.fromkeys(positive_tokens(query)):
        score = score + Case(
            When(in_title(token), then=Value(TITLE_WEIGHT)), default=Value(0.0), output_field=FloatField(),
        )
        if token in known:
            score = score + Value(BODY_WEIGHT, output_field=FloatField())
        else:
            score = score + Case(
                When(in_body(token), then=Value(BODY_WEIGHT)), default=Value(0.0), output_field=FloatField(),
            )
    return score


class AnalysedObjectIndexerMixin:
    """Hands the database analysed tokens instead of raw text."""

    @cached_property
    def pinyin(self):
        """Pinyin tokens of the title, stored with the title's own tokens."""
        return pinyin_text(" ".join(
            str(field.get_value(self.obj) or "") for field in self.search_fields
            if isinstance(field, SearchField) and field.field_name == "title"
        ))

    def prepare_value(self, value):
        text = super().prepare_value(value)
        if "<" in text:
            text = strip_tags(text)
        return index_text(text)


class AnalysedBackendMixin:
    """Analyses every query before the database backend compiles it.

    A typed query (a string, or plain text with AND) is planned (``search.query``) with
    the index's counts and the editors' synonyms; autocomplete keeps the plain analysis.
    Backends provide ``match_counts(models, groups, cap)`` and ``page_total(models)``, counted over
    the entries of ``models`` (one model or several: the page types the public search reads).
    """

    def plan(self, query_string, model):
        """The strict ``Plan`` for a typed query, counted over the entries of ``model`` (or several models)."""
        from search.synonyms import synonym_map

        return plan_query(
            query_string, lambda groups, cap: self.match_counts(model, groups, cap),
            synonyms=synonym_map(), total=lambda: self.page_total(model),
        )

    def plan_relaxed(self, plan, model):
        """``plan`` with no word required: pages holding most of it (see ``Plan.relax``)."""
        return plan.relax(lambda groups, cap: self.match_counts(model, groups, cap), self.page_total(model))

    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        operator = kwargs.get("operator") or "and"
        if isinstance(query, str):
            # The caller's operator ("and" or "or") applies between the typed words.
            query = PlainText(query, operator=operator)
        if (isinstance(query, PlainText) and query.operator == "and"
                and query_compiler_class is self.query_compiler_class):
            model = model_or_queryset if isinstance(model_or_queryset, type) else model_or_queryset.model
            query = Planned(self.plan(query.query_string, model))
        analysed = analyse_query(query)
        if analysed is None:
            return EmptySearchResults()
        # Fields are analysed together in the index; a per-field search would
        # read raw columns that were never analysed.
        kwargs["fields"] = None
        return super()._search(query_compiler_class, analysed, model_or_queryset, **kwargs)


class TokenRankingMixin:
    """For query compilers: which tokens' body weight ``token_score`` may take as given."""

    def _body_known(self):
        if self.LAST_TERM_IS_PREFIX:
            # Autocomplete: a prefix says nothing of whole tokens in the body, so rank on the title alone.
            return positive_tokens(self.query)
        return None  # the tokens the query requires


class IndexRankedResultsMixin:
    """Results read from the compiler's ``ranked()`` (ids and scores, best first) when it can rank in the index."""

    def _do_search(self):
        compiler = self.query_compiler
        if not compiler.can_rank_in_index():
            return super()._do_search()
        ranked = compiler.ranked(compiler.get_config(self.backend), self.start, self.stop)
        pk_field = compiler.queryset.model._meta.pk
        wanted = [pk_field.to_python(object_id) for object_id, _score in ranked]
        objects = {str(obj.pk): obj for obj in compiler.queryset.filter(pk__in=wanted)}
        results = []
        for object_id, score in ranked:
            obj = objects.get(object_id)
            if obj is not None:
                if self._score_field:
                    setattr(obj, self._score_field, score)
                results.append(obj)
        return results

    def object_ids(self):
        """Primary keys of the matches, best first, without loading the objects (for facets over every match)."""
        compiler = self.query_compiler
        if not compiler.can_rank_in_index():
            return [obj.pk for obj in self]
        pk_field = compiler.queryset.model._meta.pk
        ranked = compiler.ranked(compiler.get_config(self.backend), self.start, self.stop)
        return [pk_field.to_python(object_id) for object_id, _score in ranked]

    def _do_count(self):
        compiler = self.query_compiler
        if not compiler.can_rank_in_index():
            return super()._do_count()
        count = max(compiler.count(compiler.get_config(self.backend)) - self.start, 0)
        return min(count, self.stop - self.start) if self.stop is not None else count
