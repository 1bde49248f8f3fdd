"""Donation benchmarks, each reported as a ratio to a trivial view measured in the same run.

Run against PostgreSQL (the budget is "hundreds of notifications a second on this 2-core machine"):
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/fundsite_bench DJANGO_SETTINGS_MODULE=fundsite.settings.test \
  .venv/bin/python -m pytest benchmarks/bench_donations.py -o addopts="" --benchmark-only -s

- notifications: a signed Alipay notification posted to our notify URL, verified (RSA2), settled under
  the row lock with its ledger record queued and its receipt number; one new order per round.
- donations created: the giving form posted, the order created and the Alipay page-pay URL signed.
- certificates: the receipt download view, rendering the PDF certificate for a paid gift.
"""

import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from wagtail.models import Page, Site

from cms_pages.models import HomePage
from donations.models import CampaignPage, Donation, DonationStatus
from donations.services import donation_create
from gateway_sandbox.keys import sandbox_keys
from tests.donations.conftest import alipay_params, alipay_sign

ROUNDS = 200


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include("fundsite.urls"))]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def campaign(db, settings):
    settings.DONATION_CREATE_RATE = "1000000/h"
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="基准", slug="bench-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    return home.add_child(instance=CampaignPage(
        title="基准募捐", slug="bench", intro="基准", goal=Decimal("1000000.00"),
        starts_on=timezone.localdate() - timedelta(days=1),
    ))


def trivial_seconds(client, rounds=ROUNDS):
    """Best per-request time of the trivial view, measured now, in this process, on this database."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        client.get("/bench/trivial/")
        best = min(best, time.perf_counter() - start)
    return best


def report(benchmark, name, baseline):
    seconds = benchmark.stats.stats.min
    median = benchmark.stats.stats.median
    ratio = seconds / baseline
    benchmark.extra_info.update({"per_second_median": round(1 / median, 1), "ratio_to_trivial_view": round(ratio, 1),
                                 "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]})
    print(f"\n{name}: {1 / median:.0f}/s (median), {ratio:.1f}× a trivial view ({1 / baseline:.0f}/s) "
          f"on {benchmark.extra_info['database']}")


def _pending(campaign, count):
    orders = []
    for _ in range(count):
        donation = donation_create(campaign=campaign, amount="100.00", gateway="alipay", channel="page",
                                   donor_name="张三")
        Donation.objects.filter(pk=donation.pk).update(status=DonationStatus.PENDING)
        orders.append(donation)
    return orders


def test_verified_notifications_per_second(benchmark, campaign):
    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    bodies = iter([urlencode(alipay_sign(alipay_params(keys, d), keys.alipay_private_key))
                   for d in _pending(campaign, ROUNDS + 1)])
    client = Client()
    baseline = trivial_seconds(client)

    def post(body):
        response = client.post("/donations/notify/alipay/", body, content_type="application/x-www-form-urlencoded")
        assert response.content == b"success"

    benchmark.pedantic(post, setup=lambda: ((next(bodies),), {}), rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert Donation.objects.filter(status=DonationStatus.PAID).count() == ROUNDS + 1
    report(benchmark, "verified notifications", baseline)


def test_donations_created_per_second(benchmark, campaign):
    client = Client()
    baseline = trivial_seconds(client)
    url = reverse("donations:give", args=[campaign.pk])

    def give():
        response = client.post(url, {"amount": "50", "method": "alipay", "donor_name": "李四"})
        assert response.status_code == 302
        assert client.get(response["Location"]).status_code == 302  # signed page-pay URL

    benchmark.pedantic(give, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    report(benchmark, "donations created", baseline)


def test_certificates_rendered_per_second(benchmark, campaign):
    keys = sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)
    donation = _pending(campaign, 1)[0]
    client = Client()
    client.post("/donations/notify/alipay/", urlencode(alipay_sign(alipay_params(keys, donation),
                                                                   keys.alipay_private_key)),
                content_type="application/x-www-form-urlencoded")
    donation.refresh_from_db()
    url = reverse("donations:receipt_download", args=[donation.receipt.token])
    baseline = trivial_seconds(client)

    def download():
        assert client.get(url).content.startswith(b"%PDF")

    benchmark.pedantic(download, rounds=30, iterations=1, warmup_rounds=1)
    report(benchmark, "certificates rendered", baseline)
