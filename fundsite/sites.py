"""The Wagtail Site's host and port follow SITE_BASE_URL.

Wagtail builds every absolute page address (og:url, the sitemap, canonical links, moderation e-mails, the API's
html_url) from the default Site record, not from settings; a Site left at localhost:80 sends readers and crawlers
to `http://localhost/`. The demo loader and `manage.py site_sync` (production, after migrate) call this.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from wagtail.models import Site


def base_url_host_port(base_url: str) -> tuple[str, int]:
    """Host name and port of an http(s) address, the port defaulting to the scheme's."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"SITE_BASE_URL 须为 http(s):// 开头的完整地址，而不是 {base_url!r}")
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def default_site_sync(base_url: str | None = None) -> Site | None:
    """Point the default Site at SITE_BASE_URL's host and port; None when there is no default Site yet."""
    hostname, port = base_url_host_port(base_url or settings.SITE_BASE_URL)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return None
    if (site.hostname, site.port) != (hostname, port):
        # Another Site already on that address would make the pair ambiguous: it stops being the default's rival.
        Site.objects.filter(hostname=hostname, port=port).exclude(pk=site.pk).delete()
        site.hostname, site.port = hostname, port
        site.save(update_fields=["hostname", "port"])
    return site


def demo_load(context, stdout) -> None:
    """Demo loader step (settings.DEMO_LOADERS): the demo's Site answers at SITE_BASE_URL."""
    site = default_site_sync()
    if site is not None:
        stdout.write(f"站点地址：{site.root_url}/")
