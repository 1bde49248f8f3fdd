"""Queued records: a replay queues once, totals count them at once, the sequencer appends each exactly once."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from ledger import selectors
from ledger.models import ChainHead, LedgerEntry, LedgerImmutableError, PendingEntry
from ledger.services import entry_enqueue, entry_record, pending_count, sequence_pending

ROOT = Path(__file__).resolve().parents[2]
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


def enqueue(ref, amount="10.00", *, kind="donation", source="donation", **kwargs):
    return entry_enqueue(kind=kind, amount=Decimal(amount), occurred_on=date(2026, 6, 1), memo=f"捐赠 {ref}",
                         source=source, source_ref=ref, **kwargs)


@pytest.mark.django_db
def test_a_replayed_record_queues_once_and_a_different_amount_is_refused():
    first = enqueue("A1")
    assert isinstance(first, PendingEntry) and first.entry is None
    assert enqueue("A1") == first and PendingEntry.objects.count() == 1
    with pytest.raises(ValidationError, match="已登记为 10.00 元"):
        enqueue("A1", "11.00")
    (entry,) = sequence_pending()
    assert enqueue("A1") == first and PendingEntry.objects.count() == 1  # still once after sequencing
    assert LedgerEntry.objects.get() == entry
    assert sequence_pending() == []


@pytest.mark.django_db
def test_a_ref_recorded_directly_is_returned_not_queued():
    entry = entry_record(kind="donation", amount=Decimal("5.00"), occurred_on=date(2026, 1, 2), memo="直接登记",
                         source="donation", source_ref="D1")
    assert enqueue("D1", "5.00") == entry and not PendingEntry.objects.exists()
    with pytest.raises(ValidationError):
        enqueue("D1", "6.00")


@pytest.mark.django_db
@pytest.mark.parametrize(("kwargs", "field"), [
    ({"amount": 10.0}, "amount"), ({"amount": Decimal("0")}, "amount"), ({"kind": "nonsense"}, "kind"),
    ({"kind": "correction"}, "kind"), ({"kind": "disbursement"}, "kind"), ({"source_ref": ""}, "source_ref"),
    ({"memo": " "}, "memo"), ({"project_id": 999999}, "project"),
])
def test_bad_records_are_refused_as_entry_record_refuses_them(kwargs, field):
    fields = dict(kind="donation", amount=Decimal("1.00"), occurred_on=date(2026, 1, 1), memo="x",
                  source="donation", source_ref="B1") | kwargs
    with pytest.raises(ValidationError) as error:
        entry_enqueue(**fields)
    assert field in error.value.message_dict
    assert not PendingEntry.objects.exists()


@pytest.mark.django_db
def test_totals_count_a_queued_gift_before_the_sequencer_runs_and_once_after(post, project):
    post("grant_approval", "500.00", project_id=project.pk, occurred_on=date(2026, 3, 1))
    enqueue("G1", "100.00", project_id=project.pk)
    enqueue("G2", "20.50")

    def figures():
        return {
            "fund": selectors.fund_totals()["raised"],
            "project": selectors.project_totals(project_id=project.pk)["raised"],
            "year": [(row["year"], row["raised"], row["payable"]) for row in selectors.flow_by_year()],
            "category": {row["category"]: row["raised"] for row in selectors.flow_by_category()},
            "by_project": [(row["project_id"], row["raised"]) for row in selectors.flow_by_project()],
            "channel": selectors.income_by_channel(),
            "source": selectors.source_total(kind="donation", source="donation", source_refs=["G1", "G2"]),
        }

    before = figures()
    assert before == {
        "fund": Decimal("120.50"), "project": Decimal("100.00"),
        "year": [(2026, Decimal("120.50"), Decimal("500.00"))],
        "category": {"关爱老人": Decimal("100.00")},
        "by_project": [(project.pk, Decimal("100.00"))],
        "channel": [{"channel": "donation", "amount": Decimal("120.50"), "entries": 2}],
        "source": Decimal("120.50"),
    }
    assert not LedgerEntry.objects.filter(kind="donation").exists()
    assert len(sequence_pending()) == 2
    assert figures() == before


@pytest.mark.django_db
def test_the_sequencer_appends_in_queue_order_exactly_once_in_batches():
    start = entry_record(kind="fee", amount=Decimal("1.00"), occurred_on=date(2026, 1, 1), memo="手续费")
    queued = [enqueue(f"Q{n}", f"{n}.00") for n in range(1, 6)]
    first = sequence_pending(batch_size=2)
    assert [entry.source_ref for entry in first] == ["Q1", "Q2"]
    rest = sequence_pending(batch_size=10)
    assert [entry.source_ref for entry in rest] == ["Q3", "Q4", "Q5"]
    assert sequence_pending() == [] and pending_count() == 0
    entries = list(LedgerEntry.objects.order_by("id"))
    assert [entry.id for entry in entries] == list(range(start.id, start.id + 6))
    for row in queued:
        row.refresh_from_db()
        assert row.entry.source_ref == row.source_ref and row.entry.amount == row.amount
        assert row.entry.recorded_at == row.queued_at  # sequencing never re-dates a record
    head = ChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (entries[-1].id, entries[-1].entry_hash)
    assert selectors.chain_verify()["problems"] == []


@pytest.mark.django_db
def test_a_direct_record_sequences_the_queue_first_so_a_refund_follows_its_gift():
    enqueue("R1", "30.00")
    refund = entry_record(kind="refund", amount=Decimal("30.00"), occurred_on=date(2026, 6, 2), memo="退款",
                          source="refund", source_ref="R1-1")
    gift = LedgerEntry.objects.get(kind="donation", source_ref="R1")
    assert gift.id + 1 == refund.id and pending_count() == 0
    assert selectors.chain_verify()["problems"] == []


@pytest.mark.django_db
def test_a_batch_that_fails_after_its_inserts_leaves_nothing_and_the_rerun_appends_once():
    queued = [enqueue(f"F{n}") for n in range(4)]
    head_before = ChainHead.objects.values_list("last_id", "last_hash").first()

    def fail_on_link(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE") and "ledger_pendingentry" in sql:
            raise OperationalError("connection lost")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_link), pytest.raises(OperationalError):
        sequence_pending()
    assert not LedgerEntry.objects.exists() and pending_count() == 4
    assert ChainHead.objects.values_list("last_id", "last_hash").first() == head_before
    assert [entry.source_ref for entry in sequence_pending()] == [row.source_ref for row in queued]
    assert LedgerEntry.objects.count() == 4 and selectors.chain_verify()["problems"] == []


@pytest.mark.django_db
def test_a_pending_record_is_never_changed_or_removed():
    pending = enqueue("I1")
    pending.amount = Decimal("99.00")
    with pytest.raises(LedgerImmutableError):
        pending.save()
    with pytest.raises(LedgerImmutableError):
        pending.delete()
    with pytest.raises(LedgerImmutableError):
        PendingEntry.objects.filter(pk=pending.pk).update(amount=Decimal("1.00"))
    with pytest.raises(LedgerImmutableError):
        PendingEntry.objects.all().delete()


@on_postgres
@pytest.mark.django_db
def test_on_postgresql_the_database_allows_only_linking_a_pending_record_once():
    from django.db import DatabaseError, transaction

    pending = enqueue("T1")
    (entry,) = sequence_pending()
    other = entry_record(kind="fee", amount=Decimal("1.00"), occurred_on=date(2026, 1, 1), memo="手续费")
    statements = [
        ("UPDATE ledger_pendingentry SET amount = 1 WHERE id = %s", [pending.pk]),
        ("UPDATE ledger_pendingentry SET entry_id = %s WHERE id = %s", [other.pk, pending.pk]),
        ("DELETE FROM ledger_pendingentry WHERE id = %s", [pending.pk]),
        ("TRUNCATE ledger_pendingentry", []),
    ]
    with connection.cursor() as cursor:
        # The test's own inserts leave deferred foreign-key checks, which TRUNCATE would trip over first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for sql, params in statements:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    pending.refresh_from_db()
    assert pending.entry_id == entry.pk and pending.amount == Decimal("10.00")


def _database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _sequencer(*args):
    env = dict(os.environ, DATABASE_URL=_database_url())
    return subprocess.Popen([sys.executable, "manage.py", "ledger_sequencer", "--once", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(query, params, *, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            row = cursor.fetchone()
        if row:
            return row
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {query}")


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sequencer_killed_mid_batch_loses_and_duplicates_nothing_when_restarted():
    entry_record(kind="fee", amount=Decimal("2.00"), occurred_on=date(2026, 1, 1), memo="手续费")
    queued = [enqueue(f"K{n:02d}", f"{n + 1}.00") for n in range(30)]
    head_before = ChainHead.objects.values_list("last_id", "last_hash").get()
    # Another session holds, uncommitted, the id the batch's 16th entry needs: the sequencer's insert
    # waits there, with the chain head locked and half its batch written, until we kill it.
    blocker = connection.get_new_connection(connection.get_connection_params())
    try:
        with blocker.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            blocker_pid = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (id, kind, amount, occurred_on, recorded_at, category_label, memo,"
                " source, source_ref, voucher_sha256, prev_hash, entry_hash) VALUES"
                " (%s, 'fee', 1, '2026-01-01', now(), '', '占位', '', '', '', repeat('a', 64), repeat('b', 64))",
                [head_before[0] + 16],
            )
        process = _sequencer("--batch-size", "30")
        (waiting_pid,) = _wait_for("SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                                   [blocker_pid])
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        blocker.rollback()
    finally:
        blocker.close()
    # The killed session's backend ends once it finds its client gone; its transaction never commits.
    _wait_for("SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [waiting_pid])
    assert ChainHead.objects.values_list("last_id", "last_hash").get() == head_before
    assert LedgerEntry.objects.count() == 1 and pending_count() == 30

    restarted = _sequencer("--batch-size", "7")
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    assert pending_count() == 0 and LedgerEntry.objects.count() == 31
    entries = list(LedgerEntry.objects.filter(kind="donation").order_by("id"))
    assert [entry.source_ref for entry in entries] == [row.source_ref for row in queued]
    assert [entry.id for entry in entries] == list(range(head_before[0] + 1, head_before[0] + 31))
    assert selectors.chain_verify()["problems"] == []
