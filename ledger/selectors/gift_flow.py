"""Where a gift went: the rule of ledger/gift_flow.py over the ledger's own rows.

The rule runs on the same records the public download carries, so the site and anyone holding
the download get the same answer. It reads LedgerEntry rows only: a gift not yet appended to
the ledger has no flow (the caller says it is still being recorded).

Cost: a gift restricted to a project (or a category label) depends on that pool's entries
alone, so only they are read, and the pool's result is cached under its newest entry id. A gift
to the unrestricted pool depends on every pool's overflow, so it runs over the whole ledger,
and is cached under the chain head it was computed at. Appended donations extend a cached pool
instead of recomputing it. The cached value is one pool's intervals (a few integers per gift and
per disbursement), and a gift's allocations are found in it by binary search.
"""

from django.core.cache import cache
from django.db.models import CharField, F, Max, Q, Value
from django.db.models.expressions import Case, When
from wagtail.models import Page

from ledger import gift_flow as rule
from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.selectors.chain import chain_head

__all__ = ["gift_entry", "gift_spending"]

CACHE_SECONDS = 24 * 3600
FOLLOWED_KINDS = [EntryKind.DONATION, EntryKind.REFUND, EntryKind.DISBURSEMENT, EntryKind.CORRECTION]
FIELDS = ("id", "kind", "amount", "occurred_on", "project_id", "category_label", "source_ref", "reverses_id")


def _pool_filter(key) -> Q:
    if key[0] == "project":
        return Q(project_id=key[1])
    if key[0] == "category":
        return Q(project__isnull=True, category_label=key[1])
    return Q()


def _records(pool_q):
    """The rule's records, in id order; memos are read for refunds only (they name their gift)."""
    rows = (
        LedgerEntry.objects.filter(pool_q, kind__in=FOLLOWED_KINDS).order_by("id")
        .annotate(link=Case(When(kind=EntryKind.REFUND, then=F("memo")), default=Value(""), output_field=CharField()))
        .values_list(*FIELDS, "link").iterator(chunk_size=5000)
    )
    for entry_id, kind, amount, occurred_on, project_id, label, source_ref, reverses_id, memo in rows:
        yield {
            "id": entry_id, "kind": kind, "amount": f"{amount:.2f}", "occurred_on": occurred_on.isoformat(),
            "project_id": project_id, "category_label": label, "source_ref": source_ref,
            "reverses_id": reverses_id, "memo": memo,
        }


def _pool_version(key) -> int:
    """The newest entry id the pool's result can depend on: the head for the fund, else the pool's last entry."""
    if key == rule.FUND_POOL:
        return chain_head()["id"]
    # Grouped, so PostgreSQL reads the pool through the (project, kind) index instead of walking the
    # primary key backwards until it meets the pool's newest row.
    rows = list(LedgerEntry.objects.filter(_pool_filter(key)).order_by().values("project_id")
                .annotate(last=Max("id")).values_list("last", flat=True))
    return rows[0] if rows else 0


def _pool_flow(key):
    """The pool's PoolFlow at the ledger's current state.

    Cached per pool with the entry id it was computed at. When only donations were appended
    since (most of a campaign day), the cached pool is extended with them: a new gift queues
    behind every draw already made, so no earlier result changes. Anything else appended (a
    disbursement, refund or correction) recomputes the pool from its entries.
    """
    restricted = key != rule.FUND_POOL
    pool_q = _pool_filter(key) if restricted else Q()
    version = _pool_version(key)
    cache_key = f"ledger:gift-flow:v2:{':'.join(map(str, key))}"
    cached = cache.get(cache_key)
    if cached is not None and cached[0] >= version:
        return cached[1]
    if cached is not None:
        seen, pool = cached
        new = list(_records(pool_q & Q(id__gt=seen)))
        if all(record["kind"] == EntryKind.DONATION for record in new):
            for record in new:
                if rule.pool_key(record) == key:
                    pool.add_gift(record["id"], rule.cents(record["amount"]))
            cache.set(cache_key, (max([version, *(r["id"] for r in new)]), pool), CACHE_SECONDS)
            return pool
    records = list(_records(pool_q))
    flow = rule.flow_pools(records, only={key} if restricted else None)
    pool = flow["pools"].get(key) or rule.PoolFlow(key)
    cache.set(cache_key, (max([version, *(r["id"] for r in records[-1:])]), pool), CACHE_SECONDS)
    return pool


def gift_entry(*, entry_id: int | None = None, source: str = EntrySource.DONATION, source_ref: str = ""):
    """The donation entry of a gift, by id or by its source reference (the order number), or None."""
    entries = LedgerEntry.objects.filter(kind=EntryKind.DONATION)
    if entry_id is not None:
        entries = entries.filter(pk=entry_id)
    elif source_ref:
        entries = entries.filter(source=source, source_ref=source_ref)
    else:
        return None
    return entries.values("id", "amount", "project_id", "category_label").first()


def gift_spending(*, entry_id: int | None = None, source: str = EntrySource.DONATION, source_ref: str = "") -> dict | None:
    """Which disbursements a gift helped pay and how much of it is unspent, or None if it is not in the ledger.

    The same dict as ``ledger/gift_flow.py --json`` prints, each allocation also carrying the
    project's title and address (empty for fund-level disbursements).
    """
    entry = gift_entry(entry_id=entry_id, source=source, source_ref=source_ref)
    if entry is None:
        return None
    key = rule.pool_key(entry)
    flow = {"pools": {key: _pool_flow(key)}, "gifts": {entry["id"]: (key, rule.cents(entry["amount"]))}}
    result = rule.gift_result(flow, entry["id"])
    if result is None:
        return None
    project_ids = {row["project_id"] for row in result["allocations"] if row["project_id"]}
    if key[0] == "project":
        project_ids.add(key[1])
    pages = {page.pk: page for page in Page.objects.filter(pk__in=project_ids)}
    for row in result["allocations"]:
        page = pages.get(row["project_id"])
        row["project_title"] = page.title if page else ""
        row["project_url"] = (page.get_url() or "") if page else ""
    pool_page = pages.get(result["pool"].get("project_id"))
    result["pool"]["project_title"] = pool_page.title if pool_page else ""
    result["pool"]["project_url"] = (pool_page.get_url() or "") if pool_page else ""
    return result
