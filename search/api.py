"""The search in the headless API, as a router of Wagtail's API v3 (same OpenAPI document as pages)."""

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema

from search.selectors import page_search, page_suggest, search_params_parse

router = Router(tags=["search"])


class SearchFilters(Schema):
    """Query parameters: the words, one value per facet, sort and page."""

    q: str = ""
    kind: str = ""
    category: str = ""
    year: str = ""
    district: str = ""
    status: str = ""
    sort: str = "relevance"
    page: str = "1"


class FacetOption(Schema):
    """One value of a facet, with how many results have it."""

    value: str
    label: str
    count: int
    selected: bool


class Facet(Schema):
    """A facet and its values."""

    label: str
    options: list[FacetOption]


class SearchHit(Schema):
    """One result; title and snippet are HTML with matches in <mark>, everything else escaped."""

    id: int
    title: str
    url: str
    kind: str
    kind_label: str
    date: date | None
    title_html: str
    snippet_html: str
    facets: dict[str, str]


class SearchResponse(Schema):
    """A page of results with facets and any message for the person searching."""

    q: str
    sort: str
    filters: dict[str, str]
    total: int
    page: int
    num_pages: int
    results: list[SearchHit]
    facets: dict[str, Facet]
    messages: list[str]
    suggestions: list[dict]


class Suggestion(Schema):
    """A title offered while typing."""

    title: str
    url: str
    title_html: str


@router.get("/", response=SearchResponse, url_name="search", summary="Search projects, stories and reports",
            operation_id="search_pages")
def search(request: HttpRequest, filters: Query[SearchFilters]):
    params, messages = search_params_parse(filters.dict())
    outcome = page_search(params=params)
    page_obj = outcome.page_obj
    return {
        "q": params.q, "sort": params.sort, "filters": params.filters, "total": outcome.total,
        "page": page_obj.number if page_obj else 1, "num_pages": page_obj.paginator.num_pages if page_obj else 0,
        "results": [
            {"id": hit.page.pk, "title": hit.page.title, "url": hit.url, "kind": hit.kind,
             "kind_label": hit.kind_label, "date": hit.date, "title_html": str(hit.title_html),
             "snippet_html": str(hit.snippet_html), "facets": {k: str(v) for k, v in hit.facets.items()}}
            for hit in outcome.hits
        ],
        "facets": outcome.facets, "messages": messages + outcome.messages,
        "suggestions": [{"label": s["label"], "q": s["params"]["q"]} for s in outcome.suggestions],
    }


@router.get("/suggest/", response=list[Suggestion], url_name="search_suggest", summary="Titles while typing",
            operation_id="search_suggest")
def suggest(request: HttpRequest, q: str = ""):
    return page_suggest(q=q)
