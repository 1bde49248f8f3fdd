"""Receipt numbers come from eight counters a year: unique, never reused, each stripe gap-free."""

import pytest
from django.db import connection
from django.utils import timezone

from donations.models import Receipt, ReceiptStripe, receipt_number
from tests.donations.conftest import make_donation, post_alipay, postgres_url


def test_the_number_format_names_year_stripe_and_serial_and_keeps_the_old_form_for_stripe_zero():
    assert receipt_number(year=2026, stripe=3, serial=42) == "2026-3-000042"
    assert receipt_number(year=2025, stripe=0, serial=7) == "2025-000007"  # issued before stripes existed


def test_one_gift_at_a_time_takes_the_first_stripe_in_order(client, campaign, alipay_notification):
    for _ in range(3):
        post_alipay(client, alipay_notification(make_donation(campaign)))
    year = timezone.localdate().year
    numbers = list(Receipt.objects.order_by("id").values_list("number", flat=True))
    assert numbers == [f"{year}-1-000001", f"{year}-1-000002", f"{year}-1-000003"]
    assert ReceiptStripe.objects.filter(year=year).count() == 8
    assert ReceiptStripe.objects.get(year=year, stripe=1).last_serial == 3


@pytest.mark.postgres
@pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
@pytest.mark.django_db(transaction=True)
def test_a_gift_takes_a_free_stripe_instead_of_waiting_for_a_busy_one(transactional_base, campaign,
                                                                     alipay_notification):
    from django.test import Client

    post_alipay(Client(), alipay_notification(make_donation(campaign)))  # creates the year's stripes
    year = timezone.localdate().year
    holder = connection.get_new_connection(connection.get_connection_params())
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM donations_receiptstripe WHERE year = %s AND stripe = 1 FOR UPDATE", [year])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # a gift that waited on stripe 1 fails instead of hanging
        # Would block on stripe 1 if numbers came from a single row.
        assert post_alipay(Client(), alipay_notification(make_donation(campaign))).content == b"success"
    finally:
        holder.rollback()
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    numbers = list(Receipt.objects.order_by("id").values_list("number", flat=True))
    assert numbers == [f"{year}-1-000001", f"{year}-2-000001"]
