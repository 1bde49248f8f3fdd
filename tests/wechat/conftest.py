"""Fixtures for the official account's client: the sandbox's API served live, and WeChat's user agent."""

import pytest
from django.core.cache import cache

from gateway_sandbox.models import SandboxWechatCredential

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
SAFARI_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _empty_token_cache():
    """Tokens and tickets live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wechat_api(transactional_db, live_server, settings):
    """Our client pointed at the sandbox's official-account API on the live test server."""
    from tests.donations.conftest import restore_wagtail_base

    restore_wagtail_base()
    settings.SITE_BASE_URL = live_server.url
    settings.WECHAT_API_BASE_URL = live_server.url + "/sandbox/wechat"
    return live_server


def issued(kind):
    """How many of ``kind`` the sandbox has handed out: WeChat counts these against the daily quota."""
    return SandboxWechatCredential.objects.filter(kind=kind).count()
