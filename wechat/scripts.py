"""Which scripts of WeChat's client a page served to WeChat's browser loads, and what the CSP must allow for them.

In production the JS-SDK comes from WeChat itself (``JSSDK_URL``): the response then allows exactly that
origin in ``script-src``, and only that response (see ``wechat.middleware``); every other visitor's page
keeps the policy that names no other host. In dev and test ``WECHAT_STAND_IN_SCRIPTS`` lists the sandbox's
static stand-ins, loaded from our own origin in place of WeChat's, so the policy stays untouched there.
Any template may ask for them; each script is emitted once per response.
"""

from django.conf import settings
from django.templatetags.static import static

# WeChat's own copy of its JS-SDK. WeChat updates it behind this address and documents loading it from
# here; a copy of ours would go stale and is Tencent's code to redistribute, not ours.
JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"
JSSDK_ORIGIN = "https://res.wx.qq.com"

_EMITTED = "_wechat_scripts_emitted"
_ORIGINS = "_wechat_script_origins"


def client_scripts(request, *, jssdk: bool) -> list[str]:
    """The script URLs still to emit on this response for WeChat's client (``jssdk``: the page needs ``wx``)."""
    stand_ins = list(getattr(settings, "WECHAT_STAND_IN_SCRIPTS", []))
    if stand_ins:
        wanted = [static(name) for name in stand_ins]
    elif jssdk:
        wanted = [JSSDK_URL]
        _attached(request, _ORIGINS, set).add(JSSDK_ORIGIN)
    else:
        wanted = []
    emitted = _attached(request, _EMITTED, set)
    fresh = [url for url in wanted if url not in emitted]
    emitted.update(fresh)
    return fresh


def script_origins(request) -> set[str]:
    """Other origins this response's scripts come from (for the CSP of this response only)."""
    return set(getattr(request, _ORIGINS, ()))


def _attached(request, name, factory):
    value = getattr(request, name, None)
    if value is None:
        value = factory()
        setattr(request, name, value)
    return value
