"""``{{ url|absolute }}``: a path on this site made absolute with SITE_BASE_URL, for cards read off-site."""

from django import template
from django.conf import settings

register = template.Library()


@register.filter
def absolute(url):
    url = str(url or "")
    return settings.SITE_BASE_URL.rstrip("/") + url if url.startswith("/") else url
