"""The certificate's public page says where the gift went, by the ledger's published rule."""

import html
import json
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from donations.models import Donation, DonationStatus, Receipt
from ledger.models import EntryKind
from ledger.services import entry_record, sequence_pending
from tests.donations.conftest import make_donation, post_alipay

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "ledger" / "gift_flow.py"


def _paid(client, campaign, alipay_notification, amount, *, sequenced=True):
    donation = make_donation(campaign, amount=amount, donor_name="张三")
    assert post_alipay(client, alipay_notification(donation)).content == b"success"
    if sequenced:
        sequence_pending()  # the sequencer appends the queued gift to the ledger
    donation.refresh_from_db()
    return donation


def _page(client, donation):
    response = client.get(reverse("donations:receipt_verify", args=[donation.receipt.number]))
    assert response.status_code == 200
    return response.content.decode()


def _record(kind, amount, project, memo="财务登记"):
    return entry_record(kind=kind, amount=Decimal(amount), occurred_on=date(2026, 11, 20), memo=memo,
                        project_id=project.id if project else None)


def _text(page):
    """The gift-flow block as plain text, tags stripped and whitespace folded."""
    block = re.search(r'<section class="gift-flow".*?</section>', page, re.S)[0]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", block)))


def test_a_gift_still_queued_for_the_ledger_says_so(client, campaign, alipay_notification):
    donation = _paid(client, campaign, alipay_notification, "100.00", sequenced=False)
    text = _text(_page(client, donation))
    assert "正在记入账本" in text and "尚未使用" not in text


def test_an_unspent_gift_says_it_is_still_waiting_in_the_project(client, campaign, alipay_notification):
    donation = _paid(client, campaign, alipay_notification, "100.00")
    text = _text(_page(client, donation))
    assert "尚未使用 100.00 元（仍在项目的待拨付资金中）" in text
    assert "这笔捐赠已用于" not in text
    assert "规则详解" in text


def test_a_spent_gift_lists_each_disbursement_with_a_link_to_the_project(client, campaign, project,
                                                                         alipay_notification):
    donation = _paid(client, campaign, alipay_notification, "100.00")
    _record(EntryKind.GRANT_APPROVAL, "500.00", project)
    first = _record(EntryKind.DISBURSEMENT, "60.00", project)
    second = _record(EntryKind.DISBURSEMENT, "60.00", project)
    page = _page(client, donation)
    text = _text(page)
    assert "这笔捐赠已用于：" in text
    assert f"拨付 #{first.id} {project.title} 60.00 元 2026-11-20" in text
    assert f"拨付 #{second.id} {project.title} 40.00 元 2026-11-20" in text
    assert "尚未使用" not in text
    assert f'<a href="{project.url}">{project.title}</a>' in page
    assert 'href="/fund/#gift-flow-rule"' in page


def test_a_gift_to_the_fund_follows_a_projects_overflow(client, fund_campaign, project, alipay_notification):
    donation = _paid(client, fund_campaign, alipay_notification, "80.00")
    _record(EntryKind.GRANT_APPROVAL, "500.00", project)
    pay = _record(EntryKind.DISBURSEMENT, "50.00", project)
    text = _text(_page(client, donation))
    assert "捐给基金，未指定项目" in text
    assert f"拨付 #{pay.id} {project.title} 50.00 元" in text
    assert "尚未使用 30.00 元（仍在基金的待拨付资金中）" in text


def test_a_refund_the_gateway_names_comes_off_the_gift(client, campaign, project, alipay_notification):
    donation = _paid(client, campaign, alipay_notification, "100.00")
    refund = alipay_notification(donation, refund_fee="30.00", out_biz_no="R-A", gmt_refund="2026-11-23 10:00:00")
    assert post_alipay(client, refund).content == b"success"
    text = _text(_page(client, donation))
    assert "计入 70.00 元" in text and "尚未使用 70.00 元" in text


def test_a_fully_refunded_gift_funded_nothing(client, campaign, alipay_notification):
    donation = _paid(client, campaign, alipay_notification, "100.00")
    full = alipay_notification(donation, trade_status="TRADE_CLOSED", refund_fee="100.00", out_biz_no="R-B")
    assert post_alipay(client, full).content == b"success"
    assert "这笔捐赠已全额退款，没有用于任何拨付" in _text(_page(client, donation))


def test_a_paid_gift_not_yet_in_the_ledger_says_it_is_being_recorded(client, campaign):
    # The state a paid notification leaves while its ledger record waits to be appended.
    donation = make_donation(campaign, amount="20.00")
    Donation.objects.filter(pk=donation.pk).update(status=DonationStatus.PAID, paid_at=timezone.now())
    Receipt.objects.create(donation=donation, year=2026, serial=1, number="2026-000001", token="t" * 43,
                           issued_at=timezone.now())
    assert "这笔捐赠正在记入账本" in _text(_page(client, donation))


def test_the_page_and_the_script_on_the_download_agree(client, tmp_path, campaign, fund_campaign, project,
                                                       alipay_notification):
    gifts = [_paid(client, campaign, alipay_notification, "30.00"),
             _paid(client, fund_campaign, alipay_notification, "40.00")]
    _record(EntryKind.GRANT_APPROVAL, "500.00", project)
    pay = _record(EntryKind.DISBURSEMENT, "50.00", project)
    path = tmp_path / "ledger.json"
    path.write_bytes(b"".join(client.get("/fund/ledger.json").streaming_content))
    for donation, expected in zip(gifts, ["30.00", "20.00"], strict=True):
        done = subprocess.run([sys.executable, "-S", "-I", str(SCRIPT), str(path), "--ref", donation.out_trade_no,
                               "--json"], capture_output=True, text=True, timeout=60, check=True)
        allocations = json.loads(done.stdout)["allocations"]
        assert [(row["disbursement_id"], row["amount"]) for row in allocations] == [(pay.id, expected)]
        assert f"拨付 #{pay.id} {project.title} {expected} 元" in _text(_page(client, donation))


def test_a_title_is_escaped(client, campaign, project, alipay_notification):
    project.title = "<b>项目</b>"
    project.save_revision().publish()
    donation = _paid(client, campaign, alipay_notification, "10.00")
    _record(EntryKind.GRANT_APPROVAL, "10.00", project)
    _record(EntryKind.DISBURSEMENT, "10.00", project)
    page = _page(client, donation)
    assert "&lt;b&gt;项目&lt;/b&gt;" in page and "<b>项目</b>" not in page
