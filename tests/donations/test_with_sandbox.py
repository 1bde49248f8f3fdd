"""Life after payment, driven through the sandbox gateway over real HTTP with real signatures."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from donations import services
from donations.models import Donation, DonationStatus, GatewayNotification, Receipt, Refund
from donations.services.reconciliation import reconciliation_run
from donations.tasks import donations_close_stale
from ledger.models import EntryKind, EntrySource, LedgerEntry
from ledger.services import sequence_pending
from tests.donations.conftest import cashier_pay, make_donation

pytestmark = pytest.mark.django_db(transaction=True)






def test_alipay_page_pay_end_to_end_gives_receipt_pdf_and_email(sandbox, campaign):
    donation = make_donation(campaign, email="donor@example.com", phone="13900005678", show_name=True)
    start = services.donation_start_payment(donation=donation)
    after = cashier_pay(start.redirect_url)
    assert after.status_code == 200 and "感谢您的捐赠" in after.text  # back on our return page
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID and donation.gateway_trade_no
    sequence_pending()
    assert LedgerEntry.objects.filter(kind="donation", source_ref=donation.out_trade_no).count() == 1
    receipt = donation.receipt
    assert len(receipt.token) >= 40
    pdf = requests.get(sandbox.url + reverse("donations:receipt_download", args=[receipt.token]), timeout=30)
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments[0][2] == "application/pdf"
    verify = requests.get(sandbox.url + reverse("donations:receipt_verify", args=[receipt.number]), timeout=30)
    assert "张*" in verify.text and "100.00" in verify.text and campaign.title in verify.text
    assert "13900005678" not in verify.text and "donor@example.com" not in verify.text


def test_unknown_receipt_token_and_number_are_not_found(sandbox, campaign):
    assert requests.get(sandbox.url + "/receipts/" + "x" * 43 + "/", timeout=30).status_code == 404
    assert requests.get(sandbox.url + "/receipts/verify/2026-999999/", timeout=30).status_code == 404


def test_return_page_queries_the_gateway_when_the_notification_is_late(sandbox, campaign, settings):
    donation = make_donation(campaign, channel="qr")
    settings.SITE_BASE_URL = "http://127.0.0.1:9"  # the notification goes nowhere, as if delayed
    start = services.donation_start_payment(donation=donation)
    settings.SITE_BASE_URL = sandbox.url
    cashier_pay(start.qr_code)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PENDING  # no notification arrived
    page = requests.get(sandbox.url + reverse("donations:return", args=[donation.resume_token]), timeout=30)
    assert "感谢您的捐赠" in page.text
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    assert donation.events.filter(to_status="paid", cause__contains="查询").exists()


def test_wechatpay_native_end_to_end(sandbox, campaign):
    donation = make_donation(campaign, gateway="wechatpay", channel="qr", amount="66.60")
    start = services.donation_start_payment(donation=donation)
    assert start.qr_code
    cashier_pay(start.qr_code)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    assert GatewayNotification.objects.filter(gateway="wechatpay", outcome="processed").count() == 1


def test_wechatpay_h5_on_a_phone_end_to_end(sandbox, campaign):
    donation = make_donation(campaign, gateway="wechatpay", channel="h5", amount="12.34")
    start = services.donation_start_payment(donation=donation, client_ip="203.0.113.7")
    assert start.redirect_url and not start.qr_code
    cashier_pay(start.redirect_url)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID
    sequence_pending()
    assert LedgerEntry.objects.get(source_ref=donation.out_trade_no).amount == Decimal("12.34")


def _paid(sandbox, campaign, amount="100.00", gateway="alipay", channel="page"):
    donation = make_donation(campaign, amount=amount, gateway=gateway, channel=channel)
    start = services.donation_start_payment(donation=donation)
    cashier_pay(start.redirect_url or start.qr_code)
    donation.refresh_from_db()
    assert donation.is_paid
    return donation


def test_partial_then_full_refund_through_alipay(sandbox, campaign, django_user_model):
    clerk = django_user_model.objects.create_user("clerk")
    donation = _paid(sandbox, campaign)
    refund = services.refund_request(donation=donation, amount=Decimal("30.00"), reason="捐赠人申请", requested_by=clerk)
    assert refund.status == "succeeded", refund.error
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PARTIALLY_REFUNDED and donation.refunded_amount == Decimal("30.00")
    assert services.refund_submit(refund=refund).status == "succeeded"  # a retry changes nothing
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    services.refund_request(donation=donation, amount=Decimal("70.00"), reason="全部退还", requested_by=clerk)
    donation.refresh_from_db()
    assert donation.status == DonationStatus.REFUNDED
    refund_entries = LedgerEntry.objects.filter(kind=EntryKind.REFUND, source=EntrySource.REFUND)
    assert sorted(e.amount for e in refund_entries) == [Decimal("30.00"), Decimal("70.00")]


def test_over_refund_is_refused_and_changes_nothing(sandbox, campaign):
    from django.core.exceptions import ValidationError

    donation = _paid(sandbox, campaign)
    with pytest.raises(ValidationError, match="可退金额"):
        services.refund_request(donation=donation, amount=Decimal("100.01"), reason="多退")
    with pytest.raises(ValidationError, match="两位小数"):
        services.refund_request(donation=donation, amount=Decimal("1.001"), reason="精度")
    donation.refresh_from_db()
    assert donation.status == DonationStatus.PAID and not Refund.objects.exists()
    assert not LedgerEntry.objects.filter(kind="refund").exists()


def test_wechatpay_refund(sandbox, campaign):
    donation = _paid(sandbox, campaign, amount="50.00", gateway="wechatpay", channel="qr")
    refund = services.refund_request(donation=donation, amount=Decimal("50.00"), reason="捐赠人申请")
    assert refund.status in ("succeeded", "requested")
    donation.refresh_from_db()
    if refund.status == "requested":  # WeChat may answer PROCESSING; its REFUND.SUCCESS notification settles it
        assert refund.error
    else:
        assert donation.status == DonationStatus.REFUNDED


def test_reconciliation_matches_and_lists_every_mismatch(sandbox, campaign):
    paid = _paid(sandbox, campaign)
    services.refund_request(donation=paid, amount=Decimal("10.00"), reason="部分退款")
    run = reconciliation_run(gateway="alipay", day=timezone.localdate())
    assert run.error == "" and run.statement_lines == 2 and run.mismatch_count == 0 and run.matched == 2
    # An order we think is paid that Alipay never saw, e.g. settled by mistake.
    ghost = make_donation(campaign, amount="5.00")
    Donation.objects.filter(pk=ghost.pk).update(status=DonationStatus.PAID, paid_at=timezone.now())
    run = reconciliation_run(gateway="alipay", day=timezone.localdate())
    assert run.mismatch_count == 1
    assert run.mismatches[0]["out_trade_no"] == ghost.out_trade_no
    assert "对账单中没有" in run.mismatches[0]["problem"]


def test_stale_pending_orders_are_closed_but_paid_ones_kept(sandbox, campaign, settings):
    stale = make_donation(campaign, channel="qr")
    services.donation_start_payment(donation=stale)
    paid_late = make_donation(campaign, channel="qr")
    settings.SITE_BASE_URL = "http://127.0.0.1:9"
    start = services.donation_start_payment(donation=paid_late)
    settings.SITE_BASE_URL = sandbox.url
    cashier_pay(start.qr_code)  # paid at the gateway, notification lost
    old = timezone.now() - timedelta(minutes=settings.DONATION_PENDING_MINUTES + 10)
    Donation.objects.filter(pk__in=[stale.pk, paid_late.pk]).update(created_at=old)
    donations_close_stale.enqueue()
    stale.refresh_from_db()
    paid_late.refresh_from_db()
    assert stale.status == DonationStatus.CLOSED
    assert paid_late.status == DonationStatus.PAID
    assert Receipt.objects.filter(donation=paid_late).exists()


def test_offline_transfer_is_paid_at_once_with_its_voucher(transactional_base, campaign, django_user_model):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    clerk = django_user_model.objects.create_user("clerk2")
    voucher = Document.objects.create(title="回单", file=ContentFile(b"%PDF-1.4 test", name="voucher.pdf"))
    donation = services.offline_donation_record(
        campaign=campaign, amount=Decimal("2000.00"), donor_name="某公司", bank_reference="BK20261123001",
        voucher=voucher, recorded_by=clerk, received_at=timezone.now(),
    )
    assert donation.status == DonationStatus.PAID and donation.gateway == "offline"
    entry = LedgerEntry.objects.get(source_ref=donation.out_trade_no)
    assert entry.voucher_id == voucher.pk and entry.amount == Decimal("2000.00")
    assert donation.receipt.number.endswith("-1-000001")


def test_housekeeping_command_queues_the_periodic_work(sandbox, campaign):
    from django.core.management import call_command

    from donations.models import ReconciliationRun

    paid = _paid(sandbox, campaign)
    day = timezone.localdate().isoformat()
    call_command("donations_housekeeping", "--reconcile", f"--day={day}", stdout=io.StringIO())
    run = ReconciliationRun.objects.get(gateway="alipay")
    assert run.error == "" and run.matched == 1 and run.mismatch_count == 0
    paid.refresh_from_db()
    assert paid.status == DonationStatus.PAID
