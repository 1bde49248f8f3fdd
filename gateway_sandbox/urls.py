"""The sandbox gateway's addresses, mounted under /sandbox/ by fundsite/urls.py."""

urlpatterns = []
