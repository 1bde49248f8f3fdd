"""The official account's routes, under /wechat/ (the OAuth callback is what 网页授权域名 must allow)."""

from django.urls import path

from wechat import views

app_name = "wechat"

urlpatterns = [
    path("oauth/start/", views.oauth_start, name="oauth_start"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
]
