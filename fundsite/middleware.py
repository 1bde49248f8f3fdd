"""Response headers every page gets: Permissions-Policy, and no caching of pages about one donor's gift."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

from fundsite.csp import nonce_activate, nonce_deactivate


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
