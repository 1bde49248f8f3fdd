"""The sandbox's official-account API on WeChat's wire format, and the check behind its wx stand-in.

Each bad request and what it gets: grant_type other than client_credential 40002; unknown appid 40013;
wrong secret 40125; over the daily quota 45009; an unknown token 40001; an expired one 42001; a type other
than jsapi 40097; a wx.config for another appid, another domain or a wrong signature its errMsg; a body
that is not JSON a 400. None issues anything.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from gateway_sandbox.keys import wechat_mp_secret
from gateway_sandbox.models import SandboxWechatCredential
from gateway_sandbox.wechat_mp import jssdk_signature

TOKEN = "/sandbox/wechat/cgi-bin/token"
TICKET = "/sandbox/wechat/cgi-bin/ticket/getticket"
CHECK = "/sandbox/wechat/jssdk/config"


@pytest.fixture
def wx(db, keys):
    client = Client()
    client.keys = keys
    return client


def token_params(keys, **overrides):
    return {"grant_type": "client_credential", "appid": keys.wechatpay_appid, "secret": wechat_mp_secret(keys),
            **overrides}


def test_token_and_ticket_answer_in_wechats_format(wx):
    answer = wx.get(TOKEN, token_params(wx.keys)).json()
    assert set(answer) == {"access_token", "expires_in"} and answer["expires_in"] == 7200
    ticket = wx.get(TICKET, {"type": "jsapi", "access_token": answer["access_token"]}).json()
    assert set(ticket) == {"errcode", "errmsg", "ticket", "expires_in"}
    assert ticket["errcode"] == 0 and ticket["errmsg"] == "ok" and ticket["expires_in"] == 7200


def test_a_new_token_leaves_the_old_one_five_minutes(wx):
    first = wx.get(TOKEN, token_params(wx.keys)).json()["access_token"]
    wx.get(TOKEN, token_params(wx.keys))
    old = SandboxWechatCredential.objects.get(value=first)
    assert old.expires_at <= timezone.now() + timedelta(minutes=5)
    assert wx.get(TICKET, {"type": "jsapi", "access_token": first}).json()["errcode"] == 0


@pytest.mark.parametrize(("change", "errcode"), [
    ({"grant_type": "authorization_code"}, 40002),
    ({"appid": "wx0000000000000000"}, 40013),
    ({"secret": "0" * 32}, 40125),
    ({"secret": ""}, 40125),
])
def test_bad_token_requests_get_wechats_errcode_and_issue_nothing(wx, change, errcode):
    answer = wx.get(TOKEN, token_params(wx.keys, **change)).json()
    assert answer["errcode"] == errcode and answer["errmsg"]
    assert "access_token" not in answer
    assert wechat_mp_secret(wx.keys) not in answer["errmsg"]
    assert not SandboxWechatCredential.objects.exists()


def test_the_daily_quota_answers_45009(wx, settings):
    settings.GATEWAY_SANDBOX_WECHAT_DAILY_LIMIT = 2
    for _ in range(2):
        assert "access_token" in wx.get(TOKEN, token_params(wx.keys)).json()
    assert wx.get(TOKEN, token_params(wx.keys)).json()["errcode"] == 45009
    assert SandboxWechatCredential.objects.count() == 2


def test_bad_ticket_requests_get_wechats_errcode(wx):
    token = wx.get(TOKEN, token_params(wx.keys)).json()["access_token"]
    assert wx.get(TICKET, {"type": "jsapi", "access_token": "not-a-token"}).json()["errcode"] == 40001
    assert wx.get(TICKET, {"type": "wx_card", "access_token": token}).json()["errcode"] == 40097
    SandboxWechatCredential.objects.filter(value=token).update(expires_at=timezone.now())
    assert wx.get(TICKET, {"type": "jsapi", "access_token": token}).json()["errcode"] == 42001
    assert not SandboxWechatCredential.objects.filter(kind="jsapi_ticket").exists()


def _config(wx, url, **overrides):
    token = wx.get(TOKEN, token_params(wx.keys)).json()["access_token"]
    ticket = wx.get(TICKET, {"type": "jsapi", "access_token": token}).json()["ticket"]
    config = {"appId": wx.keys.wechatpay_appid, "timestamp": 1700000000, "nonceStr": "abc123",
              "jsApiList": ["updateAppMessageShareData"]}
    config["signature"] = jssdk_signature(ticket=ticket, noncestr="abc123", timestamp=1700000000, url=url)
    return {**config, **overrides}


def test_the_stand_ins_check_accepts_only_the_right_signature_appid_and_domain(wx):
    url = "http://testserver/projects/a/?from=timeline"
    config = _config(wx, url)
    assert wx.post(CHECK, {"config": config, "url": url + "#x"}, content_type="application/json").json() == \
        {"errMsg": "config:ok"}
    bad = {
        "config:invalid signature": {"config": {**config, "signature": "0" * 40}, "url": url},
        "config:invalid appid": {"config": {**config, "appId": "wx0000000000000000"}, "url": url},
        "config:invalid url domain": {"config": config, "url": "http://elsewhere.example/projects/a/"},
    }
    for errmsg, sent in bad.items():
        assert wx.post(CHECK, sent, content_type="application/json").json() == {"errMsg": errmsg}
    assert wx.post(CHECK, {"config": config, "url": "http://testserver/projects/a/"},
                   content_type="application/json").json() == {"errMsg": "config:invalid signature"}


def test_the_stand_ins_check_refuses_a_body_that_is_not_a_config(wx):
    assert wx.post(CHECK, "not json", content_type="application/json").status_code == 400
    assert wx.post(CHECK, [1, 2], content_type="application/json").status_code == 400
    answer = wx.post(CHECK, {"config": "x", "url": "http://testserver/"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["errMsg"].startswith("config:fail")
    assert wx.get(CHECK).status_code == 405
