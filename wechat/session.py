"""The one place the donor's openid lives between requests: their own session, never a page or a log."""

SESSION_KEY = "wechat_openid"


def openid_remember(request, openid: str) -> None:
    request.session[SESSION_KEY] = openid
    # A new identity in this session: a fresh session id, so a fixed one cannot be ridden.
    request.session.cycle_key()


def openid_of(request) -> str:
    return request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""


def openid_forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
