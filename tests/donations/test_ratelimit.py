"""Limits that hold: shared counters that survive a worker recycle, client addresses from trusted hops only,
lookups limited per order, notifications capped before storage, and an API closed to cross-site requests."""

import json
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.urls import reverse

from donations.models import Donation, GatewayNotification, RateLimitCounter
from fundsite.client_ip import client_ip
from tests.donations.conftest import make_donation, post_alipay
from tests.donations.test_giving import give

API = "/api/donations/donations"
PHONE = "13912345678"


def test_limit_survives_a_worker_recycle(client, campaign, settings):
    """A recycled worker starts with empty local memory; the third order still gets 429 and is not created."""
    settings.DONATION_CREATE_RATE = "2/h"
    assert give(client, campaign).status_code == 302
    assert give(client, campaign).status_code == 302
    for alias in settings.CACHES:  # what a gunicorn worker recycle does to LocMemCache
        caches[alias].clear()
    response = give(client, campaign)
    assert response.status_code == 429 and "频繁" in response.content.decode()
    assert Donation.objects.count() == 2
    assert RateLimitCounter.objects.filter(count=3).exists()


@pytest.mark.parametrize("forwarded", ["9.9.9.1", "9.9.9.2, 10.0.0.1", "garbage"])
def test_without_trusted_hops_forwarded_for_is_ignored(rf, settings, forwarded):
    settings.TRUSTED_PROXY_HOPS = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="198.51.100.7")
    assert client_ip(request) == "198.51.100.7"


def test_one_trusted_hop_believes_only_the_entry_nginx_wrote(rf, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="127.0.0.1")) == "203.0.113.9"
    # No header (nginx bypassed) or a header that is not an address: fall back to the socket's peer.
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_rotating_forwarded_for_does_not_escape_the_limit_with_no_trusted_hop(client, campaign, settings):
    """gunicorn reached directly: each request claims a new address, the fourth still gets 429."""
    settings.TRUSTED_PROXY_HOPS = 0
    settings.DONATION_CREATE_RATE = "3/h"
    answers = [give(client, campaign, HTTP_X_FORWARDED_FOR=f"10.1.0.{i}").status_code for i in range(6)]
    assert answers == [302, 302, 302, 429, 429, 429]
    assert Donation.objects.count() == 3


def test_rotating_forwarded_for_does_not_escape_the_limit_behind_one_proxy(client, campaign, settings):
    """Behind nginx the client controls only what precedes nginx's entry; rotating it changes nothing."""
    settings.TRUSTED_PROXY_HOPS = 1
    settings.DONATION_CREATE_RATE = "3/h"
    answers = [give(client, campaign, HTTP_X_FORWARDED_FOR=f"10.1.0.{i}, 203.0.113.5").status_code for i in range(6)]
    assert answers == [302, 302, 302, 429, 429, 429]
    # A different real client (nginx's entry) has its own allowance.
    assert give(client, campaign, HTTP_X_FORWARDED_FOR="10.1.0.1, 203.0.113.6").status_code == 302
    assert Donation.objects.count() == 4


def lookup(client, donation, digits, address):
    return client.post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no, "phone_last4": digits},
                       REMOTE_ADDR=address)


def test_lookup_of_one_order_is_limited_whatever_address_asks(client, campaign, settings):
    """Rotating client addresses can try only N phone suffixes of one order; the N+1th, even right, gets 429."""
    settings.DONATION_LOOKUP_RATE = "100/h"
    settings.DONATION_LOOKUP_ORDER_RATE = "5/d"
    donation = make_donation(campaign, phone=PHONE)
    other = make_donation(campaign, phone=PHONE)
    for i in range(5):
        assert lookup(client, donation, f"{i:04d}", f"192.0.2.{i + 1}").status_code == 404
    right = lookup(client, donation, PHONE[-4:], "192.0.2.77")
    assert right.status_code == 429 and "上限" in right.content.decode()
    assert right.context.get("donation") is None  # the gift is not shown
    # Another order is not locked by the attack on this one.
    found = lookup(client, other, PHONE[-4:], "192.0.2.78")
    assert found.status_code == 200 and found.context["donation"] == other


def test_lookup_is_still_limited_per_client(client, campaign, settings):
    settings.DONATION_LOOKUP_RATE = "3/h"
    settings.DONATION_LOOKUP_ORDER_RATE = "100/d"
    orders = [make_donation(campaign, phone=PHONE) for _ in range(4)]
    answers = [lookup(client, d, "0000", "192.0.2.9").status_code for d in orders]
    assert answers == [404, 404, 404, 429]


def test_oversized_notification_gets_413_and_nothing_is_stored(client, db):
    body = urlencode({"out_trade_no": "X", "pad": "a" * (2_400_000)})
    response = client.post("/donations/notify/alipay/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and response.content != b"success"
    wechat = client.post("/donations/notify/wechatpay/", "{" + " " * 70_000 + "}", content_type="application/json")
    assert wechat.status_code == 413
    assert not GatewayNotification.objects.exists()


def test_notification_just_under_the_cap_is_stored(client, db, settings):
    body = urlencode({"out_trade_no": "X", "pad": "a" * (settings.NOTIFY_MAX_BYTES - 100)})
    response = client.post("/donations/notify/alipay/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code != 413
    assert GatewayNotification.objects.count() == 1


def test_notification_flood_from_one_address_gets_429_and_is_not_stored(client, db, settings):
    settings.NOTIFY_RATE = "3/h"  # an hour window: the test never straddles a window boundary in practice
    answers = [client.post("/donations/notify/wechatpay/", "{}", content_type="application/json",
                           REMOTE_ADDR="198.51.100.1").status_code for _ in range(5)]
    assert answers[3:] == [429, 429] and 429 not in answers[:3]
    assert GatewayNotification.objects.count() == 3
    # The gateway's own addresses are not starved by a stranger's flood.
    client.post("/donations/notify/wechatpay/", "{}", content_type="application/json", REMOTE_ADDR="198.51.100.2")
    assert GatewayNotification.objects.count() == 4


def test_genuine_notifications_pass_the_default_rate(client, campaign, alipay_notification):
    """Fifty paid orders notified from one gateway address in a burst are all settled under the default rate."""
    donations = [make_donation(campaign) for _ in range(50)]
    answers = {post_alipay(client, alipay_notification(d)).content for d in donations}
    assert answers == {b"success"}
    assert Donation.objects.filter(status="paid").count() == 50


def api_post(client, campaign, *, content_type="application/json", **headers):
    body = json.dumps({"campaign_id": campaign.pk, "amount": "10.00", "donor_name": "周八"})
    return client.post(API, body, content_type=content_type, **headers)


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
def test_api_refuses_simple_request_content_types_with_415(client, campaign, content_type):
    response = api_post(client, campaign, content_type=content_type)
    assert response.status_code == 415 and "JSON" in response.json()["detail"]
    assert not Donation.objects.exists()


@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": "https://evil.example"},
    {"HTTP_ORIGIN": "null"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "https://sub.example.org"},
    {"HTTP_ORIGIN": "http://127.0.0.1:8000.evil.example"},
])
def test_api_refuses_cross_site_posts_with_403(client, campaign, headers):
    response = api_post(client, campaign, **headers)
    assert response.status_code == 403 and "其他网站" in response.json()["detail"]
    assert not Donation.objects.exists()


@pytest.mark.parametrize("headers", [
    {},  # a server or app: no Origin at all
    {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"},
    {"HTTP_ORIGIN": "SITE_BASE_URL"},
])
def test_api_accepts_same_origin_and_non_browser_posts(client, campaign, settings, headers):
    if headers.get("HTTP_ORIGIN") == "SITE_BASE_URL":
        headers = {"HTTP_ORIGIN": settings.SITE_BASE_URL.rstrip("/")}
    response = api_post(client, campaign, content_type="application/json; charset=utf-8", **headers)
    assert response.status_code == 201, response.content
    assert Donation.objects.count() == 1


def test_api_reads_stay_open_to_other_origins(client, campaign):
    response = client.get(f"/api/donations/campaigns/{campaign.pk}/totals", HTTP_ORIGIN="https://news.example")
    assert response.status_code == 200
