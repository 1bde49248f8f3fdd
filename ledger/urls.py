"""Public routes of this app; included at the site root by fundsite/urls.py."""

from django.urls import include, path, register_converter

from ledger import views
from ledger.api import log_api


class FormatConverter:
    """json or csv, the two open-data formats."""

    regex = "json|csv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(FormatConverter, "fmt")

public = [
    path("fund/", views.fund_page, name="fund"),
    path("fund/ledger.<fmt:fmt>", views.ledger_download, name="download"),
    path("fund/verify/", views.verify_page, name="verify"),
    path("fund/<int:year>/figures.<fmt:fmt>", views.year_figures_download, name="year_figures"),
    path("fund/log/", views.log_page, name="log"),
    path("fund/log/verify_log.py", views.verifier_download, name="verifier"),
    path("fund/log/witness.py", views.witness_download, name="witness"),
]

urlpatterns = [
    path("", include((public, "ledger"))),
    # The log API keeps its own namespace so its OpenAPI document can reverse its routes.
    path("fund/log/", log_api.urls),
]
