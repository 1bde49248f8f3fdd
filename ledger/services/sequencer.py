"""Queueing ledger records without the chain lock, and the sequencer that appends them in batches.

A paid notification must not wait for every other notification's append: it commits its gift
with a PendingEntry (entry_enqueue). The sequencer (sequence_pending, run by
``manage.py ledger_sequencer``) takes the chain lock, appends committed pending records in queue
order with consecutive ids, links each to its entry and extends the log once per batch, all in
one transaction: killed half-way, the batch rolls back whole and the next run does it again.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from fundsite.rows import row_insert
from ledger.models import EntryKind, FlowRow, LedgerEntry, PendingEntry
from ledger.services.entries import (
    _clean_amount,
    _clean_project,
    _clean_simple,
    _locked_head,
    _sequence_locked,
)
from ledger.services.log import log_extend

__all__ = ["DEFAULT_BATCH_SIZE", "entry_enqueue", "pending_count", "sequence_pending"]

DEFAULT_BATCH_SIZE = 500
SEEN_SQL = f"SELECT id FROM {FlowRow._meta.db_table} WHERE kind = %s AND source = %s AND source_ref = %s LIMIT 1"  # noqa: S608


def entry_enqueue(
    *, kind: str, amount: Decimal, occurred_on: date, memo: str, project_id: int | None = None,
    source: str, source_ref: str, recorded_by=None, category_label: str = "",
):
    """Queue one record for the chain without taking the chain lock; checked as entry_record checks it.

    Returns the new PendingEntry, or what already stands for this source ref: its pending record,
    else its entry. A different amount for a known ref is refused. Runs in the caller's
    transaction; a concurrent enqueue of the same ref fails that transaction on the unique key.
    Corrections and disbursements, which depend on the chain's current state, go through
    entry_record.
    """
    amount = _clean_amount(amount)
    _clean_simple(kind=kind, occurred_on=occurred_on, memo=memo, source=source, source_ref=source_ref,
                  category_label=category_label, project_id=project_id)
    if kind in (EntryKind.CORRECTION, EntryKind.DISBURSEMENT, EntryKind.GRANT_APPROVAL):
        raise ValidationError({"kind": "更正、拨付和批准须经 entry_record 即时登记，不能排队。"})
    if not source_ref:
        raise ValidationError({"source_ref": "排队入账的记录必须有来源编号，才能保证只入账一次。"})
    project_id = _clean_project(project_id)
    # One lookup covers both: the view holds every entry and every record not yet sequenced.
    # Plain SQL: the ORM's compiling of this one lookup cost more CPU than the database's answering it.
    with connection.cursor() as cursor:
        cursor.execute(SEEN_SQL, [kind, source, source_ref])
        seen = [row[0] for row in cursor.fetchall()]
    if seen:
        row_id = seen[0]
        known = PendingEntry.objects.get(pk=-row_id) if row_id < 0 else LedgerEntry.objects.get(pk=row_id)
        if isinstance(known, LedgerEntry) and hasattr(known, "pending"):
            known = known.pending  # the ref was queued, then sequenced: hand back its trace
        if known.amount != amount:
            raise ValidationError({
                "source_ref": f"{source}/{source_ref} 已登记为 {known.amount} 元，与本次 {amount} 元不符。"
            })
        return known
    pending = PendingEntry(
        kind=kind, amount=amount, occurred_on=occurred_on, project_id=project_id, category_label=category_label,
        memo=memo.strip(), source=source, source_ref=source_ref, recorded_by=recorded_by,
        # To the second, as the entry's recorded_at will be: sequencing never re-dates a record.
        queued_at=timezone.now().replace(microsecond=0),
    )
    return row_insert(pending)  # an insert, which the append-only guard allows; one plain statement


def sequence_pending(*, batch_size: int = DEFAULT_BATCH_SIZE) -> list[LedgerEntry]:
    """Append up to ``batch_size`` committed pending records to the chain; returns the new entries.

    One transaction: lock the chain head, append in queue order, link each pending record, move the
    head and extend the log once. Nothing of a batch survives if any of it fails.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    with transaction.atomic():
        head = _locked_head()
        appended = _sequence_locked(head, limit=batch_size)
        if appended:
            log_extend(head)
    return appended


def pending_count() -> int:
    """How many records are queued and not yet in the chain."""
    return PendingEntry.objects.filter(entry__isnull=True).count()
