"""Finance staff in the Wagtail admin: see orders, record transfers, mark receipts issued; others cannot."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents.models import Document

from donations.models import Donation, DonationStatus
from ledger.models import LedgerEntry
from tests.donations.conftest import make_donation, post_alipay


@pytest.fixture
def finance_user(wagtail_base, django_user_model):
    user = django_user_model.objects.create_user("cashier", password="pw")
    user.groups.add(Group.objects.get(name="财务"))
    return user


@pytest.fixture
def plain_staff(wagtail_base, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="pw")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_finance_sees_orders_and_notifications(client, finance_user, donation):
    client.force_login(finance_user)
    listing = client.get(reverse("donations_donation:index"))
    assert listing.status_code == 200 and donation.out_trade_no in listing.content.decode()
    assert client.get(reverse("donations_donation:inspect", args=[donation.pk])).status_code == 200
    assert client.get(reverse("donations_notification:index")).status_code == 200
    assert client.get(reverse("donations_reconciliation:index")).status_code == 200


def test_staff_without_the_finance_role_cannot_see_or_record(client, plain_staff, donation):
    client.force_login(plain_staff)
    assert client.get(reverse("donations_donation:index")).status_code in (302, 403)
    assert client.get(reverse("donations_official_receipts")).status_code in (302, 403)
    response = client.post(reverse("donations_official_receipt_issue", args=[donation.pk]))
    assert response.status_code in (302, 403)
    donation.refresh_from_db()
    assert donation.official_receipt_issued_at is None


def test_finance_records_an_offline_transfer_in_the_admin(client, finance_user, campaign):
    client.force_login(finance_user)
    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    response = client.post(reverse("donations_donation:add"), {
        "campaign": campaign.pk, "amount": "1500.00", "received_at": "2026-11-20 10:00:00",
        "bank_reference": "BK-1", "voucher": voucher.pk, "donor_name": "某爱心企业", "message": "",
        "phone": "", "email": "", "official_receipt_title": "", "taxpayer_number": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    donation = Donation.objects.get()
    assert donation.status == DonationStatus.PAID and donation.gateway == "offline"
    assert donation.recorded_by == finance_user
    assert LedgerEntry.objects.get(source_ref=donation.out_trade_no).voucher == voucher


def test_offline_transfer_without_voucher_is_refused(client, finance_user, campaign):
    client.force_login(finance_user)
    response = client.post(reverse("donations_donation:add"), {
        "campaign": campaign.pk, "amount": "1500.00", "received_at": "2026-11-20 10:00:00",
        "bank_reference": "BK-1", "donor_name": "某爱心企业",
    })
    assert response.status_code == 200  # the form again, with the error
    assert not Donation.objects.exists() and not LedgerEntry.objects.exists()


def test_finance_marks_the_official_receipt_issued(client, finance_user, campaign, alipay_notification):
    donation = make_donation(campaign, wants_official_receipt=True, official_receipt_title="张三",
                             phone="13800001111")
    post_alipay(client, alipay_notification(donation))
    client.force_login(finance_user)
    pending = client.get(reverse("donations_official_receipts"))
    assert pending.status_code == 200 and donation.out_trade_no in pending.content.decode()
    response = client.post(reverse("donations_official_receipt_issue", args=[donation.pk]))
    assert response.status_code == 302
    row_link = reverse("donations_donation:inspect", args=[donation.pk])
    assert row_link not in client.get(reverse("donations_official_receipts")).content.decode()
    issued = client.get(reverse("donations_official_receipts") + "?status=issued").content.decode()
    assert row_link in issued
    donation.refresh_from_db()
    assert donation.official_receipt_issued_at and donation.official_receipt_issued_by == finance_user
    assert donation.events.filter(cause__contains="捐赠票据").count() == 1


def test_official_receipt_cannot_be_issued_for_an_unpaid_order(client, finance_user, campaign):
    donation = make_donation(campaign, wants_official_receipt=True, official_receipt_title="张三",
                             phone="13800001111")
    client.force_login(finance_user)
    client.post(reverse("donations_official_receipt_issue", args=[donation.pk]))
    donation.refresh_from_db()
    assert donation.official_receipt_issued_at is None


def test_refund_form_refuses_an_unknown_order(client, finance_user, db):
    client.force_login(finance_user)
    response = client.post(reverse("donations_refund:add"),
                           {"out_trade_no": "NOPE", "amount": "1.00", "reason": "测试"})
    assert response.status_code == 200 and "订单号不存在" in response.content.decode()


def test_refund_amount_is_checked_before_any_gateway_call(client, finance_user, campaign, alipay_notification):
    donation = make_donation(campaign)
    post_alipay(client, alipay_notification(donation))
    client.force_login(finance_user)
    response = client.post(reverse("donations_refund:add"),
                           {"out_trade_no": donation.out_trade_no, "amount": "100.01", "reason": "超额"})
    assert response.status_code == 200 and "可退金额" in response.content.decode()
    donation.refresh_from_db()
    assert donation.refunded_amount == Decimal("0.00") and not donation.refunds.exists()
