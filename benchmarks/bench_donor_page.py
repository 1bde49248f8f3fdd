"""我的捐赠 for a donor with 20 gifts, and their year-end statement PDF, as ratios to a trivial view in the same run.

Run: DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest benchmarks/bench_donor_page.py \
  -o addopts="" --benchmark-only -s   (add DATABASE_URL=postgres://… for PostgreSQL)
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.models import Page, Site

from benchmarks.bench_donations import report, trivial_seconds, urlpatterns  # noqa: F401 - the trivial view's routes
from cms_pages.models import HomePage
from donations.donor_session import SESSION_KEY
from donations.models import CampaignPage
from donations.services import offline_donation_record

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.bench_donations")]
PHONE, GIFTS = "13900009999", 20


@pytest.fixture
def donor_client(db):
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="基准", slug="bench-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "testserver", "root_page": home})
    campaign = home.add_child(instance=CampaignPage(title="基准募捐", slug="bench", intro="基准",
                                                    goal=Decimal("1000000.00"),
                                                    starts_on=timezone.localdate() - timedelta(days=1)))
    staff = get_user_model().objects.create_user("bench-finance")
    for n in range(GIFTS):
        voucher = Document.objects.create(title="回单", file=SimpleUploadedFile("v.pdf", b"%PDF-1.4"))
        offline_donation_record(campaign=campaign, amount=f"{10 + n}.00", donor_name="王五", phone=PHONE,
                                bank_reference=f"B{n}", voucher=voucher, recorded_by=staff)
    client = Client()
    session = client.session
    session[SESSION_KEY] = {"kind": "phone", "value": PHONE}  # what a verified code leaves in the session
    session.save()
    return client


def test_donor_page_with_twenty_gifts(benchmark, donor_client):
    baseline = trivial_seconds(donor_client)
    benchmark.pedantic(lambda: donor_client.get("/donations/mine/"), rounds=50, iterations=1, warmup_rounds=2)
    report(benchmark, f"我的捐赠 ({GIFTS} gifts)", baseline)


def test_year_statement_pdf_with_twenty_gifts(benchmark, donor_client):
    baseline = trivial_seconds(donor_client)
    url = f"/donations/mine/statement/{timezone.localdate().year}.pdf"
    assert donor_client.get(url).status_code == 200
    benchmark.pedantic(lambda: donor_client.get(url), rounds=20, iterations=1, warmup_rounds=1)
    report(benchmark, f"year-end statement ({GIFTS} gifts)", baseline)
