"""Project-wide middleware: response headers every page gets (Permissions-Policy, no caching of pages about one
donor's gift), and the refusal of control characters before any view reads a request."""

from django.conf import settings
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.utils.cache import add_never_cache_headers

from fundsite.csp import nonce_activate, nonce_deactivate
from fundsite.inputs import CONTROL_MESSAGE, has_control_chars

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _refuse(message: str) -> HttpResponse:
    # Plain text and never the input itself: nothing a stranger sends is echoed back.
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


class InputCheckMiddleware:
    """Refuse, with a plain 400, control characters in the path, query string and form fields before any view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if has_control_chars(request.path_info):
            return _refuse("请求地址中含有不允许的控制字符（如 NUL），已拒绝。")
        for key, values in request.GET.lists():
            if has_control_chars(key) or any(has_control_chars(value) for value in values):
                return _refuse("查询参数中含有不允许的控制字符（如 NUL），已拒绝。")
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Gateway notifications must be stored byte for byte, whatever they hold; their views are marked.
        if getattr(view_func, "body_check_exempt", False) or request.method not in ("POST", "PUT", "PATCH"):
            return None
        # Staff forms in the admin and the giving form answer with the form again and their own message (Django's
        # CharField refuses NUL; the giving form and services refuse other controls), so what was typed is kept.
        if request.path_info.startswith(tuple(settings.INPUT_BODY_CHECK_SKIP_PREFIXES)):
            return None
        if not request.content_type or request.content_type not in FORM_TYPES:
            return None
        try:
            if request.content_type == "multipart/form-data":
                # Keep the raw body readable for the view (an API may read request.body after us): parse a copy.
                request.body  # noqa: B018 - reading it caches it, and POST is then parsed from the cache
            fields = list(request.POST.lists())
        except RawPostDataException:
            return None
        except MultiPartParserError:
            return _refuse("表单数据格式错误，已拒绝。")
        for key, values in fields:
            if has_control_chars(key) or any(has_control_chars(value) for value in values):
                return _refuse(CONTROL_MESSAGE)
        return None


def _private(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is not None and set(match.namespaces) & set(settings.PRIVATE_URL_NAMESPACES):
        return True
    return request.path_info.startswith(tuple(settings.PRIVATE_URL_PREFIXES))


class SecurityHeadersMiddleware:
    """Adds the headers Django's SecurityMiddleware and django-csp do not send; lends widgets the nonce."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allow)})" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        token = nonce_activate(request)
        try:
            response = self.get_response(request)
        finally:
            nonce_deactivate(token)
        response.setdefault("Permissions-Policy", self.permissions_policy)
        # An order's pages carry a donor's name, amount and resume link: no shared cache,
        # no back-button copy on a shared computer.
        if _private(request):
            add_never_cache_headers(response)
        return response
