"""Bad input never answers 500: a table of hostile values over every public route of the demo site.

Routes come from the URL resolver (the admin and the sandbox gateway excepted), pages from the demo's
page tree (one per page type), query parameters from what each view actually reads (recorded on a
first clean request) plus the API's OpenAPI documents, form fields from the forms and API schemas.
Each request is answered, and what a bad input gets is never a server error; nothing is created by
a refused gift.
"""

import json
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.models import Page

from complaints.forms import ComplaintForm
from donations.api import DonationIn
from donations.forms import DonorCodeForm, DonorSignInForm, GiveForm, LookupForm
from donations.models import CampaignPage, Donation
from tests.donations.conftest import make_donation

# Each value is a way input has broken parsers: Unicode digits, NUL and other control characters, numbers
# too large for any column or 64-bit integer, a 10,000-character string, markup and odd number syntax.
BAD_VALUES = [
    "²", "１２３", "١٢٣٤", "\x00", "1\x00", "\x01\x08\x1b\x7f", "\u200b\u202e", "9" * 30, str(2**63),
    str(-(2**63) - 1), "x" * 10_000, "1e999999", "-1", "NaN", "1,0,0,0", "10.000", "<script>alert(1)</script>",
    "' OR 1=1 --", "%", "\ud7ff\uffff", " ", "localhost:x", "a:b:c",
]
# A lighter set for parameters read by pages that render the whole demo (kept under a minute in total).
SHORT_VALUES = ["²", "١٢٣٤", "\x00", "\x1f", str(2**63), "9" * 30, "x" * 10_000, "1e999999", "-1", "<b>"]
JSON_VALUES = [None, [], {}, True, 2**63, -(2**63) - 1, 10**30, 1.5, "²", "\x00", "x" * 10_000, ["1"], {"a": 1}]
SKIPPED_PREFIXES = ("admin/", "sandbox/", "_util/", "documents/authenticate_with_password/")
API_WRITE_SUFFIXES = ("actions/", "revisions/")


def public_routes():
    """(pattern, view name) for every route the public can reach."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.name

    return [(route, name) for route, name in walk(get_resolver().url_patterns)
            if not route.startswith(SKIPPED_PREFIXES)]


class Recorder:
    """Records which keys a view reads from request.GET / request.POST during a clean request."""

    def __init__(self, monkeypatch):
        self.keys = set()
        for name in ("get", "__getitem__", "getlist", "__contains__"):
            original = getattr(QueryDict, name)
            monkeypatch.setattr(QueryDict, name, self._wrap(original))

    def _wrap(self, original):
        recorder = self

        def recording(qd, key, *args, **kwargs):
            recorder.keys.add(key)
            return original(qd, key, *args, **kwargs)

        return recording


@pytest.fixture
def hostile(demo_site, settings):
    """The demo site, a pending order and a client that reports 500s instead of raising them."""
    # The battery sends thousands of requests from one address; limits have their own tests.
    settings.DONATION_CREATE_RATE = settings.DONATION_LOOKUP_RATE = "1000000/h"
    settings.DONATION_LOOKUP_ORDER_RATE = settings.NOTIFY_RATE = "1000000/h"
    settings.COMPLAINTS_RATE_PER_ADDRESS = settings.COMPLAINTS_RATE_TOTAL = (1_000_000, 3600)
    campaign = CampaignPage.objects.live().first()
    donation = make_donation(campaign, phone="13912345678")
    return {"client": Client(raise_request_exception=False), "campaign": campaign, "donation": donation}


def sample_url(route, hostile):
    """A concrete URL for a route pattern, its path parameters filled with real demo values."""
    donation, campaign = hostile["donation"], hostile["campaign"]
    values = {
        "campaign_id": str(campaign.pk), "token": donation.resume_token, "number": "2026-000001",
        "year": "2021", "fmt": "json", "page_id": str(campaign.pk), "site_id": "1", "type_name": "cms_pages.ProjectPage",
        "revision_id": "1", "redirect_id": "1", "type": "cms_pages.Category", "pk": "1", "document_id": "1",
        "image_id": "1", "locale_id": "1", "size": "1", "entry_id": "1", "reference": "JY20260105ABCDEF",
    }
    if "^" in route:
        return None  # regex routes (Wagtail's page serving, document serving) are covered by page_urls()
    url = "/" + route
    for name, value in values.items():
        for converter in ("", "int:", "str:", "fmt:"):
            url = url.replace(f"<{converter}{name}>", value)
    assert "<" not in url, f"no sample value for a path parameter of {route}"
    return url


def page_urls():
    """One live page of each page type, and one document."""
    from wagtail.documents import get_document_model

    seen, urls = set(), [d.url for d in get_document_model().objects.order_by("pk")[:1]]
    for page in Page.objects.live().public().specific().order_by("path"):
        kind = type(page).__name__
        if kind not in seen and page.url:
            seen.add(kind)
            urls.append(page.url)
    return urls


class ServerError(Exception):
    """Carries a 500 out of the request's savepoint so the savepoint is rolled back."""


def answered(client, method, url, **kwargs):
    # Each request in a savepoint: on PostgreSQL one failed query would otherwise abort the test's
    # transaction and make every later request fail too.
    try:
        with transaction.atomic():
            status = getattr(client, method)(url, **kwargs).status_code
            if status >= 500:
                raise ServerError
    except ServerError:
        return 500
    return status


def check(failures, label, status):
    if status >= 500:
        failures.append(f"{status} {label}")


def report(failures):
    assert not failures, f"{len(failures)} requests answered a server error:\n" + "\n".join(failures[:80])


def get_routes(hostile):
    urls = []
    for route, name in public_routes():
        url = sample_url(route, hostile)
        if url and name not in {"notify_alipay", "notify_wechatpay", "give"}:
            urls.append(url)
    return sorted(set(urls + page_urls()))


def test_query_parameters_each_route_reads_never_answer_500(hostile, monkeypatch):
    client, failures = hostile["client"], []
    urls = get_routes(hostile)
    read = {}
    recorder = Recorder(monkeypatch)
    for url in urls:
        recorder.keys = set()
        check(failures, f"GET {url}", answered(client, "get", url))
        read[url] = set(recorder.keys)
    monkeypatch.undo()
    openapi = {**openapi_parameters(client, "/api/v3/openapi.json"), **openapi_parameters(client, "/api/donations/openapi.json")}
    for url in urls:
        keys = read[url] | openapi.get(url, set())
        # The full table where a value is parsed; the short one where pages only echo it (the header's q).
        values = BAD_VALUES if url.startswith(("/api/", "/fund/", "/search/", "/projects/?")) or len(keys) > 1 \
            else SHORT_VALUES
        for key in sorted(k for k in keys if isinstance(k, str)):
            for value in values:
                status = answered(client, "get", url + "?" + urlencode({key: value}))
                check(failures, f"GET {url}?{key}={value[:40]!r}", status)
    assert len(urls) > 20 and any("page" in keys or "year" in keys for keys in read.values())
    report(failures)


def openapi_parameters(client, doc_url):
    """Query parameters of every GET operation in an OpenAPI document, by concrete URL (no path parameters)."""
    doc = client.get(doc_url).json()
    found = {}
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get and "{" not in path:
            found[path] = {p["name"] for p in get.get("parameters", []) if p.get("in") == "query"}
    return found


def test_path_parameters_never_answer_500(hostile):
    client, failures = hostile["client"], []
    for route, _name in public_routes():
        if "<" not in route:
            continue
        for value in BAD_VALUES + ["..", "a/b", "０"]:
            url = "/" + route
            for segment in route.split("/"):
                if segment.startswith("<") or "<" in segment:
                    url = url.replace(segment, segment[: segment.index("<")] + quote(value, safe="") +
                                      segment[segment.index(">") + 1:])
            check(failures, f"GET {url[:120]!r}", answered(client, "get", url))
    for url in ("/%00/", "/projects/%00/", "/" + "x" * 10_000 + "/", "/%C0%AF/", "/documents/1/%00.pdf",
                "/documents/" + str(2**63) + "/x.pdf", "/fund/" + "9" * 30 + "/figures.json",
                # Found by schemathesis: a "host:port" site filter whose port is not a number, with html_path.
                "/api/v3/pages/find/?html_path=/&site=a:b", "/api/v3/pages/?site=a:b&offset=1"):
        check(failures, f"GET {url[:120]!r}", answered(client, "get", url))
    report(failures)


def form_posts(hostile):
    campaign, donation = hostile["campaign"], hostile["donation"]
    give = f"/donate/{campaign.pk}/"
    give_ok = {"amount": "100", "method": "alipay", "donor_name": "李四"}
    lookup_ok = {"out_trade_no": donation.out_trade_no, "phone_last4": "5678"}
    yield give, give_ok, [*GiveForm.base_fields, "preset"]
    yield "/donations/lookup/", lookup_ok, list(LookupForm.base_fields)
    yield "/complaints/", {"page": str(campaign.pk), "kind": "report", "content": "款项去向不清楚，请说明。"}, \
        list(ComplaintForm.base_fields)
    yield "/donations/mine/sign-in/", {"target": "13900001111"}, list(DonorSignInForm.base_fields)
    yield "/donations/mine/verify/", {"code": "123456"}, list(DonorCodeForm.base_fields)
    yield "/donations/notify/alipay/", {"out_trade_no": donation.out_trade_no, "total_amount": "100.00",
                                        "trade_status": "TRADE_SUCCESS", "sign_type": "RSA2", "sign": "x"}, [
        "out_trade_no", "total_amount", "trade_status", "sign", "sign_type", "app_id", "notify_id", "refund_fee",
        "gmt_payment", "gmt_refund", "out_biz_no", "trade_no", "seller_id"]


def test_form_fields_never_answer_500_and_bad_gifts_create_nothing(hostile):
    client, failures = hostile["client"], []
    before = Donation.objects.count()
    for url, good, fields in form_posts(hostile):
        for field in fields:
            for value in BAD_VALUES:
                status = answered(client, "post", url, data={**good, field: value})
                check(failures, f"POST {url} {field}={value[:40]!r}", status)
    report(failures)
    # Whatever was refused created nothing; a valid amount with a hostile optional field may create one.
    assert Donation.objects.count() - before <= len(GiveForm.base_fields) * len(BAD_VALUES)


def test_api_fields_never_answer_500(hostile):
    client, failures = hostile["client"], []
    good = {"campaign_id": hostile["campaign"].pk, "amount": "10.00", "donor_name": "周八"}
    for field in DonationIn.model_fields:
        for value in JSON_VALUES + BAD_VALUES:
            body = json.dumps({**good, field: value})
            status = answered(client, "post", "/api/donations/donations", data=body, content_type="application/json")
            check(failures, f"POST /api/donations/donations {field}={str(value)[:40]!r}", status)
    for body in ("{", "[]", "null", '{"campaign_id": 1e999999, "amount": "1"}', '{"amount": 1e999999}',
                 "\x00", '{"campaign_id": ' + "9" * 5000 + "}", b"\xff\xfe\x00", json.dumps([good] * 1000)):
        status = answered(client, "post", "/api/donations/donations", data=body, content_type="application/json")
        check(failures, f"POST /api/donations/donations body={body[:40]!r}", status)
    report(failures)


def test_wrong_methods_and_content_types_never_answer_500(hostile):
    client, failures = hostile["client"], []
    urls = get_routes(hostile) + [f"/donate/{hostile['campaign'].pk}/", "/donations/notify/alipay/",
                                  "/donations/notify/wechatpay/"]
    for url in urls:
        for method in ("post", "put", "patch", "delete", "options", "head", "get"):
            check(failures, f"{method.upper()} {url}", answered(client, method, url))
    posts = [f"/donate/{hostile['campaign'].pk}/", "/donations/lookup/", "/donations/notify/alipay/",
             "/donations/notify/wechatpay/", "/api/donations/donations", "/api/v3/pages/", "/search/", "/complaints/"]
    bodies = [
        ("application/json", "{"), ("application/json", '{"resource": "x", "amount": [1]}'),
        ("application/json", '{"resource": {"ciphertext": 1e999999}}'), ("text/plain", "\x00"),
        ("application/x-www-form-urlencoded", "a=%00&b=%FF&c"), ("application/x-www-form-urlencoded", b"\xff\xfe=1"),
        ("multipart/form-data", "garbage"), ("multipart/form-data; boundary=x", "--x\r\nbroken"),
        ("application/xml", "<a/>"), ("", ""), ("application/json; charset=gbk", "{}"),
    ]
    for url in posts:
        for content_type, body in bodies:
            status = answered(client, "post", url, data=body, content_type=content_type)
            check(failures, f"POST {url} {content_type!r} {body[:30]!r}", status)
    report(failures)
