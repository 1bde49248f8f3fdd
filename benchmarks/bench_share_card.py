"""A shareable page inside WeChat (signed wx.config, warm ticket cache) against the same page elsewhere.

Run: DJANGO_SETTINGS_MODULE=fundsite.settings.test .venv/bin/python -m pytest benchmarks/bench_share_card.py
-o addopts="" --benchmark-only -s   (add DATABASE_URL=postgres://… for PostgreSQL)

The ticket is fetched once from the sandbox over HTTP; every timed request signs from the cache. The two
browsers' requests are interleaved so the machine's load falls on both alike. Reported as ratios to a
trivial view measured in the same run, and WeChat's page over the other: the card's cost is a SHA-1, a JSON
block and two script tags; and how many tokens WeChat was asked for.
"""

import statistics
import time

import pytest
from django.core.cache import cache
from django.test import Client
from wagtail.models import Page, Site

from benchmarks.bench_donations import trivial_seconds
from cms_pages.models import HomePage, ProjectIndexPage, ProjectPage
from gateway_sandbox.models import SandboxWechatCredential
from tests.donations.conftest import restore_wagtail_base
from tests.wechat.conftest import SAFARI_UA, WECHAT_UA

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("benchmarks.bench_donations")]
ROUNDS = 200


@pytest.fixture
def project(live_server, settings):
    restore_wagtail_base()
    settings.SITE_BASE_URL = live_server.url
    settings.WECHAT_API_BASE_URL = live_server.url + "/sandbox/wechat"
    cache.clear()
    home = Page.get_first_root_node().add_child(instance=HomePage(title="基准", slug="bench-home"))
    Site.objects.update_or_create(is_default_site=True, defaults={"hostname": "localhost", "root_page": home})
    index = home.add_child(instance=ProjectIndexPage(title="资助项目", slug="projects"))
    return index.add_child(instance=ProjectPage(title="基准项目", slug="bench", summary="分享卡片基准"))


def _once(client, url):
    start = time.perf_counter()
    client.get(url)
    return time.perf_counter() - start


def test_project_page_with_and_without_the_share_card(benchmark, project):
    other, wechat = Client(HTTP_USER_AGENT=SAFARI_UA), Client(HTTP_USER_AGENT=WECHAT_UA)
    assert 'id="wechat-share"' in wechat.get(project.url).content.decode()
    assert 'id="wechat-share"' not in other.get(project.url).content.decode()
    baseline = trivial_seconds(other)
    times = {"other": [], "wechat": []}

    def pair():
        times["other"].append(_once(other, project.url))
        times["wechat"].append(_once(wechat, project.url))

    benchmark.pedantic(pair, rounds=ROUNDS, iterations=1, warmup_rounds=5)
    asked = SandboxWechatCredential.objects.filter(kind="access_token").count()
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    benchmark.extra_info.update({
        "tokens_fetched": asked,
        "other_over_trivial": round(best["other"] / baseline, 1),
        "wechat_over_trivial": round(best["wechat"] / baseline, 1),
        "wechat_over_other_best": round(best["wechat"] / best["other"], 3),
        "wechat_over_other_median": round(median["wechat"] / median["other"], 3),
    })
    print(f"\nproject page, best of {ROUNDS}: other browser {best['other'] * 1000:.1f} ms "
          f"({best['other'] / baseline:.0f}× a trivial view), WeChat with its card {best['wechat'] * 1000:.1f} ms "
          f"({best['wechat'] / baseline:.0f}×); WeChat / other: {best['wechat'] / best['other']:.3f} best, "
          f"{median['wechat'] / median['other']:.3f} median; tokens fetched from WeChat: {asked}")
    assert asked == 1
