"""Fixtures for donations: campaigns in a real page tree, orders, and gateway messages signed with real keys."""

import base64
import json
import os
import re
import secrets
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone

from cms_pages.models import ProjectPage
from donations.models import CampaignPage, DonationStatus
from donations.services import donation_create
from gateway_sandbox.keys import sandbox_keys


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def restore_wagtail_base():
    """What Wagtail's and our migrations create, put back when a transactional test elsewhere flushed it."""
    import importlib

    from django.apps import apps
    from django.conf import settings as django_settings
    from wagtail.models import Collection, Locale, Page

    Locale.objects.get_or_create(language_code=django_settings.LANGUAGE_CODE)
    if not Collection.get_first_root_node():
        Collection.add_root(name="Root")
    if not Page.get_first_root_node():
        Page.add_root(instance=Page(title="Root", slug="root"))
    importlib.import_module("ledger.migrations.0002_finance_group_and_chain_head").create_finance_group(apps, None)
    importlib.import_module("donations.migrations.0003_finance_permissions").grant(apps, None)
    importlib.import_module("donations.migrations.0004_append_only_admin").narrow_permissions(apps, None)


@pytest.fixture
def wagtail_base(db):
    restore_wagtail_base()


@pytest.fixture
def transactional_base(transactional_db):
    restore_wagtail_base()


@pytest.fixture
def home(wagtail_base, home):
    return home


@pytest.fixture
def demo_site(wagtail_base, demo_site):
    return demo_site


@pytest.fixture
def keys():
    return sandbox_keys(settings.GATEWAY_SANDBOX_KEYS_FILE)


@pytest.fixture
def project(project_index):
    return project_index.add_child(instance=ProjectPage(title="壹元救护车志愿服务项目", slug="ambulance", summary="测试项目"))


@pytest.fixture
def campaign(project):
    return project.add_child(instance=CampaignPage(
        title="壹元救护车募捐", slug="give", intro="为救护车募捐", goal=Decimal("10000.00"),
        starts_on=timezone.localdate() - timedelta(days=10), ends_on=timezone.localdate() + timedelta(days=20),
        fundraiser_name="中国志愿服务基金会", fundraiser_uscc="TESTUSCC000000000X", qualification="测试资格",
        filing_number="TEST-FILING-1",
    ))


@pytest.fixture
def fund_campaign(home):
    return home.add_child(instance=CampaignPage(
        title="志愿城市·太原 公益募捐", slug="donate", intro="支持基金", goal=Decimal("100000.00"),
        starts_on=timezone.localdate() - timedelta(days=1),
    ))


def make_donation(campaign, *, amount="100.00", gateway="alipay", channel="page", status=DonationStatus.PENDING,
                  **donor):
    donor.setdefault("donor_name", "张三")
    donation = donation_create(campaign=campaign, amount=amount, gateway=gateway, channel=channel, **donor)
    if status == DonationStatus.PENDING:
        donation.status = DonationStatus.PENDING
        donation.save(update_fields=["status"])
    return donation


@pytest.fixture
def donation(campaign):
    return make_donation(campaign, email="donor@example.com", phone="13800001234")


def alipay_sign(params: dict, private_key_pem: str) -> dict:
    """Sign a notification exactly as Alipay does: no sign/sign_type, no empty values, sorted, RSA2."""
    content = "&".join(f"{k}={v}" for k, v in sorted(params.items())
                       if k not in ("sign", "sign_type") and v not in ("", None))
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    signature = key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    return {**params, "sign_type": "RSA2", "sign": base64.b64encode(signature).decode()}


def alipay_params(keys, donation, **overrides):
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    params = {
        "notify_time": now, "notify_type": "trade_status_sync", "notify_id": secrets.token_hex(16),
        "app_id": keys.alipay_app_id, "auth_app_id": keys.alipay_app_id, "charset": "utf-8", "version": "1.0",
        "trade_no": "2026" + donation.out_trade_no, "out_trade_no": donation.out_trade_no,
        "buyer_id": "2088000000000001", "seller_id": keys.alipay_seller_id, "trade_status": "TRADE_SUCCESS",
        "total_amount": f"{donation.amount:.2f}", "receipt_amount": f"{donation.amount:.2f}",
        "subject": "捐赠", "gmt_create": now, "gmt_payment": now,
        "fund_bill_list": json.dumps([{"amount": f"{donation.amount:.2f}", "fundChannel": "ALIPAYACCOUNT"}],
                                     separators=(",", ":")),
    }
    params.update(overrides)
    return params


@pytest.fixture
def alipay_notification(keys):
    """Build a signed Alipay notification for an order; `sign_with` swaps in another private key."""

    def build(donation, *, sign_with=None, **overrides):
        return alipay_sign(alipay_params(keys, donation, **overrides), sign_with or keys.alipay_private_key)

    return build


@pytest.fixture
def wechat_notification(keys):
    """Build a WeChat Pay v3 notification: encrypted resource, five signed headers (as Django META)."""

    def build(resource: dict, *, event_type="TRANSACTION.SUCCESS", timestamp=None, sign_with=None,
              apiv3_key=None, serial=None):
        nonce = secrets.token_hex(6)
        key = (apiv3_key or keys.wechatpay_apiv3_key).encode()
        ciphertext = AESGCM(key).encrypt(nonce.encode(), json.dumps(resource).encode(), b"transaction")
        body = json.dumps({
            "id": secrets.token_hex(8), "create_time": timezone.now().isoformat(), "resource_type": "encrypt-resource",
            "event_type": event_type, "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(ciphertext).decode(), "associated_data": "transaction",
                         "nonce": nonce},
        })
        ts = str(int(timestamp if timestamp is not None else time.time()))
        header_nonce = secrets.token_hex(16)
        private = serialization.load_pem_private_key(
            (sign_with or keys.wechatpay_platform_private_key).encode(), password=None
        )
        signature = private.sign(f"{ts}\n{header_nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256())
        headers = {
            "HTTP_WECHATPAY_SERIAL": serial or keys.wechatpay_public_key_id,
            "HTTP_WECHATPAY_SIGNATURE": base64.b64encode(signature).decode(),
            "HTTP_WECHATPAY_TIMESTAMP": ts, "HTTP_WECHATPAY_NONCE": header_nonce,
            "HTTP_WECHATPAY_SIGNATURE_TYPE": "WECHATPAY2-SHA256-RSA2048",
        }
        return body, headers

    return build


def wechat_resource(keys, donation, **overrides):
    resource = {
        "appid": keys.wechatpay_appid, "mchid": keys.wechatpay_mchid, "out_trade_no": donation.out_trade_no,
        "transaction_id": "4200" + donation.out_trade_no, "trade_type": "NATIVE", "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功", "bank_type": "OTHERS", "success_time": timezone.now().isoformat(),
        "payer": {"openid": "oTEST"}, "amount": {"total": int(donation.amount * 100), "payer_total":
                                                  int(donation.amount * 100), "currency": "CNY"},
    }
    resource.update(overrides)
    return resource


def post_alipay(client, params):
    """POST a notification as Alipay does: application/x-www-form-urlencoded, UTF-8."""
    from urllib.parse import urlencode

    return client.post("/donations/notify/alipay/", urlencode(params),
                       content_type="application/x-www-form-urlencoded; charset=utf-8")


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else ""


@pytest.fixture
def sandbox(transactional_base, live_server, settings):
    """Point our clients and callbacks at the live test server, where the sandbox gateway runs."""
    settings.SITE_BASE_URL = live_server.url
    settings.ALIPAY_GATEWAY_URL = live_server.url + "/sandbox/alipay/gateway.do"
    settings.WECHATPAY_BASE_URL = live_server.url + "/sandbox/wechatpay"
    return live_server


def cashier_pay(url):
    """What the donor does in the sandbox's cashier: open the page, press pay."""
    session = requests.Session()
    page = session.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update(csrfmiddlewaretoken=token, action="pay")
    return session.post(page.url, data=fields, headers={"Referer": page.url}, timeout=30)
