"""Fixed-window rate limits shared by every worker, and the notification guard.

Counters live where every worker sees them and a recycled worker does not forget them: in Redis
(atomic INCR) when ``RATELIMIT_CACHE`` names a Redis cache, otherwise in a database table
(``RateLimitCounter``, created by ``migrate``), incremented under its row lock.
"""

import functools
import hashlib
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse

from fundsite.client_ip import client_ip

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'20/h' → (20, 3600)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip()[:1]]


def _counter_key(scope: str, key: str, window: int) -> str:
    # Hashed: a key may be whatever a client sent (an order number of 10,000 characters, say).
    return hashlib.sha256(f"{scope}\x00{key}\x00{window}".encode("utf-8", "surrogatepass")).hexdigest()


def _count_in_cache(alias: str, digest: str, seconds: int) -> int:
    cache = caches[alias]
    cache.add(f"ratelimit:{digest}", 0, timeout=seconds + 1)  # SET NX
    try:
        return cache.incr(f"ratelimit:{digest}")  # INCRBY: atomic in Redis
    except ValueError:  # expired between the two calls
        cache.add(f"ratelimit:{digest}", 1, timeout=seconds + 1)
        return 1


def _count_in_database(digest: str, expires_at: datetime) -> int:
    """One statement: insert this window's row at 1, or add one to it, and read the new count back.

    The row lock lasts to commit, so the count is this attempt's own. On PostgreSQL the commit
    does not wait for the disk (synchronous_commit off): a counter lost in a crash only forgets
    a few attempts, and every busy worker would otherwise queue on this one row's WAL flush.
    """
    from donations.models import RateLimitCounter

    table = RateLimitCounter._meta.db_table
    upsert = f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count"
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Outside any transaction: one round trip instead of four (BEGIN, SET LOCAL, INSERT, COMMIT).
        # The statement is its own transaction and set_config(..., true) lasts to its commit.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (key, count, expires_at) SELECT %s, 1, %s "  # noqa: S608 (our table name)
                f"FROM (SELECT set_config('synchronous_commit', 'off', true)) AS local_setting {upsert}",
                [digest, expires_at],
            )
            count = cursor.fetchone()[0]
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            # ON CONFLICT … RETURNING: PostgreSQL 9.5+ and SQLite 3.35+.
            cursor.execute(
                f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) {upsert}",  # noqa: S608
                [digest, expires_at],
            )
            count = cursor.fetchone()[0]
    if count == 1:
        # A new window began: drop the counters of windows that are over.
        RateLimitCounter.objects.filter(expires_at__lt=datetime.now(UTC)).delete()
    return count


def rate_limit_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt; True when this attempt is over the limit."""
    limit, seconds = parse_rate(rate)
    window = int(time.time() // seconds)
    digest = _counter_key(scope, key, window)
    alias = getattr(settings, "RATELIMIT_CACHE", None)
    if alias:
        count = _count_in_cache(alias, digest, seconds)
    else:
        count = _count_in_database(digest, datetime.fromtimestamp((window + 1) * seconds, UTC))
    return count > limit


def notification_guard(view):
    """Refuse an oversized notification (413) or a flood from one address (429) before anything is stored.

    Genuine Alipay and WeChat Pay notifications are a few KB. The rate is per client address and
    generous (NOTIFY_RATE, 6000 a minute): on a campaign day a gateway sends hundreds a second from a
    few addresses, one notification per paid order plus retries, and a
    429 is itself retried by the gateway (Alipay over 25 hours, WeChat Pay over 24), while the
    housekeeping query settles any order whose notification never got through.
    """

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        limit = settings.NOTIFY_MAX_BYTES
        # Checked before the body is read at all: a stranger's 2 MB never reaches memory or the table.
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return HttpResponse("failure: body too large", status=413, content_type="text/plain; charset=utf-8")
        if rate_limit_hit(scope="notify", key=client_ip(request), rate=settings.NOTIFY_RATE):
            return HttpResponse("failure: too many requests", status=429, content_type="text/plain; charset=utf-8")
        # Django reads no more than the declared length, so the body is now known to fit; check anyway.
        if len(request.body) > limit:
            return HttpResponse("failure: body too large", status=413, content_type="text/plain; charset=utf-8")
        return view(request, *args, **kwargs)

    return guarded
