"""Money totals and flows from the ledger, all computed by the database.

Totals read FlowRow, a view of every entry plus every record still queued for the chain
(PendingEntry not yet sequenced), so a paid gift counts the moment its notification commits.
Each total is one SQL statement, hence one snapshot: a record the sequencer moves from the queue
into the chain meanwhile is counted once, never twice or not at all.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear

from ledger.models import EntryKind, EntrySource, FlowRow, LedgerEntry
from ledger.projects import category_path, project_model

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
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


def as_at(entries, log_size: int | None):
    """Only the log's first ``log_size`` leaves (entries 1..log_size), for figures pinned to a signed head.

    None leaves ``entries`` as they are: the ledger as it stands now.
    """
    if log_size is None:
        return entries
    # A queued record (negative id in FlowRow) is not a leaf yet, so no head counts it.
    return entries.filter(id__gte=1, id__lte=log_size)


def _with_payable(row):
    row["payable"] = row["approved"] - row["disbursed"]
    return _money(row)


def fund_totals(*, on_or_before: date | None = None, start: date | None = None, end: date | None = None,
                log_size: int | None = None) -> dict:
    """raised, approved, disbursed, refunded, fees and payable over a date range (one query).

    ``log_size``: count only the entries of the log's first ``log_size`` leaves (see ``as_at``).
    """
    entries = FlowRow.objects.all()
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end or on_or_before:
        entries = entries.filter(occurred_on__lte=end or on_or_before)
    entries = as_at(entries, log_size)
    return _with_payable(entries.aggregate(**_flow_aggregates()))


def raised_not_disbursed(*, log_size: int | None = None) -> dict:
    """已募集尚未拨付: what was raised, net of refunds and payment fees, less what was paid out (one query).

    The fund's totals with ``undisbursed`` = raised − refunded − fees − disbursed added; it can
    be negative when disbursements drew on money from before the ledger began.
    """
    totals = fund_totals(log_size=log_size)
    totals["undisbursed"] = (
        totals["raised"] - totals["refunded"] - totals["fees"] - totals["disbursed"]
    ).quantize(CENT)
    return totals


def project_totals(*, project_id: int, since: date | None = None) -> dict:
    """A project's approved, disbursed, payable (approved − disbursed) and disbursement count, in one query.

    ``since`` counts only what happened on or after that day (what a donor's gift has seen since).
    """
    rows = FlowRow.objects.filter(project_id=project_id)
    if since is not None:
        rows = rows.filter(occurred_on__gte=since)
    return _with_payable(rows.aggregate(
        **_flow_aggregates(), disbursement_count=Count("id", filter=Q(kind=EntryKind.DISBURSEMENT)),
    ))


def project_report_aggregates(*, project_id: int, cohort_year: int | None) -> dict:
    """For a project with no entries of its own: do annual-report aggregates cover it? (up to three queries)

    The reports publish totals, not per-project amounts; a project whose money is only inside
    such totals has none recorded under its own name. ``covered`` says whether annual-report
    aggregates (entries without a project) exist dated in or after the project's cohort year;
    ``category_rows`` lists those labelled with the project's own category, with their amounts.
    ``cohort_year`` is the year the project was funded, if its page model records one.
    """
    aggregates = LedgerEntry.objects.filter(project__isnull=True, source=EntrySource.ANNUAL_REPORT)
    if cohort_year:
        aggregates = aggregates.filter(occurred_on__gte=date(cohort_year, 1, 1))
    covered = aggregates.exists()
    category_rows = []
    name_path = category_path("name")
    if covered and name_path:
        model_path = name_path.split("__", 2)[2]
        name = project_model().objects.filter(pk=project_id).values_list(model_path, flat=True).first()
        if name:
            category_rows = list(
                aggregates.filter(category_label=name, kind__in=[EntryKind.GRANT_APPROVAL, EntryKind.DISBURSEMENT])
                .order_by("occurred_on", "id").values("kind", "amount", "occurred_on", "category_label", "memo")
            )
    return {"covered": covered, "category_rows": [_money(row) for row in category_rows]}


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
    total = FlowRow.objects.filter(
        Q(kind=kind, source=source, source_ref__in=source_refs)
        | Q(kind=EntryKind.CORRECTION, reverses__kind=kind, reverses__source=source,
            reverses__source_ref__in=source_refs)
    ).aggregate(total=Coalesce(Sum(effect(kind)), Value(ZERO), output_field=MONEY))["total"]
    return total.quantize(CENT)


def flow_by_year() -> list[dict]:
    """Per calendar year: raised, approved, disbursed, refunded, fees, and payable at year end.

    One GROUP BY query. Payable at a year's end is approved − disbursed over every entry up to
    that year, i.e. the running sum of the years' own approved − disbursed, added here exactly.
    """
    rows = list(
        FlowRow.objects.annotate(year=ExtractYear("occurred_on"))
        .values("year").order_by("year").annotate(**_flow_aggregates())
    )
    balance = ZERO
    for row in rows:
        balance += row["approved"] - row["disbursed"]
        row["payable"] = balance
        _money(row)
    return rows


def flow_by_category(*, start: date | None = None, end: date | None = None, log_size: int | None = None) -> list[dict]:
    """Approved, disbursed, payable by category: a project's category, else the entry's label."""
    entries = FlowRow.objects.all()
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    entries = as_at(entries, log_size)
    # A project's category comes through the configured project model; an aggregate's from its label.
    name_path = category_path("name")
    category = Coalesce(name_path, "category_label") if name_path else F("category_label")
    rows = (
        entries.annotate(category=category)
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


def flow_by_project(*, start: date | None = None, end: date | None = None, log_size: int | None = None) -> list[dict]:
    """Approved, disbursed, payable per project page (entries without a project are left out)."""
    entries = FlowRow.objects.filter(project__isnull=False)
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    entries = as_at(entries, log_size)
    rows = (
        entries.values("project_id", "project__title", "project__url_path")
        .order_by("project__title")
        .annotate(**_flow_aggregates())
    )
    return [_with_payable(row) for row in rows]


def income_by_channel(*, start: date | None = None, end: date | None = None, log_size: int | None = None) -> list[dict]:
    """Donations received by channel (the posting source), net of their reversals."""
    entries = FlowRow.objects.filter(
        Q(kind=EntryKind.DONATION) | Q(kind=EntryKind.CORRECTION, reverses__kind=EntryKind.DONATION)
    )
    if start:
        entries = entries.filter(occurred_on__gte=start)
    if end:
        entries = entries.filter(occurred_on__lte=end)
    entries = as_at(entries, log_size)
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
