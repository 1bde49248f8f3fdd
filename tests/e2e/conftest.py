"""Browser harness: Debian's Chromium driven by Playwright against a live server running the demo site.

Screenshots go to var/e2e/ (gitignored): every test may save named ones, and a failing test
leaves one of the page it failed on.
"""

import importlib
import io
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    ),
}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def ensure_wagtail_root():
    """Wagtail's root page, root collection and default locale come from its migrations; a
    transactional test's flush removes them, so put them back when an earlier test emptied the database."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Collection, Locale, Page

    ContentType.objects.clear_cache()  # the flush re-created content types under new ids
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    if Page.objects.filter(depth=1).exists():
        return
    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    )
    Page.add_root(instance=Page(title="Root", slug="root", locale=locale))


# The data migrations that make the staff roles (groups, their permissions, the moderation workflow and the
# private voucher collection), in migration order.
ROLE_MIGRATIONS = [
    ("ledger.migrations.0002_finance_group_and_chain_head", "create_finance_group"),
    ("cms_pages.migrations.0003_editor_groups_and_workflow", "forwards"),
    ("donations.migrations.0003_finance_permissions", "grant"),
    ("donations.migrations.0004_append_only_admin", "narrow_permissions"),
    ("cms_pages.migrations.0006_editor_image_permissions", "grant"),
    ("ledger.migrations.0007_private_voucher_collection", "create_private_collection"),
    ("ledger.migrations.0010_witnesses", "grant"),
    ("complaints.migrations.0002_office_answers_complaints", "grant"),
]


def ensure_staff_roles():
    """A transactional test's flush removes the roles the data migrations made, too: replay those steps when the
    roles are gone (the flush's post_migrate has already put back every model's permissions)."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    if Group.objects.filter(name="编辑").exists():
        return
    for module, step in ROLE_MIGRATIONS:
        getattr(importlib.import_module(module), step)(apps, None)


@pytest.fixture
def live_site(live_server, settings):
    """The demo site served live, with every absolute URL (callbacks, gateways) pointing at it.

    A live server needs committed data, so the demo is loaded here for real rather than in the
    rolled-back transaction other tests share.
    """
    from django.core.management import call_command
    from wagtail.models import Site

    ensure_wagtail_root()
    ensure_staff_roles()
    call_command("load_demo", stdout=io.StringIO())
    base = live_server.url
    settings.SITE_BASE_URL = base
    settings.WAGTAILADMIN_BASE_URL = base
    settings.ALIPAY_GATEWAY_URL = f"{base}/sandbox/alipay/gateway.do"
    settings.WECHATPAY_BASE_URL = f"{base}/sandbox/wechatpay"
    # Wagtail builds page URLs from the Site record: make it this server.
    host, port = base.split("://", 1)[1].split(":")
    Site.objects.filter(is_default_site=True).update(hostname=host, port=int(port))
    return base


@pytest.fixture
def browser(live_site):
    """Debian's Chromium, started after the site's data is in place.

    Playwright's sync API keeps an event loop in this thread, and Django then keeps ORM
    connections per asyncio context: data written before the browser starts shares the one
    connection the live server uses (which an in-memory SQLite database requires).
    """
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: run `make e2e-deps` (make test does)")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    # The tests' own ORM reads between browser steps are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(browser, request):
    """A phone-sized page; on failure a screenshot of where it stopped is left in var/e2e/."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def save_screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
