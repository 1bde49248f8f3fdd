"""Concurrent attempts cannot slip past a limit: the counter is incremented atomically on PostgreSQL and in Redis."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from donations.ratelimit import rate_limit_hit
from tests.donations.conftest import make_donation, postgres_url

ATTEMPTS, LIMIT = 50, 20


def at_once(work, n=ATTEMPTS):
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
def test_fifty_concurrent_attempts_pass_a_limit_of_twenty_exactly_twenty_times_in_the_database():
    hits = at_once(lambda _: rate_limit_hit(scope="give", key="203.0.113.1", rate=f"{LIMIT}/h"))
    assert hits.count(False) == LIMIT and hits.count(True) == ATTEMPTS - LIMIT


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(not postgres_url(), reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
def test_concurrent_lookups_of_one_order_over_http_are_limited(transactional_base, campaign, settings):
    """Fifty lookups of one order from fifty addresses at once: exactly the per-order limit is answered."""
    settings.DONATION_LOOKUP_RATE = "100/h"
    settings.DONATION_LOOKUP_ORDER_RATE = "10/d"
    donation = make_donation(campaign, phone="13912345678")

    def attempt(i):
        return Client().post(reverse("donations:lookup"), {"out_trade_no": donation.out_trade_no,
                                                           "phone_last4": f"{i:04d}"},
                             REMOTE_ADDR=f"192.0.2.{i + 1}").status_code

    answers = at_once(attempt)
    assert answers.count(429) == ATTEMPTS - 10 and answers.count(404) == 10


def redis_reachable():
    import redis

    try:
        return redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_fifty_concurrent_attempts_pass_a_limit_of_twenty_exactly_twenty_times_in_redis(settings):
    settings.CACHES = {**settings.CACHES, "ratelimit": {
        "BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15",
        "KEY_PREFIX": "fundsite-test"}}
    settings.RATELIMIT_CACHE = "ratelimit"
    from django.core.cache import caches

    caches["ratelimit"].clear()
    try:
        hits = at_once(lambda _: rate_limit_hit(scope="give", key="203.0.113.2", rate=f"{LIMIT}/h"))
    finally:
        caches["ratelimit"].clear()
    assert hits.count(False) == LIMIT and hits.count(True) == ATTEMPTS - LIMIT
