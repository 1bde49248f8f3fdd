"""Public routes of this app; included at the site root by fundsite/urls.py."""

urlpatterns = []
