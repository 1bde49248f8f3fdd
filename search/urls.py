"""Public routes of this app; included at the site root by fundsite/urls.py."""

from django.urls import path

from search import views

urlpatterns = [
    path("search/", views.search_page, name="search"),
]
