"""Fixtures for the sandbox gateway: our side's real SDK clients and a merchant endpoint that records."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from alipay import AliPay
from django.test import Client
from wechatpayv3 import WeChatPay, WeChatPayType

from gateway_sandbox.config import current_keys


@pytest.fixture
def keys():
    return current_keys()


class Merchant:
    """A real HTTP server standing in for our notify_url: records each delivery, answers as told."""

    def __init__(self):
        self.received = []
        self.answers = []  # (status, body) per delivery, in order; then `default`
        self.default = (200, b"success")
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/notify"

    def _handler(self):
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8")
                with merchant.lock:
                    merchant.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                    status, answer = merchant.answers.pop(0) if merchant.answers else merchant.default
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def forms(self):
        """Alipay deliveries as dicts of their form fields (URL-decoded)."""
        return [dict(parse_qsl(item["body"], keep_blank_values=True)) for item in self.received]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def merchant():
    server = Merchant()
    yield server
    server.close()


@pytest.fixture
def alipay_sdk(keys):
    """Our side's Alipay client (python-alipay-sdk), pointed at the sandbox."""
    return AliPay(
        appid=keys.alipay_app_id, app_notify_url=None, app_private_key_string=keys.alipay_app_private_key,
        alipay_public_key_string=keys.alipay_public_key, sign_type="RSA2",
    )


class AlipayCaller:
    """Sends SDK-signed requests to the sandbox through Django's test client and verifies answers with the SDK."""

    def __init__(self, sdk, client):
        self.sdk, self.client = sdk, client

    def signed_query(self, method, biz, **extra):
        return self.sdk.sign_data(self.sdk.build_body(method, biz, **extra))

    def get(self, method, biz, **extra):
        return self.client.get("/sandbox/alipay/gateway.do?" + self.signed_query(method, biz, **extra))

    def call(self, method, biz):
        """The SDK's own verification of the signed synchronous answer; returns the inner object."""
        raw = self.get(method, biz).content.decode("utf-8")
        return self.sdk._verify_and_return_sync_response(raw, method.replace(".", "_") + "_response")


@pytest.fixture
def alipay_api(alipay_sdk, db):
    return AlipayCaller(alipay_sdk, Client())


def wechatpay_client(keys, base_url, *, private_key=None):
    """Our side's WeChat Pay client (wechatpayv3, public-key mode) with its gateway moved to the sandbox."""
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE, mchid=keys.wechatpay_mchid,
        private_key=private_key or keys.wechatpay_merchant_private_key, cert_serial_no=keys.wechatpay_merchant_serial_no,
        appid=keys.wechatpay_appid, apiv3_key=keys.wechatpay_apiv3_key, public_key=keys.wechatpay_platform_public_key,
        public_key_id=keys.wechatpay_public_key_id,
    )
    client._core._gate_way = base_url  # the client fixes api.mch.weixin.qq.com; the sandbox lives here
    return client


@pytest.fixture
def wechat(keys, live_server):
    return wechatpay_client(keys, live_server.url + "/sandbox/wechatpay")


@pytest.fixture
def vectors():
    path = os.environ.get("PAYMENT_VECTORS")
    if not path:
        pytest.skip("PAYMENT_VECTORS is not set: the genuine gateway-signed vectors file is not available")
    with open(path, encoding="utf-8") as file:
        return json.load(file)


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
