"""What a citizen, a crawler and each staff role meet, page by page, in Chromium.

One public walk (a page of every type, on a phone) and one admin walk per role (editors, moderators,
finance, a superuser: every item of the role's own admin menu, plus the editing forms of one page or record
of each type the role may change). The test fails on any request to a host other than the site's own, on a
page that does not load, and, in the admin, on any text node or label in English outside a short allow-list
of product names and codes. A phone walk also checks that a wide table says it scrolls and keeps its first
column in view.
"""

import json
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from .conftest import PHONE, SHOTS, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "every-page-pass-1234"  # noqa: S105
# Product names, formats and codes that stay as they are in Chinese text.
ALLOWED_WORDS = {
    "wagtail", "api", "url", "urls", "id", "pdf", "csv", "json", "xlsx", "svg", "png", "jpeg", "jpg", "webp", "gif",
    "avif", "heic", "bmp", "html", "sha", "ed", "base", "merkle", "rfc", "utc", "gmt", "alipay", "wechat", "wechatpay",
    "openid", "appid", "sms", "atom", "openapi", "swagger", "ctrl", "alt", "shift", "cmd", "esc", "enter", "tab",
    "kb", "mb", "gb", "px", "http", "https", "www", "ip", "pub", "key", "uscc", "ninja", "v3", "ok", "nonce", "cdn",
    "email", "e-mail", "qr", "js", "css", "h5", "jsapi", "oauth", "wx", "tenpay", "aliyun", "appsecret", "token",
    "utf", "ascii", "iso", "sandbox", "draftail", "jieba", "opencc", "elasticsearch", "python", "py", "md", "txt",
    "docx", "zip", "npm", "django", "keygen", "name", "out_trade_no",
}
# Data rather than interface text: codes and identifiers shown as they are.
CODE_PATTERNS = [
    r"</?[a-z][\w-]*[^>]*>", r"https?://\S+", r"\S+@\S+", r"[\w.-]+\.(?:py|png|jpe?g|pdf|csv|json|txt|svg|webp|atom|xml)\b",
    r"\b[0-9a-f]{16,}\b", r"\b[\w-]+\.[a-z]\w*\b", r"--[\w-]+", r"\b\w*\d\w*\b",
    r"\bv\d[\w.]*",
]
TEXT_NODES = r"""() => {
  const out = [];
  // .xdsoft_save_selected: the date picker's range button, always hidden (Wagtail never turns ranges on).
  const skip = 'script,style,noscript,template,code,pre,textarea,kbd,samp,[translate=no],.xdsoft_save_selected,'
    + 'select[name$=time_zone],select[name$=preferred_language]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    if (/[A-Za-z]{2,}/.test(text)) out.push(text.slice(0, 160));
  }
  for (const el of document.body.querySelectorAll('[placeholder],[aria-label],[title],[alt]')) {
    if (el.closest(skip)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      const value = el.getAttribute(name);
      if (value && /[A-Za-z]{2,}/.test(value)) out.push(`@${name}: ${value.slice(0, 160)}`);
    }
  }
  return out;
}"""


def data_words():
    """Words that are the fund's data, not interface text: user names, slugs, file names, ledger references."""
    from wagtail.models import Page, Site

    from cms_pages.models import Category, District, FundImage, PublishedFigure
    from donations.models import GatewayNotification
    from ledger.models import LedgerEntry
    from search.models import SynonymSet, synonym_words

    words = set(get_user_model().objects.values_list("username", flat=True))
    words |= set(Category.objects.values_list("slug", flat=True)) | set(District.objects.values_list("slug", flat=True))
    words |= set(Page.objects.values_list("slug", flat=True))
    words |= {name.rsplit("/", 1)[-1] for name in FundImage.objects.values_list("file", flat=True)}
    words |= set(LedgerEntry.objects.values_list("source_ref", flat=True))
    words |= set(PublishedFigure.objects.values_list("key", flat=True)) | {"raised", "approved_amount", "disbursed",
                                                                           "payable_unpaid"}  # figure keys' help text
    words |= set(GatewayNotification.objects.values_list("out_trade_no", flat=True))
    words |= set(Site.objects.values_list("hostname", flat=True))
    words |= {w for text in SynonymSet.objects.values_list("words", flat=True) for w in synonym_words(text)}  # what people type
    words |= {"Root", "English"}  # Wagtail's root page and collection; the admin's other language, by its name
    return {w.lower() for w in words if w}


def english_left(text, data):
    """What of a text is English once data, codes and allowed product names are taken out; '' if nothing."""
    if text.startswith("@"):
        text = text.split(": ", 1)[1]
    text = text.lower()
    # Data with digits or punctuation (codes such as 2019-raised, e2e-editor) first, whole; plain data words below.
    for word in data:
        if not word.isalpha() and word in text:
            text = text.replace(word, " ")
    for pattern in CODE_PATTERNS:
        text = re.sub(pattern, " ", text)
    words = re.findall(r"[a-z][a-z'_-]*[a-z]|[a-z]", text)
    left = [w for w in words if len(w) > 1 and w not in ALLOWED_WORDS and w not in data and w.strip("-_") not in data]
    return " ".join(left)


class Walk:
    """One browser context: every request's host, every page's status, and the English found in the admin."""

    def __init__(self, browser, base, **context_options):
        self.base = base
        self.origin = urlsplit(base).netloc
        self.context = browser.new_context(**context_options)
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.foreign, self.failed, self.english, self.visited = set(), [], {}, []
        self.page.on("request", self._request)

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.origin:
            self.foreign.add(f"{request.url} (from {self.page.url})")

    def visit(self, path, *, statuses=(200,)):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        self.visited.append(path)
        status = response.status if response else None
        if status not in statuses:
            self.failed.append(f"{path}: HTTP {status}")
        return response

    def collect_english(self, data):
        for text in self.page.evaluate(TEXT_NODES):
            left = english_left(text, data)
            if left:
                self.english.setdefault(text, urlsplit(self.page.url).path)

    def menu_urls(self):
        """Every address in this user's admin menu (the sidebar is drawn by script from this JSON)."""
        props = self.page.evaluate(
            "() => { const e = document.getElementById('wagtail-sidebar-props'); return e ? e.textContent : ''; }")
        urls = re.findall(r'"url":\s*"(/admin/[^"]*)"', json.loads(json.dumps(props)))
        return sorted({u for u in urls if "logout" not in u})

    def log_in(self, username):
        self.visit(reverse("wagtailadmin_login"))
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_url(f"{self.base}/admin/")
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


def staff(username, *, group=None, superuser=False):
    model = get_user_model()
    if superuser:
        return model.objects.create_superuser(username, f"{username}@example.org", PASSWORD)
    user = model.objects.create_user(username, f"{username}@example.org", PASSWORD)
    user.groups.add(Group.objects.get(name=group))
    return user


def sample_pages():
    """One live page of every type, and a story and a campaign under projects."""
    from wagtail.models import Page

    pages = {}
    for page in Page.objects.live().filter(depth__gt=1).specific().order_by("path"):
        pages.setdefault(type(page).__name__, page)
    return pages


def public_paths(pages):
    paths = [page.url for page in pages.values()]
    paths += [
        reverse("ledger:fund"), reverse("ledger:log"), reverse("ledger:verify"), "/search/?q=%E5%84%BF%E7%AB%A5",
        reverse("donations:donors"), reverse("donations:mine"), reverse("donations:lookup"),
        "/api/v3/docs/", "/api/donations/docs", "/projects/?year=2021",
    ]
    return list(dict.fromkeys(paths))


def admin_extra_paths(pages, role):
    """Editing forms the role may open beyond its menu's listings."""
    from cms_pages.models import Category, FundImage, Organisation
    from donations.models import GatewayNotification
    from ledger.models import LedgerEntry

    editing = [reverse("wagtailadmin_pages:edit", args=[page.pk]) for page in pages.values()]
    editing += [
        reverse("wagtailadmin_explore", args=[pages["ProjectIndexPage"].pk]),
        reverse("wagtailadmin_pages:add_subpage", args=[pages["ProjectIndexPage"].pk]),
        reverse("wagtailadmin_pages:add", args=["cms_pages", "projectstorypage", pages["ProjectPage"].pk]),
        reverse("wagtailimages:edit", args=[FundImage.objects.first().pk]),
        reverse("wagtailsnippets_cms_pages_organisation:edit", args=[Organisation.objects.first().pk]),
        reverse("wagtailsnippets_cms_pages_category:add"),
        reverse("wagtailadmin_account"),
    ]
    finance = [
        reverse("ledger_entries:add"), reverse("ledger_entries:inspect", args=[LedgerEntry.objects.first().pk]),
        reverse("donations_donation:add"), reverse("donations_reconciliation:add"),
        reverse("donations_notification:inspect", args=[GatewayNotification.objects.first().pk]),
        reverse("wagtailadmin_account"),
    ]
    superuser = [
        reverse("wagtailsettings:edit", args=["cms_pages", "fundsettings"]),
        reverse("wagtailusers_users:add"), reverse("wagtailusers_groups:edit", args=[Group.objects.first().pk]),
        reverse("wagtailsites:edit", args=[pages["HomePage"].get_site().pk]),
        reverse("wagtailsnippets_cms_pages_category:edit", args=[Category.objects.first().pk]),
    ]
    # Editors open every editing form; moderators the page editor (their menu differs); finance its records;
    # the superuser what only it reaches.
    return {"editor": editing, "moderator": editing[:3], "finance": finance, "root": superuser}[role]


def test_every_page_stays_on_the_site_and_the_admin_speaks_chinese(live_site, browser):
    from donations.models import GatewayNotification

    # A verified and a forged notification, so their listing shows rows (test data).
    GatewayNotification.objects.create(gateway="alipay", out_trade_no="E2E-VERIFIED", verified=True)
    GatewayNotification.objects.create(gateway="wechatpay", out_trade_no="E2E-FORGED", verified=False)
    pages = sample_pages()
    assert {"HomePage", "ProjectPage", "ProjectStoryPage", "AnnualReportPage", "CampaignPage"} <= set(pages)
    users = {
        "editor": staff("e2e-editor", group="编辑"),
        "moderator": staff("e2e-moderator", group="审核员"),
        "finance": staff("e2e-finance", group="财务"),
        "root": staff("e2e-root", superuser=True),
    }
    data = data_words()
    foreign, failed, english = set(), [], {}

    public = Walk(browser, live_site, **PHONE)
    try:
        for path in public_paths(pages):
            public.visit(path)
        public.visit("/no-such-page/", statuses=(404,))
        # A wide table on a phone: the hint shows, and the first column stays put while the rest scrolls.
        public.visit(reverse("ledger:fund"))
        wrap = public.page.locator(".table-wrap").first
        assert wrap.evaluate("w => w.scrollWidth > w.clientWidth"), "the fund table fits a phone: pick a wider one"
        assert wrap.evaluate("w => getComputedStyle(w, '::before').display") == "block"
        assert "左右滑动" in wrap.evaluate("w => getComputedStyle(w, '::before').content")
        first_cell = wrap.locator("tbody tr :first-child").first
        before = first_cell.bounding_box()["x"]
        wrap.evaluate("w => { w.scrollLeft = 200; }")
        public.page.wait_for_timeout(100)
        assert first_cell.bounding_box()["x"] == pytest.approx(before, abs=1)
        assert wrap.locator("tbody tr :nth-child(2)").first.bounding_box()["x"] < before + 150
        save_screenshot(public.page, "every-page-phone-table")
        # The API docs page renders from the site's own assets.
        public.visit("/api/v3/docs/")
        public.page.locator(".swagger-ui .info").wait_for()
        assert "开放接口" in public.page.title()
    finally:
        foreign |= public.foreign
        failed += public.failed
        public.close()

    admin_visits, admin_seen = 0, set()
    for role, user in users.items():
        walk = Walk(browser, live_site, viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            walk.log_in(user.username)
            walk.collect_english(data)
            paths = walk.menu_urls()
            assert paths, f"{role} has no admin menu"
            # The superuser's menu holds every other role's: what they already loaded is not loaded again.
            seen = admin_seen if role == "root" else set()
            for path in [p for p in dict.fromkeys(paths + admin_extra_paths(pages, role)) if p not in seen]:
                admin_seen.add(path)
                walk.visit(path)
                walk.collect_english(data)
            admin_visits += len(walk.visited)
        except Exception:
            save_screenshot(walk.page, f"FAILED-every-page-{role}")
            raise
        finally:
            foreign |= walk.foreign
            failed += [f"{role} {f}" for f in walk.failed]
            for text, path in walk.english.items():
                english.setdefault(text, f"{role} {path}")
            walk.close()

    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "every-page-findings.txt").write_text("\n".join(
        sorted(foreign) + failed + [f"{where}: {text}" for text, where in english.items()]), encoding="utf-8")
    assert admin_visits >= 60
    assert not foreign, "requests to other hosts:\n" + "\n".join(sorted(foreign))
    assert not failed, "pages that did not load:\n" + "\n".join(failed)
    assert not english, "English in the admin:\n" + "\n".join(f"{where}: {text}" for text, where in english.items())
