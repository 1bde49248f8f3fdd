"""Reading the ledger: balances and fund-flow totals, all computed by the database."""

import re
from datetime import date
from decimal import Decimal

from django.apps import apps
from django.db import connection
from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear

from ledger.hashing import COLUMNS, hashed_record
from ledger.models import FINANCE_GROUP, VOUCHER_COLLECTION, ChainHead, EntryKind, LedgerEntry, VoucherSeal
from ledger.verify_export import GENESIS_HASH, chain_problems, file_sha256

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The ORM path from an entry to its project's category (ProjectPage is a child table of Page).
CATEGORY_NAME_PATH = "project__projectpage__category__name"
CATEGORY_SLUG_PATH = "project__projectpage__category__slug"
UNCATEGORISED = "未分类"

FLOW_KINDS = {
    "raised": EntryKind.DONATION,
    "approved": EntryKind.GRANT_APPROVAL,
    "disbursed": EntryKind.DISBURSEMENT,
    "refunded": EntryKind.REFUND,
    "fees": EntryKind.FEE,
}


def effect(kind):
    """An entry's contribution to the total of ``kind``: its amount, or minus it for a reversal."""
    return Case(
        When(kind=kind, then=F("amount")),
        When(kind=EntryKind.CORRECTION, reverses__kind=kind, then=-F("amount")),
        default=Value(ZERO),
        output_field=MONEY,
    )


def _flow_aggregates(extra_filter=None):
    aggregates = {}
    for name, kind in FLOW_KINDS.items():
        expression = effect(kind)
        aggregates[name] = Coalesce(
            Sum(expression, filter=extra_filter) if extra_filter is not None else Sum(expression),
            Value(ZERO), output_field=MONEY,
        )
    return aggregates


def _money(row):
    """Amounts to the fen: SQLite hands back sums without their trailing zeros."""
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = value.quantize(CENT)
    return row


def _with_payable(row):
    row["payable"] = row["approved"] - row["disbursed"]
    return _money(row)


def fund_totals(*, on_or_before: date | None = None, start: date | None = None, end: date | None = None) -> dict:
    """raised, approved, disbursed, refunded, fees and payable over a date range (one query)."""
    entries = LedgerEntry.objects.all()
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end or on_or_before:
        entries = entries.filter(occurred_on__lte=end or on_or_before)
    return _with_payable(entries.aggregate(**_flow_aggregates()))


def project_totals(*, project_id: int) -> dict:
    """A project's approved, disbursed, payable (approved − disbursed) and disbursement count, in one query."""
    return _with_payable(LedgerEntry.objects.filter(project_id=project_id).aggregate(
        **_flow_aggregates(), disbursement_count=Count("id", filter=Q(kind=EntryKind.DISBURSEMENT)),
    ))


def pool_remaining(*, project_id: int | None) -> Decimal:
    """What remains to disburse of a project's approvals (or of the fund-level approvals)."""
    totals = LedgerEntry.objects.filter(project_id=project_id).aggregate(
        approved=Coalesce(Sum(effect(EntryKind.GRANT_APPROVAL)), Value(ZERO), output_field=MONEY),
        disbursed=Coalesce(Sum(effect(EntryKind.DISBURSEMENT)), Value(ZERO), output_field=MONEY),
    )
    return (totals["approved"] - totals["disbursed"]).quantize(CENT)


def source_total(*, kind: str, source: str, source_refs) -> Decimal:
    """The net ledger total of ``kind`` for entries posted from ``source`` with these refs.

    ``source_refs`` may be a list or a queryset of strings (``values("order_no")``); the sum
    runs in the database either way, and reversals of those entries count negatively.
    """
    total = LedgerEntry.objects.filter(
        Q(kind=kind, source=source, source_ref__in=source_refs)
        | Q(kind=EntryKind.CORRECTION, reverses__kind=kind, reverses__source=source,
            reverses__source_ref__in=source_refs)
    ).aggregate(total=Coalesce(Sum(effect(kind)), Value(ZERO), output_field=MONEY))["total"]
    return total.quantize(CENT)


def flow_by_year() -> list[dict]:
    """Per calendar year: raised, approved, disbursed, refunded, fees, and payable at year end.

    Flows come from one GROUP BY query; payable is the running balance approved − disbursed
    up to each year's end, summed by the database with one filtered aggregate per year.
    """
    rows = list(
        LedgerEntry.objects.annotate(year=ExtractYear("occurred_on"))
        .values("year").order_by("year").annotate(**_flow_aggregates())
    )
    if not rows:
        return []
    balances = LedgerEntry.objects.aggregate(**{
        f"y{row['year']}": Coalesce(
            Sum(effect(EntryKind.GRANT_APPROVAL) - effect(EntryKind.DISBURSEMENT),
                filter=Q(occurred_on__lte=date(row["year"], 12, 31))),
            Value(ZERO), output_field=MONEY,
        )
        for row in rows
    })
    for row in rows:
        row["payable"] = balances[f"y{row['year']}"]
        _money(row)
    return rows


def flow_by_category(*, start: date | None = None, end: date | None = None) -> list[dict]:
    """Approved, disbursed, payable by category: a project's category, else the entry's label."""
    entries = LedgerEntry.objects.all()
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    rows = (
        entries.annotate(category=Coalesce(CATEGORY_NAME_PATH, "category_label"))
        .values("category").order_by("category")
        .annotate(**_flow_aggregates())
        .filter(Q(approved__gt=0) | Q(disbursed__gt=0))
    )
    result = []
    for row in rows:
        row = _with_payable(row)
        row["category"] = row["category"] or UNCATEGORISED
        result.append(row)
    return result


def flow_by_project(*, start: date | None = None, end: date | None = None) -> list[dict]:
    """Approved, disbursed, payable per project page (entries without a project are left out)."""
    entries = LedgerEntry.objects.filter(project__isnull=False)
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    rows = (
        entries.values("project_id", "project__title", "project__url_path")
        .order_by("project__title")
        .annotate(**_flow_aggregates())
    )
    return [_with_payable(row) for row in rows]


def income_by_channel(*, start: date | None = None, end: date | None = None) -> list[dict]:
    """Donations received by channel (the posting source), net of their reversals."""
    entries = LedgerEntry.objects.filter(
        Q(kind=EntryKind.DONATION) | Q(kind=EntryKind.CORRECTION, reverses__kind=EntryKind.DONATION)
    )
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    rows = (
        entries.annotate(channel=Coalesce("reverses__source", "source"))
        .values("channel").order_by("channel")
        .annotate(amount=Sum(effect(EntryKind.DONATION)), entries=Count("id"))
    )
    return [_money(row) for row in rows]


def project_approvals(*, project_id: int, limit: int | None = None):
    """A project's grant approvals with any reversal, newest first (one query)."""
    entries = (
        LedgerEntry.objects.filter(project_id=project_id, kind=EntryKind.GRANT_APPROVAL)
        .select_related("reversed_by").order_by("-occurred_on", "-id")
    )
    return entries[:limit] if limit else entries


def project_disbursements(*, project_id: int, limit: int | None = None):
    """A project's disbursements with their vouchers, newest first (one query)."""
    entries = (
        LedgerEntry.objects.filter(project_id=project_id, kind=EntryKind.DISBURSEMENT)
        .select_related("reversed_by").order_by("-occurred_on", "-id")
    )
    return entries[:limit] if limit else entries


def chain_head() -> dict:
    """The chain-head row's id and hash: what every append moved forward, published so copies can be checked.

    Read from ChainHead, never from the newest row, so a row appended past the service or a
    cut tail does not move the published head.
    """
    head = ChainHead.objects.filter(pk=1).values("last_id", "last_hash").first()
    if head is None:
        return {"id": 0, "entry_hash": GENESIS_HASH}
    return {"id": head["last_id"], "entry_hash": head["last_hash"] or GENESIS_HASH}


# Table names are the models' own, not input.
FINGERPRINT_SQL = (  # noqa: S608
    "SELECT (SELECT count(*) FROM {entries}),"
    " (SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY t.id), '')) FROM {entries} t),"
    " (SELECT md5(coalesce(string_agg(md5(s::text), '' ORDER BY s.document_id), '')) FROM {seals} s)"
).format(entries=LedgerEntry._meta.db_table, seals=VoucherSeal._meta.db_table)


def chain_fingerprint() -> str | None:
    """A digest of every stored entry row, computed by PostgreSQL; changes when any row changes.

    Far cheaper than re-hashing in Python, so the verify page can trust a cached result only
    while this matches. None where the database cannot compute it (then nothing is cached).
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(FINGERPRINT_SQL)
        count, digest, seals = cursor.fetchone()
    return f"{count}:{digest}:{seals}"


def voucher_collection():
    """The private collection vouchers live in, or None where it has not been created."""
    from wagtail.models import Collection

    return Collection.objects.filter(name=VOUCHER_COLLECTION, depth=2).first()


def voucher_is_frozen(*, document_id) -> bool:
    """Whether a ledger entry uses this document (or did, sealing it): then its file may never change."""
    if document_id is None:
        return False
    return (VoucherSeal.objects.filter(document_id=document_id).exists()
            or LedgerEntry.objects.filter(voucher_id=document_id).exists())


def document_is_private(*, document) -> bool:
    """A sealed voucher, or any document in the private voucher collection (or below it)."""
    if VoucherSeal.objects.filter(document_id=document.pk).exists():
        return True
    private = voucher_collection()
    return private is not None and document.collection.path.startswith(private.path)


def user_may_open_vouchers(*, user) -> bool:
    """Finance staff (and superusers) may open voucher files; nobody else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=FINANCE_GROUP).exists()


def document_sha256(*, document) -> str:
    """The SHA-256 of a document's stored file, as it is now."""
    with document.file.storage.open(document.file.name, "rb") as handle:
        return file_sha256(handle)


def public_vouchers(*, document_ids) -> dict:
    """{voucher id: {"sha256", "public_url"}} for the public: the hash, and a redacted copy's URL if finance published one."""
    seals = VoucherSeal.objects.filter(document_id__in=[i for i in document_ids if i]).select_related("public_copy")
    return {
        seal.document_id: {"sha256": seal.sha256, "public_url": seal.public_copy.url if seal.public_copy else ""}
        for seal in seals
    }


def voucher_problems() -> list[tuple]:
    """Sealed voucher files whose bytes no longer match: each entry's hashed SHA-256, else the seal's.

    Codes: voucher_mismatch (the file changed), voucher_missing (the file is gone).
    """
    from wagtail.documents import get_document_model

    Document = get_document_model()
    expected = {}  # document id -> [(entry id or None, sha256)]
    for entry_id, voucher_id, sha256 in (
        LedgerEntry.objects.exclude(voucher=None).order_by("id").values_list("id", "voucher_id", "voucher_sha256")
    ):
        if sha256:
            expected.setdefault(voucher_id, []).append((entry_id, sha256))
    for document_id, sha256 in VoucherSeal.objects.values_list("document_id", "sha256"):
        if document_id not in expected:
            expected[document_id] = [(None, sha256)]
    problems = []
    for document in Document.objects.filter(pk__in=list(expected)).order_by("pk"):
        try:
            actual = document_sha256(document=document)
        except OSError:
            actual = None
        for entry_id, sha256 in expected[document.pk]:
            if actual is None:
                problems.append((entry_id, "voucher_missing", f"voucher {document.pk} file is missing"))
            elif actual != sha256:
                problems.append((entry_id, "voucher_mismatch", f"voucher {document.pk} does not match its sealed SHA-256"))
    return problems


PROBLEM_LABELS = {
    "missing_fields": "记录缺少字段",
    "missing_entry": "记录缺失：已被删除",
    "out_of_order": "序号错乱：有记录被插入",
    "bad_amount": "金额格式不对",
    "broken_link": "上一条哈希对不上：前一条记录被删除、插入或改动",
    "hash_mismatch": "内容与其哈希不符：此记录被改动",
    "head_mismatch": "链头与最后一条记录不符：末尾有记录被删除或插入",
    "voucher_mismatch": "凭证文件与登记时的 SHA-256 不符：凭证被替换",
    "voucher_missing": "凭证文件不见了",
}


def _hashed_rows(chunk_size):
    rows = LedgerEntry.objects.order_by("id").values_list(*COLUMNS).iterator(chunk_size=chunk_size)
    for row in rows:
        yield hashed_record(dict(zip(COLUMNS, row, strict=True)))


def _counting(rows, progress, every):
    for done, row in enumerate(rows, start=1):
        if progress and done % every == 0:
            progress(done)
        yield row


def chain_verify(*, progress=None, chunk_size: int = 5000, vouchers: bool = True) -> dict:
    """Re-hash every entry in order, check each link, the chain head and each voucher file.

    Returns {"checked": n, "head": hash, "head_id": id, "problems": [{"id", "code", "label", "message"}]};
    ``progress(done)`` is called every ``chunk_size`` entries. Uses the same algorithm as the
    standalone verifier, so the site and the public check one thing. The chain-head row must
    name the last entry, its hash and the number of entries, so a row appended past the
    service or a cut tail is reported.
    """
    head = chain_head()
    counter = {"n": 0}

    def seen(rows):
        for row in rows:
            counter["n"] += 1
            yield row

    rows = seen(_counting(_hashed_rows(chunk_size), progress, chunk_size))
    problems = chain_problems(rows, expected_head=head)
    if vouchers:
        problems += voucher_problems()
    return {
        "checked": counter["n"],
        "head": head["entry_hash"],
        "head_id": head["id"],
        "problems": [
            {"id": entry_id, "code": code, "label": PROBLEM_LABELS.get(code, code), "message": message}
            for entry_id, code, message in problems
        ],
    }


FIGURE_LABELS = {
    "raised": "募集（捐赠收入）",
    "approved": "批准资助",
    "disbursed": "已拨付",
    "payable": "应付未付（批准 − 拨付，年末余额）",
    "refunded": "捐赠退款",
    "fees": "支付手续费",
}


def year_figures(*, year: int) -> dict:
    """Everything the annual report computes from the ledger for one year.

    Flows are the year's own; payable is the balance at the year's end.
    """
    start, end = date(year, 1, 1), date(year, 12, 31)
    flows = fund_totals(start=start, end=end)
    flows["payable"] = fund_totals(on_or_before=end)["payable"]
    return {
        "year": year,
        "totals": flows,
        "by_category": flow_by_category(start=start, end=end),
        "by_project": flow_by_project(start=start, end=end),
        "income_by_channel": income_by_channel(start=start, end=end),
    }


SPENDING_RANGE_KEY = re.compile(r"^project_spending_(\d{4})_(\d{4})$")
CATEGORY_KEY = re.compile(r"^invested_([a-z0-9_]+)$")
YEAR_TOTAL_KEYS = {"raised": "raised", "approved_amount": "approved", "approved": "approved",
                   "disbursed": "disbursed", "refunded": "refunded"}
YEAR_END_KEYS = {"payable_unpaid", "payable"}


def _category_names_by_slug(slugs):
    # Resolved through the app registry: the content app depends on the ledger, not the reverse.
    if not slugs or not apps.is_installed("cms_pages"):
        return {}
    category = apps.get_model("cms_pages", "Category")
    return dict(category.objects.filter(slug__in=slugs).values_list("slug", "name"))


def computed_figures(*, year: int, keys) -> dict:
    """The ledger's value for each published figure key it knows how to compute.

    raised/approved_amount/disbursed/refunded: that year's flow; payable_unpaid: the balance
    at the year's end; project_spending_YYYY_YYYY: disbursed over those years;
    invested-<category slug>: approved that year in that category. Other keys are absent.
    """
    # Published keys may be written with hyphens (approved-amount) or underscores.
    originals = list(keys)
    keys = [key.replace("-", "_") for key in originals]
    start, end = date(year, 1, 1), date(year, 12, 31)
    result = {}
    if any(key in YEAR_TOTAL_KEYS for key in keys):
        totals = fund_totals(start=start, end=end)
        result.update({key: totals[YEAR_TOTAL_KEYS[key]] for key in keys if key in YEAR_TOTAL_KEYS})
    if any(key in YEAR_END_KEYS for key in keys):
        payable = fund_totals(on_or_before=end)["payable"]
        result.update({key: payable for key in keys if key in YEAR_END_KEYS})
    for key in keys:
        match = SPENDING_RANGE_KEY.match(key)
        if match:
            first, last = int(match[1]), int(match[2])
            result[key] = fund_totals(start=date(first, 1, 1), end=date(last, 12, 31))["disbursed"]
    slugs = {match[1].replace("_", "-"): key for key in keys if (match := CATEGORY_KEY.match(key))}
    names = _category_names_by_slug(list(slugs))
    if names:
        by_name = {row["category"]: row["approved"] for row in flow_by_category(start=start, end=end)}
        for slug, name in names.items():
            result[slugs[slug]] = by_name.get(name, ZERO)
    return {original: result[key] for original, key in zip(originals, keys, strict=True) if key in result}
