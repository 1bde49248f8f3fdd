"""Beside the donor privacy scan: the official account's secret, access_token and jsapi_ticket never go public.

Pages are fetched with WeChat's user agent, so each carries a signed wx.config made from the ticket; the
scan covers every page and API answer and every log line of the run, including the refusals (bad secret)
and an unreachable API.
"""

import json
import logging

import requests
from django.core.cache import cache

from gateway_sandbox.models import SandboxWechatCredential

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN")
API = "/api/donations"


def test_no_page_log_or_api_shows_the_wechat_secret_token_or_ticket(sandbox, campaign, settings, caplog):
    settings.WECHAT_API_BASE_URL = sandbox.url + "/sandbox/wechat"
    secret = settings.WECHAT_MP_SECRET
    urls = ["/", campaign.url, campaign.get_parent().url, f"/api/v3/pages/{campaign.pk}/",
            f"{API}/campaigns/{campaign.pk}/totals", f"{API}/openapi.json", "/donations/donors/"]
    bodies = []
    with caplog.at_level(logging.DEBUG):
        for url in urls:
            response = requests.get(sandbox.url + url, headers={"User-Agent": WECHAT_UA}, timeout=30)
            assert response.status_code == 200, url
            body = response.text
            if response.headers["Content-Type"].startswith("application/json"):
                body = json.dumps(response.json(), ensure_ascii=False)
            bodies.append((url, body, str(response.headers)))
        # The refusals log too: a wrong secret (40125), then WeChat out of reach.
        cache.clear()
        settings.WECHAT_MP_SECRET = "f" * 32
        bodies.append(("bad secret", requests.get(sandbox.url + campaign.url, headers={"User-Agent": WECHAT_UA},
                                                  timeout=30).text, ""))
        cache.clear()
        settings.WECHAT_API_BASE_URL = "http://127.0.0.1:9"
        bodies.append(("unreachable", requests.get(sandbox.url + campaign.url,
                                                   headers={"User-Agent": WECHAT_UA}, timeout=30).text, ""))
    assert any('id="wechat-share"' in body for _, body, _ in bodies), "no page carried a signed card to scan"
    credentials = list(SandboxWechatCredential.objects.values_list("value", flat=True))
    assert len(credentials) >= 2  # a token and a ticket were issued and are looked for below
    logged = caplog.text
    assert "errcode=40125" in logged and "ConnectionError" in logged
    for value in (secret, "f" * 32, *credentials):
        for url, body, headers in bodies:
            assert value not in body and value not in headers, f"a credential leaked on {url}"
        assert value not in logged, "a credential leaked in a log line"
