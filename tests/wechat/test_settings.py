"""Dev and test point the official account's client at the sandbox; production loads WeChat's own JS-SDK."""

from django.conf import settings
from django.urls import reverse

from tests.gateway_sandbox.test_settings import run_python


def test_test_settings_point_the_official_account_at_the_sandbox():
    assert settings.WECHAT_API_BASE_URL.endswith("/sandbox/wechat")
    assert reverse("gateway_sandbox:wechat_token") == "/sandbox/wechat/cgi-bin/token"
    assert settings.WECHAT_MP_APPID == settings.WECHATPAY_APPID and len(settings.WECHAT_MP_SECRET) == 32
    assert settings.WECHAT_STAND_IN_SCRIPTS == ["gateway_sandbox/wx_stand_in.js"]


def test_production_has_no_stand_in_scripts_and_talks_to_wechat():
    result = run_python(
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.WECHAT_STAND_IN_SCRIPTS, settings.WECHAT_API_BASE_URL)",
        "fundsite.settings.production",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "https://api.weixin.qq.com"]
