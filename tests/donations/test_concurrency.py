"""On PostgreSQL: fifty copies of one notification at once credit once; distinct gifts never queue on the chain."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from donations.models import DonationStatus, GatewayNotification, Receipt
from ledger.models import LedgerEntry, PendingEntry
from ledger.selectors import chain_verify, fund_totals
from ledger.services import sequence_pending
from tests.donations.conftest import make_donation, post_alipay, postgres_url

COPIES = 50

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://…"),
]


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_duplicate_notifications_credit_once(transactional_base, campaign, alipay_notification):
    donation = make_donation(campaign, email="donor@example.com")
    params = alipay_notification(donation)
    barrier = threading.Barrier(COPIES)

    def deliver(_):
        try:
            barrier.wait()
            return post_alipay(Client(), params).content
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        answers = list(pool.map(deliver, range(COPIES)))

    assert answers == [b"success"] * COPIES  # every copy is settled, so Alipay stops retrying
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    assert PendingEntry.objects.filter(kind="donation", source_ref=donation.out_trade_no).count() == 1
    sequence_pending()
    assert LedgerEntry.objects.filter(kind="donation", source_ref=donation.out_trade_no).count() == 1
    assert Receipt.objects.filter(donation=donation).count() == 1
    assert Receipt.objects.get().serial == 1
    assert len(mail.outbox) == 1
    outcomes = list(GatewayNotification.objects.values_list("outcome", flat=True))
    assert outcomes.count("processed") == 1 and outcomes.count("duplicate") == COPIES - 1


GIFTS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_gifts_all_commit_while_the_chain_head_is_locked(transactional_base, campaign, alipay_notification):
    donations = [make_donation(campaign, amount=f"{n + 1}.00") for n in range(GIFTS)]
    sequence_pending()  # the chain head row exists before another session locks it
    barrier = threading.Barrier(GIFTS)

    def deliver(donation):
        try:
            barrier.wait()
            return post_alipay(Client(), alipay_notification(donation)).content
        finally:
            connection.close()

    # Another session holds the chain lock for the whole delivery, as a long sequencer batch would.
    holder = connection.get_new_connection(connection.get_connection_params())
    pool = ThreadPoolExecutor(max_workers=GIFTS)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM ledger_chainhead FOR UPDATE")
        # A notification that waited on the lock would not finish before the timeout.
        answers = list(pool.map(deliver, donations, timeout=60))
        queued_while_locked = PendingEntry.objects.filter(entry__isnull=True).count()
    finally:
        holder.rollback()
        holder.close()
        pool.shutdown()
    assert answers == [b"success"] * GIFTS
    assert queued_while_locked == GIFTS
    assert fund_totals()["raised"] == sum(Decimal(f"{n + 1}.00") for n in range(GIFTS))
    numbers = list(Receipt.objects.values_list("number", flat=True))
    assert len(set(numbers)) == GIFTS
    assert len(sequence_pending()) == GIFTS and not PendingEntry.objects.filter(entry__isnull=True).exists()
    assert chain_verify()["problems"] == []
