"""The two ends of the official account's OAuth: send the donor to WeChat, take the code back."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from wechat import oauth
from wechat.session import openid_remember


def _refused(request, error: oauth.OAuthError, *, retry_next="/"):
    return render(request, "wechat/oauth_error.html", {"message": error.message, "retry_next": retry_next},
                  status=error.status)


@require_GET
def oauth_start(request):
    """Remember a fresh state and where to return, then go to WeChat's authorize page (silent in WeChat)."""
    state = oauth.state_issue(request, next_path=request.GET.get("next", "/"))
    redirect_uri = request.build_absolute_uri(reverse("wechat:oauth_callback"))
    return HttpResponseRedirect(oauth.authorize_url(redirect_uri=redirect_uri, state=state))


@require_GET
def oauth_callback(request):
    """Check the state against the session (once), exchange the code, remember the openid, go on."""
    try:
        next_path = oauth.state_take(request, request.GET.get("state"))
    except oauth.OAuthError as error:
        return _refused(request, error)
    try:
        openid = oauth.code_exchange(request.GET.get("code"))
    except oauth.OAuthError as error:
        return _refused(request, error, retry_next=next_path)
    openid_remember(request, openid)
    return HttpResponseRedirect(next_path)
