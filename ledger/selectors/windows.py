"""Money over a period for one subject: spending by purpose, and gifts received day by day.

Disclosures of a campaign or project (end-of-period accounts, emergency receipts) are built from
these, so their figures are ledger sums, each net of its reversals.
"""

from datetime import date

from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from ledger.models import EntryKind, FlowRow, LedgerEntry
from ledger.selectors.totals import CENT, MONEY, ZERO, effect

__all__ = ["project_spending_by_purpose", "source_daily_totals"]


def _dated(rows, start, end):
    if start is not None:
        rows = rows.filter(occurred_on__gte=start)
    if end is not None:
        rows = rows.filter(occurred_on__lte=end)
    return rows


def project_spending_by_purpose(*, project_id: int, start: date | None = None, end: date | None = None) -> list[dict]:
    """A project's disbursements grouped by their memo (what each was for), net of reversals (one query).

    A reversal counts against the memo of the entry it reverses, on the reversal's own date.
    """
    rows = LedgerEntry.objects.filter(
        Q(kind=EntryKind.DISBURSEMENT) | Q(kind=EntryKind.CORRECTION, reverses__kind=EntryKind.DISBURSEMENT),
        project_id=project_id,
    )
    rows = _dated(rows, start, end).annotate(purpose=Case(
        When(kind=EntryKind.CORRECTION, then=F("reverses__memo")), default=F("memo"), output_field=CharField(),
    ))
    grouped = (
        rows.values("purpose").order_by("purpose")
        .annotate(amount=Coalesce(Sum(effect(EntryKind.DISBURSEMENT)), Value(ZERO), output_field=MONEY),
                  count=Count("id", filter=Q(kind=EntryKind.DISBURSEMENT)))
    )
    return [{"purpose": r["purpose"], "amount": r["amount"].quantize(CENT), "count": r["count"]}
            for r in grouped if r["amount"] != 0]


def source_daily_totals(*, kind: str, source: str, source_refs, start: date | None = None,
                        end: date | None = None) -> list[dict]:
    """Per day: the net total and number of ``kind`` entries posted from ``source`` with these refs (one query).

    Reads FlowRow, so a paid gift still queued for the chain counts the moment it is paid.
    """
    rows = FlowRow.objects.filter(
        Q(kind=kind, source=source, source_ref__in=source_refs)
        | Q(kind=EntryKind.CORRECTION, reverses__kind=kind, reverses__source=source,
            reverses__source_ref__in=source_refs)
    )
    grouped = (
        _dated(rows, start, end).values("occurred_on").order_by("occurred_on")
        .annotate(amount=Coalesce(Sum(effect(kind)), Value(ZERO), output_field=MONEY),
                  count=Count("id", filter=Q(kind=kind)))
    )
    return [{"day": r["occurred_on"], "amount": r["amount"].quantize(CENT), "count": r["count"]} for r in grouped]
