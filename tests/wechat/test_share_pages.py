"""Share cards on the five shareable page types: OpenGraph for everyone, the JS-SDK card only inside WeChat.

Bad conditions and what they get: a browser other than WeChat's gets no wx.config and no WeChat script;
WeChat's API unreachable gets the page (200) without the card; a page that is not shareable gets none.
"""

import json
import re
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from cms_pages.models import AnnualReportPage, HomePage, ProjectPage, ProjectStoryPage
from donations.models import CampaignPage
from wechat.scripts import JSSDK_ORIGIN, JSSDK_URL

from .conftest import SAFARI_UA, WECHAT_UA

SHARE_DATA = re.compile(r'<script id="wechat-share" type="application/json">(.*?)</script>', re.S)
OG_IMAGE = re.compile(r'<meta property="og:image" content="([^"]+)">')


def shareable_urls():
    """One live page of each shareable type, with the image it should carry, if it has its own."""
    project = ProjectPage.objects.live().exclude(hero_image=None).first()
    campaign = next(c for c in CampaignPage.objects.live() if c.project and c.project.hero_image)
    # The demo's stories have no cover picture: they fall back to the site's default image.
    story = ProjectStoryPage.objects.live().first()
    return {
        "home": HomePage.objects.live().first().url,
        "project": project.url,
        "campaign": campaign.url,
        "story": story.url,
        "report": AnnualReportPage.objects.live().first().url,
    }


def og(html, name):
    found = re.search(rf'<meta property="og:{name}" content="([^"]*)">', html)
    return found.group(1) if found else None


def test_every_shareable_page_has_an_absolute_og_image_title_and_description(client, demo_site, settings):
    base = settings.SITE_BASE_URL.rstrip("/")
    for kind, url in shareable_urls().items():
        response = client.get(url, HTTP_USER_AGENT=SAFARI_UA)
        html = response.content.decode()
        assert response.status_code == 200, kind
        image = og(html, "image")
        assert image and image.startswith(base + "/"), (kind, image)
        assert og(html, "title") and og(html, "description"), kind
        if kind in ("project", "campaign"):
            assert "/media/" in image, (kind, image)  # the page's own picture, as a rendition
        else:
            assert image.endswith(".png") and "/static/img/share-default" in image, (kind, image)
        path = image[len(base):]
        if path.startswith(settings.MEDIA_URL):  # nginx serves media; the rendition must exist on disk
            assert (Path(settings.MEDIA_ROOT) / path[len(settings.MEDIA_URL):]).is_file(), (kind, image)
        else:
            assert client.get(path).status_code == 200, (kind, image)


def test_outside_wechat_no_page_carries_the_card_or_a_wechat_script(client, demo_site):
    for kind, url in shareable_urls().items():
        response = client.get(url, HTTP_USER_AGENT=SAFARI_UA)
        html = response.content.decode()
        assert "wechat-share" not in html and "share.js" not in html and "wx_stand_in" not in html, kind
        assert JSSDK_ORIGIN not in response["Content-Security-Policy"], kind
        assert "User-Agent" in response["Vary"], kind  # a cache must not hand this copy to WeChat


def test_inside_wechat_an_unreachable_api_leaves_the_card_out_and_the_page_renders(client, demo_site, settings):
    settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"
    for kind, url in shareable_urls().items():
        response = client.get(url, HTTP_USER_AGENT=WECHAT_UA)
        assert response.status_code == 200, kind
        assert "wechat-share" not in response.content.decode(), kind


def test_pages_that_are_not_shared_carry_no_card_in_wechat(client, demo_site):
    for url in ("/search/?q=志愿", "/donations/lookup/", "/donations/donors/"):
        response = client.get(url, HTTP_USER_AGENT=WECHAT_UA)
        assert response.status_code == 200, url
        assert "wechat-share" not in response.content.decode(), url


@pytest.fixture
def demo_live(wechat_api):
    import io

    from wagtail.models import Site

    call_command("load_demo", stdout=io.StringIO())
    host, port = wechat_api.url.split("://", 1)[1].split(":")
    Site.objects.filter(is_default_site=True).update(hostname=host, port=int(port))
    return wechat_api


def test_inside_wechat_every_shareable_page_carries_a_card_wechat_accepts(demo_live):
    base = demo_live.url
    for kind, url in shareable_urls().items():
        page_url = base + url + "?from=singlemessage"  # WeChat adds this to links shared in a chat
        response = requests.get(page_url, headers={"User-Agent": WECHAT_UA}, timeout=30)
        html = response.text
        assert response.status_code == 200, kind
        data = json.loads(SHARE_DATA.search(html).group(1))
        card = data["share"]
        assert card["link"] == base + url and card["imgUrl"] == OG_IMAGE.search(html).group(1), kind
        assert card["title"] and card["desc"], kind
        assert data["config"]["jsApiList"] == ["updateAppMessageShareData", "updateTimelineShareData"]
        # Asked as WeChat's client asks: the signature matches the sandbox's ticket and this very URL.
        verdict = requests.post(base + "/sandbox/wechat/jssdk/config", timeout=30,
                                json={"config": data["config"], "url": page_url + "#top"}).json()
        assert verdict == {"errMsg": "config:ok"}, kind
        other = requests.post(base + "/sandbox/wechat/jssdk/config", timeout=30,
                              json={"config": data["config"], "url": base + url}).json()
        assert other == {"errMsg": "config:invalid signature"}, kind
        assert "/static/gateway_sandbox/wx_stand_in.js" in html and "/static/wechat/share.js" in html
        assert JSSDK_URL not in html  # the sandbox stands in for WeChat's own script in dev and test
        assert JSSDK_ORIGIN not in response.headers["Content-Security-Policy"]


def test_in_production_wechat_pages_load_the_jssdk_and_only_they_allow_its_host(demo_live, settings):
    settings.WECHAT_STAND_IN_SCRIPTS = []
    url = demo_live.url + ProjectPage.objects.live().first().url
    inside = requests.get(url, headers={"User-Agent": WECHAT_UA}, timeout=30)
    outside = requests.get(url, headers={"User-Agent": SAFARI_UA}, timeout=30)
    assert f'<script src="{JSSDK_URL}" defer></script>' in inside.text
    script_src = re.search(r"script-src ([^;]+)", inside.headers["Content-Security-Policy"]).group(1).split()
    assert JSSDK_ORIGIN in script_src and "'unsafe-inline'" not in script_src
    assert JSSDK_ORIGIN not in outside.headers["Content-Security-Policy"]
    assert JSSDK_URL not in outside.text
    search = requests.get(demo_live.url + "/search/", headers={"User-Agent": WECHAT_UA}, timeout=30)
    assert JSSDK_ORIGIN not in search.headers["Content-Security-Policy"]
