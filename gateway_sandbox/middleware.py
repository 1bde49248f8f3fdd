"""In dev and test only: pages opened with WeChat's user agent get the sandbox's WeixinJSBridge stand-in.

Real WeChat injects WeixinJSBridge into every page of its browser; the sandbox does the same with a static
script from this origin (so the site's CSP holds), and only where the settings install the sandbox.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

WECHAT_MARKER = "MicroMessenger"
NOT_IN_APP_MARKERS = ("wxwork", "WindowsWechat", "MacWechat")
SKIP_PREFIXES = ("/admin/", "/sandbox/", "/static/", "/media/", "/documents/")


def _wechat_phone(request):
    agent = request.META.get("HTTP_USER_AGENT", "")
    return WECHAT_MARKER in agent and not any(marker in agent for marker in NOT_IN_APP_MARKERS)


class WeixinJSBridgeMiddleware:
    """Adds ``<script src=…weixin_bridge.js>`` before ``</head>`` of HTML pages seen in WeChat's browser."""

    def __init__(self, get_response):
        if not getattr(settings, "GATEWAY_SANDBOX_ENABLED", False):  # production.py forbids it: never injected there
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (not _wechat_phone(request) or request.path.startswith(SKIP_PREFIXES) or response.streaming
                or not response.get("Content-Type", "").startswith("text/html")):
            return response
        tag = format_html('<script src="{}" data-endpoint="{}" defer></script>',
                          static("gateway_sandbox/weixin_bridge.js"), reverse("gateway_sandbox:wechat_jsbridge_pay"))
        content = response.content.decode(response.charset or "utf-8")
        if "</head>" not in content:
            return response
        response.content = content.replace("</head>", tag + "</head>", 1).encode(response.charset or "utf-8")
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response
