"""A fixed-window rate limit on the Django cache, for donation creation and donor lookup."""

import time

from django.core.cache import cache

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/h' → (20, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1]]


def rate_limit_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt; True when this attempt is over the limit."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, timeout=seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        cache.set(cache_key, 1, timeout=seconds + 1)
        count = 1
    return count > limit


def client_ip(request) -> str:
    # Behind nginx (proxy_add_x_forwarded_for) the last address is the one nginx saw; earlier ones are
    # whatever the client claimed, so they must not decide whose limit is spent.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR", "")
