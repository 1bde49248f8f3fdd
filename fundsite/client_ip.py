"""The client's address as the site's own proxies report it, for every app's flood guards."""

import ipaddress

from django.conf import settings


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's address, believing X-Forwarded-For only as far as TRUSTED_PROXY_HOPS proxies wrote it.

    Each trusted proxy appends the address it saw; entries left of those are whatever the client
    claimed. With 0 hops (gunicorn reached directly) the header is ignored altogether.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops <= 0:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if len(entries) < hops:
        return remote
    chosen = entries[-hops]
    return chosen if _is_ip(chosen) else remote
