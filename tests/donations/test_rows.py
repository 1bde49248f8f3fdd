"""fundsite.rows writes the same rows as the ORM it stands in for on the payment path."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from donations.models import DonationEvent, DonationStatus, GatewayNotification
from fundsite.rows import row_insert, row_update
from ledger.models import PendingEntry

pytestmark = pytest.mark.django_db


def _stored(model, pk):
    """Every column as the database gives it back, read through the ORM."""
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def test_an_event_inserted_in_one_statement_is_the_row_the_orm_writes(donation):
    fields = dict(donation=donation, from_status="pending", to_status="paid", cause="支付平台异步通知：支付成功",
                  payload={"amount": "100.00", "nested": {"中文": [1, None]}})
    by_orm = DonationEvent.objects.create(**fields)
    by_row = row_insert(DonationEvent(**fields))
    assert by_row.pk and by_row.pk != by_orm.pk and not by_row._state.adding
    orm, row = _stored(DonationEvent, by_orm.pk), _stored(DonationEvent, by_row.pk)
    assert orm.pop("created_at") <= row.pop("created_at")  # auto_now_add is filled in by the field, as in save
    assert row == orm


def test_a_pending_record_inserted_in_one_statement_keeps_decimal_date_and_text(donation):
    fields = dict(kind="donation", amount=Decimal("12.30"), occurred_on=date(2026, 1, 2), memo="基准：支付宝捐赠",
                  source="donation", queued_at=timezone.now().replace(microsecond=0))
    by_orm = PendingEntry(**fields, source_ref="ROWS-ORM")
    by_orm.save()
    by_row = row_insert(PendingEntry(**fields, source_ref="ROWS-ROW"))
    orm, row = _stored(PendingEntry, by_orm.pk), _stored(PendingEntry, by_row.pk)
    assert (orm.pop("source_ref"), row.pop("source_ref")) == ("ROWS-ORM", "ROWS-ROW")
    assert row == orm and row["amount"] == Decimal("12.30")


def test_a_frozen_fields_model_remembers_what_it_stored(donation):
    notification = row_insert(GatewayNotification(gateway="alipay", headers={"a": "b"}, body="x=1"))
    notification.body = "x=2"
    with pytest.raises(Exception, match="保存后不能修改"):
        notification.save()


def test_an_update_in_one_statement_matches_the_queryset_update(donation, campaign):
    from tests.donations.conftest import make_donation

    other = make_donation(campaign)
    moment = timezone.now()
    type(donation).objects.filter(pk=donation.pk).update(status=DonationStatus.PAID, gateway_trade_no="T-1",
                                                         paid_at=moment)
    assert row_update(type(donation), other.pk, status=DonationStatus.PAID, gateway_trade_no="T-2",
                      paid_at=moment) == 1
    one, two = _stored(type(donation), donation.pk), _stored(type(donation), other.pk)
    assert (one["status"], one["paid_at"]) == (two["status"], two["paid_at"]) == (DonationStatus.PAID, moment)
    assert two["gateway_trade_no"] == "T-2"
    assert row_update(type(donation), 10**12, status=DonationStatus.PAID) == 0


def test_the_statements_are_built_once_per_model_and_database(donation):
    from fundsite.rows import _insert_sql

    _insert_sql.cache_clear()
    for _ in range(3):
        row_insert(DonationEvent(donation=donation, from_status="pending", to_status="pending", cause="x"))
    assert _insert_sql.cache_info().misses == 1 and _insert_sql.cache_info().hits == 2
    assert connection.vendor in {"sqlite", "postgresql"}


def test_the_order_locked_by_one_statement_is_the_order_the_orm_loads(donation, campaign, project):
    from django.db import transaction

    from donations.services.notifications import _donation_locked

    with transaction.atomic():
        locked = _donation_locked(out_trade_no=donation.out_trade_no, gateway=donation.gateway)
    loaded = type(donation).objects.get(pk=donation.pk)
    names = [f.attname for f in loaded._meta.concrete_fields]
    assert [getattr(locked, n) for n in names] == [getattr(loaded, n) for n in names]
    assert isinstance(locked.amount, Decimal) and locked.amount == Decimal("100.00")
    assert (locked.campaign_title, locked.campaign_project_id) == (campaign.title, project.pk)
    assert _donation_locked(out_trade_no=donation.out_trade_no, gateway="wechatpay") is None
