"""``{% wechat_share %}``: a page's share card inside WeChat; ``{% wechat_client_scripts %}``: the client stand-ins."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path

from ..browser import in_wechat
from ..jssdk import config_for
from ..middleware import mark_varies
from ..scripts import client_scripts

register = template.Library()


def _absolute(url):
    url = str(url or "")
    return settings.SITE_BASE_URL.rstrip("/") + url if url.startswith("/") else url


def _wechat_request(context):
    """The page's request when it is WeChat's browser, else None; either way the response varies by user agent."""
    request = context.get("request")
    if request is None:
        return None
    mark_varies(request)
    return request if in_wechat(request) else None


@register.simple_tag(takes_context=True)
def wechat_share(context, *, title, desc, image, link=""):
    """The ``wx.config`` for the URL this page was requested with, and the card; nothing outside WeChat.

    When WeChat cannot be reached the card is left out (WeChat then shows a plain link) and the page renders.
    """
    request = _wechat_request(context)
    if request is None:
        return ""
    config = config_for(settings.SITE_BASE_URL.rstrip("/") + request.get_full_path())
    if config is None:
        return ""
    share = {"title": str(title), "desc": str(desc), "link": _absolute(link or escape_uri_path(request.path)),
             "imgUrl": _absolute(image)}
    return render_to_string("wechat/share.html", {
        "data": {"config": config, "share": share},
        "scripts": client_scripts(request, jssdk=True),
    })


@register.simple_tag(takes_context=True)
def wechat_client_scripts(context):
    """The sandbox's stand-ins for WeChat's client (dev, test), on pages served to WeChat's browser only."""
    request = _wechat_request(context)
    if request is None:
        return ""
    return render_to_string("wechat/scripts.html", {"scripts": client_scripts(request, jssdk=False)})
