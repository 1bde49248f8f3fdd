"""Ledger benchmarks: chain verification throughput and the fund-flow block's query count.

Run: make bench  (or: DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest
benchmarks/bench_ledger.py -o addopts="" --benchmark-only -s)

- verify: `ledger_verify`'s work (re-hash and link-check every entry) over 100,000 entries,
  reported as entries per second and as a ratio to reading the same rows without checking
  them, measured in the same run.
- verify page: `/fund/verify/` over 10,000 entries. Before, a repeat request was one head
  read plus a cache hit that could be minutes stale; now a repeat request is the head read,
  a fingerprint of every row computed by PostgreSQL, and a cache hit (SQLite: a full check
  every time). Reported as each path's time over a full re-verification's, same run.
- fund flow: queries and time to render a project's fund-flow block with 10 and with 10,000
  disbursements, and to serve the /fund/ page with 10 and with 10,000 entries; both query
  ratios must be 1.0.
"""

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from cms_pages.models import HomePage, ProjectIndexPage, ProjectPage
from ledger.hashing import COLUMNS, entry_digest, entry_record_dict
from ledger.models import ChainHead, EntryKind, LedgerEntry
from ledger.selectors import chain_verify

VERIFY_ENTRIES = 100_000
pytestmark = pytest.mark.django_db


def build_chain(count, *, project_id=None, kind=EntryKind.DONATION, first_id=None):
    """Append ``count`` valid entries quickly: same hashing as entry_record, inserted in bulk.

    Benchmark set-up only: the model's own manager refuses bulk inserts, so this goes
    through a plain queryset after computing every hash exactly as the service does.
    """
    head = ChainHead.objects.get_or_create(pk=1)[0]
    previous, next_id = head.last_hash, head.last_id + 1
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    batch = []
    for offset in range(count):
        entry = LedgerEntry(
            id=next_id + offset, kind=kind, amount=Decimal(f"{offset % 997 + 1}.{offset % 100:02d}"),
            occurred_on=date(2024, 1, 1) + timedelta(days=offset % 365), recorded_at=moment,
            project_id=project_id, memo=f"基准测试记录 {offset}", prev_hash=previous,
        )
        entry.entry_hash = entry_digest(entry_record_dict(entry))
        previous = entry.entry_hash
        batch.append(entry)
    models.QuerySet(LedgerEntry).bulk_create(batch, batch_size=2000)
    ChainHead.objects.filter(pk=1).update(last_id=next_id + count - 1, last_hash=previous)


def read_only():
    """The baseline: fetch every hashed column in the same order, check nothing."""
    rows = 0
    for _ in LedgerEntry.objects.order_by("id").values_list(*COLUMNS).iterator(chunk_size=5000):
        rows += 1
    return rows


def test_verify_throughput_over_100000_entries(benchmark):
    build_chain(VERIFY_ENTRIES)
    # The command itself; it raises CommandError if any entry fails.
    benchmark.pedantic(call_command, args=("ledger_verify",), kwargs={"verbosity": 0}, rounds=3, iterations=1)
    assert chain_verify()["checked"] == VERIFY_ENTRIES
    verify_seconds = benchmark.stats.stats.min
    baseline = min(_timed(read_only) for _ in range(3))
    benchmark.extra_info.update({
        "entries": VERIFY_ENTRIES,
        "entries_per_second": round(VERIFY_ENTRIES / verify_seconds),
        "ratio_to_reading_rows": round(verify_seconds / baseline, 2),
    })
    print(f"\nledger_verify: {VERIFY_ENTRIES} entries in {verify_seconds:.2f} s "
          f"({VERIFY_ENTRIES / verify_seconds:,.0f}/s), {verify_seconds / baseline:.2f}× reading the rows alone")


def _timed(func):
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


@pytest.fixture
def project_index():
    home = Page.get_first_root_node().add_child(instance=HomePage(title="基准", slug="bench-home"))
    return home.add_child(instance=ProjectIndexPage(title="资助项目", slug="projects"))


def _project(project_index, title):
    return project_index.add_child(instance=ProjectPage(title=title, slug=title, summary="基准测试项目"))


def _render(page):
    return Template("{% load ledger_tags %}{% project_fund_flow page %}").render(Context({"page": page}))


def _count_queries(func):
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def _measure_growth(benchmark, what, func, grow):
    """Queries and best time of ``func`` at 10 entries, then again after ``grow`` makes it 10,000."""
    func()  # warm up: the first request also looks up the site and its settings, once
    small_queries = _count_queries(func)
    small_seconds = min(_timed(func) for _ in range(5))
    grow()
    large_queries = _count_queries(func)
    benchmark.pedantic(func, rounds=5, iterations=1)
    large_seconds = benchmark.stats.stats.min
    benchmark.extra_info.update({
        "queries_at_10": small_queries, "queries_at_10000": large_queries,
        "query_ratio": large_queries / small_queries,
        "time_ratio_10000_to_10": round(large_seconds / small_seconds, 1),
    })
    print(f"\n{what}: {small_queries} queries at 10, {large_queries} at 10,000 "
          f"(ratio {large_queries / small_queries:.1f}); time ratio {large_seconds / small_seconds:.1f}×")
    assert large_queries == small_queries


def test_fund_flow_block_query_count_does_not_grow(benchmark, project_index):
    page = _project(project_index, "project")
    build_chain(1, project_id=page.pk, kind=EntryKind.GRANT_APPROVAL)
    build_chain(10, project_id=page.pk, kind=EntryKind.DISBURSEMENT)
    _measure_growth(
        benchmark, "project fund-flow block (disbursements)", lambda: _render(page),
        lambda: build_chain(9_990, project_id=page.pk, kind=EntryKind.DISBURSEMENT),
    )


def test_fund_page_query_count_does_not_grow(benchmark, client):
    build_chain(10)
    _measure_growth(benchmark, "/fund/ page (entries)", lambda: client.get("/fund/"), lambda: build_chain(9_990))


VERIFY_PAGE_ENTRIES = 10_000


def test_verify_page_over_10000_entries(benchmark, client):
    from django.core.cache import cache

    from ledger.selectors import chain_fingerprint, chain_head

    build_chain(VERIFY_PAGE_ENTRIES)
    cache.clear()
    full = min(_timed(lambda: chain_verify(vouchers=False)) for _ in range(3))
    first = _timed(lambda: client.get("/fund/verify/?format=json"))
    benchmark.pedantic(client.get, args=("/fund/verify/?format=json",), rounds=5, iterations=1)
    repeat = benchmark.stats.stats.min
    assert client.get("/fund/verify/?format=json").json()["ok"] is True
    fingerprint = min(_timed(chain_fingerprint) for _ in range(5))
    # The old repeat path: read the head, look the key up (no fingerprint): what it cost, not what it proved.
    old_repeat = min(_timed(lambda: cache.get(f"x:{chain_head()['entry_hash']}")) for _ in range(5))
    benchmark.extra_info.update({
        "entries": VERIFY_PAGE_ENTRIES, "database": connection.vendor,
        "full_verify_s": round(full, 4), "first_request_s": round(first, 4), "repeat_request_s": round(repeat, 4),
        "fingerprint_s": round(fingerprint, 4), "old_repeat_lookup_s": round(old_repeat, 5),
        "repeat_over_full": round(repeat / full, 3),
    })
    print(f"\n/fund/verify/ on {VERIFY_PAGE_ENTRIES} entries ({connection.vendor}): full check {full * 1000:.1f} ms, "
          f"first request {first * 1000:.1f} ms, repeat request {repeat * 1000:.1f} ms "
          f"({repeat / full:.2f}× the full check; fingerprint {fingerprint * 1000:.1f} ms; "
          f"old stale-able lookup {old_repeat * 1000:.2f} ms)")
