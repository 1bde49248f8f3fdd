"""Reading the search index for the public: results, facets, filters, sort, pages, snippets.

The backend (database or Elasticsearch) answers which pages match and in what
order; everything after that (facets, filters, sort by date, pagination) is done
here the same way for every backend, from the pages' own fields.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.html import strip_tags
from modelsearch.backends import get_search_backend
from wagtail.models import Page

from cms_pages.models import AnnualReportPage, ProjectPage, ProjectStatus, ProjectStoryPage, StandardPage, StoryKind
from fundsite.inputs import int_parse
from search.analysis import INITIALS_MARK, MAX_QUERY_CHARS, PINYIN_MARK, query_terms
from search.backends.common import Planned
from search.highlight import highlight, snippet
from search.sql import IdList

PAGE_SIZE = 10
SUGGEST_SIZE = 8
SORTS = {"relevance": "相关度", "newest": "最新"}
FACETS = {"kind": "类型", "category": "类别", "year": "年度", "district": "区县", "status": "状态"}
KIND_LABELS = {
    "project": "项目",
    **{f"story-{value}": f"项目{label}" for value, label in StoryKind.choices},
    "report": "年度报告",
    "page": "其他页面",
}
STATUS_LABELS = dict(ProjectStatus.choices)
SEARCHED_TYPES = (ProjectPage, ProjectStoryPage, AnnualReportPage, StandardPage)


@dataclass
class SearchParams:
    """What the person asked for, cleaned: the query, one value per facet, sort and page."""

    q: str = ""
    filters: dict = field(default_factory=dict)
    sort: str = "relevance"
    page: str = "1"


@dataclass
class SearchOutcome:
    """Everything the search page and the API show."""

    params: SearchParams
    total: int = 0
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    page_obj: object = None
    messages: list = field(default_factory=list)
    suggestions: list = field(default_factory=list)
    searched: bool = False
    partial: bool = False  # some typed words were left out or made optional (see plan_messages)


@dataclass
class Hit:
    """One result: the page, where it sits, its highlighted title and snippet."""

    page: Page
    url: str
    kind: str
    kind_label: str
    title_html: str
    snippet_html: str
    date: date | None
    facets: dict


def search_params_parse(data):
    """Read q, filters, sort and page from a query dict; anything odd is reported, never raised."""
    messages = []
    q = " ".join((data.get("q") or "").split())
    if len(q) > MAX_QUERY_CHARS:
        messages.append(f"搜索词太长，只按前 {MAX_QUERY_CHARS} 个字搜索。")
        q = q[:MAX_QUERY_CHARS]
    sort = data.get("sort") or "relevance"
    if sort not in SORTS:
        messages.append("不认识的排序方式，已按相关度排序。")
        sort = "relevance"
    filters = {}
    for name in FACETS:
        value = (data.get(name) or "").strip()[:100]
        if value:
            filters[name] = value
    try:
        # The shared strict parser: "١٢" or 10,000 digits is not a page number (and is not echoed back).
        page = str(int_parse(data.get("page") or "1", low=1, high=999_999, label="页码"))
    except ValidationError:
        messages.append("页码应为正整数，已显示第 1 页。")
        page = "1"
    return SearchParams(q=q, filters=filters, sort=sort, page=page), messages


def _facet_rows(ids):
    """Facet values of every matched page, read in a few queries whatever the number of matches."""
    wanted = IdList(ids)
    rows = {}
    projects = {
        row["path"]: row
        for row in ProjectPage.objects.filter(pk__in=wanted).values(
            "pk", "path", "category__name", "district__name", "status", "cohort_year", "start_date"
        )
    }
    stories = list(ProjectStoryPage.objects.filter(pk__in=wanted).values("pk", "path", "kind", "date", "title"))
    parent_paths = {story["path"][:-Page.steplen] for story in stories} - projects.keys()
    parents = {
        row["path"]: row
        for row in ProjectPage.objects.filter(path__in=parent_paths).values(
            "path", "category__name", "district__name", "status"
        )
    }
    parents.update(projects)
    for row in projects.values():
        rows[row["pk"]] = _facets("project", row, row.get("cohort_year"), row["start_date"])
    for story in stories:
        parent = parents.get(story["path"][:-Page.steplen], {})
        rows[story["pk"]] = _facets(
            f"story-{story['kind']}", parent, story_year(story["title"], story["date"]), story["date"],
        )
    for row in AnnualReportPage.objects.filter(pk__in=wanted).values("pk", "year", "published_on"):
        rows[row["pk"]] = _facets("report", {}, row["year"], row["published_on"] or date(row["year"], 12, 31))
    # The ids are live pages already (the search ran on live pages): the rest are other pages.
    other = _facets("page", {}, None, None)
    for pk in ids:
        rows.setdefault(pk, other)
    return rows


def _facets(kind, project, year, when):
    values = {
        "kind": kind,
        "category": project.get("category__name"),
        "district": project.get("district__name"),
        "status": project.get("status"),
        "year": str(year) if year else None,
    }
    return {"values": values, "date": when}


def _facet_label(name, value):
    if name == "kind":
        return KIND_LABELS.get(value, value)
    if name == "status":
        return STATUS_LABELS.get(value, value)
    return value


def _apply_filters(ids, rows, filters, skip=None):
    wanted = [(name, value) for name, value in filters.items() if name != skip]
    if not wanted:
        return ids
    return [pk for pk in ids if all(rows[pk]["values"][name] == value for name, value in wanted)]


def _facet_counts(ids, rows, filters):
    """Counts per facet value over the results filtered by every *other* facet, so choices stay visible."""
    facets = {}
    for name, label in FACETS.items():
        counts = Counter(rows[pk]["values"][name] for pk in _apply_filters(ids, rows, filters, skip=name))
        counts.pop(None, None)
        selected = filters.get(name)
        options = [
            {"value": value, "label": _facet_label(name, value), "count": count, "selected": value == selected}
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        ]
        if selected and not any(option["selected"] for option in options):
            options.append({"value": selected, "label": _facet_label(name, selected), "count": 0, "selected": True})
        if options:
            facets[name] = {"label": label, "options": options}
    return facets


def _base_queryset():
    return Page.objects.live().public().type(*SEARCHED_TYPES)


def _ids(results):
    # Our backends hand back the ranked ids alone; another backend's results are loaded for theirs.
    if hasattr(results, "object_ids"):
        return results.object_ids()
    return [page.pk for page in results]


def search_matches(q):
    """Ids of the live public pages matching ``q``, best first, and the plan that found them (None if unplanned).

    When no page holds every word, the pages holding most of them are given instead (the plan says ``relaxed``).
    """
    if not query_terms(q):
        return [], None
    backend = get_search_backend()
    if not hasattr(backend, "plan"):
        return _ids(_base_queryset().search(q)), None
    plan = backend.plan(q, SEARCHED_TYPES)
    ids = _ids(_base_queryset().search(Planned(plan)))
    if not ids and plan.can_relax:
        plan = backend.plan_relaxed(plan, SEARCHED_TYPES)
        ids = _ids(_base_queryset().search(Planned(plan)))
    return ids, plan


def matched_ids(q):
    """Ids of the live public pages matching ``q``, best first."""
    return search_matches(q)[0]


def plan_messages(plan):
    """What the person should know about how their words were read."""
    if plan is None:
        return []
    messages = []
    if plan.unknown:
        words = "、".join(f"“{word}”" for word in plan.unknown)
        messages.append(f"没有找到{words}，以下结果不含{'这个词' if len(plan.unknown) == 1 else '这些词'}。")
    if plan.relaxed:
        messages.append("没有同时包含全部搜索词的页面，以下结果只包含其中一部分词，包含得越多越靠前。")
    if plan.optional:
        words = "、".join(f"“{word}”" for word in plan.optional)
        messages.append(f"{words}很常见，部分结果不含它，包含的排在前面。")
    return messages


def page_search(*, params):
    """Run a search for the public page and API."""
    outcome = SearchOutcome(params=params)
    if not params.q:
        outcome.messages.append("请输入要搜索的词，例如：自闭症、老人、非遗、晋祠、清徐、2021。")
        return outcome
    if not query_terms(params.q):
        outcome.messages.append("搜索词里没有可以查找的文字或数字，请换一个词。")
        return outcome
    outcome.searched = True
    ids, plan = search_matches(params.q)
    outcome.messages.extend(plan_messages(plan))
    outcome.partial = bool(plan and (plan.unknown or plan.relaxed or plan.optional))
    rows = _facet_rows(ids)
    filtered = _apply_filters(ids, rows, params.filters)
    if params.sort == "newest":
        # Newest content first; undated pages last; ties keep the newest page first.
        filtered.sort(key=lambda pk: (rows[pk]["date"] or date.min, pk), reverse=True)
    outcome.facets = _facet_counts(ids, rows, params.filters)
    outcome.total = len(filtered)
    paginator = Paginator(filtered, PAGE_SIZE)
    outcome.page_obj = paginator.get_page(params.page)
    if str(outcome.page_obj.number) != str(params.page) and params.page != "1":
        outcome.messages.append(f"没有第 {params.page} 页，已显示第 {outcome.page_obj.number} 页。")
    outcome.hits = _hits(list(outcome.page_obj.object_list), rows, params.q, highlight_tokens(plan))
    if not outcome.total:
        outcome.suggestions = _suggestions(params, ids)
    return outcome


def highlight_tokens(plan):
    """The tokens to mark in results: every word the plan looked for, synonyms included, pinyin aside."""
    if plan is None:
        return None
    return [token for term in plan.terms for token in term.tokens if not token.startswith((PINYIN_MARK, INITIALS_MARK))]


def _hits(ids, rows, q, tokens=None):
    pages = Page.objects.filter(pk__in=ids).specific()
    by_id = {page.pk: page for page in pages}
    hits = []
    for pk in ids:
        page = by_id.get(pk)
        if page is None:
            continue
        kind = rows[pk]["values"]["kind"]
        hits.append(Hit(
            page=page, url=page.get_url() or page.url_path, kind=kind, kind_label=KIND_LABELS.get(kind, kind),
            title_html=highlight(page.title, q, tokens), snippet_html=snippet(page_text(page), q, tokens=tokens),
            date=rows[pk]["date"], facets={k: v for k, v in rows[pk]["values"].items() if v},
        ))
    return hits


def page_text(page):
    """The readable text of a page, in reading order, for snippets."""
    parts = []
    for name in ("summary", "intro"):
        parts.append(getattr(page, name, "") or "")
    body = getattr(page, "body", None)
    if body is not None and hasattr(body, "stream_block"):
        parts.extend(str(text) for text in body.stream_block.get_searchable_content(body))
    for name in ("shortcomings", "improvements"):
        parts.append(strip_tags(getattr(page, name, "") or ""))
    # A body often opens by repeating the summary; a snippet should not show a sentence twice.
    sentences = (sentence.strip() for part in parts for sentence in _SENTENCE.findall(" ".join(part.split())))
    return " ".join(dict.fromkeys(sentence for sentence in sentences if sentence))


_SENTENCE = re.compile(r"[^。！？!?；;]+[。！？!?；;]*")
# A story retelling a year's report is titled "2019 年度进展：…"; it belongs to that year, not to the
# year the report came out (its date).
_STORY_YEAR = re.compile(r"^\s*((?:19|20)\d\d)\s*年度?")


def story_year(title, when):
    """The year a story is about: the year its title names (2019 年度进展：…), else the year of its date."""
    found = _STORY_YEAR.match(title or "")
    return int(found.group(1)) if found else when.year


def _suggestions(params, ids):
    """Helpful next steps when nothing was found."""
    suggestions = []
    if params.filters and ids:
        suggestions.append({"label": f"去掉筛选条件（共 {len(ids)} 条结果）", "params": {"q": params.q}})
    words = params.q.split()
    if len(words) > 1:
        for word in words:
            count = _base_queryset().search(word).count()
            if count:
                suggestions.append({"label": f"只搜“{word}”（{count} 条）", "params": {"q": word}})
    return suggestions


def page_suggest(*, q, limit=SUGGEST_SIZE):
    """Titles for autocomplete as the person types: prefix match on analysed titles."""
    q = " ".join((q or "").split())[:MAX_QUERY_CHARS]
    if not query_terms(q):
        return []
    results = _base_queryset().autocomplete(q)[:limit]
    pages = Page.objects.filter(pk__in=[page.pk for page in results]).specific()
    by_id = {page.pk: page for page in pages}
    return [
        {"title": by_id[page.pk].title, "url": by_id[page.pk].get_url() or by_id[page.pk].url_path,
         "title_html": highlight(by_id[page.pk].title, q)}
        for page in results if page.pk in by_id
    ]
