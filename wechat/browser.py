"""Which browser the visitor is in: WeChat's own in-app browser blocks Alipay and WeChat H5 pay."""

WECHAT_MARKER = "MicroMessenger"
# WeChat Work (企业微信) and the desktop client carry MicroMessenger too, but cannot run JSAPI pay
# as an official-account page; they are treated as ordinary browsers.
NOT_IN_APP_MARKERS = ("wxwork", "WindowsWechat", "MacWechat")


def in_wechat(request) -> bool:
    """True inside WeChat's phone browser, where only JSAPI payment works."""
    agent = request.META.get("HTTP_USER_AGENT", "")
    return WECHAT_MARKER in agent and not any(marker in agent for marker in NOT_IN_APP_MARKERS)
