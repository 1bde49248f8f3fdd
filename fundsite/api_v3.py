"""Wagtail's v3 API answers out-of-range query values with a 400, not a 500.

Wagtail passes `offset` (any size Pydantic accepts) straight to the database, which refuses a 2**63 offset
(OverflowError on SQLite, DataError on PostgreSQL), and the port of `?site=host:port` to an integer lookup.
Those are faults in what the client asked for: the middleware refuses an oversized offset or limit before any
query runs, and the handler answers what slips past it on a read in the API's own problem+json format
(writes keep Wagtail's handling, since there such errors may be ours).
"""

import logging

from django.db import DataError, IntegrityError
from wagtail.api.v3.errors import problem_response

API_PREFIX = "/api/v3/"
PAGING_PARAMS = ("offset", "limit")
# Far beyond any real listing, far below the 64-bit integers the databases accept.
PAGING_MAX = 2**31 - 1
QUERY_VALUE_ERRORS = (OverflowError, DataError, IntegrityError, ValueError)
READ_METHODS = ("GET", "HEAD", "OPTIONS")
DETAIL = "查询参数超出范围或格式不正确（offset、limit 须为较小的非负整数，site 的端口须为数字）。"
logger = logging.getLogger(__name__)


class PagingBoundsMiddleware:
    """Refuses `offset`/`limit` above PAGING_MAX on the v3 API before Wagtail hands them to the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            for name in PAGING_PARAMS:
                for value in request.GET.getlist(name):
                    if value.isascii() and value.isdigit() and int(value) > PAGING_MAX:
                        return problem_response(status=400, detail=DETAIL)
        return self.get_response(request)


def query_value_errors_register(api) -> None:
    """Install the handler on Wagtail's API instance (once: the app registry may call ready() again)."""
    if getattr(api, "_fund_query_value_errors", False):
        return

    def query_value_error(request, exc):
        if request.method not in READ_METHODS:
            raise exc
        # Logged, so a fault of ours that surfaces as one of these still leaves a trace.
        logger.warning("API v3 %s refused as a bad query: %s: %s", request.path, type(exc).__name__, exc)
        return problem_response(status=400, detail=DETAIL)

    for error in QUERY_VALUE_ERRORS:
        api.add_exception_handler(error, query_value_error)
    api._fund_query_value_errors = True
