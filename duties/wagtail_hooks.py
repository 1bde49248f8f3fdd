from django.urls import path
from wagtail import hooks

from duties.views import duty_draft_create


@hooks.register("register_admin_urls")
def register_duty_urls():
    return [path("duties/draft/", duty_draft_create, name="duties_draft_create")]
