"""Where a gift went, at 10^5 donations: the certificate page's selector, cold and cached.

Run: DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest benchmarks/bench_gift_flow.py
-o addopts="" --benchmark-only -s   (add DATABASE_URL=postgres://… for PostgreSQL)

Ledger: 100 projects with 500 gifts and 5 disbursements each, 50,000 gifts to the fund and
fund-level disbursements (100,000 donations in all). Reported, each as a ratio to reading the
rows the computation needs without computing anything, in the same run:
- a project gift, cold (reads its project's entries only) and cached;
- a fund gift, cold (runs the rule over the whole ledger), cached, and after 10 more gifts were
  appended (the cached pool is extended).
"""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from wagtail.models import Page

from benchmarks.bench_ledger import build_chain
from cms_pages.models import HomePage, ProjectIndexPage, ProjectPage
from ledger.models import EntryKind, LedgerEntry
from ledger.selectors import gift_spending
from ledger.selectors.gift_flow import FIELDS, FOLLOWED_KINDS

pytestmark = pytest.mark.django_db
PROJECTS, PROJECT_GIFTS, FUND_GIFTS = 100, 500, 50_000


def _timed(func, rounds=3):
    best = None
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def _read(entries):
    return sum(1 for _ in entries.filter(kind__in=FOLLOWED_KINDS).values_list(*FIELDS, "memo").iterator(chunk_size=5000))


def test_gift_flow_at_100000_donations(benchmark):
    home = Page.get_first_root_node().add_child(instance=HomePage(title="基准", slug="bench-home"))
    index = home.add_child(instance=ProjectIndexPage(title="资助项目", slug="projects"))
    projects = [index.add_child(instance=ProjectPage(title=f"项目{n}", slug=f"p{n}", summary="基准")) for n in range(PROJECTS)]
    build_chain(FUND_GIFTS // 2)
    fund_gift = LedgerEntry.objects.filter(project__isnull=True).order_by("id").values_list("id", flat=True)[3]
    for page in projects:
        build_chain(PROJECT_GIFTS, project_id=page.pk)
        build_chain(5, project_id=page.pk, kind=EntryKind.DISBURSEMENT)
    build_chain(FUND_GIFTS // 2)
    build_chain(20, kind=EntryKind.DISBURSEMENT)
    project = projects[PROJECTS // 2]
    project_gift = LedgerEntry.objects.filter(project_id=project.pk, kind=EntryKind.DONATION).order_by("id")[3].id

    def cold(entry_id):
        cache.clear()
        return gift_spending(entry_id=entry_id)

    result = {"project": cold(project_gift), "fund": cold(fund_gift)}
    assert result["project"]["allocations"] and result["fund"]["allocations"]
    project_read = _timed(lambda: _read(LedgerEntry.objects.filter(project_id=project.pk)))
    fund_read = _timed(lambda: _read(LedgerEntry.objects.all()))
    project_cold = _timed(lambda: cold(project_gift))
    fund_cold = _timed(lambda: cold(fund_gift))
    gift_spending(entry_id=fund_gift)
    benchmark.pedantic(gift_spending, kwargs={"entry_id": fund_gift}, rounds=20, iterations=1)
    fund_warm = benchmark.stats.stats.min
    gift_spending(entry_id=project_gift)
    project_warm = _timed(lambda: gift_spending(entry_id=project_gift), rounds=20)

    def after_new_gifts():
        build_chain(10)  # appended donations: the cached pool is extended, not recomputed
        start = time.perf_counter()
        gift_spending(entry_id=fund_gift)
        return time.perf_counter() - start

    fund_extended = min(after_new_gifts() for _ in range(5))
    donations = LedgerEntry.objects.filter(kind=EntryKind.DONATION).count()
    benchmark.extra_info.update({
        "database": connection.vendor, "donations": donations,
        "project_cold_s": round(project_cold, 4), "project_cached_s": round(project_warm, 5),
        "project_cold_over_reading": round(project_cold / project_read, 2),
        "fund_cold_s": round(fund_cold, 3), "fund_cached_s": round(fund_warm, 5),
        "fund_cold_over_reading": round(fund_cold / fund_read, 2), "fund_cached_over_cold": round(fund_warm / fund_cold, 4),
        "fund_after_new_gifts_s": round(fund_extended, 5), "fund_after_new_gifts_over_cold": round(fund_extended / fund_cold, 4),
    })
    print(f"\ngift flow, {donations:,} donations ({connection.vendor}):"
          f"\n  project gift: cold {project_cold * 1000:.1f} ms ({project_cold / project_read:.2f}× reading its "
          f"project's rows), cached {project_warm * 1000:.2f} ms"
          f"\n  fund gift:    cold {fund_cold * 1000:.0f} ms ({fund_cold / fund_read:.2f}× reading the ledger's rows), "
          f"cached {fund_warm * 1000:.2f} ms ({fund_warm / fund_cold:.4f}× cold), "
          f"after 10 new gifts {fund_extended * 1000:.2f} ms ({fund_extended / fund_cold:.4f}× cold)")
