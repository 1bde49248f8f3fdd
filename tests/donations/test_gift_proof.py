"""The gift's proof in the transparency log on the certificate's verification page, the donor's pages and the PDF."""

import base64
import html
import io
import json
import re
from decimal import Decimal

import pypdf
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from wagtail.documents.models import Document

from donations import services
from donations.models import Donation, DonationStatus
from ledger.models import LedgerEntry
from ledger.signing import public_key_b64
from ledger.verify_log import head_problems, verify_inclusion
from tests.donations.conftest import make_donation, post_alipay

pytestmark = pytest.mark.django_db

DATA_BLOCK = re.compile(r'<script type="application/json" class="log-proof-data">(.*?)</script>', re.S)
PENDING = "正在记入账本，稍后刷新即可看到证明"


def _paid(client, alipay_notification, campaign, *, sequenced=True, phone="13800001234"):
    """A gift paid by a gateway notification; its ledger record is queued until the sequencer runs."""
    from ledger.services import sequence_pending

    donation = make_donation(campaign, phone=phone)
    assert post_alipay(client, alipay_notification(donation)).status_code == 200
    if sequenced:
        sequence_pending()
    donation.refresh_from_db()
    assert donation.is_paid
    return donation


def _block(page):
    text = page.content.decode()
    blocks = DATA_BLOCK.findall(text)
    assert len(blocks) == 1, "one proof block on the page"
    return text, json.loads(blocks[0])


def _entry(donation):
    return LedgerEntry.objects.get(kind="donation", source="donation", source_ref=donation.out_trade_no)


def _assert_proves(data, entry):
    assert data["leaf"]["entry_id"] == entry.id and data["leaf"]["index"] == entry.id - 1
    assert head_problems(data["head"], base64.b64decode(public_key_b64())) == []
    assert verify_inclusion(bytes.fromhex(data["leaf"]["leaf_hash"]), data["leaf"]["index"], data["head"]["size"],
                            [bytes.fromhex(p) for p in data["proof"]], bytes.fromhex(data["head"]["root_hash"]))


def test_the_verification_page_shows_the_gifts_leaf_and_a_proof_the_api_also_serves(client, campaign,
                                                                                   alipay_notification):
    donation = _paid(client, alipay_notification, campaign)
    entry = _entry(donation)
    page = client.get(reverse("donations:receipt_verify", args=[donation.receipt.number]))
    assert page.status_code == 200
    text, data = _block(page)
    _assert_proves(data, entry)
    size = data["head"]["size"]
    assert data == client.get(f"/fund/log/proof/inclusion?entry={entry.id}&size={size}").json()
    assert f"第 {entry.id} 条（叶子序号 {entry.id - 1}）" in text and data["head"]["root_hash"] in text
    assert 'data-kind="inclusion"' in text and "在浏览器中核验" in text
    assert html.escape(f"/fund/log/proof/inclusion?entry={entry.id}&size={size}") in text
    assert 'href="/fund/log/"' in text and 'href="/fund/log/verify_log.py"' in text
    assert "这笔捐赠确实记在基金公开发布" in text and "所有人都会看出来" in text
    assert 'src="/static/ledger/log-check.js"' in text and PENDING not in text


def test_the_donors_own_pages_show_the_same_proof(client, campaign, alipay_notification):
    donation = _paid(client, alipay_notification, campaign)
    entry = _entry(donation)
    _, on_return = _block(client.get(reverse("donations:return", args=[donation.resume_token])))
    _assert_proves(on_return, entry)
    found = client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": "1234"})
    _, on_lookup = _block(found)
    _assert_proves(on_lookup, entry)


def test_an_unpaid_order_and_an_unknown_certificate_show_no_proof(client, campaign):
    donation = make_donation(campaign)
    Donation.objects.filter(pk=donation.pk).update(status=DonationStatus.CLOSED)
    page = client.get(reverse("donations:return", args=[donation.resume_token])).content.decode()
    assert "log-proof" not in page and "账本证明" not in page
    missing = client.get(reverse("donations:receipt_verify", args=["2026-999999"]))
    assert missing.status_code == 404 and "log-proof" not in missing.content.decode()


def test_hostile_text_in_the_record_is_escaped_on_the_page_and_intact_in_the_proof(client, project,
                                                                                 alipay_notification):
    from datetime import timedelta

    from donations.models import CampaignPage

    title = '</script><script>alert(1)</script><img src=x onerror=alert(2)>&'
    hostile = project.add_child(instance=CampaignPage(
        title=title, slug="hostile", intro="x", goal=Decimal("100.00"),
        starts_on=timezone.localdate() - timedelta(days=1), fundraiser_name="基金会", fundraiser_uscc="X",
    ))
    donation = _paid(client, alipay_notification, hostile)
    text, data = _block(client.get(reverse("donations:receipt_verify", args=[donation.receipt.number])))
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    assert json.loads(data["leaf"]["data"])["memo"].startswith(title)
    _assert_proves(data, _entry(donation))


def test_a_paid_gift_still_waiting_for_its_entry_says_so_everywhere(client, campaign, alipay_notification):
    donation = _paid(client, alipay_notification, campaign, sequenced=False, phone="13800005678")
    assert not LedgerEntry.objects.filter(source_ref=donation.out_trade_no).exists()
    for page in (
        client.get(reverse("donations:receipt_verify", args=[donation.receipt.number])),
        client.get(reverse("donations:return", args=[donation.resume_token])),
        client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": "5678"}),
    ):
        text = page.content.decode()
        assert page.status_code == 200 and PENDING in text and "log-proof-data" not in text


def _offline_gift(campaign, amount="300.00"):
    staff = get_user_model().objects.create_user("finance-proof", password="x")
    voucher = Document.objects.create(title="银行回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
    return services.offline_donation_record(campaign=campaign, amount=amount, donor_name="某企业", bank_reference="BK-9",
                                            voucher=voucher, recorded_by=staff), staff


def test_a_refunded_gift_keeps_its_proof_and_names_the_refunds_own_entry(client, campaign):
    donation, staff = _offline_gift(campaign)
    services.refund_request(donation=donation, amount=Decimal("100.00"), reason="捐赠人申请", requested_by=staff)
    refund_entry = LedgerEntry.objects.get(kind="refund", source="refund")
    text, data = _block(client.get(reverse("donations:receipt_verify", args=[donation.receipt.number])))
    _assert_proves(data, _entry(donation))
    assert "其中退款 ¥100.00 另记为账本第" in text and f"第 {refund_entry.id} 条" in text
    assert html.escape(f"/fund/log/proof/inclusion?entry={refund_entry.id}&size={data['head']['size']}") in text


def test_a_reversed_gift_entry_says_which_correction_reversed_it(client, campaign):
    from ledger.services import entry_record

    donation, staff = _offline_gift(campaign)
    entry = _entry(donation)
    correction = entry_record(kind="correction", amount=entry.amount, occurred_on=entry.occurred_on,
                              memo="录入错误，冲销", reverses=entry, recorded_by=staff)
    text, data = _block(client.get(reverse("donations:receipt_verify", args=[donation.receipt.number])))
    _assert_proves(data, entry)
    assert data["head"]["size"] >= correction.id
    assert f"已被账本第 {correction.id} 条更正记录冲销" in text


def _pdf_text(client, receipt):
    response = client.get(reverse("donations:receipt_download", args=[receipt.token]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_the_pdf_carries_the_leaf_index_and_the_first_head_that_included_the_gift(client, campaign,
                                                                                alipay_notification, settings):
    settings.SITE_BASE_URL = "https://fund.example.org"
    donation = _paid(client, alipay_notification, campaign)
    entry = _entry(donation)
    first = client.get(f"/fund/log/heads/{entry.id}").json()
    _paid(client, alipay_notification, campaign)  # the log grows; the certificate's head stays
    text = _pdf_text(client, donation.receipt)
    assert f"叶子序号 {entry.id - 1}" in text and f"日志共 {entry.id} 条" in text
    assert first["root_hash"] in text and first["timestamp"] in text and first["key_id"] in text
    assert f"https://fund.example.org/fund/log/proof/inclusion?entry={entry.id}&size={entry.id}" in text
    assert "https://fund.example.org/fund/log/verify_log.py" in text
    assert client.get(f"/fund/log/proof/inclusion?entry={entry.id}&size={entry.id}").json()["head"]["root_hash"] == \
        first["root_hash"]


def test_a_pdf_made_while_the_entry_is_pending_says_so_and_the_next_download_has_the_proof(client, campaign,
                                                                                        alipay_notification):
    from ledger.services import sequence_pending

    donation = _paid(client, alipay_notification, campaign, sequenced=False)
    text = _pdf_text(client, donation.receipt)
    assert "正在记入基金的透明日志" in text and "根哈希" not in text
    # The queue catches up: the certificate is rendered afresh on every download (never stored), so it now cites it.
    sequence_pending()
    entry = _entry(donation)
    text = _pdf_text(client, donation.receipt)
    assert f"叶子序号 {entry.id - 1}" in text and "正在记入" not in text
