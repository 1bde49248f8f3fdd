"""Fifty copies of one notification at once, on PostgreSQL: credited exactly once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from donations.models import DonationStatus, GatewayNotification, Receipt
from ledger.models import LedgerEntry
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
    assert LedgerEntry.objects.filter(kind="donation", source_ref=donation.out_trade_no).count() == 1
    assert Receipt.objects.filter(donation=donation).count() == 1
    assert Receipt.objects.get().serial == 1
    assert len(mail.outbox) == 1
    outcomes = list(GatewayNotification.objects.values_list("outcome", flat=True))
    assert outcomes.count("processed") == 1 and outcomes.count("duplicate") == COPIES - 1
