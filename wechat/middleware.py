"""Per-response policy for pages that load WeChat's client: the one extra script origin, and Vary."""

from django.utils.cache import patch_vary_headers

from .scripts import script_origins

VARIES = "_wechat_varies_by_browser"


def mark_varies(request):
    """This response differs inside WeChat's browser: caches must keep the two apart."""
    setattr(request, VARIES, True)


class WechatClientPolicyMiddleware:
    """Lets the JS-SDK's origin into ``script-src`` only on the response that loads it.

    Must sit after django-csp's middleware in MIDDLEWARE, so it sees the response first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origins = script_origins(request)
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["script-src"] = sorted({*update.get("script-src", ()), *origins})
            response._csp_update = update
        if getattr(request, VARIES, False):
            patch_vary_headers(response, ["User-Agent"])
        return response
