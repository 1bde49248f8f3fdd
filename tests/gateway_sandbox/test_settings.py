"""The sandbox is wired into dev and test only; production settings refuse it."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def run_python(code, settings_module):
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": settings_module, "SECRET_KEY": "x" * 50,
           "LEDGER_SIGNING_KEY": "A" * 43 + "="}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_test_settings_point_our_clients_at_the_sandbox():
    assert settings.ALIPAY_GATEWAY_URL.endswith(reverse("gateway_sandbox:alipay_gateway"))
    assert settings.WECHATPAY_BASE_URL.endswith("/sandbox/wechatpay")
    assert settings.ALIPAY_APP_PRIVATE_KEY.startswith("-----BEGIN PRIVATE KEY-----")


def test_production_settings_do_not_install_the_sandbox():
    result = run_python(
        "import django; django.setup(); from django.apps import apps; from django.conf import settings;"
        "print(apps.is_installed('gateway_sandbox'), settings.GATEWAY_SANDBOX_ENABLED)",
        "fundsite.settings.production",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_production_settings_refuse_a_listed_sandbox():
    result = run_python(
        "import fundsite.settings.base as base; base.INSTALLED_APPS.append('gateway_sandbox');"
        "import fundsite.settings.production",
        "fundsite.settings.production",
    )
    assert result.returncode != 0 and "gateway_sandbox must never be installed in production" in result.stderr


def test_the_app_refuses_to_start_unless_settings_enable_it():
    result = run_python(
        "from django.conf import settings; import django;"
        "settings.configure(INSTALLED_APPS=['gateway_sandbox'], GATEWAY_SANDBOX_ENABLED=False); django.setup()",
        "",
    )
    assert result.returncode != 0 and "GATEWAY_SANDBOX_ENABLED is not True" in result.stderr
