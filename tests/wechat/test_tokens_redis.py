"""The same sharing, with Redis as the cache several gunicorn workers would share (skipped without Redis)."""

import threading

import pytest
import redis
from django.core.cache import cache

from gateway_sandbox.models import SandboxWechatCredential
from wechat import tokens
from wechat.tokens import access_token, jsapi_ticket

from .conftest import issued

REDIS = "redis://127.0.0.1:6379/9"
Kind = SandboxWechatCredential.Kind


@pytest.fixture
def redis_cache(settings):
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS}")
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS,
                                   "KEY_PREFIX": "fundsite-wechat-test"}}
    _forget()
    yield
    _forget()


def _forget():
    """Only our keys: clear() would empty the whole Redis database, whoever else uses it."""
    keys = [tokens._key(kind) for kind in ("access_token", "jsapi_ticket")]
    cache.delete_many([key + suffix for key in keys for suffix in ("", ":lock", ":failed")])


def test_threads_sharing_redis_fetch_one_token_and_one_ticket(wechat_api, redis_cache):
    results = []
    threads = [threading.Thread(target=lambda: results.append(jsapi_ticket())) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(set(results)) == 1
    assert issued(Kind.ACCESS_TOKEN) == 1 and issued(Kind.JSAPI_TICKET) == 1


def test_the_lock_is_a_redis_key_another_worker_sees(wechat_api, redis_cache):
    first = access_token()
    assert cache.add(tokens._key("access_token") + ":lock", 1, timeout=5)
    assert not cache.add(tokens._key("access_token") + ":lock", 1, timeout=5)  # a second worker is refused
    assert access_token() == first  # and still signs with the shared copy
    assert issued(Kind.ACCESS_TOKEN) == 1
