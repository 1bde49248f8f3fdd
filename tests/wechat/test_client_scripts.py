"""``{% wechat_client_scripts %}``: the sandbox's stand-ins for WeChat's client, for any template that needs them.

Emitted only to WeChat's browser, only where settings list stand-ins (dev, test), once per response
however many templates ask; with none listed (production) it emits nothing and the CSP is untouched.
"""

from django.template import engines
from django.test import RequestFactory

from wechat.scripts import script_origins

from .conftest import SAFARI_UA, WECHAT_UA

TWICE = "{% load wechat_tags %}{% wechat_client_scripts %}{% wechat_client_scripts %}"


def render(agent):
    request = RequestFactory().get("/", HTTP_USER_AGENT=agent)
    return engines["django"].from_string(TWICE).render({}, request), request


def test_stand_ins_go_to_wechat_once_per_response():
    html, request = render(WECHAT_UA)
    assert html.count("<script") == 1 and '/static/gateway_sandbox/wx_stand_in.js" defer' in html
    assert script_origins(request) == set()


def test_other_browsers_get_no_stand_in():
    html, _ = render(SAFARI_UA)
    assert "<script" not in html


def test_with_no_stand_ins_listed_nothing_is_emitted_nor_allowed(settings):
    settings.WECHAT_STAND_IN_SCRIPTS = []
    html, request = render(WECHAT_UA)
    assert "<script" not in html and script_origins(request) == set()
