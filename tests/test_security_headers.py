"""Strangers can do nothing with a link: nothing echoed unescaped, strict headers everywhere, donor pages uncached.

- Every route the URL tree serves (and a page of every page type) is requested with script payloads
  in each path segment and query parameter; no HTML or XML answer carries a payload unescaped.
- Every response, the admin's and the error pages' included, carries the Content-Security-Policy,
  Permissions-Policy, Referrer-Policy and nosniff headers.
- Pages and API answers about one order say ``Cache-Control: private, no-store``.
- 404 and 500 are the site's own Chinese pages, with the right status and the same headers.
"""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.test import Client, override_settings
from django.urls import get_resolver, path
from django.utils import timezone
from wagtail.models import Page, Site

from cms_pages.models import HomePage, ProjectIndexPage, ProjectPage
from donations.models import CampaignPage
from gateway_sandbox.keys import sandbox_keys
from tests.donations.conftest import alipay_params, alipay_sign, make_donation, restore_wagtail_base

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
# Every query parameter a view or the APIs read, and one no view reads.
QUERY_PARAMS = [
    "year", "project", "q", "page", "category", "district", "status", "type", "fields", "search", "order",
    "offset", "limit", "next", "format", "sign", "out_trade_no", "child_of", "descendant_of", "locale", "x",
]
# Content types a browser renders as a document, where an unescaped payload would run.
RENDERED = ("text/html", "application/xhtml", "text/xml", "application/xml", "application/atom+xml", "image/svg")
ARG = re.compile(r"<[^>]+>")
# Valid values, so the query-parameter variant reaches the view behind a converter.
VALID = {"<fmt:fmt>": "json", "<int:year>": "2021"}


def valid_path(template: str) -> str:
    return ARG.sub(lambda m: VALID.get(m.group(0), "1"), template)


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def route_templates():
    """Every URL pattern of the site as a path with ``<arg>`` placeholders (admin routes included)."""
    templates = set()
    for _view, regex, _namespace, _name in extract_views_from_urlpatterns(get_resolver().url_patterns):
        route = simplify_regex(regex)
        if "(" in route or "\\" in route:  # a few regexes simplify_regex leaves half-parsed
            route = re.sub(r"\(.*?\)", "<arg>", route).replace("\\", "")
        templates.add(route)
    return sorted(templates)


def payload_urls(templates, pages):
    """Each route with the payload in each argument (or appended as a segment), then with it in every parameter."""
    for payload in PAYLOADS:
        quoted = quote(payload, safe="")
        query = urlencode(dict.fromkeys(QUERY_PARAMS, payload))
        for template in templates:
            if ARG.search(template):
                yield ARG.sub(quoted, template)
            else:
                yield template.rstrip("/") + "/" + quoted + "/"
            yield valid_path(template) + "?" + query
        for page in pages:
            yield page.url + "?" + query
            yield page.url + quoted + "/"


def unescaped(body: str) -> list[str]:
    return [p for p in PAYLOADS if p in body] + [m for m in ("<script>alert(1)", "<img src=x onerror") if m in body]


@pytest.mark.django_db
def test_no_route_echoes_a_script_payload_unescaped(demo_site):
    client = Client(raise_request_exception=False)
    pages = [next(p for p in Page.objects.live().type(model).specific() if p.url)
             for model in {type(p) for p in Page.objects.live().specific() if p.depth > 1}]
    templates = route_templates()
    assert len(templates) > 100 and "/fund/ledger.<fmt:fmt>" in templates
    reflected, crashed, seen = [], [], 0
    for url in payload_urls(templates, pages):
        response = client.get(url)
        seen += 1
        body = body_of(response)
        content_type = response.get("Content-Type", "")
        if response.status_code >= 500:
            crashed.append(f"{response.status_code} {url}")
        found = unescaped(body)
        if found and (content_type.startswith(RENDERED) or not content_type):
            reflected.append(f"{response.status_code} {content_type} {url}: {found}")
        if found:
            # A JSON or text answer may quote the input, but must never be sniffed into HTML.
            assert response["X-Content-Type-Options"] == "nosniff", url
    assert seen > 400
    assert reflected == [], "\n".join(reflected)
    assert crashed == [], "\n".join(crashed)


GIVE_FIELDS = ["amount", "preset", "method", "donor_name", "message", "phone", "email", "official_receipt_title",
               "taxpayer_number"]


@pytest.mark.django_db
def test_no_form_or_api_echoes_a_script_payload_unescaped(demo_site):
    """The public forms, the donations API and the gateway callbacks, posted with payloads in every field."""
    from django.core.cache import cache

    campaign = CampaignPage.objects.live().first()
    client = Client(raise_request_exception=False)
    for payload in PAYLOADS:
        cache.clear()  # rate limits would answer before the form is read
        answers = [
            client.post(f"/donate/{campaign.pk}/", dict.fromkeys(GIVE_FIELDS, payload)),
            client.post(f"/donate/{campaign.pk}/", {**dict.fromkeys(GIVE_FIELDS, payload), "amount": "10.00",
                                                    "method": "alipay"}),
            client.post("/donations/lookup/", {"out_trade_no": payload, "phone_last4": payload}),
            client.post("/api/donations/donations", {"campaign_id": campaign.pk, "amount": payload,
                                                     "donor_name": payload, "gateway": payload},
                        content_type="application/json"),
            client.post("/donations/notify/alipay/", {"out_trade_no": payload, "sign": payload}),
            client.post("/donations/notify/wechatpay/", payload, content_type="application/json"),
            client.post(f"/search/?q={quote(payload)}"),
        ]
        for response in answers:
            body, content_type = body_of(response), response.get("Content-Type", "")
            assert response.status_code < 500, (response.status_code, body[:300])
            if content_type.startswith(RENDERED) or not content_type:
                assert unescaped(body) == [], (response.status_code, body[:300])
            assert response["X-Content-Type-Options"] == "nosniff"


def test_the_ledger_download_never_echoes_bad_input_as_html(db, client):
    """The reported link: the year is refused without an HTML echo, so the payload is inert."""
    response = client.get("/fund/ledger.json", {"year": PAYLOADS[0]})
    assert response.status_code == 400
    assert not response["Content-Type"].startswith("text/html") or PAYLOADS[0] not in response.content.decode()


# --- headers on every response ---------------------------------------------------------------------

def assert_security_headers(response):
    csp = dict(
        (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in response["Content-Security-Policy"].split(";"))
    )
    assert csp["default-src"] == "'self'"
    assert csp["script-src"].split()[0] == "'self'"
    assert set(csp["script-src"].split()) <= {"'self'"} | {s for s in csp["script-src"].split() if s.startswith("'nonce-")}
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["frame-ancestors"] in ("'none'", "'self'")
    assert csp["form-action"].split()[0] == "'self'"
    assert csp["img-src"] == "'self' data:"
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert response["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/", "/fund/", "/fund/verify/", "/fund/ledger.csv", "/search/?q=项目", "/donations/lookup/",
    "/donations/donors/", "/api/v3/pages/", "/api/donations/openapi.json", "/sitemap.xml", "/feeds/stories.atom",
    "/admin/login/", "/admin/", "/no-such-page/", "/fund/ledger.json?year=abc",
])
def test_every_response_carries_the_security_headers(demo_site, client, url):
    response = client.get(url)
    assert response.status_code < 500
    assert_security_headers(response)


@pytest.mark.django_db
def test_the_admin_carries_the_policy_and_gives_only_wagtails_own_scripts_the_nonce(demo_site, client,
                                                                                 django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    project = ProjectPage.objects.live().first()
    for url in ("/admin/", f"/admin/pages/{project.pk}/edit/", "/admin/ledger_entries/new/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
        if inline:
            assert nonce, url
            assert all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline), (url, inline)


def test_outside_a_request_wagtail_scripts_get_no_nonce():
    """A chooser rendered with no request in flight gets no nonce, so its script would be refused, never allowed."""
    from wagtail.admin.widgets import AdminPageChooser

    html = AdminPageChooser().render("page", None, {"id": "id_page"})
    assert "<script>" in html and "nonce" not in html


# --- donor pages are never cached ------------------------------------------------------------------

@pytest.fixture
def paid_donation(db, client):
    """A gift paid by a genuinely signed (sandbox-key) Alipay notification, with its receipt."""
    restore_wagtail_base()
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="首页", slug="home-headers"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "testserver", "root_page": home})
    project = home.add_child(instance=ProjectIndexPage(title="资助项目", slug="projects")).add_child(
        instance=ProjectPage(title="测试项目", slug="p", summary="测试"))
    campaign = project.add_child(instance=CampaignPage(
        title="测试募捐", slug="give", intro="测试", goal=Decimal("1000.00"),
        starts_on=timezone.localdate() - timedelta(days=1), ends_on=timezone.localdate() + timedelta(days=10),
    ))
    donation = make_donation(campaign, phone="13800005678")
    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    response = client.post("/donations/notify/alipay/",
                           urlencode(alipay_sign(alipay_params(keys, donation), keys.alipay_private_key)),
                           content_type="application/x-www-form-urlencoded; charset=utf-8")
    assert response.content == b"success"
    donation.refresh_from_db()
    assert donation.is_paid and donation.receipt
    return donation


def assert_private(response):
    cache_control = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control, response["Cache-Control"]
    assert "public" not in cache_control


def test_every_page_about_one_gift_is_private(paid_donation, client):
    d, receipt = paid_donation, paid_donation.receipt
    answers = {
        "payment page": client.get(f"/donations/pay/{d.resume_token}/"),  # paid: redirects to the result
        "return page": client.get(f"/donations/return/{d.resume_token}/"),
        "status": client.get(f"/donations/status/{d.resume_token}/"),
        "lookup form": client.get("/donations/lookup/"),
        "lookup answer": client.post("/donations/lookup/", {"out_trade_no": d.out_trade_no, "phone_last4": "5678"}),
        "receipt download": client.get(f"/receipts/{receipt.token}/"),
        "receipt verify": client.get(f"/receipts/verify/{receipt.number}/"),
        "api status": client.get(f"/api/donations/donations/{d.resume_token}"),
        "unknown order": client.get("/donations/return/no-such-token/"),
    }
    assert answers["return page"].status_code == 200 and "感谢您的捐赠" in answers["return page"].content.decode()
    assert answers["lookup answer"].status_code == 200 and d.out_trade_no in answers["lookup answer"].content.decode()
    assert answers["receipt download"]["Content-Type"] == "application/pdf"
    assert answers["api status"].status_code == 200
    for name, response in answers.items():
        assert response.status_code < 500, name
        assert_private(response)


@pytest.mark.django_db
def test_public_pages_stay_cacheable(demo_site, client):
    """Only donor pages are private: the public fund page is not forced out of caches."""
    response = client.get("/fund/")
    assert "no-store" not in response.get("Cache-Control", "")


# --- the site's own error pages --------------------------------------------------------------------

@pytest.mark.django_db
def test_a_missing_page_gets_the_sites_chinese_404(demo_site, client):
    response = client.get(f"/no-such-page/{quote(PAYLOADS[0], safe='')}/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and 'lang="zh-Hans"' in html and "返回首页" in html
    assert "site-header" in html  # the site's own layout, not Django's bare page
    assert PAYLOADS[0] not in html
    assert_security_headers(response)


def _boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_a_crash_gets_the_sites_chinese_500_with_the_headers(demo_site):
    import fundsite.urls

    # This module's one failing view in front of the site's URLs, with the site's handlers.
    globals()["handler500"] = fundsite.urls.handler500
    globals()["urlpatterns"] = [path("boom/", _boom), *fundsite.urls.urlpatterns]
    with override_settings(ROOT_URLCONF=__name__):
        response = Client(raise_request_exception=False).get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "服务暂时出错" in html and 'lang="zh-Hans"' in html
    assert "deliberate failure" not in html and "Traceback" not in html
    assert_security_headers(response)


def test_the_500_page_needs_neither_database_nor_request(django_db_blocker):
    from django.test import RequestFactory

    from fundsite.views import server_error

    with django_db_blocker.block():  # any query would raise here
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "服务暂时出错" in response.content.decode()
