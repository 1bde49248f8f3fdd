"""Fifty threads posting at once on PostgreSQL still make one straight chain, each ref once."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from ledger.models import ChainHead, EntrySource, LedgerEntry
from ledger.selectors import chain_verify
from ledger.services import entry_record

THREADS = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (DATABASE_URL=postgres://…)"),
    # No serialized_rollback: earlier live-server tests flush the database and re-create content
    # types, which a serialized reload would then collide with. The chain head is all we need.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def chain_head(transactional_db):
    """The head row migration 0002 creates; a flush by an earlier transactional test removes it."""
    return ChainHead.objects.get_or_create(pk=1)[0]


def _run_together(worker, count):
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            worker(index)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_posts_keep_the_chain_linear():
    def worker(index):
        # Each donation is posted inside its caller's own transaction, as the donations app does.
        with transaction.atomic():
            entry_record(kind="donation", amount=Decimal(f"{index + 1}.00"), occurred_on=date(2021, 1, 1),
                         memo="并发测试", source=EntrySource.DONATION, source_ref=f"C{index:03d}")

    assert _run_together(worker, THREADS) == []
    entries = list(LedgerEntry.objects.order_by("id").values_list("id", "prev_hash", "entry_hash"))
    assert [entry_id for entry_id, _, _ in entries] == list(range(1, THREADS + 1))
    assert len({prev for _, prev, _ in entries}) == THREADS
    assert chain_verify()["problems"] == []


def test_concurrent_duplicates_of_one_order_record_once():
    def worker(index):
        with transaction.atomic():
            entry_record(kind="donation", amount=Decimal("66.00"), occurred_on=date(2021, 1, 1),
                         memo="重复通知", source=EntrySource.DONATION, source_ref=f"DUP{index % 5}")

    assert _run_together(worker, THREADS) == []
    assert LedgerEntry.objects.count() == 5
    assert chain_verify()["problems"] == []
