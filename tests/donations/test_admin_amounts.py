"""Finance forms read amounts as strictly as the public form: what Django's DecimalField would take is refused."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents.models import Document

from donations.models import Donation, Refund
from ledger.models import LedgerEntry
from tests.donations.conftest import make_donation, post_alipay
from tests.donations.test_admin import finance_user  # noqa: F401 - the fixture

BAD_AMOUNTS = [("１５００", "半角数字"), ("١٥٠٠", "半角数字"), ("1,500", "不含逗号"), ("1500.000", "最多两位小数"),
               ("1e3", "半角数字"), ("9" * 30, "位数过多"), ("-1", "半角数字")]


@pytest.mark.parametrize("amount,message", BAD_AMOUNTS)
def test_offline_transfer_amount_is_parsed_strictly(client, finance_user, campaign, amount, message):  # noqa: F811
    client.force_login(finance_user)
    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    response = client.post(reverse("donations_donation:add"), {
        "campaign": campaign.pk, "amount": amount, "received_at": "2026-11-20 10:00:00", "bank_reference": "BK-1",
        "voucher": voucher.pk, "donor_name": "某爱心企业",
    })
    assert response.status_code == 200 and message in response.content.decode()
    assert not Donation.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount,message", BAD_AMOUNTS)
def test_refund_amount_is_parsed_strictly(client, finance_user, campaign, alipay_notification,  # noqa: F811
                                          amount, message):
    donation = make_donation(campaign)
    post_alipay(client, alipay_notification(donation))
    entries = LedgerEntry.objects.count()
    client.force_login(finance_user)
    response = client.post(reverse("donations_refund:add"),
                           {"out_trade_no": donation.out_trade_no, "amount": amount, "reason": "测试"})
    assert response.status_code == 200 and message in response.content.decode()
    donation.refresh_from_db()
    assert donation.refunded_amount == Decimal("0.00") and not Refund.objects.exists()
    assert LedgerEntry.objects.count() == entries


@pytest.mark.parametrize("field", ["donor_name", "bank_reference", "message"])
def test_admin_text_with_a_nul_gets_the_form_again_and_records_nothing(client, finance_user, campaign,  # noqa: F811
                                                                       field):
    client.force_login(finance_user)
    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    data = {"campaign": campaign.pk, "amount": "1500.00", "received_at": "2026-11-20 10:00:00",
            "bank_reference": "BK-1", "voucher": voucher.pk, "donor_name": "某爱心企业", field: "a\x00b"}
    response = client.post(reverse("donations_donation:add"), data)
    assert response.status_code == 200  # the form again with its message, the editor's input kept
    assert not Donation.objects.exists() and not LedgerEntry.objects.exists()


@pytest.mark.parametrize("amount", ["abc", Decimal("NaN"), Decimal("0.001"), 0.5, "１５００", Decimal("0")])
def test_the_refund_service_itself_refuses_what_the_form_would_and_changes_nothing(campaign, alipay_notification,
                                                                                   client, amount):
    # The service is called by tasks and code too, not only by the form: it parses with the same strict parser.
    from django.core.exceptions import ValidationError

    from donations.services import refund_request

    donation = make_donation(campaign)
    post_alipay(client, alipay_notification(donation))
    entries = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        refund_request(donation=donation, amount=amount, reason="测试")
    assert "amount" in refused.value.message_dict
    donation.refresh_from_db()
    assert donation.refunded_amount == Decimal("0.00") and not Refund.objects.exists()
    assert LedgerEntry.objects.count() == entries
