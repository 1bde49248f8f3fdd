"""The public search page: reads the request, asks the selectors, renders."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from search.selectors import FACETS, SORTS, page_search, search_params_parse


def state_url(params, **changes):
    """The search URL for the current state with some parameters changed (None removes one)."""
    state = {"q": params.q, **params.filters, "sort": params.sort if params.sort != "relevance" else None}
    state.update(changes)
    return "?" + urlencode({key: value for key, value in state.items() if value})


def _decorate(outcome):
    """Add the links the template needs: every facet choice, sort and page keeps the rest of the state."""
    params = outcome.params
    for name, facet in outcome.facets.items():
        for option in facet["options"]:
            option["url"] = state_url(params, **{name: None if option["selected"] else option["value"]})
        facet["clear_url"] = state_url(params, **{name: None}) if name in params.filters else None
    sorts = [
        {"value": value, "label": label, "selected": value == params.sort, "url": state_url(params, sort=value)}
        for value, label in SORTS.items()
    ]
    active = [
        {"label": FACETS[name], "value": _option_label(outcome, name, value), "url": state_url(params, **{name: None})}
        for name, value in params.filters.items()
    ]
    for suggestion in outcome.suggestions:
        suggestion["url"] = "?" + urlencode(suggestion["params"])
    return {"sorts": sorts, "active_filters": active, "page_url": lambda n: state_url(params, page=n)}


def _option_label(outcome, name, value):
    for option in outcome.facets.get(name, {}).get("options", []):
        if option["value"] == value:
            return option["label"]
    return value


@require_GET
def search_page(request):
    """/search/?q=…&kind=…&category=…&year=…&district=…&status=…&sort=relevance|newest&page=N"""
    params, messages = search_params_parse(request.GET)
    outcome = page_search(params=params)
    outcome.messages[:0] = messages
    links = _decorate(outcome)
    pages = []
    if outcome.page_obj is not None and outcome.page_obj.paginator.num_pages > 1:
        pages = [
            {"number": n, "url": links["page_url"](n), "current": n == outcome.page_obj.number}
            for n in outcome.page_obj.paginator.get_elided_page_range(outcome.page_obj.number, on_each_side=1)
        ]
    context = {
        "outcome": outcome, "params": params, "sorts": links["sorts"], "active_filters": links["active_filters"],
        "pages": pages, "clear_filters_url": state_url(params, **dict.fromkeys(params.filters)),
    }
    response = render(request, "search/search_page.html", context)
    # Results depend on the query only, never on who asks; let caches keep them briefly.
    response["Cache-Control"] = "public, max-age=60"
    return response
